from django.db import models
from django.utils.translation import gettext_lazy as _

from logistics.choices import BadgeChoices


class RequestStatus(BadgeChoices):
    PENDING_DIRECTOR = "pending_director", _("待主任审批")
    PENDING_PRINCIPAL = "pending_principal", _("待校长审批")
    APPROVED = "approved", _("已批准待采购")
    REJECTED = "rejected", _("已退回")
    CANCELLED = "cancelled", _("已撤销")
    PURCHASED = "purchased", _("已采购待验收")
    ACCEPTED = "accepted", _("已验收入库")
    REIMBURSED = "reimbursed", _("已报销")

    __colors__ = {
        "pending_director": "warning",
        "pending_principal": "warning",
        "approved": "info",
        "rejected": "danger",
        "cancelled": "light",
        "purchased": "primary",
        "accepted": "success",
        "reimbursed": "secondary",
    }


# Approved but not yet reimbursed: counts as "committed" against its budget line.
COMMITTED_REQUEST_STATUSES = (RequestStatus.APPROVED, RequestStatus.PURCHASED, RequestStatus.ACCEPTED)


class ReimbursementStatus(BadgeChoices):
    PENDING_WITNESS = "pending_witness", _("待证明人签字")
    PENDING_PRINCIPAL = "pending_principal", _("待校长签字")
    # the principal's own claim: the logistics director signs in the principal's place
    PENDING_DIRECTOR = "pending_director", _("待主任签字（校长本人报销）")
    APPROVED = "approved", _("已签批待付款")
    PAID = "paid", _("已报销")
    REJECTED = "rejected", _("已退回")

    __colors__ = {
        "pending_witness": "warning",
        "pending_principal": "warning",
        "pending_director": "warning",
        "approved": "info",
        "paid": "success",
        "rejected": "danger",
    }


class LoanStatus(BadgeChoices):
    PENDING = "pending", _("待校长审批")
    # the principal's own loan: approved by the logistics director (nobody approves their own)
    PENDING_DIRECTOR = "pending_director", _("待主任审批（校长本人借款）")
    APPROVED = "approved", _("已批准待借出")
    DISBURSED = "disbursed", _("已借出待结清")
    SETTLED = "settled", _("已结清")
    REJECTED = "rejected", _("已退回")

    __colors__ = {
        "pending": "warning",
        "pending_director": "warning",
        "approved": "info",
        "disbursed": "primary",
        "settled": "secondary",
        "rejected": "danger",
    }


class FlowAction(models.TextChoices):
    SUBMIT = "submit", _("提交")
    RESUBMIT = "resubmit", _("修改后重新提交")
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("退回")
    CANCEL = "cancel", _("撤销")
    PURCHASE = "purchase", _("采购")
    ACCEPT = "accept", _("验收入库")
    REIMBURSE = "reimburse", _("报销")
    WITNESS_SIGN = "witness_sign", _("证明人签字")
    PRINCIPAL_SIGN = "principal_sign", _("校长签字")
    DIRECTOR_SIGN = "director_sign", _("主任签字（代校长）")
    PAY = "pay", _("付款")
    DISBURSE = "disburse", _("借出")
    REPAY = "repay", _("还款")
    SETTLE = "settle", _("冲账结清")


class BudgetMode(models.TextChoices):
    WARN = "warn", _("超出预算时提醒")
    BLOCK = "block", _("超出预算时禁止")


class Semester(models.TextChoices):
    YEAR = "year", _("全年")
    SPRING = "spring", _("春季学期")
    AUTUMN = "autumn", _("秋季学期")


class BudgetCategory(models.TextChoices):
    OFFICE = "office", _("办公费")
    TEACHING = "teaching", _("教学设备")
    REPAIR = "repair", _("维修维护")
    UTILITIES = "utilities", _("水电能耗")
    CANTEEN = "canteen", _("食堂")
    HEALTH = "health", _("卫生保健")
    SAFETY = "safety", _("安全")
    TRAINING = "training", _("培训差旅")
    OTHER = "other", _("其他")


class Destination(models.TextChoices):
    STORES = "stores", _("入库（物资）")
    ASSET = "asset", _("登记固定资产")
    NONE = "none", _("未入库")


class RepaymentKind(models.TextChoices):
    CASH = "cash", _("现金还款")
    REIMBURSEMENT = "reimbursement", _("报销冲账")


class StatementStatus(BadgeChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已上报校长")
    REVIEWED = "reviewed", _("校长已阅")
    PUBLISHED = "published", _("已公开")

    __colors__ = {"draft": "light", "submitted": "warning", "reviewed": "info", "published": "success"}


class StatementAction(models.TextChoices):
    """The steps of the monthly statement (finance.workflows.STATEMENT)."""

    SUBMIT = "submit", _("上报校长")
    REVIEW = "review", _("已阅")
    PUBLISH = "publish", _("公开")
