"""The month-end models moved from `logistics` to `monthend` with their data (monthend 0001, logistics 0004).

The database is taken back to before the move (the models are logistics', in logistics_* tables),
packs, duties, tasks and their change log are written there, and the database is migrated forward
again: every row is still there under monthend, with the same ids, and the change log still belongs
to its record (the ContentType rows moved, not new ones made).
"""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from logistics.audit import history_for, readable_history
from logistics.choices import Role
from logistics.models import ChangeLog
from monthend import services
from monthend.choices import PackStatus, TaskStatus
from monthend.models import Duty, DutySettings, DutyTask, MonthPack
from tests.factories import member

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_MOVE = [("monthend", None)]  # monthend 0001 and what depends on it (logistics 0004)
NEW_TABLES = {"monthend_duty", "monthend_dutysettings", "monthend_dutytask", "monthend_monthpack"}
OLD_TABLES = {name.replace("monthend_", "logistics_") for name in NEW_TABLES}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _tables():
    return set(connection.introspection.table_names())


def _write_old_data(old, school, director, staff):
    """What a school had before the move: two pack versions, its calendar, a done task, their history."""
    OldContentType = old.get_model("contenttypes", "ContentType")
    OldChangeLog = old.get_model("logistics", "ChangeLog")
    OldMonthPack = old.get_model("logistics", "MonthPack")
    OldDuty = old.get_model("logistics", "Duty")
    OldDutySettings = old.get_model("logistics", "DutySettings")
    OldDutyTask = old.get_model("logistics", "DutyTask")

    done_at = timezone.now() - datetime.timedelta(days=3)
    ready = OldMonthPack.objects.create(
        school_id=school.pk,
        month="2026-10",
        version=1,
        status=PackStatus.READY,
        trigger="scheduled",
        xlsx="monthpacks/1/2026-10/v1-abc.xlsx",
        pdf="monthpacks/1/2026-10/v1-abc.pdf",
        xlsx_sha256="a" * 64,
        pdf_sha256="b" * 64,
        xlsx_size=1234,
        pdf_size=5678,
        sections=[{"key": "org.certificates", "title": "员工证件一览表", "rows": 3}],
        gaps=["隐患「二楼消防通道堵塞」已逾期"],
        finished_at=done_at,
        duration_ms=4200,
    )
    failed = OldMonthPack.objects.create(
        school_id=school.pk,
        month="2026-10",
        version=2,
        status=PackStatus.FAILED,
        trigger="manual",
        requested_by_id=director.pk,
        error="磁盘已满",
    )
    OldDutySettings.objects.create(school_id=school.pk, spring_start_month=3, defaults_loaded=True)
    duty = OldDuty.objects.create(
        school_id=school.pk, title="消防设备自检", recurrence="monthly", day=5, default_key="fire-selfcheck"
    )
    task = OldDutyTask.objects.create(
        school_id=school.pk,
        duty_id=duty.pk,
        title=duty.title,
        due_on=datetime.date(2026, 11, 5),
        assignee_id=staff.pk,
        status=TaskStatus.DONE,
        done_by_id=staff.pk,
        done_at=done_at,
        note="灭火器32具全部合格",
    )
    pack_type, _ = OldContentType.objects.get_or_create(app_label="logistics", model="monthpack")
    task_type, _ = OldContentType.objects.get_or_create(app_label="logistics", model="dutytask")
    for before, after in (("pending", "running"), ("running", "ready")):
        OldChangeLog.objects.create(
            school_id=school.pk,
            content_type=pack_type,
            object_id=str(ready.pk),
            object_repr="2026-10 月报 第1版",
            action="transition",
            before={"status": before},
            after={"status": after},
        )
    OldChangeLog.objects.create(
        school_id=school.pk,
        content_type=task_type,
        object_id=str(task.pk),
        object_repr="消防设备自检（11月5日）",
        action="transition",
        user_id=staff.pk,
        before={"status": "open"},
        after={"status": "done"},
        reason="灭火器32具全部合格",
    )
    return {"ready": ready.pk, "failed": failed.pk, "duty": duty.pk, "task": task.pk}, (pack_type, task_type)


