from celery import shared_task

from .certificates import send_certificate_expiry_alerts


@shared_task
def certificate_expiry_alerts():
    """Daily: tell each school's director about certificates expiring within 30 days (once each)."""
    return send_certificate_expiry_alerts()


@shared_task
def ping():
    """Used by the integration test to see a real worker run a task."""
    return "pong"
