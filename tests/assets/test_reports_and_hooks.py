import datetime
import io
import time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assets import bureau, services
from assets.models import Asset, RepairRequest
from assets.reports import month_gaps
from logistics.reports.base import Period
from logistics.reports.registry import REGISTRY

ASSET_REPORTS = [k for k in REGISTRY if k.startswith("assets.")]


def test_it_registers_the_month_end_reports():
    assert {
        "assets.register",
        "assets.changes",
        "assets.reconciliation",
        "assets.depreciation",
        "assets.stores",
        "assets.repairs",
        "assets.damage",
    } <= set(ASSET_REPORTS)


@pytest.mark.parametrize("key", ASSET_REPORTS)
def test_it_builds_every_report_with_rows(key, school, staff, teacher, room, make_asset):
    make_asset(room=room, purchase_date=datetime.date(2025, 1, 1))
    services.stores_stock_in(school=school, by=staff, item_name="纸", unit="包", quantity=5, unit_price=2)
    services.repair_raise(school=school, by=teacher, room=room, description="灯不亮")
    services.damage_record(
        school=school,
        by=staff,
        occurred_on=timezone.localdate(),
        description="坏",
        party_kind="student",
        party_name="甲",
        assessed_amount="10",
        item_name="椅子",
    )
    report = REGISTRY[key].builder(school, Period.current_month())
    rows = list(report.rows)
    assert all(len(r) == len(report.columns) for r in rows)
    if key not in ("assets.consumption",):
        assert rows, key


def test_it_downloads_the_register_as_excel(as_staff, school, room, make_asset):
    from openpyxl import load_workbook

    make_asset(room=room, name="钢琴", price="16800")
    r = as_staff.get(reverse("reports:download", args=["assets.register", "xlsx"]))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    text = " ".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value)
    assert "钢琴" in text and "固定资产明细账" in text


def test_it_exports_a_room_sheet_as_pdf(as_teacher, room, make_asset):
    make_asset(room=room, name="电子琴")
    r = as_teacher.get(reverse("assets:room_sheet_export", args=[room.pk, "pdf"]))
    assert r.status_code == 200
    assert b"".join(r.streaming_content).startswith(b"%PDF")


def test_it_prints_a_qr_label_sheet(as_staff, room, make_asset):
    assets = make_asset(room=room, units=3)
    r = as_staff.get(reverse("assets:labels") + f"?room={room.pk}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    from assets.labels import label_sheet_html

    html = label_sheet_html(assets, school=room.school)
    assert html.count("data:image/svg+xml;base64,") == 3 and assets[0].code in html


def test_it_lists_overdue_repairs_as_month_gaps_and_bureau_metrics(school, other_school, teacher, room):
    r = services.repair_raise(school=school, by=teacher, room=room, description="水管爆裂", urgency="urgent")
    RepairRequest.objects.filter(pk=r.pk).update(due_by=timezone.now() - datetime.timedelta(hours=1))
    gaps = month_gaps(school, Period.current_month())
    assert any("水管爆裂" in g and "逾期" in g for g in gaps)
    m = bureau.metrics([school, other_school], Period.current_month())
    assert ("逾期报修", 1, "warning") in m[school.pk]
    assert ("逾期报修", 0, "ok") in m[other_school.pk]


def test_it_computes_bureau_metrics_with_fixed_queries(school, other_school, django_assert_num_queries):
    with django_assert_num_queries(1):
        bureau.metrics([school, other_school], Period.current_month())


def _request(school, user, role):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user, request.school, request.role = user, school, role
    return request


def test_it_shows_dashboard_cards_for_managers_and_teachers(
    school, teacher, director, principal, room, django_assert_max_num_queries
):
    from assets.dashboard import cards

    services.repair_raise(school=school, by=teacher, room=room, description="门坏了")
    with django_assert_max_num_queries(6):
        titles = [c.title for c in cards(_request(school, director, "director"))]
    assert "未完成报修" in titles
    room.responsible = teacher
    room.save()
    mine = cards(_request(school, teacher, "teacher"))
    assert mine[0].title == "我的报修" and mine[0].value == 1
    assert any(c.title == "我负责的房间" and c.items[0][0] == room.name for c in mine)
    assert cards(_request(school, principal, "principal"))


def test_it_seeds_the_demo_quickly_and_idempotently(db, settings):
    from assets import demo
    from logistics.demo import seed_organisation

    district, schools = seed_organisation()
    start = time.monotonic()
    for s in schools:
        demo.seed(s)
    elapsed = time.monotonic() - start
    count = Asset.objects.count()
    for s in schools:
        demo.seed(s)
    assert Asset.objects.count() == count > 20
    assert elapsed < 3, elapsed
    assert RepairRequest.objects.filter(status="accepted").exists()
    report = REGISTRY["assets.reconciliation"].builder(schools[0].school, Period.previous_month())
    rows = list(report.rows)
    assert rows and rows[0][1] > Decimal(0)


def test_it_reconciles_from_the_page(as_staff, school, make_asset):
    make_asset()
    month = Period.previous_month().key
    r = as_staff.post(reverse("assets:reconciliation_run"), {"month": month})
    assert r.status_code == 302
    assert as_staff.get(reverse("assets:reconciliation_detail", args=[month])).status_code == 200
    r = as_staff.post(reverse("assets:reconciliation_run"), {"month": Period.current_month().key})
    assert r.status_code == 302  # refused with a message: the month has not ended
    assert (
        as_staff.get(reverse("assets:reconciliation_detail", args=[Period.current_month().key])).status_code
        == 404
    )
