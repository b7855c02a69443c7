"""A real Celery worker (own process, Redis broker, PostgreSQL) produces a month pack."""

import time

import pytest

from logistics.reports import Period
from monthend import services
from monthend.choices import PackStatus
from monthend.models import MonthPack
from monthend.tasks import schedule_month_packs

pytestmark = pytest.mark.integration


def _wait_for(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_a_real_worker_produces_a_pack_over_redis(celery_worker_process, school, tmp_path):
    # scheduling here enqueues the generation (on commit) on the test's queue; the worker builds it
    pack, created = services.pack_schedule(school=school, period=Period.month(2026, 10))
    assert created
    finished = [PackStatus.READY, PackStatus.FAILED]
    done = _wait_for(lambda: MonthPack.objects.filter(pk=pack.pk, status__in=finished).exists())
    assert done, (tmp_path / "worker.log").read_text()[-3000:]
    pack.refresh_from_db()
    assert pack.status == PackStatus.READY, pack.error
    assert services.file_sha256(pack.xlsx) == pack.xlsx_sha256
    assert services.file_sha256(pack.pdf) == pack.pdf_sha256
    # the beat task itself, run by the worker, finds the pack and makes no new version
    # (results are ignored by default in settings; ask for this one to be kept)
    assert schedule_month_packs.apply_async(args=["2026-10"], ignore_result=False).get(timeout=120) == 0
    assert MonthPack.objects.count() == 1
