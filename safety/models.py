"""Safety: inspections, hazards, drills, visitors, fire safety, hazardous materials, duty, education."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from logistics.models import SchoolOwned, SchoolSettings

from .choices import (
    CheckStatus,
    DrillInterval,
    DrillKind,
    DrillStatus,
    DutyKind,
    EducationFormat,
    FireCheckResult,
    FireEquipmentKind,
    FirePreventionStatus,
    HazardStatus,
    HazmatKind,
    HazmatMovementKind,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    RiskLevel,
)

USER = settings.AUTH_USER_MODEL


class SafetyOwned(SchoolOwned):
    """SchoolOwned with app-prefixed reverse names, so no other app's model name can clash with ours."""

    school = models.ForeignKey(
        "logistics.School",
        on_delete=models.PROTECT,
        related_name="safety_%(class)s_set",
        verbose_name=_("学校"),
    )

    class Meta:
        abstract = True


# Evacuation of a building under 4 floors should take at most 2 minutes (应急疏散演练指南 2014).
EVACUATION_LIMIT_SECONDS = 120
EVACUATION_LIMIT_FLOORS = 4


class SafetySettings(SchoolSettings, models.Model):
    """Per-school safety settings: `SafetySettings.for_school(school)`, created on first use with the
    guideline's drill intervals for the school kind (defaults_for)."""

    school = models.OneToOneField(
        "logistics.School", on_delete=models.CASCADE, related_name="safety_settings", verbose_name=_("学校")
    )
    inspector = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("安全检查负责人"),
        help_text=_("留空则由后勤主任负责。"),
    )
    weekly_time = models.TimeField(
        _("每周一生成周检时间"),
        default=datetime.time(7, 30),
        help_text=_("每周一到这个时间后，系统自动生成本周安全检查。"),
    )
    weekly_due_days = models.PositiveSmallIntegerField(
        _("周检完成期限（天）"), default=4, validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    closing_time = models.TimeField(_("闭园/放学时间"), default=datetime.time(17, 30))
    drill_fire = models.PositiveSmallIntegerField(_("消防疏散演练频次"), choices=DrillInterval.choices)
    drill_earthquake = models.PositiveSmallIntegerField(_("地震疏散演练频次"), choices=DrillInterval.choices)
    drill_anti_terror = models.PositiveSmallIntegerField(_("防恐防暴演练频次"), choices=DrillInterval.choices)
    drill_other = models.PositiveSmallIntegerField(
        _("其他演练频次"), choices=DrillInterval.choices, default=DrillInterval.NONE
    )

    class Meta:
        verbose_name = _("安全设置")
        verbose_name_plural = _("安全设置")

    def __str__(self):
        return f"{self.school} · {_('安全设置')}"

    @classmethod
    def defaults_for(cls, school) -> dict:
        """A kindergarten drills fire and earthquake evacuation every quarter, a school every month;
        anti-terror drills every semester."""
        regular = DrillInterval.QUARTERLY if school.is_kindergarten else DrillInterval.MONTHLY
        return {
            "drill_fire": regular,
            "drill_earthquake": regular,
            "drill_anti_terror": DrillInterval.SEMESTER,
            "drill_other": DrillInterval.NONE,
        }

    def drill_interval(self, kind) -> int:
        return getattr(self, f"drill_{kind}")


class ChecklistTemplate(SafetyOwned):
    kind = models.CharField(_("检查类型"), max_length=20, choices=InspectionKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("检查表模板")
        verbose_name_plural = _("检查表模板")
        constraints = [models.UniqueConstraint(fields=["school", "kind"], name="uniq_safety_template_kind")]

    def __str__(self):
        return self.name


class ChecklistTemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    area = models.CharField(_("检查区域"), max_length=50)
    text = models.CharField(_("检查内容"), max_length=200)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = _("检查项目")
        ordering = ["template_id", "order", "id"]

    def __str__(self):
        return f"{self.area}：{self.text}"


class Inspection(SafetyOwned):
    kind = models.CharField(_("检查类型"), max_length=20, choices=InspectionKind.choices)
    period_start = models.DateField(_("检查周期"), help_text=_("周检为周一，月检为当月1日，巡视为当天。"))
    due_on = models.DateField(_("完成期限"))
    assigned_to = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("检查人")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=InspectionStatus.choices, default=InspectionStatus.OPEN
    )
    summary = models.TextField(_("检查小结"), blank=True)
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    signature = models.CharField(_("签名"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("安全检查")
        verbose_name_plural = _("安全检查")
        ordering = ["-period_start", "kind", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "kind", "period_start"], name="uniq_safety_inspection_period"
            )
        ]
        indexes = [
            models.Index(fields=["school", "status", "due_on"]),
            models.Index(fields=["school", "kind", "period_start"]),
            models.Index(fields=["school", "period_start"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_label}"

    def get_absolute_url(self):
        return reverse("safety:inspection_detail", args=[self.pk])

    @property
    def period_label(self):
        d = self.period_start
        if self.kind == InspectionKind.WEEKLY:
            iso = d.isocalendar()
            return gettext("%(y)d年第%(w)d周") % {"y": iso.year, "w": iso.week}
        if self.kind == InspectionKind.MONTHLY:
            return gettext("%(y)d年%(m)d月") % {"y": d.year, "m": d.month}
        return gettext("%(y)d年%(m)d月%(d)d日") % {"y": d.year, "m": d.month, "d": d.day}

    @property
    def is_locked(self):
        return self.status == InspectionStatus.SUBMITTED

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.status == InspectionStatus.OPEN and self.due_on < today


class InspectionItem(SafetyOwned):
    """A copy of a template item taken when the inspection was created (templates change, this doesn't)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    area = models.CharField(_("检查区域"), max_length=50)
    text = models.CharField(_("检查内容"), max_length=200)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    result = models.CharField(_("结果"), max_length=10, choices=ItemResult.choices, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["inspection_id", "order", "id"]

    def __str__(self):
        return f"{self.area}：{self.text}"


class Hazard(SafetyOwned):
    """安全隐患台账: found -> assigned (deadline) -> rectified -> verified by someone else; before it is
    verified a manager may withdraw it (已撤销, 误报) with a reason. It is never deleted."""

    title = models.CharField(_("隐患内容"), max_length=200)
    description = models.TextField(_("详细说明"), blank=True)
    room = models.ForeignKey(
        "logistics.Room", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("房间")
    )
    location = models.CharField(_("位置"), max_length=100, blank=True)
    risk_level = models.CharField(
        _("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=HazardStatus.choices, default=HazardStatus.FOUND
    )
    found_on = models.DateField(_("发现日期"), default=timezone.localdate)
    found_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("发现人"))
    source_item = models.OneToOneField(
        InspectionItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazard",
        verbose_name=_("来源检查项"),
    )
    source_fire_item = models.OneToOneField(
        "FireSelfCheckItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazard",
        verbose_name=_("来源消防自检项"),
    )
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("整改责任人")
    )
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("交办人")
    )
    rectification = models.TextField(_("整改措施"), blank=True)
    rectified_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("整改人")
    )
    rectified_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("验收人")
    )
    verified_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    verify_note = models.CharField(_("验收意见"), max_length=300, blank=True)
    escalated_at = models.DateTimeField(_("上报校长时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("撤销人")
    )
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("安全隐患")
        verbose_name_plural = _("安全隐患台账")
        ordering = ["-found_on", "-id"]
        indexes = [
            models.Index(fields=["school", "status", "deadline"]),
            models.Index(fields=["school", "risk_level"]),
            models.Index(fields=["school", "room"]),
            models.Index(fields=["school", "found_on"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("safety:hazard_detail", args=[self.pk])

    @property
    def where(self):
        parts = [str(self.room) if self.room_id else "", self.location]
        return " ".join(p for p in parts if p)

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return (
            self.status in (HazardStatus.FOUND, HazardStatus.ASSIGNED)
            and self.deadline is not None
            and self.deadline < today
        )


# What recording a drill fills in (and a correction may change).
DRILL_RESULT_FIELDS = (
    "held_on",
    "participants",
    "floors",
    "evacuation_seconds",
    "commander",
    "guides",
    "rescuers",
    "medics",
    "reflection",
    "follow_up",
)


class Drill(SafetyOwned):
    """应急疏散演练: planned, then recorded; corrections afterwards go through the change log."""

    kind = models.CharField(_("演练类型"), max_length=20, choices=DrillKind.choices)
    title = models.CharField(_("演练名称"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=10, choices=DrillStatus.choices, default=DrillStatus.PLANNED
    )
    planned_on = models.DateField(_("计划日期"))
    plan = models.TextField(_("演练方案"), blank=True)
    held_on = models.DateField(_("实施日期"), null=True, blank=True)
    participants = models.PositiveIntegerField(_("参加人数"), null=True, blank=True)
    floors = models.PositiveSmallIntegerField(
        _("建筑层数"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    evacuation_seconds = models.PositiveIntegerField(
        _("疏散用时（秒）"), null=True, blank=True, validators=[MaxValueValidator(3600)]
    )
    commander = models.CharField(_("指挥"), max_length=100, blank=True)
    guides = models.CharField(_("引导"), max_length=200, blank=True)
    rescuers = models.CharField(_("搜救"), max_length=200, blank=True)
    medics = models.CharField(_("救护"), max_length=200, blank=True)
    reflection = models.TextField(_("查问题、找根源"), blank=True)
    follow_up = models.TextField(_("整改跟进措施"), blank=True)
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人"))

    class Meta:
        verbose_name = _("应急疏散演练")
        verbose_name_plural = _("应急疏散演练")
        ordering = ["-planned_on", "-id"]
        indexes = [
            models.Index(fields=["school", "kind", "held_on"]),
            models.Index(fields=["school", "planned_on"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("safety:drill_detail", args=[self.pk])

    @property
    def too_slow(self):
        return (
            self.evacuation_seconds is not None
            and self.floors is not None
            and self.floors < EVACUATION_LIMIT_FLOORS
            and self.evacuation_seconds > EVACUATION_LIMIT_SECONDS
        )

    @property
    def evacuation_display(self):
        if self.evacuation_seconds is None:
            return ""
        m, s = divmod(self.evacuation_seconds, 60)
        return gettext("%(m)d分%(s)02d秒") % {"m": m, "s": s}


class Visitor(SafetyOwned):
    history_permission = "visitors.view"  # the change log holds visitors' personal data
    name = models.CharField(_("姓名"), max_length=30)
    id_number = models.CharField(_("身份证号"), max_length=18)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    organisation = models.CharField(_("单位"), max_length=100, blank=True)
    reason = models.CharField(_("来访事由"), max_length=200)
    host = models.CharField(_("被访人"), max_length=50)
    badge = models.CharField(_("来访证号"), max_length=20, blank=True)
    time_in = models.DateTimeField(_("进校时间"), default=timezone.now)
    time_out = models.DateTimeField(_("离校时间"), null=True, blank=True)
    registered_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    signed_out_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("离校登记人")
    )

    class Meta:
        verbose_name = _("来访登记")
        verbose_name_plural = _("来访登记")
        ordering = ["-time_in", "-id"]
        indexes = [models.Index(fields=["school", "time_in"]), models.Index(fields=["school", "time_out"])]

    def __str__(self):
        return f"{self.name} {self.time_in:%Y-%m-%d %H:%M}"


class PickupException(SafetyOwned):
    """接送异常: a child collected by someone other than the usual guardian, or not collected on time."""

    child_name = models.CharField(_("幼儿/学生姓名"), max_length=30)
    class_name = models.CharField(_("班级"), max_length=30)
    picker_name = models.CharField(_("接送人"), max_length=30)
    relation = models.CharField(_("与孩子关系"), max_length=20)
    picker_id_number = models.CharField(_("接送人身份证号"), max_length=18, blank=True)
    picker_phone = models.CharField(_("接送人电话"), max_length=20, blank=True)
    situation = models.CharField(_("异常情况"), max_length=200)
    parent_confirmed = models.BooleanField(_("已电话联系家长确认"), default=False)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )

    class Meta:
        verbose_name = _("接送异常")
        verbose_name_plural = _("接送异常")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["school", "at"])]

    def __str__(self):
        return f"{self.child_name} {self.at:%Y-%m-%d}"


class FireEquipment(SafetyOwned):
    room = models.ForeignKey("logistics.Room", on_delete=models.PROTECT, verbose_name=_("房间"))
    kind = models.CharField(_("类型"), max_length=20, choices=FireEquipmentKind.choices)
    code = models.CharField(_("编号"), max_length=30)
    spec = models.CharField(_("规格型号"), max_length=60, blank=True)
    position = models.CharField(_("具体位置"), max_length=60, blank=True)
    expires_on = models.DateField(_("有效期/报废日期"), null=True, blank=True)
    next_check_on = models.DateField(_("下次检测/压力检查日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("消防器材")
        verbose_name_plural = _("消防器材")
        ordering = ["room__name", "kind", "code"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="uniq_fire_equipment_code")]
        indexes = [models.Index(fields=["school", "room"]), models.Index(fields=["school", "expires_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.code}"

    def due_soon(self, today=None, days=30):
        today = today or timezone.localdate()
        limit = today + datetime.timedelta(days=days)
        return any(d is not None and d <= limit for d in (self.expires_on, self.next_check_on))


class FireSelfCheck(SafetyOwned):
    """消防设备月度自检: one per month, item by item over the equipment in use when it was started."""

    month = models.DateField(_("月份"))
    status = models.CharField(_("状态"), max_length=20, choices=CheckStatus.choices, default=CheckStatus.OPEN)
    checked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人")
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人"))

    class Meta:
        verbose_name = _("消防设备自检")
        verbose_name_plural = _("消防设备自检")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["school", "month"], name="uniq_fire_selfcheck_month")]

    def __str__(self):
        return gettext("%(y)d年%(m)d月消防设备自检") % {"y": self.month.year, "m": self.month.month}

    def get_absolute_url(self):
        return reverse("safety:selfcheck_detail", args=[self.pk])


class FireSelfCheckItem(SafetyOwned):
    self_check = models.ForeignKey(FireSelfCheck, on_delete=models.CASCADE, related_name="items")
    equipment = models.ForeignKey(FireEquipment, on_delete=models.PROTECT, verbose_name=_("器材"))
    result = models.CharField(_("结果"), max_length=10, choices=FireCheckResult.choices, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("自检项")
        verbose_name_plural = _("自检项")
        ordering = ["self_check_id", "equipment__room__name", "equipment__code"]
        constraints = [
            models.UniqueConstraint(fields=["self_check", "equipment"], name="uniq_fire_selfcheck_equipment")
        ]

    def __str__(self):
        return str(self.equipment)


class FirePreventionCheck(SafetyOwned):
    """防火检查 (公安部令第61号): signed by the inspector and by the head of the school."""

    checked_on = models.DateField(_("检查日期"))
    scope = models.CharField(_("检查部位"), max_length=200)
    findings = models.TextField(_("发现的问题"), blank=True)
    measures = models.TextField(_("处理措施"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=FirePreventionStatus.choices, default=FirePreventionStatus.DRAFT
    )
    inspector = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人"))
    inspector_signed_at = models.DateTimeField(_("检查人签字时间"), null=True, blank=True)
    principal = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("校长签字")
    )
    principal_signed_at = models.DateTimeField(_("校长签字时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("防火检查")
        verbose_name_plural = _("防火检查")
        ordering = ["-checked_on", "-id"]
        indexes = [models.Index(fields=["school", "checked_on"])]

    def __str__(self):
        return f"{self.checked_on:%Y-%m-%d} {self.scope}"

    def get_absolute_url(self):
        return reverse("safety:fire_check_detail", args=[self.pk])


class HazardousMaterial(SafetyOwned):
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=20, choices=HazmatKind.choices)
    unit = models.CharField(_("单位"), max_length=10)
    keeper = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("保管人"))
    room = models.ForeignKey(
        "logistics.Room", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("存放地点")
    )
    stock = models.DecimalField(_("库存"), max_digits=12, decimal_places=2, default=Decimal("0"))
    max_issue = models.DecimalField(
        _("单次领用上限"), max_digits=12, decimal_places=2, null=True, blank=True, help_text=_("留空不限。")
    )

    class Meta:
        verbose_name = _("危险品")
        verbose_name_plural = _("危险品")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="uniq_hazmat_name"),
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="hazmat_stock_not_negative"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("safety:hazmat_detail", args=[self.pk])


class HazmatMovement(SafetyOwned):
    material = models.ForeignKey(HazardousMaterial, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类型"), max_length=10, choices=HazmatMovementKind.choices)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    balance = models.DecimalField(_("结存"), max_digits=12, decimal_places=2)
    purpose = models.CharField(_("用途/来源"), max_length=200)
    receiver = models.CharField(_("领用人"), max_length=30, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("危险品出入库")
        verbose_name_plural = _("危险品出入库")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["school", "at"])]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="hazmat_qty_positive")]

    def __str__(self):
        return f"{self.material} {self.get_kind_display()} {self.quantity}"


class DutyShift(SafetyOwned):
    date = models.DateField(_("日期"))
    kind = models.CharField(_("值班类型"), max_length=10, choices=DutyKind.choices, default=DutyKind.DAY)
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("值班人"))
    is_holiday = models.BooleanField(_("节假日"), default=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")
        ordering = ["date", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date", "kind", "person"], name="uniq_duty_shift")
        ]
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


class EducationEvent(SafetyOwned):
    """安全教育日历: a theme per month, planned and marked done."""

    month = models.DateField(_("月份"))
    topic = models.CharField(_("主题"), max_length=100)
    audience = models.CharField(_("对象"), max_length=60, blank=True)
    format = models.CharField(
        _("形式"), max_length=20, choices=EducationFormat.choices, default=EducationFormat.CLASS
    )
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("安全教育")
        verbose_name_plural = _("安全教育")
        ordering = ["month", "id"]
        indexes = [models.Index(fields=["school", "month"])]

    def __str__(self):
        return self.topic
