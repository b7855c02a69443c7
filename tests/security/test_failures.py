"""Failures: the database down, Redis down, a task that keeps failing."""

import datetime
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from celery import shared_task
from celery.beat import ScheduleEntry
from django.conf import settings
from django.urls import reverse

from logistics.beat import CatchUpScheduler
from logistics.celery import app as celery_app
from logistics.choices import Role
from logistics.models import Notification, Room
from logistics.tasks import SchoolTask, enqueue
from tests.factories import member

BASE_DIR = Path(settings.BASE_DIR)


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


# --- database down -------------------------------------------------------------------------------
DB_DOWN_SCRIPT = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.test import Client
    c = Client(raise_request_exception=False)
    out = {}
    r = c.get("/healthz", secure=True)
    out["healthz"] = [r.status_code, json.loads(r.content)]
    c.cookies["sessionid"] = "x" * 32
    r = c.get("/", secure=True)
    out["page"] = [r.status_code, r.content.decode()]
    r = c.get("/accounts/login/", secure=True)
    out["login"] = [r.status_code, r.content.decode()]
    print("RESULT" + json.dumps(out))
    """
)


def test_it_answers_503_on_healthz_and_a_friendly_500_page_when_the_database_is_down(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "logistics.settings",
        "DATABASE_URL": f"postgres://nobody:secret-db-password@127.0.0.1:{_closed_port()}/logistics",
        "DEBUG": "false",
        "SECRET_KEY": "test-secret-not-shown-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "testserver",
    }
    env.pop("REDIS_URL", None)
    proc = subprocess.run(
        [sys.executable, "-c", DB_DOWN_SCRIPT],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "RESULT" in proc.stdout, proc.stderr[-3000:]
    out = json.loads(proc.stdout.split("RESULT", 1)[1])
    status, body = out["healthz"]
    assert status == 503
    assert body["database"] == "down"
    for key in ("page", "login"):
        status, html = out[key]
        assert status == 500, key
        assert "系统暂时出现故障" in html
        for leak in (
            "Traceback",
            "OperationalError",
            "secret-db-password",
            "test-secret-not-shown",
            "psycopg",
        ):
            assert leak not in html, (key, leak)


# --- Redis down ----------------------------------------------------------------------------------
@pytest.fixture
def broker_down(settings):
    """Point the Celery app at a port where nothing listens, with eager mode off."""
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager", "broker_transport_options")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = f"redis://127.0.0.1:{_closed_port()}/0"
    celery_app.conf.broker_transport_options = {"socket_connect_timeout": 1}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        for key, value in saved.items():
            celery_app.conf[key] = value
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@shared_task(name="tests.security.write_marker")
def write_marker(school_id, title):
    from logistics.models import School
    from logistics.notifications import notify

    school = School.objects.get(pk=school_id)
    notify(school=school, title=title, roles=[Role.DIRECTOR], dedupe_key=f"marker:{title}")


def test_it_fails_fast_instead_of_hanging_when_redis_is_down(broker_down):
    from kombu.exceptions import OperationalError

    started = time.monotonic()
    with pytest.raises(OperationalError):
        write_marker.delay(1, "x")
    assert time.monotonic() - started < 5


def test_it_enqueue_never_breaks_the_request_and_runs_the_task_in_process(
    broker_down, school, director, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(write_marker, school.pk, "备忘-1")
    assert time.monotonic() - started < 5
    assert Notification.objects.filter(user=director, title="备忘-1").count() == 1


def test_it_enqueue_without_inline_fallback_only_logs(
    broker_down, school, director, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(write_marker, school.pk, "备忘-2", inline_on_failure=False)
    assert not Notification.objects.filter(title="备忘-2").exists()
    assert "Broker unreachable" in caplog.text


def test_it_keeps_pages_and_form_posts_working_when_redis_is_down(broker_down, as_director, school, campus):
    assert as_director.get(reverse("dashboard")).status_code == 200
    assert as_director.get(reverse("healthz")).status_code in (200, 503)  # never a 500
    response = as_director.post(
        reverse("org:room_create"), {"campus": campus.pk, "name": "Redis 停机时新建", "room_type": "office"}
    )
    assert response.status_code == 302, response.content[:500]
    assert Room.objects.filter(school=school, name="Redis 停机时新建").exists()


def test_it_beat_keeps_an_unsent_job_due_and_sends_it_when_the_broker_returns(tmp_path, monkeypatch):
    celery_app.conf.beat_schedule = {
        **celery_app.conf.beat_schedule,
        "test-hourly": {"task": "tests.security.write_marker", "schedule": datetime.timedelta(hours=1)},
    }
    try:
        scheduler = CatchUpScheduler(app=celery_app, schedule_filename=str(tmp_path / "beat"), max_interval=1)
        scheduler.retry_after = 0
        # only the test job is overdue (by a day); the apps' real jobs are not due now
        scheduler.schedule["test-hourly"].last_run_at = celery_app.now() - datetime.timedelta(days=1)
        scheduler._heap = None
        sent, broker_up = [], False

        def fake_apply_async(entry, producer=None, advance=True, **kwargs):
            if not broker_up:
                raise ConnectionRefusedError("Redis down")
            sent.append(entry.name)

        monkeypatch.setattr(scheduler, "apply_async", fake_apply_async)
        before = scheduler.schedule["test-hourly"].last_run_at
        for _ in range(30):
            scheduler.tick()
        assert "test-hourly" not in sent
        assert scheduler.schedule["test-hourly"].last_run_at == before  # still due, not skipped

        broker_up = True
        for _ in range(30):
            scheduler.tick()
        assert sent.count("test-hourly") == 1  # caught up once, then waits for the next hour
        assert scheduler.schedule["test-hourly"].last_run_at > before
        scheduler.close()
    finally:
        celery_app.conf.beat_schedule.pop("test-hourly", None)


def test_it_scheduled_job_is_idempotent_so_a_catch_up_run_notifies_nobody_twice(school, director):
    from logistics.tasks import certificate_expiry_alerts
    from tests.factories import CertificateFactory, StaffProfileFactory

    staff = StaffProfileFactory(school=school)
    CertificateFactory(
        school=school, staff=staff, expires_on=datetime.date.today() + datetime.timedelta(days=5)
    )
    first = certificate_expiry_alerts.apply().get()
    second = certificate_expiry_alerts.apply().get()
    assert first >= 1
    assert second == 0


def test_it_celery_is_configured_to_use_the_catch_up_scheduler():
    assert celery_app.conf.beat_scheduler == "logistics.beat:CatchUpScheduler"
    assert ScheduleEntry  # the class the scheduler stores (imported for readers)


# --- a task that keeps failing -------------------------------------------------------------------
ATTEMPTS = []


@pytest.fixture(autouse=True)
def _eager_failures_do_not_propagate(monkeypatch):
    # conftest makes eager tasks raise; a worker would not, and retries re-apply without `throw`.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)


@shared_task(base=SchoolTask, name="tests.security.always_fails", bind=True)
def always_fails(self, school_id=None):
    ATTEMPTS.append(self.request.retries)
    raise RuntimeError("故意失败")


def test_it_retries_a_failing_task_then_notifies_the_directors_once(school, director, principal, outsider):
    ATTEMPTS.clear()
    result = always_fails.apply(kwargs={"school_id": school.pk}, throw=False)
    assert result.failed()
    assert ATTEMPTS == [0, 1, 2, 3]  # the first attempt and SchoolTask.max_retries retries
    notes = Notification.objects.filter(title__startswith="后台任务失败")
    assert [n.user for n in notes] == [director]  # the school's director only, once
    assert "always_fails" in notes[0].body
    assert "故意失败" not in notes[0].body  # exception text may hold personal data: class name only


def test_it_a_failing_sweep_without_a_school_notifies_every_schools_director(school, director, outsider):
    ATTEMPTS.clear()
    always_fails.apply(throw=False)
    assert set(
        Notification.objects.filter(title__startswith="后台任务失败").values_list("user", flat=True)
    ) == {
        director.pk,
        outsider.pk,
    }


def test_it_a_retried_task_that_succeeds_notifies_nobody(school, director):
    calls = []

    @shared_task(base=SchoolTask, name="tests.security.flaky", bind=True)
    def flaky(self, school_id=None):
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("temporary")
        return "ok"

    assert flaky.apply(kwargs={"school_id": school.pk}).get() == "ok"
    assert len(calls) == 3
    assert not Notification.objects.filter(title__startswith="后台任务失败").exists()
    member(school, Role.DIRECTOR)  # (another director added later is unaffected)
