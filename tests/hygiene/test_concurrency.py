"""Concurrency on PostgreSQL (select_for_update does nothing on SQLite) and the real Celery worker."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from hygiene import services
from hygiene.choices import GreeningFrequency, GreeningKind
from hygiene.models import GreeningPlan, GreeningTask, MeterReading


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("select_for_update needs PostgreSQL")


def _race(workers):
    barrier = threading.Barrier(len(workers))
    outcomes = []

    def run(fn):
        try:
            barrier.wait()
            outcomes.append(("ok", fn()))
        except ValidationError as exc:
            outcomes.append(("refused", exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_phones_reading_the_same_meter_at_once_make_one_reading(water_meter, staff, director):
    _postgres_only()
    month = timezone.localdate().replace(day=1)
    prev = (month - datetime.timedelta(days=1)).replace(day=1)
    services.meter_reading_record(meter=water_meter, by=staff, month=prev, value=Decimal(100), read_on=prev)
    outcomes = _race(
        [
            lambda: services.meter_reading_record(
                meter=water_meter, by=staff, month=month, value=Decimal(150)
            ),
            lambda: services.meter_reading_record(
                meter=water_meter, by=director, month=month, value=Decimal(160)
            ),
        ]
    )
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert MeterReading.objects.filter(meter=water_meter, month=month).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_greening_runs_create_each_task_once(school):
    _postgres_only()
    GreeningPlan.objects.create(
        school=school, name="修剪", kind=GreeningKind.TREE_PRUNING, frequency=GreeningFrequency.MONTHLY
    )
    day = datetime.date(2026, 3, 2)
    outcomes = _race([lambda: services.greening_tasks_generate(today=day) for _i in range(3)])
    assert sum(o[1] for o in outcomes) == 1
    assert GreeningTask.objects.count() == 1


@pytest.mark.integration
def test_a_real_worker_generates_greening_tasks(celery_worker_process, school):
    from hygiene.tasks import generate_greening_tasks

    GreeningPlan.objects.create(
        school=school, name="浇水", kind=GreeningKind.WATERING, frequency=GreeningFrequency.WEEKLY
    )
    import time

    generate_greening_tasks.apply_async()
    generate_greening_tasks.apply_async()
    deadline = time.monotonic() + 60
    while not GreeningTask.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # the second run has had its chance
    assert GreeningTask.objects.count() == 1
