"""Hygiene and health (卫生保健), greening (绿化) and utilities (节能降耗).

A "class" is a logistics Room with room_type "class"; its class teacher is the room's `responsible`.
Compliance records (checks, inspections, disinfection, readings) are corrected through services with
`apply_correction`, never edited in place.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.models import SchoolOwned, SchoolSettings

from .choices import (
    METER_UNITS,
    AbsenceStatus,
    CaseStatus,
    CheckAction,
    CheckSession,
    Disease,
    DisinfectionMethod,
    DisinfectionObject,
    Gender,
    GreeningFrequency,
    GreeningKind,
    MeterKind,
    ProblemStatus,
    Symptom,
    TaskStatus,
)

USER = settings.AUTH_USER_MODEL
CLASS_ROOM = {"room_type": "class"}


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


class HygieneSettings(SchoolSettings, models.Model):
    """Per-school settings (created with defaults on first use)."""

    school = models.OneToOneField(
        "logistics.School", on_delete=models.CASCADE, related_name="hygiene_settings"
    )
    spike_factor = models.DecimalField(
        _("用量异常倍数"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1.01"))],
        help_text=_("本月用量超过前三个月平均值的倍数即提示跑冒滴漏或浪费。"),
    )
    cluster_threshold = models.PositiveSmallIntegerField(
        _("聚集病例数"), default=2, validators=[MinValueValidator(2)]
    )

    class Meta:
        verbose_name = _("卫生保健设置")
        verbose_name_plural = _("卫生保健设置")

    def __str__(self):
        return f"{self.school} 卫生保健设置"


# --- health ------------------------------------------------------------------------------------------


class Child(SchoolOwned):
    name = models.CharField(_("姓名"), max_length=30)
    room = models.ForeignKey(
        "logistics.Room",
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to=CLASS_ROOM,
        verbose_name=_("班级"),
    )
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    guardian_phone = models.CharField(_("家长电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("在园/在校"), default=True)

    class Meta:
        verbose_name = _("幼儿/学生")
        verbose_name_plural = _("幼儿/学生")
        ordering = ["room__name", "name"]
        indexes = [models.Index(fields=["school", "room", "is_active"])]

    def __str__(self):
        return self.name


class HealthCheck(SchoolOwned):
    """晨午检: one per class per day and session."""

    room = models.ForeignKey(
        "logistics.Room",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=CLASS_ROOM,
        verbose_name=_("班级"),
    )
    date = models.DateField(_("日期"), default=timezone.localdate)
    session = models.CharField(
        _("检查"), max_length=10, choices=CheckSession.choices, default=CheckSession.MORNING
    )
    enrolled = models.PositiveSmallIntegerField(_("应到人数"))
    present = models.PositiveSmallIntegerField(_("实到人数"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    checked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人"))
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("晨午检记录")
        verbose_name_plural = _("晨午检记录")
        ordering = ["-date", "room__name", "session"]
        constraints = [
            models.UniqueConstraint(fields=["room", "date", "session"], name="uniq_morning_check"),
            models.CheckConstraint(
                condition=models.Q(present__lte=models.F("enrolled")), name="check_present_le_enrolled"
            ),
        ]
        indexes = [models.Index(fields=["school", "date"]), models.Index(fields=["school", "room", "date"])]

    def __str__(self):
        return f"{self.room} {self.date:%Y-%m-%d} {self.get_session_display()}"

    @property
    def absent(self):
        return self.enrolled - self.present


class CheckFinding(SchoolOwned):
    """An abnormal child found at a check: symptom and what was done."""

    check_record = models.ForeignKey(HealthCheck, on_delete=models.PROTECT, related_name="findings")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+", verbose_name=_("幼儿"))
    symptom = models.CharField(_("症状"), max_length=20, choices=Symptom.choices)
    temperature = models.DecimalField(
        _("体温(℃)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("34.0")), MaxValueValidator(Decimal("43.0"))],
    )
    action = models.CharField(_("处理"), max_length=20, choices=CheckAction.choices)
    detail = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("晨午检异常")
        verbose_name_plural = _("晨午检异常")
        ordering = ["id"]

    def __str__(self):
        return f"{self.child} {self.get_symptom_display()}"


class SickAbsence(SchoolOwned):
    """因病缺勤登记, followed up by phone until the child is back."""

    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="absences", verbose_name=_("幼儿")
    )
    room = models.ForeignKey(
        "logistics.Room", on_delete=models.PROTECT, related_name="+", verbose_name=_("班级")
    )
    start_date = models.DateField(_("缺勤开始"))
    end_date = models.DateField(_("返园日期"), null=True, blank=True)
    symptom = models.CharField(_("症状"), max_length=20, choices=Symptom.choices)
    diagnosis = models.CharField(_("诊断"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=AbsenceStatus.choices, default=AbsenceStatus.ABSENT
    )
    reported_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("因病缺勤")
        verbose_name_plural = _("因病缺勤")
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["school", "start_date"]),
            models.Index(fields=["school", "room"]),
        ]

    def __str__(self):
        return f"{self.child} {self.start_date:%Y-%m-%d}"


class FollowUpCall(SchoolOwned):
    absence = models.ForeignKey(SickAbsence, on_delete=models.PROTECT, related_name="calls")
    called_at = models.DateTimeField(_("随访时间"), default=timezone.now)
    called_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("随访人"))
    condition = models.CharField(_("病情与去向"), max_length=200)

    class Meta:
        verbose_name = _("随访记录")
        verbose_name_plural = _("随访记录")
        ordering = ["called_at", "id"]

    def __str__(self):
        return self.condition


class InfectiousCase(SchoolOwned):
    """传染病追踪随访: from onset to return with a medical certificate."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases", verbose_name=_("幼儿"))
    room = models.ForeignKey(
        "logistics.Room", on_delete=models.PROTECT, related_name="+", verbose_name=_("班级")
    )
    disease = models.CharField(_("病种"), max_length=20, choices=Disease.choices)
    onset_date = models.DateField(_("发病日期"))
    diagnosed_on = models.DateField(_("诊断日期"))
    diagnosed_by = models.CharField(_("诊断医院"), max_length=100)
    isolation_until = models.DateField(_("隔离至"))
    class_measures = models.TextField(
        _("班级措施"), blank=True, help_text=_("如：暂停与其他班级混班活动、终末消毒、加强晨午检。")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.ISOLATING
    )
    returned_on = models.DateField(_("复课日期"), null=True, blank=True)
    certificate = models.CharField(_("复课证明"), max_length=100, blank=True)
    absence = models.ForeignKey(
        SickAbsence,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("因病缺勤"),
    )
    reported_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("传染病例")
        verbose_name_plural = _("传染病例")
        ordering = ["-onset_date", "-id"]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["school", "onset_date"]),
            models.Index(fields=["room", "disease", "onset_date"]),
            models.Index(fields=["school", "disease"]),
        ]

    def __str__(self):
        return f"{self.child} {self.get_disease_display()}"


