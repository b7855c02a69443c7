"""Fixed assets (固定资产), stores (行政仓库), repairs (报修), stocktakes (盘点) and reconciliation."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.models import SchoolOwned, SchoolSettings

from .choices import (
    AssetAction,
    AssetSource,
    AssetStatus,
    DamageStatus,
    DisposalKind,
    DisposalStatus,
    Frequency,
    LineResult,
    LoanStatus,
    MovementKind,
    PartyKind,
    RepairStatus,
    StocktakeKind,
    StocktakeStatus,
    TaskStatus,
    Urgency,
)

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 12, "decimal_places": 2}
CENT = Decimal("0.01")


class AssetSettings(SchoolSettings, SchoolOwned):
    """Per-school settings of the assets app: `AssetSettings.for_school(school)`, created on first use
    with the fields' defaults."""

    fixed_asset_threshold = models.DecimalField(_("固定资产起点（元）"), default=Decimal("1000.00"), **MONEY)
    special_equipment_threshold = models.DecimalField(
        _("专用设备固定资产起点（元）"),
        default=Decimal("1500.00"),
        help_text=_("适用于「3 专用设备」及其下级分类；其他分类按固定资产起点。"),
        **MONEY,
    )
    code_prefix = models.CharField(_("资产编号前缀"), max_length=10, default="ZC")
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("资产设置")
        verbose_name_plural = _("资产设置")
        constraints = [models.UniqueConstraint(fields=["school"], name="uniq_asset_settings")]


class CategoryQuerySet(models.QuerySet):
    def for_school(self, school):
        return self.filter(Q(school__isnull=True) | Q(school=school))


