"""SchoolTask on a real Celery worker (own process, Redis broker, PostgreSQL test database).

A task with base=SchoolTask that always fails (logistics.tasks.always_fails_for_tests, back-off cut
to 1 s) is retried SchoolTask.max_retries times by the worker, then the directors of the school
named by its `school_id` get exactly one notification: not the principal, not another school.
Skipped without REDIS_URL and PostgreSQL (the celery_worker_process fixture).
"""

import time

import pytest

from logistics.models import Notification
from logistics.tasks import SchoolTask, always_fails_for_tests

pytestmark = pytest.mark.integration


def _wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_it_retries_a_failing_school_task_on_a_real_worker_then_tells_the_directors_once(
    celery_worker_process, school, director, principal, outsider, tmp_path
):
    worker_log = tmp_path / "worker.log"  # written by the celery_worker_process fixture
    failed = Notification.objects.filter(title__startswith="后台任务失败")

    result = always_fails_for_tests.apply_async(kwargs={"school_id": school.pk})

    assert _wait_for(failed.exists, timeout=90), worker_log.read_text()[-3000:]
    assert isinstance(result.get(timeout=30, propagate=False), RuntimeError)
    assert result.state == "FAILURE"
    log = worker_log.read_text()
    assert log.count(f"[{result.id}] retry:") == SchoolTask.max_retries, log[-3000:]
    time.sleep(2)  # nothing else arrives afterwards
    assert list(failed.values_list("user_id", flat=True)) == [director.pk]
    note = failed.get()
    assert note.school_id == school.pk
    assert "always_fails_for_tests" in note.title
    assert f"重试 {SchoolTask.max_retries} 次" in note.body
