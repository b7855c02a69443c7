import datetime
import time

import pytest

from assets import services, tasks
from assets.models import MaintenancePlan, Reconciliation
from logistics.celery import app
from logistics.reports.base import Period


def test_it_schedules_every_assets_task_in_the_one_beat_table():
    entries = {k: v for k, v in app.conf.beat_schedule.items() if v["task"].startswith("assets.")}
    assert {v["task"] for v in entries.values()} == {
        "assets.tasks.repairs_overdue_alerts",
        "assets.tasks.loans_overdue_alerts",
        "assets.tasks.maintenance_tasks",
        "assets.tasks.monthly_reconciliation",
    }
    for v in entries.values():
        assert v["task"] in app.tasks
    monthly = entries["assets-monthly-reconciliation"]["schedule"]
    assert monthly.day_of_month == {1}


def test_it_runs_the_thin_tasks_eagerly_and_idempotently(school, staff, make_asset):
    make_asset()
    MaintenancePlan.objects.create(school=school, title="每日检查", frequency="daily")
    assert tasks.maintenance_tasks.delay().get() == 1
    assert tasks.maintenance_tasks.delay().get() == 0
    assert tasks.repairs_overdue_alerts.delay().get() == 0
    assert tasks.loans_overdue_alerts.delay().get() == 0
    month = Period.previous_month().key
    assert tasks.monthly_reconciliation.delay(month).get() >= 1
    assert tasks.monthly_reconciliation.delay(month).get() == 0
    assert Reconciliation.objects.filter(school=school).count() == 1


@pytest.mark.integration
def test_it_reconciles_on_a_real_worker(celery_worker_process, school, staff):
    services.ensure_standard_categories()
    services.asset_register(
        school=school, by=staff, name="钢琴", unit_price="16800", purchase_date=datetime.date(2024, 1, 1)
    )
    month = Period.previous_month().key
    tasks.monthly_reconciliation.apply_async(args=[month])  # results are ignored: watch the database
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Reconciliation.objects.filter(school=school, month=Period.previous_month().start).exists():
            break
        time.sleep(0.5)
    assert Reconciliation.objects.filter(school=school, month=Period.previous_month().start).exists()
