"""Month packs are never lost or left "generating" forever, and a failure is reported once.

- queued through logistics.tasks.enqueue with the school's id, never built inside the request when
  the broker is down; the next scheduled run, and the hourly recovery sweep, queue a pack left
  pending again (any month);
- a pack whose worker died (running past STALE_AFTER) is marked failed and the schedule makes a
  new version; a build finishing after that does not turn it back to ready;
- a build that fails marks the pack failed and tells the directors once; the task does not raise,
  so SchoolTask neither retries it nor reports it a second time;
- what does raise (the database gone before the build starts) is retried by SchoolTask, then only
  that school's directors are told.
"""

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone

from logistics.audit import history_for
from logistics.celery import app as celery_app
from logistics.models import Notification
from logistics.reports import Period
from logistics.tasks import SchoolTask
from monthend import pack as pack_module
from monthend import services
from monthend.choices import PackStatus
from monthend.models import MonthPack
from monthend.tasks import generate_month_pack, recover_month_packs, schedule_month_packs

OCT, SEP = Period.month(2026, 10), Period.month(2026, 9)
LONG_AGO = timezone.now() - services.STALE_AFTER - datetime.timedelta(minutes=1)


@pytest.fixture
def broker(monkeypatch):
    """generate_month_pack.apply_async: records its calls; raises while `down` is true, else runs
    the task in-process as the eager test setup would."""
    real = generate_month_pack.apply_async
    state = {"down": False, "calls": []}

    def apply_async(args=None, kwargs=None, **options):
        state["calls"].append((tuple(args or ()), dict(kwargs or {})))
        if state["down"]:
            raise ConnectionRefusedError("Redis down")
        return real(args=args, kwargs=kwargs, **options)

    monkeypatch.setattr(generate_month_pack, "apply_async", apply_async)
    return state


def test_the_tasks_are_school_tasks():
    for task in (generate_month_pack, schedule_month_packs, recover_month_packs):
        assert isinstance(task, SchoolTask) and task.acks_late


def test_a_pack_asked_for_while_the_broker_is_down_is_queued_again_by_the_next_scheduled_run(
    school, director, test_reports, broker, django_capture_on_commit_callbacks
):
    broker["down"] = True
    with django_capture_on_commit_callbacks(execute=True):
        sep = services.pack_request(school=school, period=SEP, by=director)
        oct_, created = services.pack_schedule(school=school, period=OCT)
    assert created
    # queued with the school's id (SchoolTask tells that school's directors), not built in-process
    assert broker["calls"] == [((sep.pk,), {"school_id": school.pk}), ((oct_.pk,), {"school_id": school.pk})]
    assert set(MonthPack.objects.values_list("status", flat=True)) == {PackStatus.PENDING}

    broker["down"], broker["calls"] = False, []
    with django_capture_on_commit_callbacks(execute=True):  # a rerun soon after: still in the queue
        assert schedule_month_packs("2026-10") == 0
    assert broker["calls"] == []

    MonthPack.objects.update(created_at=LONG_AGO)  # never picked up: the message was lost
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule_month_packs("2026-10") == 0
    assert sorted(args[0] for args, _kw in broker["calls"]) == sorted([sep.pk, oct_.pk])
    assert list(MonthPack.objects.order_by("month").values_list("month", "version", "status")) == [
        ("2026-09", 1, PackStatus.READY),
        ("2026-10", 1, PackStatus.READY),
    ]


def test_the_hourly_sweep_makes_up_for_lost_and_abandoned_packs_without_creating_any(
    school, director, test_reports, broker, django_capture_on_commit_callbacks
):
    assert celery_app.conf.beat_schedule["month-end-packs-recovery"]["schedule"].minute == {45}
    lost = services.pack_request(school=school, period=SEP, by=director, enqueue=False)
    dead, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    fresh = services.pack_request(school=school, period=Period.month(2026, 8), by=director, enqueue=False)
    MonthPack.objects.filter(pk=lost.pk).update(created_at=LONG_AGO)
    MonthPack.objects.filter(pk=dead.pk).update(status=PackStatus.RUNNING, started_at=LONG_AGO)

    with django_capture_on_commit_callbacks(execute=True):
        recover_month_packs.apply().get()

    # the lost one is queued again (and built), the dead one failed and reported, the fresh one,
    # still in the queue, left alone; no new version of anything
    assert broker["calls"] == [((lost.pk,), {"school_id": school.pk})]
    statuses = dict(MonthPack.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: PackStatus.READY, dead.pk: PackStatus.FAILED, fresh.pk: PackStatus.PENDING}
    notes = Notification.objects.filter(dedupe_key=f"monthpack-failed:{dead.pk}")
    assert list(notes.values_list("user", flat=True)) == [director.pk]


