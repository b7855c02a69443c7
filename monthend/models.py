"""Month-end packs (月报) and the duty calendar (行事历).

Until issue 15 these models were part of the `logistics` app; monthend's migration 0001 took them
over with their data (tables renamed, content types moved: see its docstring).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from logistics.choices import Role
from logistics.models import SchoolOwned, SchoolScopedQuerySet, SchoolSettings

from .choices import DutyCategory, PackStatus, PackTrigger, Recurrence, TaskStatus, Weekday

month_key_validator = RegexValidator(r"^20\d\d-(0[1-9]|1[0-2])$", _("月份格式应为 2026-10。"))


def pack_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1]
    return f"monthpacks/{instance.school_id}/{instance.month}/v{instance.version}-{uuid.uuid4().hex}.{ext}"


class MonthPackQuerySet(SchoolScopedQuerySet):
    def visible_to(self, request):
        """The current school's packs; for a bureau user, every school of its district."""
        if getattr(request, "role", None) == Role.BUREAU:
            account = getattr(request.user, "bureau_account", None)
            if account is None:
                return self.none()
            return self.filter(school__district_id=account.district_id)
        return self.for_request(request)


class MonthPack(SchoolOwned):
    """One generated version of a school's month-end pack: an Excel workbook and a PDF."""

    month = models.CharField(_("月份"), max_length=7, validators=[month_key_validator])
    version = models.PositiveIntegerField(_("版本"))
    status = models.CharField(
        _("状态"), max_length=10, choices=PackStatus.choices, default=PackStatus.PENDING
    )
    trigger = models.CharField(_("生成方式"), max_length=10, choices=PackTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("申请人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    xlsx = models.FileField(upload_to=pack_path, max_length=200, blank=True)
    pdf = models.FileField(upload_to=pack_path, max_length=200, blank=True)
    xlsx_sha256 = models.CharField(max_length=64, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    xlsx_size = models.PositiveBigIntegerField(default=0)
    pdf_size = models.PositiveBigIntegerField(default=0)
    # [{"key": "org.certificates", "title": "员工证件一览表", "rows": 12, "error": ""}, ...]
    sections = models.JSONField(_("报表"), default=list, blank=True)
    gaps = models.JSONField(_("需关注事项"), default=list, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    objects = MonthPackQuerySet.as_manager()
    history_permission = "monthend.view"  # who may read its change log (logistics.views.object_history)

    class Meta:
        verbose_name = _("月报")
        verbose_name_plural = _("月报")
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["school", "month", "version"], name="uniq_monthpack_version")
        ]
        indexes = [models.Index(fields=["school", "month", "status"]), models.Index(fields=["month"])]

    def __str__(self):
        return gettext("%(month)s 月报 第%(version)s版") % {"month": self.month, "version": self.version}

    @property
    def month_label(self):
        year, month = self.month.split("-")
        return gettext("%(year)s年%(month)s月") % {"year": int(year), "month": int(month)}

    @property
    def is_ready(self):
        return self.status == PackStatus.READY

    def download_name(self, fmt):
        return f"{self.school.code}-{self.month}-月报-v{self.version}.{fmt}"


class DutySettings(SchoolSettings, models.Model):
    """Per-school calendar settings: which months a semester starts and ends in.

    `DutySettings.for_school(school)` is the row; `services.calendar_settings` also loads the default
    calendar on first use."""

    school = models.OneToOneField(
        "logistics.School", on_delete=models.CASCADE, related_name="duty_settings", verbose_name=_("学校")
    )
    spring_start_month = models.PositiveSmallIntegerField(
        _("春季学期开学月份"), default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    spring_end_month = models.PositiveSmallIntegerField(
        _("春季学期结束月份"), default=7, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    autumn_start_month = models.PositiveSmallIntegerField(
        _("秋季学期开学月份"), default=9, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    autumn_end_month = models.PositiveSmallIntegerField(
        _("秋季学期结束月份"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    defaults_loaded = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("行事历设置")
        verbose_name_plural = _("行事历设置")

    def __str__(self):
        return str(self.school)

    def semester_months(self, recurrence):
        if recurrence == Recurrence.SEMESTER_START:
            return {self.spring_start_month, self.autumn_start_month}
        if recurrence == Recurrence.SEMESTER_END:
            return {self.spring_end_month, self.autumn_end_month}
        return set()


class Duty(SchoolOwned):
    """A recurring duty of the school's calendar (行事历), e.g. every August: 直饮水更换滤芯."""

    title = models.CharField(_("事项"), max_length=100)
    category = models.CharField(
        _("类别"), max_length=10, choices=DutyCategory.choices, default=DutyCategory.GENERAL
    )
    recurrence = models.CharField(_("周期"), max_length=20, choices=Recurrence.choices)
    month = models.PositiveSmallIntegerField(
        _("月份"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    weekday = models.SmallIntegerField(_("星期"), null=True, blank=True, choices=Weekday.choices)
    day = models.PositiveSmallIntegerField(
        _("截止日"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("每月几号前完成（月份较短时取月末）"),
    )
    date = models.DateField(_("日期"), null=True, blank=True)
    lead_days = models.PositiveSmallIntegerField(
        _("提前生成天数"), default=7, validators=[MaxValueValidator(60)]
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责人"),
    )
    notes = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    default_key = models.CharField(max_length=40, blank=True, editable=False)
    history_permission = "duties.view"

    class Meta:
        verbose_name = _("行事历事项")
        verbose_name_plural = _("行事历事项")
        ordering = ["school_id", "recurrence", "month", "weekday", "day", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "default_key"],
                condition=~models.Q(default_key=""),
                name="uniq_duty_default_key",
            )
        ]
        indexes = [models.Index(fields=["school", "is_active"])]

    def __str__(self):
        return self.title

    @property
    def schedule_label(self):
        r = self.recurrence
        if r == Recurrence.MONTHLY:
            return gettext("每月%(day)s日前") % {"day": self.day}
        if r == Recurrence.YEARLY:
            return gettext("每年%(month)s月%(day)s日前") % {"month": self.month, "day": self.day}
        if r == Recurrence.WEEKLY:
            if self.weekday is None:
                return gettext("每周")
            return gettext("每%(weekday)s") % {"weekday": Weekday(self.weekday).label}
        if r == Recurrence.DATE:
            if not self.date:
                return ""
            return gettext("%(year)s年%(month)s月%(day)s日") % {
                "year": self.date.year,
                "month": self.date.month,
                "day": self.date.day,
            }
        return gettext("%(recurrence)s（%(day)s日前）") % {
            "recurrence": self.get_recurrence_display(),
            "day": self.day,
        }


class DutyTask(SchoolOwned):
    """One occurrence of a duty: due on a day, assigned, done with who and when."""

    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("事项"))
    title = models.CharField(_("事项"), max_length=100)
    due_on = models.DateField(_("截止日期"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duty_tasks",
        verbose_name=_("负责人"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("完成人"),
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.TextField(_("完成情况"), blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history_permission = "duties.view"

    class Meta:
        verbose_name = _("行事历任务")
        verbose_name_plural = _("行事历任务")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["duty", "due_on"], name="uniq_duty_task_due")]
        indexes = [
            models.Index(fields=["school", "due_on"]),
            models.Index(fields=["school", "status", "due_on"]),
        ]

    def __str__(self):
        return gettext("%(title)s（%(month)s月%(day)s日）") % {
            "title": self.title,
            "month": self.due_on.month,
            "day": self.due_on.day,
        }

    @property
    def is_overdue(self):
        return self.status == TaskStatus.OPEN and self.due_on < timezone.localdate()
