"""Thin, idempotent periodic jobs (schedules live in logistics/celery.py). SchoolTask: a failing run
is retried, then every school's directors are told (these are sweeps over all schools)."""

from celery import shared_task

from logistics.tasks import SchoolTask


@shared_task(base=SchoolTask)
def repairs_overdue_alerts():
    from .services import repairs_notify_overdue

    return repairs_notify_overdue()


@shared_task(base=SchoolTask)
def loans_overdue_alerts():
    from .services import loans_notify_overdue

    return loans_notify_overdue()


@shared_task(base=SchoolTask)
def maintenance_tasks():
    from .services import maintenance_generate

    return maintenance_generate()


@shared_task(base=SchoolTask)
def monthly_reconciliation(month: str = ""):
    """On the 1st: close the previous month for every school (unique school+month: reruns are no-ops)."""
    from logistics.models import School
    from logistics.reports.base import Period

    from .services import reconcile_month

    period = Period.parse_month(month) if month else Period.previous_month()
    created = 0
    for school in School.objects.order_by("pk").iterator():
        _rec, new = reconcile_month(school=school, period=period)
        created += int(new)
    return created
