"""Every state change of month packs and duty tasks (DESIGN.md rule 3).

The transitions are declared in monthend/workflows.py (PACK, DUTY_TASK); the engine checks them, writes
the change log and queues the notices, and each service here adds only its step's own effects.
"""

import datetime
import hashlib
import logging
import os
import tempfile
import time

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_change, snapshot
from logistics.choices import ChangeAction, Role
from logistics.models import School
from logistics.notifications import notify
from logistics.permissions import role_can, role_of
from logistics.reports import Period

from . import duties, hooks, pack, workflows
from .choices import PackAction, PackStatus, PackTrigger, TaskAction, TaskStatus
from .models import Duty, DutySettings, DutyTask, MonthPack

log = logging.getLogger(__name__)

S = PackStatus
# A pack still pending/running after this long is treated as abandoned (its worker died).
STALE_AFTER = datetime.timedelta(minutes=30)


def _check_month(period):
    if period.start > timezone.localdate():
        raise ValidationError(_("不能生成未来月份的月报。"))


def _enqueue(pack):
    """Queue the build once the transaction commits. A heavy task, so never run inside a request
    when the broker is down: the pack then stays pending and the next scheduled run
    (`schedule_all` -> `_recover_abandoned`) queues it again."""
    from logistics.tasks import enqueue

    from .tasks import generate_month_pack

    enqueue(generate_month_pack, pack.pk, school_id=pack.school_id, inline_on_failure=False)


def _mark_failed(pack, error):
    """running -> failed, once, and tell the directors once. Returns False when the pack was no longer
    running (someone else finished or failed it): the engine refused the step and wrote nothing."""
    school = pack.school
    try:
        with workflows.PACK.step(pack, PackAction.FAIL, by=None, comment=error[:500]) as step:
            step.set(finished_at=timezone.now(), error=error[:2000])
            step.notify(
                school=school,
                title=_("%(month)s后勤月报生成失败（第%(version)s版）")
                % {"month": pack.month_label, "version": pack.version},
                body=_("失败原因见月报页面；处理后请重新生成。"),
                url=reverse("monthend:pack_list"),
                roles=[Role.DIRECTOR],
                dedupe_key=f"monthpack-failed:{pack.pk}",
            )
    except ValidationError:
        return False
    return True


def _recover_abandoned(packs, *, enqueue=True):
    """Make up for packs nobody is building any more (both safe to repeat: pack_build only ever
    starts a pending pack):

    - pending for longer than STALE_AFTER: its message was lost (broker down when it was queued),
      so queue it again;
    - running for longer than STALE_AFTER: its worker died, so mark it failed; for the scheduled
      month, pack_schedule then makes a new version.
    """
    cutoff = timezone.now() - STALE_AFTER
    if enqueue:
        for stale in packs.filter(status=S.PENDING, created_at__lt=cutoff).only("pk", "school_id"):
            log.warning("month pack %s was never started: queued again", stale.pk)
            _enqueue(stale)
    for stale in packs.filter(status=S.RUNNING, started_at__lt=cutoff).select_related("school"):
        log.warning("month pack %s was abandoned while running: marked failed", stale.pk)
        _mark_failed(stale, _("生成中断（后台任务超过 30 分钟未完成），请重新生成。"))


def _create_version(*, school, period, trigger, by):
    latest = MonthPack.objects.filter(school=school, month=period.key).aggregate(v=Max("version"))["v"] or 0
    created = MonthPack.objects.create(
        school=school, month=period.key, version=latest + 1, trigger=trigger, requested_by=by
    )
    # what a new version is (its files, checksums and sections come with the "finish" step)
    fields = ["school", "month", "version", "status", "trigger", "requested_by", "created_at"]
    record_change(obj=created, by=by, action=ChangeAction.CREATE, after=snapshot(created, fields=fields))
    return created