def test_an_abandoned_pack_is_failed_and_the_schedule_makes_a_new_version(
    school, director, test_reports, django_capture_on_commit_callbacks
):
    stuck, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    MonthPack.objects.filter(pk=stuck.pk).update(status=PackStatus.RUNNING, started_at=LONG_AGO)

    with django_capture_on_commit_callbacks(execute=True):
        again, created = services.pack_schedule(school=school, period=OCT, enqueue=False)

    assert created and again.version == 2
    stuck.refresh_from_db()
    assert stuck.status == PackStatus.FAILED and "生成中断" in stuck.error
    failed = history_for(stuck).filter(transition="fail").get()
    assert failed.before["status"] == "running" and failed.after["status"] == "failed"
    assert failed.user is None and "生成中断" in failed.reason
    notes = Notification.objects.filter(dedupe_key=f"monthpack-failed:{stuck.pk}")
    assert list(notes.values_list("user", flat=True)) == [director.pk]
    # a second run changes nothing and tells nobody again
    with django_capture_on_commit_callbacks(execute=True):
        assert services.pack_schedule(school=school, period=OCT, enqueue=False) == (again, False)
    assert notes.count() == 1


def test_a_build_that_outlives_its_abandonment_does_not_turn_ready(school, test_reports, monkeypatch):
    pack, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    real_write_xlsx = pack_module.write_xlsx

    def slow_write_xlsx(*args, **kwargs):
        # meanwhile the scheduled run took this pack for abandoned
        MonthPack.objects.filter(pk=pack.pk).update(started_at=LONG_AGO)
        services._recover_abandoned(MonthPack.objects.all(), enqueue=False)
        return real_write_xlsx(*args, **kwargs)

    monkeypatch.setattr(pack_module, "write_xlsx", slow_write_xlsx)
    built = services.pack_build(pack_id=pack.pk)
    assert built.status == PackStatus.FAILED
    assert not history_for(pack).filter(transition="finish").exists()
    assert history_for(pack).filter(transition="fail").count() == 1


@pytest.fixture
def eager_failures_do_not_propagate(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)


def test_a_failing_build_is_reported_once_and_not_retried(
    school,
    director,
    outsider,
    test_reports,
    monkeypatch,
    eager_failures_do_not_propagate,
    django_capture_on_commit_callbacks,
):
    pack, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(pack_module, "write_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        result = generate_month_pack.apply(args=[pack.pk], kwargs={"school_id": school.pk})
    assert result.successful() and result.get() == PackStatus.FAILED
    assert calls == [1]  # not retried
    pack.refresh_from_db()
    assert pack.status == PackStatus.FAILED and "磁盘已满" in pack.error
    notes = Notification.objects.all()
    assert [(n.user_id, n.dedupe_key) for n in notes] == [(director.pk, f"monthpack-failed:{pack.pk}")]
    assert "生成失败" in notes[0].title and "磁盘已满" not in notes[0].body


def test_a_build_that_cannot_start_is_retried_then_only_its_schools_directors_are_told(
    school,
    director,
    outsider,
    monkeypatch,
    eager_failures_do_not_propagate,
    django_capture_on_commit_callbacks,
):
    pack, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    attempts = []

    def database_gone(*, pack_id):
        attempts.append(pack_id)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "pack_build", database_gone)
    with django_capture_on_commit_callbacks(execute=True):
        result = generate_month_pack.apply(args=[pack.pk], kwargs={"school_id": school.pk})
    assert result.failed()
    assert attempts == [pack.pk] * (1 + SchoolTask.max_retries)
    notes = Notification.objects.filter(title__startswith="后台任务失败")
    assert list(notes.values_list("user", flat=True)) == [director.pk]
    assert MonthPack.objects.get(pk=pack.pk).status == PackStatus.PENDING  # made up by the schedule
