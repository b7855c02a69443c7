import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from logistics.reports import Period
from logistics.reports.pdf import render_pdf
from logistics.reports.registry import REGISTRY
from logistics.reports.xlsx import write_workbook
from safety import bureau, services
from safety.choices import DrillKind, InspectionKind, RiskLevel
from safety.models import FireEquipment, HazardousMaterial, HazmatMovement, Inspection, Visitor
from safety.reports import month_gaps
from tests.factories import SchoolFactory

from .conftest import all_results, valid_id

OCT = Period.month(2026, 10)
AFTER = datetime.date(2026, 11, 20)
SAFETY_KEYS = [
    "safety.inspections",
    "safety.hazards",
    "safety.drills",
    "safety.visitors",
    "safety.fire_selfcheck",
    "safety.fire_monthly",
    "safety.building",
    "safety.hazmat",
]


@pytest.fixture
def october(school, director, staff, guard, room):
    """October 2026: three of four weekly inspections, an overdue hazard, one fire drill, visitors..."""
    for monday in (5, 12, 19):
        insp, _ = services.inspection_create(
            school=school, kind=InspectionKind.WEEKLY, day=datetime.date(2026, 10, monday), by=director
        )
        services.inspection_save(obj=insp, by=director, results=all_results(insp, fail_first=monday == 12))
        services.inspection_submit(obj=insp, by=director, signature=director.first_name)
    services.inspection_create(school=school, kind=InspectionKind.WEEKLY, day=datetime.date(2026, 10, 26))
    late = services.hazard_report(
        school=school,
        by=staff,
        title="二楼消防通道堵塞",
        risk_level=RiskLevel.HIGH,
        found_on=datetime.date(2026, 10, 14),
        room=room,
    )
    services.hazard_assign(obj=late, by=director, assignee=staff, deadline=datetime.date(2026, 10, 20))
    drill = services.drill_plan(
        school=school,
        by=director,
        kind=DrillKind.FIRE,
        title="消防演练",
        planned_on=datetime.date(2026, 10, 9),
    )
    services.drill_record(
        obj=drill,
        by=director,
        held_on=datetime.date(2026, 10, 10),
        participants=150,
        floors=3,
        evacuation_seconds=150,
        commander="王园长",
        guides="各班教师",
    )
    Visitor.objects.create(
        school=school,
        name="张伟",
        id_number=valid_id(),
        reason="检修",
        host="李主任",
        registered_by=guard,
        time_in=timezone.make_aware(datetime.datetime(2026, 10, 8, 9, 30)),
    )
    FireEquipment.objects.create(school=school, room=room, kind="extinguisher", code="XF-1")
    check, _ = services.fire_selfcheck_start(school=school, by=staff, month=datetime.date(2026, 10, 1))
    services.fire_selfcheck_save(
        obj=check, by=staff, results={i.pk: ("ok", "") for i in check.items.all()}, submit=True
    )
    material = HazardousMaterial.objects.create(
        school=school, name="酒精", kind="flammable", unit="瓶", keeper=staff
    )
    services.hazmat_receive(material=material, by=staff, quantity=Decimal("5"), purpose="采购")
    services.hazmat_issue(
        material=material, by=staff, quantity=Decimal("2"), purpose="消毒", receiver="孙老师"
    )
    HazmatMovement.objects.update(at=timezone.make_aware(datetime.datetime(2026, 10, 15, 10, 0)))
    return school


def _rows(key, school, period=OCT):
    return list(REGISTRY[key].builder(school, period).rows)


def test_it_registers_every_safety_report():
    assert set(SAFETY_KEYS) <= set(REGISTRY)
    assert REGISTRY["safety.fire_monthly"].title == "消防月报表"
    assert REGISTRY["safety.building"].title == "校舍安全月报"


def test_it_reports_the_months_inspections_with_results(october):
    rows = _rows("safety.inspections", october)
    assert len(rows) == 4
    fails = [r[6] for r in rows]
    assert fails == [0, 1, 0, 0]
    assert rows[-1][3] == "待检查" and rows[-1][8] > 0


def test_it_reports_the_hazard_register_drills_visitors_and_hazmat(october):
    hazards = _rows("safety.hazards", october)
    titles = {r[1]: r for r in hazards}
    assert "二楼消防通道堵塞" in titles and titles["二楼消防通道堵塞"][-1] == "整改中（逾期）"
    drills = _rows("safety.drills", october)
    assert drills[0][6] == "2分30秒（超过2分钟）" and "指挥：王园长" in drills[0][7]
    visitors = _rows("safety.visitors", october)
    assert visitors[0][2] == "1101**********002X"
    moves = _rows("safety.hazmat", october)
    assert [m[2] for m in moves] == ["入库", "领用"] and moves[1][4] == "3.00 瓶"


