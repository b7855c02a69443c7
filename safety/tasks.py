"""Safety's periodic jobs (schedules are declared in logistics/celery.py). Thin and idempotent."""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from logistics.tasks import SchoolTask

from . import services


@shared_task(base=SchoolTask)
def create_weekly_inspections(at: str | None = None) -> int:
    """Hourly on Mondays: once the school's set time has passed, create this week's inspection
    (and this month's comprehensive one). The unique (school, kind, period) makes reruns no-ops."""
    return services.create_scheduled_inspections(now=parse_datetime(at) if at else None)


@shared_task(base=SchoolTask)
def overdue_safety_alerts() -> dict:
    """Daily: overdue inspections to the inspector and director, overdue hazards to the principal,
    fire equipment falling due to the director."""
    return {
        "inspections": services.notify_overdue_inspections(),
        "hazards": services.escalate_overdue_hazards(),
        "fire_equipment": services.fire_equipment_alerts(),
    }
