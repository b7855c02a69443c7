"""The assets app's choices. A status is a BadgeChoices (its badge colour beside it); the actions of
each workflow (assets/workflows.py) are TextChoices whose labels name the step in messages and logs."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from logistics.choices import BadgeChoices


class AssetStatus(BadgeChoices):
    IN_USE = "in_use", _("在用")
    IDLE = "idle", _("闲置")
    REPAIRING = "repairing", _("维修中")
    LENT = "lent", _("借出")
    PENDING_DISPOSAL = "pending_disposal", _("待报废")
    DISPOSED = "disposed", _("已报废")
    TRANSFERRED_OUT = "transferred_out", _("已转让")
    MISSING = "missing", _("盘亏")
    __colors__ = {
        "in_use": "success",
        "idle": "secondary",
        "repairing": "warning",
        "lent": "warning",
        "pending_disposal": "dark",
        "disposed": "dark",
        "transferred_out": "dark",
        "missing": "dark",
    }


# Statuses in which the asset is still on the books (counted in balances and stocktakes).
ON_BOOKS = [
    AssetStatus.IN_USE,
    AssetStatus.IDLE,
    AssetStatus.REPAIRING,
    AssetStatus.LENT,
    AssetStatus.PENDING_DISPOSAL,
]
OFF_BOOKS = [AssetStatus.DISPOSED, AssetStatus.TRANSFERRED_OUT, AssetStatus.MISSING]


class AssetSource(models.TextChoices):
    PURCHASE = "purchase", _("购置")
    DONATION = "donation", _("捐赠")
    TRANSFER_IN = "transfer_in", _("调入")
    OTHER = "other", _("其他")


class AssetAction(models.TextChoices):
    REGISTER = "register", _("登记")
    ISSUE = "issue", _("领用")
    LEND = "lend", _("借用")
    RETURN = "return", _("归还")
    TRANSFER = "transfer", _("调拨")
    REPAIR = "repair", _("报修")
    REPAIRED = "repaired", _("修复")
    REQUEST_DISPOSAL = "request_disposal", _("申请报废/转让")
    APPROVE_DISPOSAL = "approve_disposal", _("批准报废")
    APPROVE_TRANSFER_OUT = "approve_transfer_out", _("批准转让")
    REJECT_DISPOSAL = "reject_disposal", _("驳回报废/转让")
    HANDOVER = "handover", _("交接")
    STOCKTAKE_MOVE = "stocktake_move", _("盘点调整位置")
    STOCKTAKE_MISSING = "stocktake_missing", _("盘亏")
    DAMAGE = "damage", _("损坏赔偿")


class DisposalKind(models.TextChoices):
    SCRAP = "scrap", _("报废")
    TRANSFER_OUT = "transfer_out", _("转让")


class DisposalStatus(BadgeChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    __colors__ = {"pending": "warning", "approved": "success", "rejected": "secondary"}


class DisposalAction(models.TextChoices):
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("驳回")


class LoanStatus(BadgeChoices):
    OPEN = "open", _("借出中")
    RETURNED = "returned", _("已归还")
    __colors__ = {"open": "warning", "returned": "success"}


class LoanAction(models.TextChoices):
    RETURN = "return", _("归还")


class MovementKind(models.TextChoices):
    IN = "in", _("入库")
    OUT = "out", _("领用出库")
    EXCHANGE = "exchange", _("以旧换新")
    ADJUST = "adjust", _("盘点调整")


class Urgency(BadgeChoices):
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("一般")
    LOW = "low", _("不急")
    __colors__ = {"urgent": "danger", "normal": "primary", "low": "secondary"}


class RepairStatus(BadgeChoices):
    SUBMITTED = "submitted", _("待派单")
    ASSIGNED = "assigned", _("维修中")
    DONE = "done", _("待验收")
    ACCEPTED = "accepted", _("已完成")
    CANCELLED = "cancelled", _("已撤销")
    __colors__ = {
        "submitted": "warning",
        "assigned": "info",
        "done": "primary",
        "accepted": "success",
        "cancelled": "secondary",
    }


class RepairAction(models.TextChoices):
    """The values are the last part of the repair's action URLs (repairs/<pk>/<action>/)."""

    ASSIGN = "assign", _("派单")
    COMPLETE = "complete", _("登记维修结果")
    ACCEPT = "accept", _("验收")
    SEND_BACK = "send_back", _("退回")
    CANCEL = "cancel", _("撤销")


class Frequency(models.TextChoices):
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    YEARLY = "yearly", _("每年")


class TaskStatus(BadgeChoices):
    OPEN = "open", _("待完成")
    DONE = "done", _("已完成")
    # the same choices as hygiene's TaskStatus, so the same colours (the badge finds a field's class
    # by its choices)
    __colors__ = {"open": "warning", "done": "success"}


class TaskAction(models.TextChoices):
    COMPLETE = "complete", _("完成")


class StocktakeKind(models.TextChoices):
    TERM_START = "term_start", _("期初")
    MID_TERM = "mid_term", _("期中")
    TERM_END = "term_end", _("期末")
    YEAR_END = "year_end", _("年终")


class StocktakeStatus(BadgeChoices):
    OPEN = "open", _("盘点中")
    SUBMITTED = "submitted", _("待审批")
    CLOSED = "closed", _("已关闭")
    __colors__ = {"open": "info", "submitted": "warning", "closed": "success"}


class StocktakeAction(models.TextChoices):
    SUBMIT = "submit", _("提交审批")
    CLOSE = "close", _("审批关闭")


class LineResult(BadgeChoices):
    PENDING = "pending", _("未盘")
    FOUND = "found", _("相符")
    MISSING = "missing", _("盘亏")
    WRONG_ROOM = "wrong_room", _("位置不符")
    UNKNOWN = "unknown", _("盘盈（未登记）")
    __colors__ = {
        "pending": "secondary",
        "found": "success",
        "missing": "danger",
        "wrong_room": "warning",
        "unknown": "danger",
    }


class PartyKind(models.TextChoices):
    STUDENT = "student", _("学生")
    CLASS = "class", _("班级")
    STAFF = "staff", _("教职工")
    OTHER = "other", _("其他")


class DamageStatus(BadgeChoices):
    ASSESSED = "assessed", _("待赔偿")
    PAID = "paid", _("已赔偿")
    WAIVED = "waived", _("已免除")
    __colors__ = {"assessed": "warning", "paid": "success", "waived": "secondary"}


class DamageAction(models.TextChoices):
    PAY = "pay", _("赔偿")
    WAIVE = "waive", _("免赔")
