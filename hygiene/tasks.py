"""Thin, idempotent Celery tasks: the unique (plan, period) constraint makes a rerun a no-op."""

from celery import shared_task

from logistics.tasks import SchoolTask

from . import services


@shared_task(base=SchoolTask, name="hygiene.tasks.generate_greening_tasks")
def generate_greening_tasks() -> int:
    """Daily: create this week's / this month's greening tasks of every active care plan."""
    return services.greening_tasks_generate()
