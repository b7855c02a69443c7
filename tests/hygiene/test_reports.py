"""Month-end sheets, month-pack gaps, bureau metrics, dashboard cards and the demo seed."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hygiene import bureau, services
from hygiene.choices import Disease
from hygiene.dashboard import cards
from hygiene.models import GreeningPlan, MeterReading
from hygiene.reports import month_gaps
from logistics.choices import Role
from logistics.reports import REGISTRY, Period
from logistics.reports.xlsx import write_workbook
from tests.factories import SchoolFactory

KEYS = [
    "hygiene.scores",
    "hygiene.disinfection",
    "hygiene.checks",
    "hygiene.attendance",
    "hygiene.infectious",
    "hygiene.greening",
    "hygiene.utilities",
]


@pytest.fixture
def month_of_records(school, health, staff, my_class, kids, criteria, chlorine, water_meter):
    today = timezone.localdate()
    services.morning_check_record(
        school=school, by=health, room=my_class, date=today, session="morning", present=4
    )
    services.absence_record(school=school, by=health, child=kids[0], start_date=today, symptom="fever")
    services.case_record(
        school=school,
        by=health,
        child=kids[1],
        disease=Disease.HFMD,
        onset_date=today,
        diagnosed_on=today,
        diagnosed_by="医院",
        isolation_until=today,
    )
    services.inspection_record(
        school=school,
        by=health,
        week=today,
        room=my_class,
        scores={criteria[0].pk: Decimal(18), criteria[1].pk: Decimal(9)},
    )
    services.disinfection_record(
        school=school,
        by=health,
        target="toys",
        method="soak",
        done_at=timezone.now(),
        done_by=health,
        disinfectant=chlorine,
        concentration=Decimal(100),
    )
    prev = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    services.meter_reading_record(meter=water_meter, by=staff, month=prev, value=Decimal(100), read_on=prev)
    services.meter_reading_record(meter=water_meter, by=staff, month=today, value=Decimal(160), read_on=today)
    plan = GreeningPlan.objects.create(school=school, name="浇水", kind="watering", frequency="weekly")
    services.greening_tasks_generate(today=today)
    return plan


def test_every_report_is_registered_and_builds_an_excel_sheet(school, month_of_records, tmp_path):
    period = Period.current_month()
    reports = []
    for key in KEYS:
        assert key in REGISTRY, key
        report = REGISTRY[key].builder(school, period)
        report.rows = list(report.rows)
        assert report.rows, key
        reports.append(report)
    path = tmp_path / "hygiene.xlsx"
    write_workbook(reports, path)
    wb = load_workbook(path, read_only=True)
    assert len(wb.sheetnames) == len(KEYS)
    text = " ".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )
    assert "不合格" in text and "手足口病" in text and "大一班" in text


def test_a_report_downloads_as_pdf_through_the_registry(as_director, month_of_records):
    response = as_director.get(reverse("reports:download", args=["hygiene.utilities", "pdf"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_reports_do_not_leak_another_schools_rows(school, other_school, month_of_records):
    period = Period.current_month()
    for key in KEYS:
        rows = list(REGISTRY[key].builder(other_school, period).rows)
        assert all("大一班" not in " ".join(str(c) for c in row) for row in rows), key


def test_month_gaps_name_what_is_missing(
    school, health, my_class, kids, water_meter, django_assert_max_num_queries
):
    period = Period.previous_month()
    services.case_record(
        school=school,
        by=health,
        child=kids[0],
        disease=Disease.VARICELLA,
        onset_date=period.start,
        diagnosed_on=period.start,
        diagnosed_by="医院",
        isolation_until=period.start,
    )
    with django_assert_max_num_queries(8):
        gaps = month_gaps(school, period)
    text = "\n".join(gaps)
    assert "班级卫生检查未进行" in text
    assert "无晨检记录" in text
    assert "计量表「总水表」" in text
    assert "未登记终末消毒" in text


def test_bureau_metrics_use_a_fixed_number_of_queries(school, month_of_records, district):
    schools = [school] + [SchoolFactory(district=district) for _ in range(5)]
    period = Period.current_month()
    with CaptureQueriesContext(connection) as ctx:
        result = bureau.metrics(schools, period)
    assert len(ctx.captured_queries) <= 4
    ours = dict((label, (value, level)) for label, value, level in result[school.pk])
    assert ours["出勤率"] == ("80.0%", "warning")
    assert ours["传染病例"] == (1, "warning")
    assert ours["水电气费"][0].endswith("元")
    empty = dict((label, value) for label, value, _level in result[schools[1].pk])
    assert empty["出勤率"] == "无晨检记录" and empty["传染病例"] == 0


def test_dashboard_cards_suit_the_role(rf, school, health, staff, teacher, guard, month_of_records):
    def request_for(user, role):
        request = rf.get("/")
        request.user, request.school, request.role = user, school, role
        return request

    health_titles = {c.title for c in cards(request_for(health, Role.HEALTH))}
    assert {"今日晨检", "因病缺勤今日待随访", "传染病隔离中"} <= health_titles
    waiting = next(c for c in cards(request_for(health, Role.HEALTH)) if c.title == "因病缺勤今日待随访")
    assert waiting.value == 1
    from hygiene.models import SickAbsence

    services.absence_follow_up(obj=SickAbsence.objects.get(), by=health, condition="好转")
    waiting = next(c for c in cards(request_for(health, Role.HEALTH)) if c.title == "因病缺勤今日待随访")
    assert waiting.value == 0 and waiting.level == "ok"
    staff_titles = {c.title for c in cards(request_for(staff, Role.STAFF))}
    assert "本月抄表" in staff_titles and "今日晨检" not in staff_titles
    assert cards(request_for(guard, Role.GUARD)) == []
    teacher_cards = {c.title: c for c in cards(request_for(teacher, Role.TEACHER))}
    assert teacher_cards["今日晨检"].value == "1/1"


def test_the_dashboard_page_renders_with_hygiene_cards(as_health, month_of_records):
    assert "今日晨检" in as_health.get(reverse("dashboard")).content.decode()


def test_the_demo_seed_is_idempotent_and_fills_the_pages(db, client_for):
    from hygiene import demo as hygiene_demo
    from logistics.demo import seed_organisation

    _district, schools = seed_organisation()
    for d in schools:
        hygiene_demo.seed(d)
    counts = MeterReading.objects.count()
    for d in schools:
        hygiene_demo.seed(d)
    assert MeterReading.objects.count() == counts > 0
    assert MeterReading.objects.filter(flagged=True).exists()
    kg = schools[0]
    client = client_for(kg.people["health"])
    for name in (
        "health_today",
        "check_list",
        "absence_list",
        "case_list",
        "attendance",
        "inspection_list",
        "ranking",
        "problem_list",
        "disinfection_list",
        "task_list",
        "plan_list",
        "area_list",
        "child_list",
    ):
        response = client.get(reverse(f"hygiene:{name}"))
        assert response.status_code == 200, name
    director = client_for(kg.people["director"])
    assert director.get(reverse("hygiene:meter_list")).status_code == 200
