"""Two schedulers at once (beat catch-up overlapping a normal run) still make one version."""

import threading

import pytest
from django.db import connection, connections

from logistics.reports import Period
from monthend import services
from monthend.models import MonthPack


@pytest.mark.django_db(transaction=True)
def test_concurrent_scheduled_runs_make_one_version(school):
    if connection.vendor != "postgresql":
        pytest.skip("select_for_update needs PostgreSQL")
    barrier = threading.Barrier(4)
    results = []

    def run():
        try:
            barrier.wait()
            pack, created = services.pack_schedule(
                school=school, period=Period.month(2026, 10), enqueue=False
            )
            results.append(created)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert MonthPack.objects.count() == 1
