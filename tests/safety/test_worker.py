"""The weekly inspection task on a real Celery worker over Redis (skipped without PostgreSQL + Redis)."""

import time

import pytest

from logistics.tasks import ping
from safety.choices import InspectionKind
from safety.models import Inspection
from safety.tasks import create_weekly_inspections

pytestmark = pytest.mark.integration

MONDAY_9 = "2026-11-16T09:00:00+08:00"


def _wait_for(condition, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_it_creates_this_weeks_inspection_on_a_real_worker(
    celery_worker_process, school, other_school, director
):
    weekly = Inspection.objects.filter(kind=InspectionKind.WEEKLY)
    create_weekly_inspections.apply_async(args=[MONDAY_9])
    assert _wait_for(lambda: weekly.count() == 2 and Inspection.objects.count() == 4)
    # a second run is a no-op; the solo worker runs in order, so once ping answers it has finished
    create_weekly_inspections.apply_async(args=[MONDAY_9])
    assert ping.apply_async().get(timeout=90) == "pong"
    assert Inspection.objects.count() == 4 and weekly.count() == 2
    ours = weekly.get(school=school)
    assert ours.assigned_to == director and ours.items.count() > 10
