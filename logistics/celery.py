"""The Celery app and, in one place, every periodic schedule (DESIGN.md rule 6).

With REDIS_URL the broker is Redis; without it a filesystem broker under var/celery lets
`make run` schedule and run the same tasks on a bare machine.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logistics.settings")

app = Celery("logistics")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job of every app is declared here, and only here. Times are Asia/Shanghai.
app.conf.beat_schedule = {
    # finance: remind approvers of purchase requests waiting more than two days
    "finance-stale-approvals": {
        "task": "finance.tasks.remind_stale_approvals",
        "schedule": crontab(hour=8, minute=40),
    },
    # canteen: a meal ended with no sample (checked every 30 min), samples due for discard, licences
    "canteen-missing-samples": {
        "task": "canteen.tasks.missing_sample_alerts",
        "schedule": crontab(minute="*/30"),
    },
    "canteen-discard-due": {
        "task": "canteen.tasks.discard_due_alerts",
        "schedule": crontab(hour=9, minute=0),
    },
    "canteen-supplier-licences": {
        "task": "canteen.tasks.supplier_licence_alerts",
        "schedule": crontab(hour=7, minute=10),
    },
    "canteen-menu-publish-reminders": {
        "task": "canteen.tasks.menu_publish_reminders",
        "schedule": crontab(hour=15, minute=0),
    },
    "certificate-expiry-alerts": {
        "task": "logistics.tasks.certificate_expiry_alerts",
        "schedule": crontab(hour=7, minute=0),
    },
    "month-end-packs": {
        "task": "monthend.tasks.schedule_month_packs",
        "schedule": crontab(hour=2, minute=0, day_of_month=1),
    },
    "month-end-packs-recovery": {
        "task": "monthend.tasks.recover_month_packs",
        "schedule": crontab(minute=45),
    },
    "duty-calendar-tasks": {
        "task": "monthend.tasks.create_duty_tasks",
        "schedule": crontab(hour=0, minute=30),
    },
    "duty-calendar-reminders": {
        "task": "monthend.tasks.remind_duty_tasks",
        "schedule": crontab(hour=7, minute=30),
    },
    "hygiene-greening-tasks": {
        "task": "hygiene.tasks.generate_greening_tasks",
        "schedule": crontab(hour=6, minute=10),
    },
    # safety: hourly on Mondays; each school's own time (SafetySettings.weekly_time) decides when.
    "safety-weekly-inspections": {
        "task": "safety.tasks.create_weekly_inspections",
        "schedule": crontab(minute=5, day_of_week=1),
    },
    "safety-overdue-alerts": {
        "task": "safety.tasks.overdue_safety_alerts",
        "schedule": crontab(hour=8, minute=15),
    },
    # assets: overdue repairs (hourly) and loans, maintenance-plan tasks, month close on the 1st
    "assets-repairs-overdue": {
        "task": "assets.tasks.repairs_overdue_alerts",
        "schedule": crontab(minute=20),
    },
    "assets-loans-overdue": {
        "task": "assets.tasks.loans_overdue_alerts",
        "schedule": crontab(hour=8, minute=5),
    },
    "assets-maintenance-tasks": {
        "task": "assets.tasks.maintenance_tasks",
        "schedule": crontab(hour=6, minute=0),
    },
    "assets-monthly-reconciliation": {
        "task": "assets.tasks.monthly_reconciliation",
        "schedule": crontab(hour=1, minute=30, day_of_month=1),
    },
}


def ensure_filesystem_broker_dirs():
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder"):
            os.makedirs(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key], exist_ok=True)
