"""Finance: purchase requests (请购) and their approvals, purchases and acceptance (验收), reimbursements
(报销), loans (借款), budgets (预算), income and the monthly statement (收支情况 / 财务公开).

Every state change goes through `finance.services`, every transition through the tables in
`finance.workflows`, which write a `FlowLog` row for each step.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from logistics.choices import Role
from logistics.models import SchoolOwned, SchoolSettings

from .choices import (
    BudgetCategory,
    BudgetMode,
    Destination,
    FlowAction,
    LoanStatus,
    ReimbursementStatus,
    RepaymentKind,
    RequestStatus,
    Semester,
    StatementStatus,
)

MAX_MONEY = Decimal("99999999.99")
MONEY_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_MONEY)]
POSITIVE_MONEY_VALIDATORS = [MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_MONEY)]
User = settings.AUTH_USER_MODEL


def money_field(label, positive=True, **kwargs):
    return models.DecimalField(
        label,
        max_digits=12,
        decimal_places=2,
        validators=POSITIVE_MONEY_VALIDATORS if positive else MONEY_VALIDATORS,
        **kwargs,
    )


class FinanceSettings(SchoolSettings, models.Model):
    """A school's finance rules (一支笔审批 thresholds, budget mode, invoice age)."""

    school = models.OneToOneField(
        "logistics.School", on_delete=models.CASCADE, related_name="finance_settings"
    )
    director_limit = money_field(
        _("主任审批限额（元）"),
        default=Decimal("500.00"),
        help_text=_("不超过此金额由后勤主任审批即可；超过则还需校长审批。"),
    )
    quote_threshold = money_field(
        _("货比三家起点（元）"),
        default=Decimal("5000.00"),
        help_text=_("超过此金额的请购，审批前须有三家报价。"),
    )
    quotes_required = models.PositiveSmallIntegerField(
        _("所需报价家数"), default=3, validators=[MinValueValidator(2), MaxValueValidator(5)]
    )
    budget_mode = models.CharField(
        _("超预算处理"), max_length=10, choices=BudgetMode.choices, default=BudgetMode.WARN
    )
    invoice_max_age_days = models.PositiveSmallIntegerField(
        _("发票有效天数"),
        default=365,
        validators=[MinValueValidator(30), MaxValueValidator(1000)],
        help_text=_("开票日期早于此天数的发票视为过期，不予报销。"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("财务设置")
        verbose_name_plural = _("财务设置")

    def __str__(self):
        return gettext("%(school)s 财务设置") % {"school": self.school}


class BudgetLine(SchoolOwned):
    """预算科目: a year or semester, a category, optionally a department, and the planned amount."""

    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    semester = models.CharField(_("期间"), max_length=10, choices=Semester.choices, default=Semester.YEAR)
    category = models.CharField(_("类别"), max_length=20, choices=BudgetCategory.choices)
    department = models.ForeignKey(
        "logistics.Department", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("部门")
    )
    name = models.CharField(_("预算科目"), max_length=100)
    amount = money_field(_("预算金额（元）"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预算科目")
        verbose_name_plural = _("预算科目")
        ordering = ["-year", "category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "semester", "name"], name="uniq_budget_line")
        ]
        indexes = [models.Index(fields=["school", "year", "category"])]

    def __str__(self):
        return f"{self.year}年{self.get_semester_display()} · {self.name}"


class PurchaseRequest(SchoolOwned):
    """请购单. The total is computed from the lines (never typed)."""

    number = models.CharField(_("单号"), max_length=30, blank=True)
    requester = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="purchase_requests", verbose_name=_("申请人")
    )
    department = models.ForeignKey(
        "logistics.Department", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("部门")
    )
    title = models.CharField(_("事项"), max_length=100)
    reason = models.TextField(_("申请理由"))
    budget_line = models.ForeignKey(
        BudgetLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("预算科目"),
    )
    needed_by = models.DateField(_("需用日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING_DIRECTOR
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    estimated_total = money_field(_("预计金额（元）"), positive=False, default=Decimal("0"))
    needs_principal = models.BooleanField(_("需校长审批"), default=False)
    needs_quotes = models.BooleanField(_("需货比三家"), default=False)
    budget_warning = models.CharField(_("预算提示"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    # purchase (采购)
    supplier = models.CharField(_("供应商"), max_length=100, blank=True)
    purchased_on = models.DateField(_("采购日期"), null=True, blank=True)
    buyer = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchases_made",
        verbose_name=_("采购人"),
    )
    actual_total = money_field(_("实际金额（元）"), positive=False, null=True, blank=True)
    # acceptance (验收)
    accepted_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchases_accepted",
        verbose_name=_("验收人"),
    )
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    acceptance_note = models.TextField(_("验收意见"), blank=True)

    class Meta:
        verbose_name = _("请购单")
        verbose_name_plural = _("请购单")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["school", "status", "submitted_at"]),
            models.Index(fields=["school", "requester"]),
            models.Index(fields=["school", "budget_line", "status"]),
        ]

    def __str__(self):
        return f"{self.number or gettext('请购单')} {self.title}"

    @property
    def is_pending(self):
        return self.status in (RequestStatus.PENDING_DIRECTOR, RequestStatus.PENDING_PRINCIPAL)

    @property
    def amount_for_budget(self):
        return self.actual_total if self.actual_total is not None else self.estimated_total


class RequestLine(SchoolOwned):
    request = models.ForeignKey(PurchaseRequest, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("物品名称"), max_length=100)
    spec = models.CharField(_("规格型号"), max_length=100, blank=True)
    unit = models.CharField(_("单位"), max_length=10, default="个")
    quantity = models.PositiveIntegerField(
        _("数量"), validators=[MinValueValidator(1), MaxValueValidator(100000)]
    )
    unit_price = money_field(_("预计单价（元）"))
    actual_unit_price = money_field(_("实际单价（元）"), null=True, blank=True)
    accepted_quantity = models.PositiveIntegerField(_("验收数量"), null=True, blank=True)
    destination = models.CharField(
        _("去向"), max_length=10, choices=Destination.choices, default=Destination.NONE
    )
    stock_ref = models.CharField(_("入库凭证"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("请购明细")
        verbose_name_plural = _("请购明细")
        ordering = ["request_id", "position", "id"]

    def __str__(self):
        return self.name

    @property
    def estimated_amount(self):
        return (self.unit_price or 0) * (self.quantity or 0)

    @property
    def actual_amount(self):
        if self.actual_unit_price is None:
            return None
        return self.actual_unit_price * self.quantity


class Quote(SchoolOwned):
    """报价 (货比三家): one supplier's quote for the whole request."""

    request = models.ForeignKey(PurchaseRequest, on_delete=models.CASCADE, related_name="quotes")
    supplier = models.CharField(_("供应商"), max_length=100)
    amount = money_field(_("报价金额（元）"))
    quoted_on = models.DateField(_("报价日期"), default=timezone.localdate)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, verbose_name=_("录入人"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("报价")
        verbose_name_plural = _("报价")
        ordering = ["amount", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "supplier"], name="uniq_quote_supplier_per_request")
        ]

    def __str__(self):
        return f"{self.supplier} {self.amount}"


class Loan(SchoolOwned):
    """借款: approved by the principal (the principal's own loan by the logistics director), settled by a
    reimbursement or repayment."""

    number = models.CharField(_("单号"), max_length=30, blank=True)
    borrower = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="loans", verbose_name=_("借款人")
    )
    purpose = models.CharField(_("借款事由"), max_length=200)
    amount = money_field(_("借款金额（元）"))
    settle_by = models.DateField(_("预计结清日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=LoanStatus.choices, default=LoanStatus.PENDING
    )
    approver_role = models.CharField(
        _("审批人身份"),
        max_length=20,
        choices=Role.choices,
        default=Role.PRINCIPAL,
        help_text=_("校长本人的借款由后勤主任审批（本人不审批本人的申请）。"),
    )
    settled_amount = money_field(_("已结清金额（元）"), positive=False, default=Decimal("0"))
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("审批人")
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    disbursed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("出纳")
    )
    disbursed_on = models.DateField(_("借出日期"), null=True, blank=True)
    settled_on = models.DateField(_("结清日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("借款")
        verbose_name_plural = _("借款")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school", "status", "created_at"])]

    def __str__(self):
        return f"{self.number or gettext('借款')} {self.purpose}"

    @property
    def outstanding(self):
        return self.amount - self.settled_amount

    @property
    def is_principals_own(self):
        """The principal's own loan: decided by the logistics director in the principal's place."""
        return self.approver_role == Role.DIRECTOR


class Reimbursement(SchoolOwned):
    """报销单: receipts whose total must match the claimed amount; signed by 经手人, 证明人, 校长 (on the
    principal's own claim the logistics director signs in the principal's place)."""

    number = models.CharField(_("单号"), max_length=30, blank=True)
    claimant = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="reimbursements", verbose_name=_("经手人")
    )
    purpose = models.CharField(_("报销事由"), max_length=200)
    purchase_request = models.ForeignKey(
        PurchaseRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reimbursements",
        verbose_name=_("对应请购单"),
    )
    loan = models.ForeignKey(
        Loan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reimbursements",
        verbose_name=_("冲抵借款"),
    )
    budget_line = models.ForeignKey(
        BudgetLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reimbursements",
        verbose_name=_("预算科目"),
    )
    amount = money_field(_("报销金额（元）"))
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ReimbursementStatus.choices,
        default=ReimbursementStatus.PENDING_WITNESS,
    )
    approver_role = models.CharField(
        _("审批人身份"),
        max_length=20,
        choices=Role.choices,
        default=Role.PRINCIPAL,
        help_text=_("校长本人的报销单由后勤主任代校长签字（本人不审批本人的申请）。"),
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    witness = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("证明人")
    )
    witness_at = models.DateTimeField(_("证明人签字时间"), null=True, blank=True)
    principal_signer = models.ForeignKey(  # the director, on the principal's own claim (approver_role)
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("校长")
    )
    principal_at = models.DateTimeField(_("校长签字时间"), null=True, blank=True)
    paid_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("出纳")
    )
    paid_on = models.DateField(_("付款日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("报销单")
        verbose_name_plural = _("报销单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "status", "created_at"]),
            models.Index(fields=["school", "paid_on"]),
            models.Index(fields=["school", "budget_line", "status"]),
        ]

    def __str__(self):
        return f"{self.number or gettext('报销单')} {self.purpose}"

    @property
    def is_principals_own(self):
        """The principal's own claim: the logistics director signs in the principal's place."""
        return self.approver_role == Role.DIRECTOR


class Receipt(SchoolOwned):
    """发票: the invoice number is unique in the school (a rejected claim releases its invoices)."""

    reimbursement = models.ForeignKey(Reimbursement, on_delete=models.CASCADE, related_name="receipts")
    invoice_number = models.CharField(_("发票号码"), max_length=30)
    invoice_date = models.DateField(_("开票日期"))
    seller = models.CharField(_("开票单位"), max_length=100)
    amount = money_field(_("发票金额（元）"))
    voided = models.BooleanField(_("已作废"), default=False)

    class Meta:
        verbose_name = _("发票")
        verbose_name_plural = _("发票")
        ordering = ["reimbursement_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "invoice_number"],
                condition=models.Q(voided=False),
                name="uniq_invoice_number_per_school",
            )
        ]

    def __str__(self):
        return self.invoice_number


class LoanRepayment(SchoolOwned):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    kind = models.CharField(_("方式"), max_length=20, choices=RepaymentKind.choices)
    amount = money_field(_("金额（元）"))
    on = models.DateField(_("日期"))
    reimbursement = models.ForeignKey(
        Reimbursement, null=True, blank=True, on_delete=models.PROTECT, related_name="loan_offsets"
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, verbose_name=_("经办人"))

    class Meta:
        verbose_name = _("借款结清")
        verbose_name_plural = _("借款结清")
        ordering = ["on", "id"]


class FlowLog(SchoolOwned):
    """The history table: every step of every request, reimbursement and loan (who, when, decision)."""

    request = models.ForeignKey(
        PurchaseRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    reimbursement = models.ForeignKey(
        Reimbursement, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    loan = models.ForeignKey(Loan, null=True, blank=True, on_delete=models.CASCADE, related_name="history")
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    action = models.CharField(_("操作"), max_length=20, choices=FlowAction.choices)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    by = models.ForeignKey(User, on_delete=models.PROTECT, verbose_name=_("操作人"))
    role = models.CharField(_("身份"), max_length=20, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    comment = models.TextField(_("意见"), blank=True)
    data = models.JSONField(_("内容快照"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批记录")
        verbose_name_plural = _("审批记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["school", "action", "at"])]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class IncomeEntry(SchoolOwned):
    """收入: funds received (经费拨款、保育费等), entered by the accountant."""

    on = models.DateField(_("日期"))
    source = models.CharField(_("收入来源"), max_length=100)
    amount = money_field(_("金额（元）"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, verbose_name=_("录入人"))

    class Meta:
        verbose_name = _("收入")
        verbose_name_plural = _("收入")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["school", "on"])]

    def __str__(self):
        return f"{self.on} {self.source}"


class MonthlyStatement(SchoolOwned):
    """收支情况: the accountant's month statement, reviewed by the principal, then published (财务公开)."""

    month = models.DateField(_("月份"), help_text=_("该月1日"))
    status = models.CharField(
        _("状态"), max_length=20, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    notes = models.TextField(_("说明"), blank=True)
    figures = models.JSONField(_("数字快照"), default=dict, blank=True)
    prepared_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("制表人")
    )
    submitted_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("校长")
    )
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("月度收支报表")
        verbose_name_plural = _("月度收支报表")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["school", "month"], name="uniq_statement_month")]

    def __str__(self):
        return gettext("%(year)d年%(month)d月收支情况") % {"year": self.month.year, "month": self.month.month}
