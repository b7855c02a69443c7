"""Finance's periodic job (schedule in logistics/celery.py): thin, idempotent, a SchoolTask (retried,
then the directors are told)."""

from celery import shared_task

from logistics.tasks import SchoolTask


@shared_task(base=SchoolTask)
def remind_stale_approvals():
    """Daily: remind approvers of purchase requests, loans and claims waiting more than two days (once per
    day each)."""
    from .services import remind_stale_approvals as run

    return run()
