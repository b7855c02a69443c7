"""What every app shares: the organisation (district, school, campus, room, department),
memberships with roles, staff records, the change log, attachments and notifications."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import CertificateKind, ChangeAction, Role, RoomType, SchoolKind


class SchoolScopedQuerySet(models.QuerySet):
    """The one way a view reads school-owned rows (DESIGN.md rule 4).

    `request.school` is set by CurrentSchoolMiddleware to a school the user belongs to (or, for the
    bureau, one of its district's schools), so scoping by it is scoping by what the user may see.
    """

    def for_request(self, request):
        school = getattr(request, "school", None)
        if school is None:
            return self.none()
        return self.filter(school=school)


class SchoolOwned(models.Model):
    """Abstract base for every row that belongs to one school."""

    school = models.ForeignKey("logistics.School", on_delete=models.PROTECT, verbose_name=_("学校"))

    objects = SchoolScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class SchoolSettings:
    """Mixin of an app's per-school settings row (one per school): `Model.for_school(school)` returns
    it, created on first use with `defaults_for(school)`. The one accessor every app uses."""

    @classmethod
    def defaults_for(cls, school) -> dict:
        return {}

    @classmethod
    def for_school(cls, school):
        obj, _created = cls.objects.get_or_create(school=school, defaults=cls.defaults_for(school))
        return obj


class District(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    bureau_name = models.CharField(_("教育局"), max_length=100)

    class Meta:
        verbose_name = _("区县")
        verbose_name_plural = _("区县")

    def __str__(self):
        return self.name


class School(models.Model):
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="schools", verbose_name=_("区县")
    )
    code = models.CharField(_("学校代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=SchoolKind.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    # Random, unguessable token for pages the public may open without an account (parents' menu).
    public_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["district_id", "code"]

    def __str__(self):
        return self.name

    @property
    def is_kindergarten(self):
        return self.kind == SchoolKind.KINDERGARTEN


class Campus(SchoolOwned):
    name = models.CharField(_("校区名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_main = models.BooleanField(_("主校区"), default=False)

    class Meta:
        verbose_name = _("校区")
        verbose_name_plural = _("校区")
        ordering = ["school_id", "-is_main", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="uniq_campus_name")]

    def __str__(self):
        return self.name


class Department(SchoolOwned):
    name = models.CharField(_("部门名称"), max_length=100)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("负责人")
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["school_id", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="uniq_department_name")]

    def __str__(self):
        return self.name


class Room(SchoolOwned):
    campus = models.ForeignKey(Campus, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("校区"))
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("编号"), max_length=30, blank=True)
    room_type = models.CharField(_("类型"), max_length=20, choices=RoomType.choices)
    building = models.CharField(_("楼栋"), max_length=50, blank=True)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_rooms",
        verbose_name=_("责任人"),
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("房间")
        verbose_name_plural = _("房间")
        ordering = ["school_id", "campus_id", "name"]
        constraints = [models.UniqueConstraint(fields=["campus", "name"], name="uniq_room_name_per_campus")]
        indexes = [models.Index(fields=["school", "room_type"])]

    def __str__(self):
        return self.name


class MembershipQuerySet(SchoolScopedQuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)


class Membership(SchoolOwned):
    """A user's place in a school: one role, optionally a campus and department."""

    history_permission = "org.manage"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        _("角色"), max_length=20, choices=[c for c in Role.choices if c[0] != Role.BUREAU]
    )
    campus = models.ForeignKey(
        Campus, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("校区")
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("部门")
    )
    started_on = models.DateField(_("开始日期"), default=timezone.localdate)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        ordering = ["school_id", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school"],
                condition=models.Q(ended_on__isnull=True),
                name="uniq_active_membership",
            )
        ]

    def __str__(self):
        return f"{display_name(self.user)} · {self.get_role_display()}"

    @property
    def is_active(self):
        return self.ended_on is None


class BureauAccount(models.Model):
    """An education-bureau user: reads every school of its district, never writes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bureau_account"
    )
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="bureau_accounts")

    class Meta:
        verbose_name = _("教育局账号")
        verbose_name_plural = _("教育局账号")

    def __str__(self):
        return f"{display_name(self.user)} · {self.district}"


def display_name(user):
    """Chinese full names are stored in first_name; fall back to the login name."""
    if user is None:
        return ""
    return user.first_name or user.get_full_name() or user.username


class StaffProfile(SchoolOwned):
    """员工档案: one per person per school."""

    history_permission = "staff.view"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profiles"
    )
    post = models.CharField(_("岗位"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    hire_date = models.DateField(_("入职日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("员工档案")
        verbose_name_plural = _("员工档案")
        constraints = [models.UniqueConstraint(fields=["school", "user"], name="uniq_staff_profile")]

    def __str__(self):
        return display_name(self.user)


class Certificate(SchoolOwned):
    history_permission = "staff.view"

    staff = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(_("证件类型"), max_length=20, choices=CertificateKind.choices)
    number = models.CharField(_("证件编号"), max_length=50, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    issuer = models.CharField(_("发证机关"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("证件")
        verbose_name_plural = _("证件")
        ordering = ["expires_on"]
        indexes = [models.Index(fields=["school", "expires_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}".strip()


class ChangeLog(models.Model):
    """The change log of DESIGN.md rule 5: who, when, action, before/after and why."""

    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    action = models.CharField(_("操作"), max_length=20, choices=ChangeAction.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    # The workflow action of a TRANSITION entry (e.g. "approve"): who acted first, and how, is read
    # from here when a stale decision is refused (logistics.workflow).
    transition = models.CharField(_("流程操作"), max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self):
        return f"{self.object_repr} {self.get_action_display()}"


def attachment_path(instance, filename):
    # Never the user's file name: a random name under the school's folder (no traversal, no guessing).
    day = timezone.localdate()
    return f"attachments/{instance.school_id}/{day:%Y/%m}/{instance.uuid.hex}{instance.extension}"


class Attachment(SchoolOwned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    extension = models.CharField(max_length=10)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(default=timezone.now)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


class Notification(SchoolOwned):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Same key for the same event (e.g. "hazard-overdue:42:2026-11-20"): a rerun notifies no one twice.
    dedupe_key = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="uniq_notification_dedupe",
            )
        ]

    def __str__(self):
        return self.title