def test_it_moves_the_month_end_rows_and_their_history_to_monthend(school):
    director, staff = member(school, Role.DIRECTOR), member(school, Role.STAFF)
    executor = _migrate(BEFORE_MOVE)
    try:
        assert _tables() >= OLD_TABLES and not NEW_TABLES & _tables()
        old = executor.loader.project_state(("logistics", "0003_changelog_transition")).apps
        ids, (pack_type, task_type) = _write_old_data(old, school, director, staff)
    finally:
        _migrate(_latest())
        ContentType.objects.clear_cache()

    assert _tables() >= NEW_TABLES and not OLD_TABLES & _tables()
    # the same ContentType rows, now monthend's: the change log still points at them
    assert ContentType.objects.get_for_model(MonthPack).pk == pack_type.pk
    assert ContentType.objects.get_for_model(DutyTask).pk == task_type.pk
    assert not ContentType.objects.filter(app_label="logistics", model__in=["monthpack", "dutytask"]).exists()

    ready = MonthPack.objects.get(pk=ids["ready"])
    assert (ready.school, ready.month, ready.version, ready.status) == (
        school,
        "2026-10",
        1,
        PackStatus.READY,
    )
    assert ready.xlsx.name == "monthpacks/1/2026-10/v1-abc.xlsx" and ready.pdf_size == 5678
    assert ready.sections[0]["title"] == "员工证件一览表" and ready.gaps == ["隐患「二楼消防通道堵塞」已逾期"]
    failed = MonthPack.objects.get(pk=ids["failed"])
    assert (
        failed.status == PackStatus.FAILED and failed.requested_by == director and failed.error == "磁盘已满"
    )
    assert DutySettings.objects.get(school=school).spring_start_month == 3
    task = DutyTask.objects.select_related("duty").get(pk=ids["task"])
    assert task.duty.pk == ids["duty"] and task.done_by == staff and task.note == "灭火器32具全部合格"

    moves = [(e.before["status"], e.after["status"]) for e in history_for(ready).order_by("id")]
    assert moves == [("pending", "running"), ("running", "ready")]
    (entry,) = readable_history(task)
    assert entry.user == staff and entry.reason == "灭火器32具全部合格"

    # the moved tables go on working: ids continue, foreign keys hold, the workflow writes its history
    services.calendar_settings(school)  # defaults already loaded: no second calendar
    assert Duty.objects.filter(school=school).count() == 1
    new = DutyTask.objects.create(
        school=school, duty_id=ids["duty"], title="消防设备自检", due_on=datetime.date(2026, 12, 5)
    )
    assert new.pk > ids["task"]
    services.task_complete(obj=new, by=staff, note="合格")
    assert history_for(new).get().transition == "complete"
    third = MonthPack.objects.create(school=school, month="2026-10", version=3, trigger="manual")
    assert third.pk > ids["failed"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA foreign_key_check").fetchall() == []


def test_it_keeps_the_history_attached_when_monthend_content_types_exist_already(school):
    """A database taken back after the move may have monthend's content types (post_migrate made them):
    the change log is pointed at those, and the old logistics rows are left for remove_stale_contenttypes."""
    director, staff = member(school, Role.DIRECTOR), member(school, Role.STAFF)
    executor = _migrate(BEFORE_MOVE)
    try:
        old = executor.loader.project_state(("logistics", "0003_changelog_transition")).apps
        ids, (pack_type, _task_type) = _write_old_data(old, school, director, staff)
        OldContentType = old.get_model("contenttypes", "ContentType")
        made_by_post_migrate = OldContentType.objects.create(app_label="monthend", model="monthpack")
    finally:
        _migrate(_latest())
        ContentType.objects.clear_cache()

    ready = MonthPack.objects.get(pk=ids["ready"])
    assert ContentType.objects.get_for_model(MonthPack).pk == made_by_post_migrate.pk
    assert history_for(ready).count() == 2
    assert not ChangeLog.objects.filter(content_type_id=pack_type.pk).exists()
