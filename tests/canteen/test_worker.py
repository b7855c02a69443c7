"""The scheduled canteen checks run in a real Celery worker over Redis (PostgreSQL + REDIS_URL only)."""

import datetime
import time

import pytest
from django.utils import timezone

from canteen import tasks
from canteen.choices import Meal
from logistics.models import Notification
from tests.canteen.conftest import menu_with

pytestmark = pytest.mark.integration


def test_a_real_worker_notifies_a_missing_sample_once(celery_worker_process, school, canteen, director):
    today = timezone.localdate()
    menu_with(school, today, {Meal.LUNCH: ["米饭"]})
    after = timezone.make_aware(datetime.datetime.combine(today, datetime.time(13, 0)))
    # tasks are fire-and-forget (no result store): their effect is in the database
    for _ in range(2):  # the rerun must notify nobody twice
        tasks.missing_sample_alerts.apply_async(args=[after.isoformat()])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and Notification.objects.count() < 2:
        time.sleep(0.3)
    time.sleep(2)  # give the second run time to (not) add anything
    assert Notification.objects.filter(user__in=[canteen, director]).count() == 2
    assert Notification.objects.count() == 2