def pack_schedule(*, school, period, trigger=PackTrigger.SCHEDULED, by=None, enqueue=True):
    """The scheduled run: make this month's pack unless one exists already (idempotent).

    Returns (pack, created). A failed pack does not count: the next run makes a new version.
    """
    _check_month(period)
    try:
        with transaction.atomic():
            School.objects.select_for_update().filter(pk=school.pk).first()  # serialise per school
            _recover_abandoned(MonthPack.objects.filter(school=school, month=period.key), enqueue=enqueue)
            existing = (
                MonthPack.objects.filter(school=school, month=period.key)
                .exclude(status=S.FAILED)
                .order_by("-version")
                .first()
            )
            if existing is not None:
                return existing, False
            created = _create_version(school=school, period=period, trigger=trigger, by=by)
            if enqueue:
                _enqueue(created)
            return created, True
    except IntegrityError:  # a concurrent run created the same version first
        return MonthPack.objects.filter(school=school, month=period.key).order_by("-version").first(), False


def pack_request(*, school, period, by, enqueue=True):
    """The director asks for a new version (the old ones are kept)."""
    if not role_can(role_of(school, by), "reports.generate"):
        raise ValidationError(_("只有后勤主任或校长可以重新生成月报。"))
    _check_month(period)
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        busy = MonthPack.objects.filter(
            school=school,
            month=period.key,
            status__in=[S.PENDING, S.RUNNING],
            created_at__gte=timezone.now() - STALE_AFTER,
        ).exists()
        if busy:
            raise ValidationError(_("该月月报正在生成，请稍后刷新查看。"))
        created = _create_version(school=school, period=period, trigger=PackTrigger.MANUAL, by=by)
        if enqueue:
            _enqueue(created)
    return created


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(field_file):
    digest = hashlib.sha256()
    with field_file.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pack_build(*, pack_id):
    """Render the pack's files (run by Celery or the command). Idempotent: only a pending pack runs.

    Each move is the engine's conditional update (workflows.PACK): a pack another worker started,
    or one failed as abandoned while it was being built, refuses the step with nothing written."""
    obj = MonthPack.objects.select_related("school__district").filter(pk=pack_id).first()
    if obj is None or obj.status != S.PENDING:
        return obj
    try:
        with workflows.PACK.step(obj, PackAction.START, by=None) as step:
            step.set(started_at=timezone.now())
    except ValidationError:  # started by another worker meanwhile
        obj.refresh_from_db()
        return obj
    school, period = obj.school, Period.parse_month(obj.month)
    t0 = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            gaps = hooks.month_gaps(school, period)
            xlsx_path, pdf_path = os.path.join(tmp, "pack.xlsx"), os.path.join(tmp, "pack.pdf")
            sections = pack.write_xlsx(school, period, xlsx_path, gaps)
            pack.write_pdf(school, period, pdf_path, gaps, sections)
            obj.xlsx_sha256, obj.pdf_sha256 = _sha256(xlsx_path), _sha256(pdf_path)
            obj.xlsx_size, obj.pdf_size = os.path.getsize(xlsx_path), os.path.getsize(pdf_path)
            with open(xlsx_path, "rb") as fx, open(pdf_path, "rb") as fp:
                obj.xlsx.save("pack.xlsx", File(fx), save=False)
                obj.pdf.save("pack.pdf", File(fp), save=False)
        _mark_ready(obj, sections=sections, gaps=gaps, duration_ms=int((time.monotonic() - t0) * 1000))
    except Exception as exc:
        # Recorded on the pack and told to the directors once (_mark_failed); not raised, so the
        # Celery task neither retries a build that can no longer start nor reports it a second
        # time. If even this write fails (database down), the exception goes up to the task and
        # the pack, left running, is failed by the next scheduled run (_recover_abandoned).
        log.exception("month pack %s failed", pack_id)
        _mark_failed(obj, str(exc))
        obj.refresh_from_db()
    return obj


