"""Celery tasks (thin, idempotent). Schedules are declared in logistics/celery.py."""

from celery import shared_task

from logistics.reports import Period


@shared_task
def schedule_month_packs(month: str = ""):
    """02:00 on the 1st: last month's pack for every school (a rerun creates nothing new)."""
    from .services import schedule_all

    period = Period.parse_month(month) if month else Period.previous_month()
    return schedule_all(period=period)


@shared_task(acks_late=True)
def generate_month_pack(pack_id: int):
    from .services import pack_build

    pack = pack_build(pack_id=pack_id)
    return pack.status if pack else None


@shared_task
def create_duty_tasks():
    from .services import create_all_due_tasks

    return create_all_due_tasks()


@shared_task
def remind_duty_tasks():
    from .services import remind_due_tasks

    return remind_due_tasks()