class AssetCategory(models.Model):
    """GB/T 14885 categories (school empty: shared, seeded) and a school's own sub-categories."""

    school = models.ForeignKey(
        "logistics.School", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("学校")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    code = models.CharField(_("分类编码"), max_length=20)
    name = models.CharField(_("分类名称"), max_length=60)
    useful_life_years = models.PositiveSmallIntegerField(
        _("折旧年限（年）"), default=0, help_text=_("0 表示不计提折旧（如图书、文物）。")
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("资产分类")
        verbose_name_plural = _("资产分类")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(school__isnull=True), name="uniq_category_std"
            ),
            models.UniqueConstraint(fields=["school", "code"], name="uniq_category_school"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Asset(SchoolOwned):
    code = models.CharField(_("资产编号"), max_length=40)
    name = models.CharField(_("资产名称"), max_length=100)
    category = models.ForeignKey(AssetCategory, on_delete=models.PROTECT, verbose_name=_("分类"))
    spec = models.CharField(_("规格型号"), max_length=100, blank=True)
    unit_price = models.DecimalField(_("单价（元）"), **MONEY)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    purchase_date = models.DateField(_("购置日期"))
    source = models.CharField(
        _("来源"), max_length=20, choices=AssetSource.choices, default=AssetSource.PURCHASE
    )
    funding = models.CharField(_("经费来源"), max_length=60, blank=True)
    room = models.ForeignKey(
        "logistics.Room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
        verbose_name=_("存放地点"),
    )
    custodian = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="custody_assets",
        verbose_name=_("责任人"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=AssetStatus.choices, default=AssetStatus.IDLE)
    useful_life_years = models.PositiveSmallIntegerField(
        _("折旧年限（年）"), null=True, blank=True, help_text=_("留空则按分类年限。")
    )
    source_ref = models.CharField(_("来源单据"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    disposed_on = models.DateField(_("减少日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("固定资产")
        verbose_name_plural = _("固定资产")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="uniq_asset_code"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="asset_price_not_negative"),
        ]
        # The list pages by id (newest first) within a school: (school, x, id) lets PostgreSQL read a
        # filtered page's ids from the index alone. Migration 0004 adds, on PostgreSQL only,
        # (school, id) INCLUDE (status) for the unfiltered and "在账" lists and pg_trgm GIN indexes on
        # UPPER(name) and UPPER(spec) for the keyword search. (school, status, category) answers the
        # "共 N 件" count of the commonest filter (status + a category and its children) from the index
        # alone: 33 ms -> 4 ms on a school of 105,000 assets.
        indexes = [
            models.Index(fields=["school", "status", "id"]),
            models.Index(fields=["school", "status", "category"], name="asset_school_status_category"),
            models.Index(fields=["school", "category", "id"]),
            models.Index(fields=["school", "room", "id"]),
            models.Index(fields=["school", "custodian", "id"]),
            models.Index(fields=["school", "purchase_date"]),
            models.Index(fields=["school", "disposed_on"]),
            models.Index(fields=["school", "name"]),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("assets:asset_detail", args=[self.pk])

    @property
    def original_value(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT)

    def life_years(self, category=None) -> int:
        if self.useful_life_years is not None:
            return self.useful_life_years
        return (category or self.category).useful_life_years

    def accumulated_depreciation(self, at_month_end, category=None) -> Decimal:
        return accumulated_depreciation(
            self.original_value, self.life_years(category), self.purchase_date, at_month_end
        )

    def net_value(self, at_month_end, category=None) -> Decimal:
        return self.original_value - self.accumulated_depreciation(at_month_end, category)


def months_depreciated(purchase_date, month_end) -> int:
    """Months of depreciation up to and including month_end's month (政府会计: 当月增加当月计提)."""
    if purchase_date > month_end:
        return 0
    return (month_end.year - purchase_date.year) * 12 + (month_end.month - purchase_date.month) + 1


def monthly_depreciation(value: Decimal, life_years: int) -> Decimal:
    if not life_years:
        return Decimal("0.00")
    return (Decimal(value) / (life_years * 12)).quantize(CENT, rounding=ROUND_HALF_UP)


def accumulated_depreciation(value: Decimal, life_years: int, purchase_date, month_end) -> Decimal:
    """Straight line, monthly, no residual value; the last month takes the rounding remainder."""
    if not life_years:
        return Decimal("0.00")
    months = months_depreciated(purchase_date, month_end)
    if months >= life_years * 12:
        return Decimal(value).quantize(CENT)
    return min(Decimal(value), monthly_depreciation(value, life_years) * months).quantize(CENT)


class AssetEvent(SchoolOwned):
    """One row per lifecycle step: who, when, from, to, comment (DESIGN.md rule 2)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=30, choices=AssetAction.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=AssetStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=AssetStatus.choices, blank=True)
    from_room = models.ForeignKey(
        "logistics.Room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("原位置"),
    )
    to_room = models.ForeignKey(
        "logistics.Room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("新位置"),
    )
    from_custodian = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("原责任人")
    )
    to_custodian = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("新责任人")
    )
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    comment = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("资产变动记录")
        verbose_name_plural = _("资产变动记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["asset", "at"]), models.Index(fields=["school", "action", "at"])]


class AssetLoan(SchoolOwned):
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="loans", verbose_name=_("资产"))
    borrower = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="asset_loans", verbose_name=_("借用人")
    )
    lent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    lent_on = models.DateField(_("借出日期"), default=timezone.localdate)
    due_on = models.DateField(_("应还日期"))
    returned_on = models.DateField(_("归还日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=LoanStatus.choices, default=LoanStatus.OPEN)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    previous_status = models.CharField(max_length=20, choices=AssetStatus.choices, blank=True)

    class Meta:
        verbose_name = _("借用记录")
        verbose_name_plural = _("借用记录")
        ordering = ["-lent_on", "-id"]
        indexes = [
            models.Index(fields=["school", "status", "due_on"]),
            models.Index(fields=["borrower", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"], condition=Q(status=LoanStatus.OPEN), name="uniq_open_loan_per_asset"
            )
        ]

    def __str__(self):
        return f"{self.asset} → {self.borrower}"

    @property
    def is_overdue(self):
        return self.status == LoanStatus.OPEN and self.due_on < timezone.localdate()


class DisposalRequest(SchoolOwned):
    asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, related_name="disposals", verbose_name=_("资产")
    )
    kind = models.CharField(_("方式"), max_length=20, choices=DisposalKind.choices)
    reason = models.CharField(_("原因"), max_length=300)
    recipient = models.CharField(_("受让方"), max_length=100, blank=True)
    proceeds = models.DecimalField(_("处置收入（元）"), default=Decimal("0.00"), **MONEY)
    previous_status = models.CharField(max_length=20, choices=AssetStatus.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=DisposalStatus.choices, default=DisposalStatus.PENDING
    )
    requested_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("审批人")
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.CharField(_("审批意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("报废/转让申请")
        verbose_name_plural = _("报废/转让申请")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.asset}"


# --- stores -------------------------------------------------------------------------------------
class StoreItem(SchoolOwned):
    name = models.CharField(_("物品名称"), max_length=100)
    unit = models.CharField(_("单位"), max_length=10)
    spec = models.CharField(_("规格"), max_length=100, blank=True)
    min_level = models.DecimalField(_("最低库存"), max_digits=12, decimal_places=2, default=Decimal("0"))
    on_hand = models.DecimalField(_("库存数量"), max_digits=12, decimal_places=2, default=Decimal("0"))
    unit_price = models.DecimalField(_("参考单价（元）"), default=Decimal("0.00"), **MONEY)
    is_durable = models.BooleanField(_("耐用品（以旧换新）"), default=False)

    class Meta:
        verbose_name = _("库存物品")
        verbose_name_plural = _("库存物品")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="uniq_store_item_name"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="store_on_hand_not_negative"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("assets:store_item", args=[self.pk])

    @property
    def is_low(self):
        return self.on_hand <= self.min_level


class StockMovement(SchoolOwned):
    item = models.ForeignKey(
        StoreItem, on_delete=models.PROTECT, related_name="movements", verbose_name=_("物品")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=MovementKind.choices)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)  # signed: + in, - out
    unit_price = models.DecimalField(_("单价（元）"), default=Decimal("0.00"), **MONEY)
    amount = models.DecimalField(_("金额（元）"), default=Decimal("0.00"), **MONEY)
    balance_after = models.DecimalField(_("结存"), max_digits=12, decimal_places=2)
    department = models.ForeignKey(
        "logistics.Department", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("领用部门")
    )
    room = models.ForeignKey(
        "logistics.Room", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("领用班级/房间")
    )
    person = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("领用人")
    )
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    source_ref = models.CharField(_("来源单据"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["school", "at"]),
            models.Index(fields=["item", "at"]),
            models.Index(fields=["school", "kind", "at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.item} {self.quantity}"


# --- repairs ------------------------------------------------------------------------------------
class RepairRequest(SchoolOwned):
    room = models.ForeignKey("logistics.Room", on_delete=models.PROTECT, verbose_name=_("地点"))
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="repairs", verbose_name=_("资产")
    )
    description = models.CharField(_("故障描述"), max_length=500)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(
        _("状态"), max_length=20, choices=RepairStatus.choices, default=RepairStatus.SUBMITTED
    )
    requested_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="repair_requests", verbose_name=_("报修人")
    )
    requested_at = models.DateTimeField(_("报修时间"), default=timezone.now)
    respond_by = models.DateTimeField(_("响应期限"))
    due_by = models.DateTimeField(_("完成期限"))
    assignee = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_jobs",
        verbose_name=_("维修人"),
    )
    assigned_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    work_done = models.CharField(_("维修情况"), max_length=500, blank=True)
    parts = models.CharField(_("更换配件"), max_length=300, blank=True)
    cost = models.DecimalField(_("维修费用（元）"), default=Decimal("0.00"), **MONEY)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    previous_asset_status = models.CharField(max_length=20, choices=AssetStatus.choices, blank=True)

    class Meta:
        verbose_name = _("报修单")
        verbose_name_plural = _("报修单")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["school", "status", "due_by"]),
            models.Index(fields=["school", "requested_at"]),
            models.Index(fields=["requested_by", "status"]),
            models.Index(fields=["assignee", "status"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.room} {self.description[:20]}"

    def get_absolute_url(self):
        return reverse("assets:repair_detail", args=[self.pk])

    @property
    def is_overdue(self):
        return self.status in (RepairStatus.SUBMITTED, RepairStatus.ASSIGNED) and self.due_by < timezone.now()


class RepairEvent(SchoolOwned):
    repair = models.ForeignKey(RepairRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=20, choices=RepairStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=RepairStatus.choices)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    comment = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]


class MaintenancePlan(SchoolOwned):
    title = models.CharField(_("计划名称"), max_length=100)
    frequency = models.CharField(_("周期"), max_length=10, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(_("星期几（每周）"), default=1, help_text=_("1=周一 … 7=周日"))
    day = models.PositiveSmallIntegerField(_("日（每月/每年）"), default=1)
    month = models.PositiveSmallIntegerField(_("月（每年）"), default=1)
    room = models.ForeignKey(
        "logistics.Room", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("地点")
    )
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("负责人")
    )
    checklist = models.TextField(_("检查内容"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("维护计划")
        verbose_name_plural = _("维护计划")
        ordering = ["frequency", "title"]

    def __str__(self):
        return self.title

    def is_due_on(self, day) -> bool:
        if self.frequency == Frequency.DAILY:
            return True
        if self.frequency == Frequency.WEEKLY:
            return day.isoweekday() == self.weekday
        if self.frequency == Frequency.MONTHLY:
            return day.day == min(self.day, 28)
        return day.month == self.month and day.day == min(self.day, 28)


class MaintenanceTask(SchoolOwned):
    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="tasks")
    due_on = models.DateField(_("日期"))
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("情况记录"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("维护任务")
        verbose_name_plural = _("维护任务")
        ordering = ["-due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "due_on"], name="uniq_maintenance_task")]
        indexes = [models.Index(fields=["school", "status", "due_on"])]


# --- rooms, stocktakes, reconciliation, damage ----------------------------------------------------
class RoomListConfirmation(SchoolOwned):
    room = models.ForeignKey("logistics.Room", on_delete=models.PROTECT, related_name="asset_confirmations")
    confirmed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("确认人")
    )
    confirmed_at = models.DateTimeField(_("确认时间"), default=timezone.now)
    asset_count = models.PositiveIntegerField(_("资产件数"))
    total_value = models.DecimalField(_("原值合计"), **MONEY)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["-confirmed_at"]
        indexes = [models.Index(fields=["room", "confirmed_at"])]


class Stocktake(SchoolOwned):
    title = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=StocktakeKind.choices)
    whole_school = models.BooleanField(_("全校"), default=True)
    rooms = models.ManyToManyField("logistics.Room", blank=True, related_name="+", verbose_name=_("盘点房间"))
    status = models.CharField(
        _("状态"), max_length=20, choices=StocktakeStatus.choices, default=StocktakeStatus.OPEN
    )
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人"))
    opened_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    submitted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("盘点")
        verbose_name_plural = _("盘点")
        ordering = ["-opened_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("assets:stocktake_detail", args=[self.pk])


class StocktakeLine(SchoolOwned):
    """One asset to find (or one code found) in a stocktake. A whole-school stocktake of a big school
    writes 100,000 of these at once, so only the indexes the pages use exist (no per-FK indexes)."""

    school = models.ForeignKey(
        "logistics.School", on_delete=models.PROTECT, db_index=False, verbose_name=_("学校")
    )
    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines", db_index=False)
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    code = models.CharField(_("编号"), max_length=40)
    expected_room = models.ForeignKey(
        "logistics.Room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("账面位置"),
    )
    found_room = models.ForeignKey(
        "logistics.Room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("实盘位置"),
    )
    result = models.CharField(
        _("结果"), max_length=20, choices=LineResult.choices, default=LineResult.PENDING
    )
    scanned_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    scanned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["stocktake", "code"], name="uniq_stocktake_code")]
        indexes = [
            models.Index(fields=["stocktake", "expected_room", "code"]),
            models.Index(fields=["stocktake", "found_room"]),
        ]


class Reconciliation(SchoolOwned):
    """每月结账: one per school and month, computed once (a rerun is a no-op)."""

    month = models.DateField(_("月份"))  # first day of the month
    created_at = models.DateTimeField(default=timezone.now)
    rows = models.JSONField(_("分类汇总"), default=list)
    totals = models.JSONField(_("合计"), default=dict)
    stocktake_note = models.CharField(_("盘点差异"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("月度结账")
        verbose_name_plural = _("月度结账")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["school", "month"], name="uniq_reconciliation_month")]


class DamageCase(SchoolOwned):
    occurred_on = models.DateField(_("发生日期"))
    asset = models.ForeignKey(
        Asset,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="damages",
        verbose_name=_("损坏物品"),
    )
    item_name = models.CharField(_("物品名称"), max_length=100, blank=True)
    room = models.ForeignKey(
        "logistics.Room", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("地点/班级")
    )
    description = models.CharField(_("经过"), max_length=500)
    party_kind = models.CharField(_("责任方类型"), max_length=10, choices=PartyKind.choices)
    party_name = models.CharField(_("责任人/班级"), max_length=60)
    assessed_amount = models.DecimalField(_("核定赔偿金额（元）"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=10, choices=DamageStatus.choices, default=DamageStatus.ASSESSED
    )
    paid_amount = models.DecimalField(_("实收金额（元）"), default=Decimal("0.00"), **MONEY)
    settled_on = models.DateField(_("处理日期"), null=True, blank=True)
    waive_reason = models.CharField(_("免赔原因"), max_length=300, blank=True)
    repair = models.ForeignKey(
        RepairRequest, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("后续维修")
    )
    recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("公物损坏赔偿")
        verbose_name_plural = _("公物损坏赔偿")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["school", "occurred_on"]), models.Index(fields=["school", "status"])]

    def __str__(self):
        return f"{self.occurred_on} {self.item_name or self.asset}"