def _mark_ready(obj, *, sections, gaps, duration_ms):
    """running -> ready with the files (already in storage) and what the pack holds; the directors
    and the principal are told once. A pack failed as abandoned while it was being built stays
    failed: the engine refuses the step."""
    try:
        with workflows.PACK.step(obj, PackAction.FINISH, by=None) as step:
            step.set(
                finished_at=timezone.now(),
                xlsx=obj.xlsx.name,
                pdf=obj.pdf.name,
                xlsx_sha256=obj.xlsx_sha256,
                pdf_sha256=obj.pdf_sha256,
                xlsx_size=obj.xlsx_size,
                pdf_size=obj.pdf_size,
                sections=[{"key": s.key, "title": s.title, "rows": s.rows} for s in sections],
                gaps=gaps,
                duration_ms=duration_ms,
                error="",
            )
            step.notify(
                school=obj.school,
                title=_("%(month)s后勤月报已生成（第%(version)s版）")
                % {"month": obj.month_label, "version": obj.version},
                url=reverse("monthend:pack_list"),
                roles=[Role.DIRECTOR, Role.PRINCIPAL],
                dedupe_key=f"monthpack:{obj.pk}",
            )
    except ValidationError:
        log.warning("month pack %s finished after it was marked abandoned", obj.pk)
        obj.refresh_from_db()


def recover_all(*, enqueue=True):
    """The hourly sweep: packs of any school and month whose message was lost or whose worker died
    are queued again or failed now, not at the next month's run. Creates no pack, so a failed pack
    stays failed until a director asks for a new version (no daily rebuild-and-notify loop)."""
    _recover_abandoned(MonthPack.objects.all(), enqueue=enqueue)


def schedule_all(*, period, enqueue=True):
    """Every school's pack for the month; returns how many new packs were created.

    Idempotent, and it makes up for what was lost: packs of other months (new versions a director
    asked for while the broker was down, or whose worker died) are queued again or failed by
    `_recover_abandoned`; this month's are handled per school by `pack_schedule`.
    """
    _recover_abandoned(MonthPack.objects.exclude(month=period.key), enqueue=enqueue)
    created = 0
    for school in School.objects.order_by("pk").iterator():
        _pack, was_created = pack_schedule(school=school, period=period, enqueue=enqueue)
        created += was_created
    return created


# --- the duty calendar -------------------------------------------------------------------------
def calendar_settings(school):
    """The school's calendar settings, loading the default calendar (行事历) on first use."""
    settings_obj = DutySettings.for_school(school)
    if not settings_obj.defaults_loaded:
        with transaction.atomic():
            locked = DutySettings.objects.select_for_update().get(pk=settings_obj.pk)
            if not locked.defaults_loaded:
                existing = set(
                    Duty.objects.filter(school=school)
                    .exclude(default_key="")
                    .values_list("default_key", flat=True)
                )
                Duty.objects.bulk_create(
                    [
                        Duty(
                            school=school,
                            default_key=key,
                            title=title,
                            category=category,
                            recurrence=recurrence,
                            month=month,
                            weekday=weekday,
                            day=day,
                        )
                        for key, title, category, recurrence, month, weekday, day in duties.DEFAULT_DUTIES
                        if key not in existing
                    ]
                )
                locked.defaults_loaded = True
                locked.save(update_fields=["defaults_loaded"])
            settings_obj = locked
    return settings_obj


def create_due_tasks(*, school, today=None) -> int:
    """Create the tasks of every active duty falling due within its lead time (idempotent)."""
    today = today or timezone.localdate()
    settings_obj = calendar_settings(school)
    new = []
    for duty in Duty.objects.filter(school=school, is_active=True):
        end = today + datetime.timedelta(days=duty.lead_days)
        for due in duties.occurrences(duty, settings_obj, today, end):
            new.append(
                DutyTask(school=school, duty=duty, title=duty.title, due_on=due, assignee_id=duty.assignee_id)
            )
    if not new:
        return 0
    before = DutyTask.objects.filter(school=school).count()
    DutyTask.objects.bulk_create(new, ignore_conflicts=True)  # unique (duty, due_on): reruns add nothing
    return DutyTask.objects.filter(school=school).count() - before