def test_it_builds_the_fire_and_building_monthly_reports(october):
    fire = dict(_rows("safety.fire_monthly", october))
    assert fire["月度自检"].startswith("检查 1 件，正常 1 件")
    assert fire["消防疏散演练"] == "1 次"
    building = dict(_rows("safety.building", october))
    assert building["每周安全检查"] == "应检 4 次，已完成 3 次"
    assert "用电安全 1 项" in building["检查不合格项（按区域）"]
    assert building["逾期未整改隐患"] == "1 条"


def test_it_renders_every_safety_report_to_excel_and_pdf(october, tmp_path):
    reports = [REGISTRY[k].builder(october, OCT) for k in SAFETY_KEYS]
    path = tmp_path / "safety.xlsx"
    write_workbook(reports, path)
    wb = load_workbook(path, read_only=True)
    assert len(wb.sheetnames) >= len(SAFETY_KEYS)
    pdf = io.BytesIO()
    render_pdf([REGISTRY["safety.building"].builder(october, OCT)], pdf)
    assert pdf.getvalue().startswith(b"%PDF")


def test_it_downloads_a_report(as_director, october):
    r = as_director.get(reverse("reports:download", args=["safety.hazards", "xlsx"]) + "?month=2026-10")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_it_lists_the_months_gaps(october):
    gaps = month_gaps(october, OCT, today=AFTER)
    assert "第44周安全检查未完成（10月26日起）" in gaps
    assert not any("第42周" in g for g in gaps)
    assert "隐患「二楼消防通道堵塞」已逾期（整改期限10月20日）" in gaps
    assert "地震疏散演练滞后" in gaps and "消防疏散演练滞后" not in gaps


def test_it_computes_bureau_metrics_for_all_schools_with_fixed_queries(october, other_school):
    schools = [october, other_school] + [SchoolFactory() for _ in range(5)]
    with CaptureQueriesContext(connection) as few:
        bureau.metrics(schools[:2], OCT, today=AFTER)
    with CaptureQueriesContext(connection) as many:
        result = bureau.metrics(schools, OCT, today=AFTER)
    assert len(many) == len(few) <= 5
    ours = {label: (value, level) for label, value, level in result[october.pk]}
    assert ours["周检完成"] == ("3/4", "warning")
    assert ours["逾期隐患"] == (1, "danger")
    assert ours["未整改隐患"][0] == 1
    assert "地震疏散" in ours["演练滞后"][0] and ours["演练滞后"][1] == "danger"
    theirs = {label: value for label, value, _level in result[other_school.pk]}
    assert theirs["周检完成"] == "0/4" and theirs["逾期隐患"] == 0


def test_it_shows_safety_cards_with_a_fixed_number_of_queries(
    client_for, school, director, guard, october, django_assert_max_num_queries
):
    from django.test import RequestFactory

    from safety.dashboard import cards

    c = client_for(director)
    c.get(reverse("dashboard"))
    request = RequestFactory().get("/")
    request.user, request.school, request.role = director, school, "director"
    with CaptureQueriesContext(connection) as first:
        found = cards(request)
    for n in range(30):
        services.inspection_create(
            school=school, kind=InspectionKind.CLOSING, day=AFTER - datetime.timedelta(days=n)
        )
    with CaptureQueriesContext(connection) as second:
        cards(request)
    assert len(first) == len(second) <= 10
    titles = {c.title: c for c in found}
    assert "未销号安全隐患" in titles and titles["未销号安全隐患"].level == "danger"
    assert "演练滞后" in titles
    page = c.get(reverse("dashboard")).content.decode()
    assert "今日值班" in page
    request.role = "teacher"
    assert [c.title for c in cards(request)] == ["今日值班"]
    assert Inspection.objects.filter(kind=InspectionKind.CLOSING).count() == 30


def test_it_counts_a_week_only_once_its_inspection_is_due():
    from safety.selectors import weekly_mondays

    nov = Period.month(2026, 11)
    assert weekly_mondays(nov, today=datetime.date(2026, 11, 16)) == [
        datetime.date(2026, 11, 2),
        datetime.date(2026, 11, 9),
    ]
    assert weekly_mondays(nov, today=datetime.date(2026, 11, 20))[-1] == datetime.date(2026, 11, 16)
    assert len(weekly_mondays(OCT, today=OCT.end)) == 4
