from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionKind(models.TextChoices):
    WEEKLY = "weekly", _("每周安全检查")
    MONTHLY = "monthly", _("每月全面大检查")
    CLOSING = "closing", _("每日闭园巡视（水电门窗）")


class InspectionStatus(models.TextChoices):
    OPEN = "open", _("待检查")
    SUBMITTED = "submitted", _("已提交")


class ItemResult(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    MAJOR = "major", _("重大")


class HazardStatus(models.TextChoices):
    FOUND = "found", _("已发现")
    ASSIGNED = "assigned", _("整改中")
    RECTIFIED = "rectified", _("已整改待验收")
    VERIFIED = "verified", _("已验收销号")
    # 误报 / raised by mistake: an end state beside 已验收销号, reached only before verification; the
    # hazard stays in the register, counted as neither open nor rectified.
    WITHDRAWN = "withdrawn", _("已撤销")


class DrillKind(models.TextChoices):
    FIRE = "fire", _("消防疏散")
    EARTHQUAKE = "earthquake", _("地震疏散")
    ANTI_TERROR = "anti_terror", _("防恐防暴")
    OTHER = "other", _("其他")


class DrillStatus(models.TextChoices):
    PLANNED = "planned", _("已计划")
    DONE = "done", _("已完成")


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


class FireCheckResult(models.TextChoices):
    OK = "ok", _("正常")
    FAULT = "fault", _("异常")
    MISSING = "missing", _("缺失")


class CheckStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    SUBMITTED = "submitted", _("已提交")


class FirePreventionStatus(models.TextChoices):
    DRAFT = "draft", _("待检查人签字")
    INSPECTOR_SIGNED = "inspector_signed", _("待校长签字")
    SIGNED = "signed", _("已签字")


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
