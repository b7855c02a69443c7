"""Thin, idempotent Celery tasks: the unique (plan, period) constraint makes a rerun a no-op."""

from celery import shared_task

from . import services


@shared_task(name="hygiene.tasks.generate_greening_tasks")
def generate_greening_tasks() -> int:
    return services.greening_tasks_generate()
