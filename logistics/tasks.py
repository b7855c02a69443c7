"""Shared Celery pieces: `SchoolTask` (retries, then tells the directors) and `enqueue` (never
blocks or breaks a request when the broker is down).

How an app uses them::

    from logistics.tasks import SchoolTask, enqueue

    @shared_task(base=SchoolTask)
    def send_sample_alert(sample_id, school_id=None): ...

    # in a service, inside transaction.atomic():
    enqueue(send_sample_alert, sample.pk, school_id=sample.school_id)

`enqueue` sends after the transaction commits. If the broker cannot be reached (Redis down) it
logs the problem and, unless told otherwise, runs the task in-process so nothing is lost; pass
`inline_on_failure=False` for heavy tasks (PDF packs): those are then made up by the idempotent
periodic jobs once the broker is back. Never call `.delay()` directly from a request.
"""

import logging

from celery import Task, shared_task
from django.db import transaction

from .certificates import send_certificate_expiry_alerts

logger = logging.getLogger(__name__)


def enqueue(task, *args, inline_on_failure=True, **kwargs):
    """Queue `task(*args, **kwargs)` once the current transaction commits, without ever failing
    or hanging the request (see the module docstring)."""

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs)
            return
        except Exception as exc:  # noqa: BLE001 - broker down, DNS, timeout: all the same here
            logger.error("Broker unreachable: task %s not queued (%s)", task.name, exc)
        if inline_on_failure:
            try:
                task.apply(args=args, kwargs=kwargs, throw=False)
            except Exception:  # noqa: BLE001
                logger.exception("Task %s also failed when run in-process", task.name)

    transaction.on_commit(send, robust=True)


class SchoolTask(Task):
    """Base class for the apps' tasks: retried with back-off, then the directors are notified.

    Retries 3 times (after about 30 s, 60 s, 120 s) on any exception. When the last attempt fails,
    every director of the school named by the task's `school_id` keyword (of every school, when the
    task has none: a sweep over all schools failed) gets one notification. Tasks stay idempotent.
    """

    autoretry_for = (Exception,)
    max_retries = 3
    retry_backoff = 30
    retry_backoff_max = 600
    retry_jitter = True
    acks_late = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        logger.error("Task %s[%s] failed after %s retries: %r", self.name, task_id, self.max_retries, exc)
        try:
            notify_task_failure(self, exc, task_id, kwargs or {})
        except Exception:  # noqa: BLE001 - the database may be what failed; the log has it
            logger.exception("Could not notify the directors about the failure of %s", self.name)
        super().on_failure(exc, task_id, args, kwargs, einfo)


def notify_task_failure(task, exc, task_id, kwargs):
    from django.utils.translation import gettext as _

    from .choices import Role
    from .models import School
    from .notifications import notify

    school_id = kwargs.get("school_id")
    schools = School.objects.filter(pk=school_id) if school_id else School.objects.all()
    short_name = task.name.rsplit(".", 1)[-1]
    sent = 0
    for school in schools:
        sent += notify(
            school=school,
            roles=[Role.DIRECTOR],
            title=_("后台任务失败：%(name)s") % {"name": short_name},
            body=_(
                "后台任务 %(task)s 重试 %(retries)s 次后仍然失败（%(error)s）。"
                "相关的提醒或报表可能没有生成，请联系系统管理员查看日志。"
            )
            % {"task": task.name, "retries": task.max_retries, "error": type(exc).__name__},
            dedupe_key=f"task-failed:{task_id}",
        )
    return sent


@shared_task(base=SchoolTask)
def certificate_expiry_alerts():
    """Daily: tell each school's director about certificates expiring within 30 days (once each)."""
    return send_certificate_expiry_alerts()


@shared_task(ignore_result=False)
def ping():
    """Used by the integration test to see a real worker run a task."""
    return "pong"


@shared_task(base=SchoolTask, retry_backoff=1, retry_backoff_max=1, ignore_result=False)
def always_fails_for_tests(school_id=None):
    """Test only, never scheduled: tests/integration/test_school_task.py has a real worker run it to
    see SchoolTask retry and then notify the directors. Back-off cut to at most 1 s a retry."""
    raise RuntimeError("always_fails_for_tests: failing on purpose")