# --- hygiene -----------------------------------------------------------------------------------------


class ResponsibilityArea(SchoolOwned):
    """卫生责任区 / 包干区: assigned to a class or to a person."""

    campus = models.ForeignKey(
        "logistics.Campus", on_delete=models.PROTECT, related_name="+", verbose_name=_("校区")
    )
    name = models.CharField(_("区域名称"), max_length=100)
    description = models.CharField(_("范围说明"), max_length=200, blank=True)
    room = models.ForeignKey(
        "logistics.Room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=CLASS_ROOM,
        verbose_name=_("负责班级"),
    )
    person = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("负责人")
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("卫生责任区")
        verbose_name_plural = _("卫生责任区")
        ordering = ["campus__name", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "campus", "name"], name="uniq_area_name")]

    def __str__(self):
        return self.name


class HygieneCriterion(SchoolOwned):
    name = models.CharField(_("评分项目"), max_length=50)
    max_score = models.DecimalField(
        _("满分"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(100)],
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=10)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("卫生评分标准")
        verbose_name_plural = _("卫生评分标准")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="uniq_criterion_name")]

    def __str__(self):
        return self.name


class HygieneInspection(SchoolOwned):
    """每周班级卫生、包干区检查: one per class room or area per week."""

    week = models.DateField(_("周（周一）"))
    room = models.ForeignKey(
        "logistics.Room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("班级"),
    )
    area = models.ForeignKey(
        ResponsibilityArea,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("包干区"),
    )
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    max_score = models.DecimalField(_("满分"), max_digits=5, decimal_places=1)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    inspected_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人")
    )
    inspected_at = models.DateTimeField(_("检查时间"), default=timezone.now)

    class Meta:
        verbose_name = _("卫生检查")
        verbose_name_plural = _("卫生检查")
        ordering = ["-week", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["week", "room"],
                condition=models.Q(room__isnull=False),
                name="uniq_inspection_room_week",
            ),
            models.UniqueConstraint(
                fields=["week", "area"],
                condition=models.Q(area__isnull=False),
                name="uniq_inspection_area_week",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(room__isnull=False, area__isnull=True)
                    | models.Q(room__isnull=True, area__isnull=False)
                ),
                name="inspection_room_xor_area",
            ),
        ]
        indexes = [models.Index(fields=["school", "week"])]

    def __str__(self):
        return f"{self.target} {self.week:%Y-%m-%d}"

    @property
    def target(self):
        return self.room or self.area

    @property
    def percent(self):
        return (self.score * 100 / self.max_score) if self.max_score else Decimal(0)


