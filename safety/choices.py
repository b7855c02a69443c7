from django.db import models
from django.utils.translation import gettext_lazy as _

from logistics.choices import BadgeChoices


class InspectionKind(models.TextChoices):
    WEEKLY = "weekly", _("每周安全检查")
    MONTHLY = "monthly", _("每月全面大检查")
    CLOSING = "closing", _("每日闭园巡视（水电门窗）")


class InspectionStatus(BadgeChoices):
    OPEN = "open", _("待检查")
    SUBMITTED = "submitted", _("已提交")

    __colors__ = {"open": "warning", "submitted": "success"}


class InspectionAction(models.TextChoices):
    SUBMIT = "submit", _("签名提交")


class ItemResult(BadgeChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")

    __colors__ = {"pass": "success", "fail": "danger", "na": "secondary"}


class RiskLevel(BadgeChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    MAJOR = "major", _("重大")

    __colors__ = {"low": "secondary", "medium": "warning", "high": "danger", "major": "danger"}


class HazardStatus(BadgeChoices):
    FOUND = "found", _("已发现")
    ASSIGNED = "assigned", _("整改中")
    RECTIFIED = "rectified", _("已整改待验收")
    VERIFIED = "verified", _("已验收销号")
    # 误报 / raised by mistake: an end state beside 已验收销号, reached only before verification; the
    # hazard stays in the register, counted as neither open nor rectified.
    WITHDRAWN = "withdrawn", _("已撤销")

    __colors__ = {
        "found": "secondary",
        "assigned": "primary",
        "rectified": "info",
        "verified": "success",
        "withdrawn": "light",
    }


class HazardAction(models.TextChoices):
    ASSIGN = "assign", _("交办整改")
    RECTIFY = "rectify", _("登记整改")
    VERIFY = "verify", _("验收销号")
    REJECT = "reject", _("退回整改")
    WITHDRAW = "withdraw", _("撤销（误报）")
    # not offered on the page: a withdrawn hazard is found again when its checklist item is corrected
    # back to a failure (services.hazards._hazard_follows_item)
    REOPEN = "reopen", _("撤销后重新登记")


class DrillKind(models.TextChoices):
    FIRE = "fire", _("消防疏散")
    EARTHQUAKE = "earthquake", _("地震疏散")
    ANTI_TERROR = "anti_terror", _("防恐防暴")
    OTHER = "other", _("其他")


class DrillStatus(BadgeChoices):
    PLANNED = "planned", _("已计划")
    DONE = "done", _("已完成")

    __colors__ = {"planned": "warning", "done": "success"}


class DrillAction(models.TextChoices):
    RECORD = "record", _("记录实施情况")


class DrillInterval(models.IntegerChoices):
    NONE = 0, _("不要求")
    MONTHLY = 1, _("每月至少一次")
    QUARTERLY = 3, _("每季度至少一次")
    SEMESTER = 6, _("每学期至少一次")
    YEARLY = 12, _("每年至少一次")


class FireEquipmentKind(models.TextChoices):
    EXTINGUISHER = "extinguisher", _("灭火器")
    HYDRANT = "hydrant", _("消火栓")
    ALARM = "alarm", _("火灾报警器/烟感")
    EMERGENCY_LIGHT = "emergency_light", _("应急照明灯")
    EXIT_SIGN = "exit_sign", _("疏散指示标志")
    OTHER = "other", _("其他")


class FireCheckResult(BadgeChoices):
    OK = "ok", _("正常")
    FAULT = "fault", _("异常")
    MISSING = "missing", _("缺失")

    __colors__ = {"ok": "success", "fault": "danger", "missing": "danger"}


class CheckStatus(BadgeChoices):
    OPEN = "open", _("进行中")
    SUBMITTED = "submitted", _("已提交")

    __colors__ = {"open": "warning", "submitted": "success"}


class SelfCheckAction(models.TextChoices):
    SUBMIT = "submit", _("提交自检")


class FirePreventionStatus(BadgeChoices):
    DRAFT = "draft", _("待检查人签字")
    INSPECTOR_SIGNED = "inspector_signed", _("待校长签字")
    SIGNED = "signed", _("已签字")

    __colors__ = {"draft": "warning", "inspector_signed": "info", "signed": "success"}


class FireCheckAction(models.TextChoices):
    SIGN_INSPECTOR = "sign_inspector", _("检查人签字")
    SIGN_PRINCIPAL = "sign_principal", _("校长签字")


class HazmatKind(models.TextChoices):
    FLAMMABLE = "flammable", _("易燃易爆品")
    TOXIC = "toxic", _("有毒有害品")
    DISINFECTANT = "disinfectant", _("清洁消毒用品")
    OTHER = "other", _("其他危险品")


class HazmatMovementKind(models.TextChoices):
    RECEIVE = "receive", _("入库")
    ISSUE = "issue", _("领用")


class DutyKind(models.TextChoices):
    DAY = "day", _("行政值班")
    PATROL = "patrol", _("护导值日")
    NIGHT = "night", _("夜间值班")
    HOLIDAY = "holiday", _("节假日值班")


class EducationFormat(models.TextChoices):
    CLASS = "class", _("主题班会/课堂")
    ASSEMBLY = "assembly", _("集中讲座")
    PRACTICE = "practice", _("实践演练")
    OTHER = "other", _("其他")
