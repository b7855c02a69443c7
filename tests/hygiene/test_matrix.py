"""Every hygiene URL: anonymous -> login, another school's object -> 404, wrong role -> 403,
and the corrections of compliance records (with a reason, history kept)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from hygiene import services
from hygiene.choices import Disease, GreeningFrequency, GreeningKind
from hygiene.models import (
    DisinfectionRecord,
    GreeningPlan,
    GreeningTask,
    MeterReading,
    ResponsibilityArea,
)
from logistics.models import ChangeLog
from tests.helpers import assert_login_required, assert_status

TODAY = timezone.localdate


@pytest.fixture
def objects(school, campus, health, staff, my_class, kids, criteria, chlorine, water_meter):
    check = services.morning_check_record(
        school=school, by=health, room=my_class, date=TODAY(), session="morning", present=5
    )
    absence = services.absence_record(
        school=school, by=health, child=kids[0], start_date=TODAY(), symptom="fever"
    )
    case = services.case_record(
        school=school,
        by=health,
        child=kids[1],
        disease=Disease.HFMD,
        onset_date=TODAY(),
        diagnosed_on=TODAY(),
        diagnosed_by="医院",
        isolation_until=TODAY(),
    )
    inspection = services.inspection_record(
        school=school,
        by=health,
        week=TODAY(),
        room=my_class,
        scores={criteria[0].pk: Decimal(20), criteria[1].pk: Decimal(10)},
        problems=[("窗台积灰", TODAY())],
    )
    area = ResponsibilityArea.objects.create(school=school, campus=campus, name="操场", room=my_class)
    disinfection = services.disinfection_record(
        school=school,
        by=health,
        target="toys",
        method="soak",
        done_at=timezone.now(),
        done_by=health,
        disinfectant=chlorine,
        concentration=Decimal(300),
    )
    reading = services.meter_reading_record(meter=water_meter, by=staff, month=TODAY(), value=Decimal(100))
    plan = GreeningPlan.objects.create(
        school=school, name="修剪", kind=GreeningKind.TREE_PRUNING, frequency=GreeningFrequency.MONTHLY
    )
    task = GreeningTask.objects.create(school=school, plan=plan, period="2026-03", due_date=TODAY())
    return {
        "check": check,
        "absence": absence,
        "case": case,
        "inspection": inspection,
        "problem": inspection.problems.get(),
        "area": area,
        "criterion": criteria[0],
        "disinfectant": chlorine,
        "disinfection": disinfection,
        "meter": water_meter,
        "reading": reading,
        "plan": plan,
        "task": task,
        "child": kids[0],
    }


# (url name, object key or None)
URLS = [
    ("health_today", None),
    ("check_list", None),
    ("check_create", None),
    ("check_detail", "check"),
    ("absence_list", None),
    ("absence_create", None),
    ("absence_detail", "absence"),
    ("absence_follow_up", "absence"),
    ("absence_return", "absence"),
    ("attendance", None),
    ("child_list", None),
    ("child_create", None),
    ("child_update", "child"),
    ("case_list", None),
    ("case_create", None),
    ("case_detail", "case"),
    ("area_list", None),
    ("area_create", None),
    ("area_update", "area"),
    ("criterion_list", None),
    ("criterion_create", None),
    ("criterion_update", "criterion"),
    ("inspection_list", None),
    ("inspection_create", None),
    ("inspection_detail", "inspection"),
    ("inspection_correct", "inspection"),
    ("problem_list", None),
    ("problem_correct", "problem"),
    ("problem_recheck", "problem"),
    ("ranking", None),
    ("ranking_pdf", None),
    ("disinfectant_list", None),
    ("disinfectant_create", None),
    ("disinfectant_update", "disinfectant"),
    ("disinfection_list", None),
    ("disinfection_create", None),
    ("disinfection_detail", "disinfection"),
    ("meter_list", None),
    ("meter_create", None),
    ("meter_detail", "meter"),
    ("meter_update", "meter"),
    ("reading_create", "meter"),
    ("reading_correct", "reading"),
    ("plan_list", None),
    ("plan_create", None),
    ("plan_update", "plan"),
    ("task_list", None),
    ("task_done", "task"),
    ("settings", None),
]


def url_for(name, key, objects):
    return reverse(f"hygiene:{name}", args=[objects[key].pk] if key else [])


@pytest.mark.parametrize(("name", "key"), URLS)
def test_every_url_sends_anonymous_users_to_login(name, key, objects):
    assert_login_required(url_for(name, key, objects))
    assert_login_required(url_for(name, key, objects), method="post")


@pytest.mark.parametrize(("name", "key"), [u for u in URLS if u[1]])
def test_another_schools_director_gets_404_for_every_object(name, key, objects, as_outsider):
    url = url_for(name, key, objects)
    assert as_outsider.get(url).status_code in (404, 405)
    assert_status(as_outsider, url, 404, method="post", data={})


# (url name, object key, role fixture that is refused)
REFUSED = [
    ("check_create", None, "as_guard"),
    ("absence_create", None, "as_canteen"),
    ("case_create", None, "as_teacher"),
    ("case_detail", "case", "as_teacher"),  # POST = return
    ("check_detail", "check", "as_teacher"),  # POST = correction
    ("child_create", None, "as_teacher"),
    ("child_update", "child", "as_staff"),
    ("area_create", None, "as_teacher"),
    ("criterion_update", "criterion", "as_staff"),
    ("inspection_create", None, "as_teacher"),
    ("inspection_correct", "inspection", "as_staff"),
    ("problem_correct", "problem", "as_guard"),
    ("problem_recheck", "problem", "as_teacher"),
    ("disinfectant_create", None, "as_staff"),
    ("disinfection_create", None, "as_accountant"),
    ("disinfection_detail", "disinfection", "as_staff"),  # POST = correction
    ("meter_list", None, "as_teacher"),
    ("meter_create", None, "as_health"),
    ("reading_create", "meter", "as_accountant"),
    ("reading_correct", "reading", "as_health"),
    ("plan_create", None, "as_health"),
    ("task_done", "task", "as_teacher"),
    ("settings", None, "as_staff"),
]


@pytest.mark.parametrize(("name", "key", "persona"), REFUSED)
def test_wrong_roles_are_refused_and_nothing_changes(name, key, persona, objects, request):
    client = request.getfixturevalue(persona)
    before = ChangeLog.objects.count()
    assert_status(client, url_for(name, key, objects), 403, method="post", data={"present": 1, "reason": "x"})
    assert ChangeLog.objects.count() == before


def test_the_bureau_reads_but_never_writes(as_bureau, objects):
    for name, key in URLS:
        if name.endswith(("_create", "_update", "_correct", "_follow_up", "_return", "_recheck", "_done")):
            continue
        if name in ("meter_list", "meter_detail", "settings"):
            continue
        assert as_bureau.get(url_for(name, key, objects)).status_code == 200, name
    assert as_bureau.get(url_for("meter_detail", "meter", objects)).status_code == 200
    before = ChangeLog.objects.count()
    response = as_bureau.post(url_for("check_detail", "check", objects), {"present": 1, "reason": "x"})
    assert response.status_code in (403, 405)
    assert ChangeLog.objects.count() == before


def test_a_disinfection_is_corrected_with_a_reason_and_the_flag_follows(as_health, objects):
    record = objects["disinfection"]
    url = reverse("hygiene:disinfection_detail", args=[record.pk])
    as_health.post(url, {"concentration": "120", "note": "", "reason": ""})
    record.refresh_from_db()
    assert record.concentration == Decimal(300)
    assert as_health.post(url, {"concentration": "120", "note": "", "reason": "抄录错误"}).status_code == 302
    record.refresh_from_db()
    assert record.concentration == Decimal(120) and record.concentration_ok is False
    log = ChangeLog.objects.get(object_id=str(record.pk), action="correct")
    assert log.before["concentration"] == "300.0" and log.reason == "抄录错误"


def test_only_the_latest_reading_is_corrected_and_consumption_follows(as_staff, staff, water_meter):
    prev = (TODAY().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    first = services.meter_reading_record(
        meter=water_meter, by=staff, month=prev, value=Decimal(100), read_on=prev
    )
    latest = services.meter_reading_record(meter=water_meter, by=staff, month=TODAY(), value=Decimal(1500))
    as_staff.post(reverse("hygiene:reading_correct", args=[first.pk]), {"value": "90", "reason": "错"})
    first.refresh_from_db()
    assert first.value == Decimal(100)
    as_staff.post(reverse("hygiene:reading_correct", args=[latest.pk]), {"value": "50", "reason": "错"})
    latest.refresh_from_db()
    assert latest.value == Decimal(1500)  # lower than the previous reading: refused
    as_staff.post(
        reverse("hygiene:reading_correct", args=[latest.pk]), {"value": "150", "reason": "多按了一个0"}
    )
    latest.refresh_from_db()
    assert (latest.value, latest.consumption, latest.cost) == (Decimal(150), Decimal(50), Decimal("210.00"))
    assert ChangeLog.objects.filter(object_id=str(latest.pk), action="correct", reason="多按了一个0").exists()
    assert MeterReading.objects.count() == 2


def test_a_case_links_the_childs_open_sick_absence(objects):
    assert objects["case"].absence is None  # kids[1] had no absence
    absence = objects["absence"]
    case = services.case_record(
        school=absence.school,
        by=absence.reported_by,
        child=absence.child,
        disease=Disease.INFLUENZA,
        onset_date=TODAY(),
        diagnosed_on=TODAY(),
        diagnosed_by="医院",
        isolation_until=TODAY(),
    )
    assert case.absence == absence


def test_the_disinfection_list_query_count_is_fixed(
    as_health, health, school, chlorine, django_assert_max_num_queries
):
    for i in range(15):
        services.disinfection_record(
            school=school,
            by=health,
            target="toys",
            method="soak",
            done_at=timezone.now(),
            done_by=health,
            disinfectant=chlorine,
            concentration=Decimal(200 + i * 20),
        )
    with django_assert_max_num_queries(10):
        assert as_health.get(reverse("hygiene:disinfection_list")).status_code == 200
    assert DisinfectionRecord.objects.count() == 15


def test_the_other_lists_keep_their_query_counts(
    as_health, health, school, campus, django_assert_max_num_queries
):
    from tests.factories import RoomFactory

    from .conftest import make_children

    for i in range(12):
        room = RoomFactory(school=school, campus=campus, name=f"班{i}")
        child, other = make_children(room, 2)
        services.absence_record(school=school, by=health, child=child, start_date=TODAY(), symptom="fever")
        services.case_record(
            school=school,
            by=health,
            child=other,
            disease=Disease.VARICELLA,
            onset_date=TODAY(),
            diagnosed_on=TODAY(),
            diagnosed_by="医院",
            isolation_until=TODAY(),
        )
        ResponsibilityArea.objects.create(school=school, campus=campus, name=f"区域{i}", room=room)
    for name in ("absence_list", "case_list", "child_list", "area_list", "plan_list", "criterion_list"):
        with django_assert_max_num_queries(12):
            assert as_health.get(reverse(f"hygiene:{name}")).status_code == 200, name


POST_ONLY = {
    "absence_follow_up",
    "absence_return",
    "inspection_correct",
    "problem_correct",
    "problem_recheck",
    "reading_correct",
}


@pytest.mark.parametrize(("name", "key"), URLS)
def test_the_director_opens_every_page(name, key, objects, as_director):
    response = as_director.get(url_for(name, key, objects))
    assert response.status_code == (405 if name in POST_ONLY else 200)
    if name == "check_create":
        room = objects["check"].room_id
        assert as_director.get(url_for(name, key, objects) + f"?room={room}&session=noon").status_code == 200