class HygieneScore(SchoolOwned):
    inspection = models.ForeignKey(HygieneInspection, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(HygieneCriterion, on_delete=models.PROTECT, related_name="+")
    max_score = models.DecimalField(_("满分"), max_digits=4, decimal_places=1)
    score = models.DecimalField(_("得分"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("卫生评分")
        verbose_name_plural = _("卫生评分")
        ordering = ["criterion__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "criterion"], name="uniq_score_criterion"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=models.F("max_score")), name="score_within_max"
            ),
        ]


class HygieneProblem(SchoolOwned):
    """A problem found at an inspection, corrected by a deadline (限时纠正) and re-checked."""

    inspection = models.ForeignKey(HygieneInspection, on_delete=models.PROTECT, related_name="problems")
    description = models.CharField(_("问题"), max_length=200)
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    corrected_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    corrected_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rechecked_at = models.DateTimeField(_("复查时间"), null=True, blank=True)
    rechecked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("卫生问题")
        verbose_name_plural = _("卫生问题")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["school", "status", "deadline"])]

    def __str__(self):
        return self.description

    @property
    def is_overdue(self):
        return self.status == ProblemStatus.OPEN and self.deadline < timezone.localdate()


class Disinfectant(SchoolOwned):
    """A disinfectant and the school's working-concentration range (消毒液浓度测试)."""

    name = models.CharField(_("消毒剂"), max_length=50)
    unit = models.CharField(_("浓度单位"), max_length=10, default="mg/L")
    min_concentration = models.DecimalField(
        _("浓度下限"), max_digits=8, decimal_places=1, validators=[MinValueValidator(0)]
    )
    max_concentration = models.DecimalField(
        _("浓度上限"), max_digits=8, decimal_places=1, validators=[MinValueValidator(0)]
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("消毒剂")
        verbose_name_plural = _("消毒剂")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="uniq_disinfectant_name")]

    def __str__(self):
        return f"{self.name}（{self.min_concentration:g}–{self.max_concentration:g} {self.unit}）"


