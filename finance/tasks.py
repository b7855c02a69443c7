from celery import shared_task


@shared_task
def remind_stale_approvals():
    """Daily: remind approvers of purchase requests waiting more than two days (once per day each)."""
    from .services import remind_stale_approvals as run

    return run()
