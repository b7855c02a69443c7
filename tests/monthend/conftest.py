"""Fixtures for the month-end pack: a test report in the registry and test hooks."""

import re
import subprocess

import pytest
from django.db.models import Sum

from logistics.choices import RoomType
from logistics.models import Room
from logistics.reports import Column, Report, register, specs
from logistics.reports.base import DATE, INT, MONEY
from logistics.reports.registry import REGISTRY
from monthend import hooks, pack

ROOM_REPORT = "test.rooms"
EMPTY_REPORT = "test.empty"


def room_report(school, period):
    rooms = Room.objects.filter(school=school).select_related("campus").order_by("name")
    rows = (
        # RoomType(...).label is a lazy translation: the framework writes it as text
        (r.name, r.campus.name, r.floor, period.end, (r.floor or 0) * 100, RoomType(r.room_type).label)
        for r in rooms.iterator(chunk_size=500)
    )
    return Report(
        title="测试房间台账",
        columns=[
            Column("房间"),
            Column("校区"),
            Column("楼层", INT, total=True),
            Column("日期", DATE),
            Column("金额", MONEY, total=True),
            Column("类型"),
        ],
        rows=rows,
        school=school,
        period=period,
    )


def empty_report(school, period):
    return Report(title="测试空台账", columns=[Column("名称")], rows=iter(()), school=school, period=period)


@pytest.fixture
def test_reports(monkeypatch):
    """Register two monthly reports (removed again after the test) and build packs from the
    foundation's org.certificates plus these, so the domain apps' reports (written in parallel)
    do not make these tests depend on them. test_pack_full_registry uses the whole registry."""
    for key, fn, title, order in (
        (ROOM_REPORT, room_report, "测试房间台账", 900),
        (EMPTY_REPORT, empty_report, "测试空台账", 901),
    ):
        monkeypatch.setitem(REGISTRY, key, None)
        register(key, title=title, order=order)(fn)
    keys = {"org.certificates", ROOM_REPORT, EMPTY_REPORT}
    monkeypatch.setattr(
        pack, "specs", lambda monthly_only=False: [s for s in specs(monthly_only) if s.key in keys]
    )
    monkeypatch.setattr(hooks.registry, "functions", lambda *a: [])
    return [ROOM_REPORT, EMPTY_REPORT]


@pytest.fixture
def gap_hook(monkeypatch):
    def month_gaps(school, period):
        return [f"{period.label}14日 午餐无留样记录", "隐患「二楼消防通道堵塞」已逾期"]

    monkeypatch.setattr(hooks, "EXTRA_GAP_HOOKS", [month_gaps])
    return month_gaps


@pytest.fixture
def metric_hook(monkeypatch, django_assert_max_num_queries):
    """A bureau hook computing for all schools in ONE aggregate query, as the brief asks."""

    def metrics(schools, period):
        ids = [s.pk for s in schools]
        sums = dict(
            Room.objects.filter(school_id__in=ids)
            .values_list("school_id")
            .annotate(n=Sum("floor"))
            .order_by()
        )
        return {
            s.pk: [("楼层合计", sums.get(s.pk) or 0, "danger" if (sums.get(s.pk) or 0) > 5 else "ok")]
            for s in schools
        }

    monkeypatch.setattr(hooks, "EXTRA_METRIC_HOOKS", [metrics])
    return metrics


def pdf_text(path):
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def compact(text):
    """pdftotext spaces CJK text unpredictably: compare without whitespace."""
    return re.sub(r"\s+", "", text)