class DisinfectionRecord(SchoolOwned):
    target = models.CharField(_("消毒对象"), max_length=20, choices=DisinfectionObject.choices)
    room = models.ForeignKey(
        "logistics.Room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("地点"),
    )
    method = models.CharField(_("消毒方式"), max_length=20, choices=DisinfectionMethod.choices)
    disinfectant = models.ForeignKey(
        Disinfectant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("消毒剂"),
    )
    concentration = models.DecimalField(_("测试浓度"), max_digits=8, decimal_places=1, null=True, blank=True)
    concentration_ok = models.BooleanField(_("浓度合格"), null=True)
    minutes = models.PositiveSmallIntegerField(_("作用时间(分钟)"), null=True, blank=True)
    done_at = models.DateTimeField(_("消毒时间"), default=timezone.now)
    done_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("消毒人"))
    case = models.ForeignKey(
        InfectiousCase,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disinfections",
        verbose_name=_("终末消毒对应病例"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("消毒记录")
        verbose_name_plural = _("消毒记录")
        ordering = ["-done_at", "-id"]
        indexes = [
            models.Index(fields=["school", "done_at"]),
            models.Index(fields=["school", "target"]),
            models.Index(fields=["school", "concentration_ok"]),
        ]

    def __str__(self):
        return f"{self.get_target_display()} {self.get_method_display()}"

    @property
    def is_terminal(self):
        return self.case_id is not None


# --- utilities ---------------------------------------------------------------------------------------


class Meter(SchoolOwned):
    campus = models.ForeignKey(
        "logistics.Campus", on_delete=models.PROTECT, related_name="+", verbose_name=_("校区")
    )
    building = models.CharField(_("楼栋"), max_length=50, blank=True, help_text=_("留空表示整个校区的总表。"))
    kind = models.CharField(_("类型"), max_length=20, choices=MeterKind.choices)
    name = models.CharField(_("名称"), max_length=50)
    number = models.CharField(_("表号"), max_length=50, blank=True)
    unit_price = models.DecimalField(
        _("单价(元)"),
        max_digits=8,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("计量表")
        verbose_name_plural = _("计量表")
        ordering = ["campus__name", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "campus", "name"], name="uniq_meter_name")]
        indexes = [models.Index(fields=["school", "kind"])]

    def __str__(self):
        return self.name

    @property
    def unit(self):
        return METER_UNITS.get(self.kind, "")


class MeterReading(SchoolOwned):
    """A month's reading, typed in from a phone. Lower than the last only with a meter replacement."""

    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings")
    month = models.DateField(_("月份"))  # first day of the month
    value = models.DecimalField(_("读数"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    read_on = models.DateField(_("抄表日期"), default=timezone.localdate)
    is_replacement = models.BooleanField(_("本月换表"), default=False)
    old_final = models.DecimalField(_("旧表拆除读数"), max_digits=12, decimal_places=2, null=True, blank=True)
    new_start = models.DecimalField(_("新表起始读数"), max_digits=12, decimal_places=2, null=True, blank=True)
    consumption = models.DecimalField(_("用量"), max_digits=12, decimal_places=2, null=True, blank=True)
    unit_price = models.DecimalField(_("单价(元)"), max_digits=8, decimal_places=4)
    cost = models.DecimalField(_("费用(元)"), max_digits=12, decimal_places=2, null=True, blank=True)
    flagged = models.BooleanField(_("用量异常"), default=False)
    baseline = models.DecimalField(_("前三月平均"), max_digits=12, decimal_places=2, null=True, blank=True)
    read_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("抄表人"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("抄表记录")
        verbose_name_plural = _("抄表记录")
        ordering = ["-month", "meter__name"]
        constraints = [models.UniqueConstraint(fields=["meter", "month"], name="uniq_meter_month")]
        indexes = [models.Index(fields=["school", "month"]), models.Index(fields=["school", "flagged"])]

    def __str__(self):
        return f"{self.meter} {self.month:%Y-%m}"


# --- greening ----------------------------------------------------------------------------------------


class GreeningPlan(SchoolOwned):
    """绿化养护计划: creates tasks on schedule (weekly, or once in each listed month)."""

    campus = models.ForeignKey(
        "logistics.Campus",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("校区"),
    )
    name = models.CharField(_("养护项目"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=GreeningKind.choices)
    frequency = models.CharField(_("频次"), max_length=10, choices=GreeningFrequency.choices)
    months = models.CharField(
        _("月份"), max_length=40, blank=True, help_text=_("用逗号分隔，如“3,11”；留空表示每个月。")
    )
    responsible = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("负责人")
    )
    description = models.CharField(_("要求"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("绿化养护计划")
        verbose_name_plural = _("绿化养护计划")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="uniq_greening_plan_name")]

    def __str__(self):
        return self.name

    def month_list(self) -> list[int]:
        if not self.months.strip():
            return list(range(1, 13))
        return sorted({int(m) for m in self.months.replace("，", ",").split(",") if m.strip()})


class GreeningTask(SchoolOwned):
    plan = models.ForeignKey(GreeningPlan, on_delete=models.PROTECT, related_name="tasks")
    period = models.CharField(_("周期"), max_length=10)  # "2026-11" or "2026-W47"
    due_date = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("完成人")
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.CharField(_("完成情况"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("绿化养护任务")
        verbose_name_plural = _("绿化养护任务")
        ordering = ["status", "due_date", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "period"], name="uniq_greening_task_period")]
        indexes = [models.Index(fields=["school", "status", "due_date"])]

    def __str__(self):
        return f"{self.plan} {self.period}"

    @property
    def is_overdue(self):
        return self.status == TaskStatus.OPEN and self.due_date < timezone.localdate()
