"""Celery tasks (thin, idempotent). Schedules are declared in logistics/celery.py.

All are SchoolTasks: a run that raises is retried, then the directors are told (logistics/tasks.py).
"""

from celery import shared_task

from logistics.reports import Period
from logistics.tasks import SchoolTask


@shared_task(base=SchoolTask)
def schedule_month_packs(month: str = ""):
    """02:00 on the 1st: last month's pack for every school (a rerun creates nothing new). Also
    queues again the packs whose message was lost (broker down) and fails the abandoned ones."""
    from .services import schedule_all

    period = Period.parse_month(month) if month else Period.previous_month()
    return schedule_all(period=period)


@shared_task(base=SchoolTask)
def recover_month_packs():
    """Hourly: a pack left pending (message lost while the broker was down) is queued again, one
    left running by a dead worker is failed and its directors told, within the hour."""
    from .services import recover_all

    recover_all()


@shared_task(base=SchoolTask)  # SchoolTask is acks_late: a pack whose worker died is redelivered
def generate_month_pack(pack_id: int, school_id: int | None = None):
    """Build one pack. A failing build does not raise: pack_build marks the pack failed and tells the
    directors itself, so it is reported once and never retried into a no-op. What raises here is
    the database being unreachable before the build started (the pack is still pending): that is
    retried, and after the last retry SchoolTask tells the directors of `school_id`."""
    from .services import pack_build

    pack = pack_build(pack_id=pack_id)
    return pack.status if pack else None


@shared_task(base=SchoolTask)
def create_duty_tasks():
    from .services import create_all_due_tasks

    return create_all_due_tasks()


@shared_task(base=SchoolTask)
def remind_duty_tasks():
    from .services import remind_due_tasks

    return remind_due_tasks()