def create_all_due_tasks(*, today=None) -> int:
    return sum(create_due_tasks(school=s, today=today) for s in School.objects.order_by("pk").iterator())


def remind_due_tasks(*, today=None) -> int:
    """Remind assignees (or the directors) of tasks due within two days, and of overdue ones, once each."""
    today = today or timezone.localdate()
    sent = 0
    soon = today + datetime.timedelta(days=2)
    qs = DutyTask.objects.filter(status=TaskStatus.OPEN, due_on__lte=soon).select_related(
        "school", "assignee"
    )
    url = reverse("monthend:task_list")
    for task in qs.iterator():
        overdue = task.due_on < today
        kind = "overdue" if overdue else "soon"
        title = (
            _("行事历任务已逾期：%(title)s（截止%(month)s月%(day)s日）")
            if overdue
            else _("行事历任务即将到期：%(title)s（截止%(month)s月%(day)s日）")
        ) % {"title": task.title, "month": task.due_on.month, "day": task.due_on.day}
        sent += notify(
            school=task.school,
            title=title,
            url=url,
            users=[task.assignee] if task.assignee else [],
            roles=[] if task.assignee else [Role.DIRECTOR],
            dedupe_key=f"duty-task:{task.pk}:{kind}",
        )
        if task.reminded_on != today:
            DutyTask.objects.filter(pk=task.pk).update(reminded_on=today)
    return sent


def task_complete(*, obj, by, note=""):
    """Done, with who, when and how (the assignee, or a manager or logistics staff for anyone)."""
    with workflows.DUTY_TASK.step(obj, TaskAction.COMPLETE, by=by, comment=note) as step:
        step.set(done_by=by, done_at=timezone.now(), note=step.comment)
    return step.obj


def task_skip(*, obj, by, reason):
    with workflows.DUTY_TASK.step(obj, TaskAction.SKIP, by=by, comment=reason) as step:
        if not step.comment:
            raise ValidationError(_("免做须填写原因。"))
        step.set(note=step.comment)
    return step.obj


def task_reopen(*, obj, by, reason):
    with workflows.DUTY_TASK.step(obj, TaskAction.REOPEN, by=by, comment=reason) as step:
        if not step.comment:
            raise ValidationError(_("重新打开须填写原因。"))
        step.set(done_by=None, done_at=None)
    return step.obj


def task_assign(*, obj, by, assignee):
    if not role_can(role_of(obj.school_id, by), "duties.manage"):
        raise ValidationError(_("只有后勤主任或校长可以指派任务。"))
    with transaction.atomic():
        task = DutyTask.objects.select_for_update().get(pk=obj.pk)
        if task.status != TaskStatus.OPEN:
            raise ValidationError(_("只能指派待办的任务。"))
        before = snapshot(task, fields=["assignee"])
        task.assignee = assignee
        task.save(update_fields=["assignee"])
        record_change(
            obj=task,
            by=by,
            action=ChangeAction.UPDATE,
            before=before,
            after=snapshot(task, fields=["assignee"]),
        )
        if assignee is not None and assignee.pk != by.pk:
            school, url = task.school, reverse("monthend:task_list")
            title = _("您被指派行事历任务：%(title)s") % {"title": task.title}
            transaction.on_commit(
                lambda: notify(
                    school=school,
                    title=title,
                    url=url,
                    users=[assignee],
                    dedupe_key=f"duty-task:{task.pk}:assigned:{assignee.pk}",
                )
            )
    return task


def _create_version_for_command(*, school, period):
    """`month_end --new-version`: a new version made by the command line (built in-process)."""
    _check_month(period)
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        return _create_version(school=school, period=period, trigger=PackTrigger.COMMAND, by=None)
