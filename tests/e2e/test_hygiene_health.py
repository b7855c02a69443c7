"""The health teacher on a 768-px tablet: a morning check with an abnormal child, then a sick absence
with a follow-up call. And the utilities trend chart, drawn as inline SVG on the server."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from hygiene import services
from hygiene.choices import MeterKind
from hygiene.models import CheckFinding, FollowUpCall, HealthCheck, Meter, SickAbsence
from logistics.choices import Role, RoomType
from tests.e2e.conftest import login, screenshot
from tests.factories import RoomFactory, member
from tests.hygiene.conftest import make_children


@pytest.fixture
def setting(transactional_db, school, campus, health):
    teacher = member(school, Role.TEACHER, username="e2e_teacher")
    room = RoomFactory(
        school=school, campus=campus, name="中一班", room_type=RoomType.CLASSROOM, responsible=teacher
    )
    RoomFactory(
        school=school, campus=campus, name="中二班", room_type=RoomType.CLASSROOM, responsible=teacher
    )
    children = make_children(room, 6, prefix="中一")
    return room, children


def no_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


def test_the_health_teacher_records_a_morning_check_and_a_sick_absence_on_a_tablet(
    setting, live_server, new_page
):
    room, children = setting
    page = new_page("tablet")
    login(page, live_server, "p_health")
    page.goto(f"{live_server.url}/hygiene/health/")
    assert no_overflow(page)
    page.click(f"[data-testid=morning-{room.pk}]")
    page.fill("input[name=present]", "5")
    page.select_option("select[name=f-0-child]", str(children[2].pk))
    page.select_option("select[name=f-0-symptom]", "fever")
    page.fill("input[name=f-0-temperature]", "38.1")
    page.select_option("select[name=f-0-action]", "parent_pickup")
    page.fill("input[name=f-0-detail]", "已电话通知家长")
    assert no_overflow(page)
    screenshot(page, "hygiene-morning-check-form-tablet")
    page.click("[data-testid=submit]")
    page.wait_for_url("**/hygiene/health/")
    assert page.locator(".alert-success").is_visible()
    assert page.get_by_text("已检 5/6").is_visible()
    screenshot(page, "hygiene-today-tablet")
    check = HealthCheck.objects.get()
    assert (check.present, check.enrolled) == (5, 6)
    assert CheckFinding.objects.get().child == children[2]

    page.click("[data-testid=new-absence]")
    page.select_option("select[name=child]", str(children[2].pk))
    page.select_option("select[name=symptom]", "fever")
    page.fill("input[name=diagnosis]", "上呼吸道感染")
    page.click("[data-testid=submit]")
    page.wait_for_url("**/hygiene/health/absences/*/")
    page.fill("[data-testid=call-form] input[name=condition]", "体温38℃，在家休息")
    page.click("[data-testid=call-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=calls]").get_by_text("体温38℃，在家休息").is_visible()
    assert no_overflow(page)
    screenshot(page, "hygiene-sick-absence-tablet")
    absence = SickAbsence.objects.get()
    assert absence.child == children[2] and FollowUpCall.objects.filter(absence=absence).count() == 1


def test_the_meter_trend_chart_renders_on_a_tablet(
    transactional_db, school, campus, staff, director, live_server, new_page
):
    meter = Meter.objects.create(
        school=school, campus=campus, kind=MeterKind.WATER, name="总水表", unit_price=Decimal("4.2")
    )
    month = timezone.localdate().replace(day=1)
    months = []
    for _i in range(8):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    value = Decimal(1000)
    for i, m in enumerate(reversed(months)):
        value += Decimal(400 if i == len(months) - 1 else 180 + (i % 3) * 15)
        services.meter_reading_record(meter=meter, by=staff, month=m, value=value, read_on=m)
    page = new_page("tablet")
    login(page, live_server, "p_director")
    page.goto(f"{live_server.url}/hygiene/meters/{meter.pk}/")
    chart = page.locator("[data-testid=usage-chart] svg")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 150
    assert page.locator("[data-testid=usage-chart] svg rect[fill='#dc3545']").count() >= 1
    assert no_overflow(page)
    screenshot(page, "hygiene-meter-chart-tablet")
    page.goto(f"{live_server.url}/hygiene/meters/")
    assert page.locator("[data-testid=cost-chart] svg").is_visible()
    screenshot(page, "hygiene-meter-list-tablet")


def test_staff_type_a_meter_reading_on_a_phone_and_a_lower_one_is_refused(
    transactional_db, school, campus, staff, live_server, new_page
):
    meter = Meter.objects.create(
        school=school,
        campus=campus,
        kind=MeterKind.ELECTRICITY,
        name="教学楼电表",
        unit_price=Decimal("0.65"),
    )
    month = timezone.localdate().replace(day=1)
    prev = (month - datetime.timedelta(days=1)).replace(day=1)
    services.meter_reading_record(meter=meter, by=staff, month=prev, value=Decimal(5000), read_on=prev)
    page = new_page("phone")
    login(page, live_server, "p_staff")
    page.goto(f"{live_server.url}/hygiene/meters/{meter.pk}/read/")
    page.fill("input[name=value]", "4990")
    page.click("[data-testid=reading-form] button[type=submit]")
    assert page.locator("[data-testid=form-errors]").get_by_text("低于上次读数").is_visible()
    assert no_overflow(page)
    screenshot(page, "hygiene-meter-reading-refused-phone")
    assert not page.locator(".replacement-fields").is_visible()
    page.check("input[name=is_replacement]")
    assert page.locator("input[name=old_final]").is_visible()
    page.uncheck("input[name=is_replacement]")
    page.fill("input[name=value]", "5420")
    page.click("[data-testid=reading-form] button[type=submit]")
    page.wait_for_url(f"**/hygiene/meters/{meter.pk}/")
    reading = meter.readings.get(month=month)
    assert reading.consumption == Decimal(420) and reading.cost == Decimal("273.00")
    assert no_overflow(page)
    screenshot(page, "hygiene-meter-detail-phone")


PAGES = [
    "/hygiene/health/",
    "/hygiene/health/checks/",
    "/hygiene/health/absences/",
    "/hygiene/health/cases/",
    "/hygiene/health/attendance/",
    "/hygiene/inspections/",
    "/hygiene/inspections/new/",
    "/hygiene/problems/",
    "/hygiene/ranking/",
    "/hygiene/disinfection/",
    "/hygiene/disinfection/new/",
    "/hygiene/greening/tasks/",
    "/hygiene/meters/",
]


def test_the_demo_pages_fit_a_phone(transactional_db, live_server, new_page):
    from hygiene import demo as hygiene_demo
    from logistics.demo import DEMO_PASSWORD, seed_organisation

    _district, schools = seed_organisation()
    for d in schools:
        hygiene_demo.seed(d)
    page = new_page("phone")
    login(page, live_server, "director", DEMO_PASSWORD)
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert no_overflow(page), path
    page.goto(f"{live_server.url}/hygiene/ranking/")
    screenshot(page, "hygiene-ranking-phone")
    assert page.locator("[data-testid=notice-board] tbody tr").count() >= 6  # the latest inspected week
    page.goto(f"{live_server.url}/hygiene/health/attendance/")
    screenshot(page, "hygiene-attendance-phone")
    page.goto(f"{live_server.url}/hygiene/inspections/new/")
    screenshot(page, "hygiene-inspection-form-phone")
