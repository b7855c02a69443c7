import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from logistics.attachments import attachments_for
from logistics.choices import ChangeAction
from logistics.models import Attachment, ChangeLog
from safety import selectors, services
from safety.choices import DrillInterval, DrillKind, DrillStatus
from safety.models import Drill, SafetySettings
from tests.helpers import assert_login_required, assert_status, form_errors

from .conftest import fake_image, png_upload

TODAY = timezone.localdate


def _held(school, by, kind, days_ago, seconds=100, floors=3):
    drill = services.drill_plan(
        school=school, by=by, kind=kind, title="演练", planned_on=TODAY() - datetime.timedelta(days=days_ago)
    )
    return services.drill_record(
        obj=drill,
        by=by,
        held_on=TODAY() - datetime.timedelta(days=days_ago),
        participants=100,
        floors=floors,
        evacuation_seconds=seconds,
    )


def test_it_defaults_to_quarterly_for_kindergartens_and_monthly_for_schools(school, other_school):
    kg, ps = SafetySettings.for_school(school), SafetySettings.for_school(other_school)
    assert kg.drill_fire == DrillInterval.QUARTERLY and kg.drill_earthquake == DrillInterval.QUARTERLY
    assert ps.drill_fire == DrillInterval.MONTHLY and ps.drill_earthquake == DrillInterval.MONTHLY


def test_it_warns_when_a_kind_falls_behind(school, director):
    _held(school, director, DrillKind.FIRE, 20)
    _held(school, director, DrillKind.EARTHQUAKE, 120)
    status = {s[0]: s[4] for s in selectors.drill_status(school)}
    assert status[DrillKind.FIRE] is False
    assert status[DrillKind.EARTHQUAKE] is True  # 120 days > a quarter
    assert status[DrillKind.ANTI_TERROR] is True  # never held
    settings = SafetySettings.for_school(school)
    settings.drill_earthquake = DrillInterval.SEMESTER
    settings.save()
    assert {s[0]: s[4] for s in selectors.drill_status(school)}[DrillKind.EARTHQUAKE] is False


def test_it_flags_an_evacuation_slower_than_two_minutes_under_four_floors(school, director):
    assert _held(school, director, DrillKind.FIRE, 1, seconds=150, floors=3).too_slow
    assert not _held(school, director, DrillKind.FIRE, 2, seconds=110, floors=3).too_slow
    assert not _held(school, director, DrillKind.FIRE, 3, seconds=150, floors=5).too_slow


def test_it_plans_records_and_corrects_a_drill(as_director, school, director):
    r = as_director.post(
        reverse("safety:drill_plan"),
        {"kind": "fire", "title": "消防疏散演练", "planned_on": TODAY().isoformat(), "plan": "方案"},
    )
    drill = Drill.objects.get()
    assert r.status_code == 302 and drill.status == DrillStatus.PLANNED
    url = reverse("safety:drill_record", args=[drill.pk])
    data = {
        "held_on": TODAY().isoformat(),
        "participants": 180,
        "floors": 3,
        "evacuation_minutes": 2,
        "evacuation_secs": 25,
        "commander": "王园长",
        "guides": "各班教师",
        "rescuers": "后勤组",
        "medics": "保健医",
        "reflection": "楼梯口拥堵",
        "follow_up": "调整路线",
    }
    r = as_director.post(url, {**data, "photos": [fake_image()]})  # not an image: nothing written
    assert r.status_code == 400 and form_errors(r)
    drill.refresh_from_db()
    assert drill.status == DrillStatus.PLANNED and Attachment.objects.count() == 0
    r = as_director.post(url, {**data, "photos": [png_upload()]})
    assert r.status_code == 302
    drill.refresh_from_db()
    assert drill.status == DrillStatus.DONE and drill.evacuation_seconds == 145 and drill.too_slow
    assert attachments_for(drill).count() == 1
    detail = as_director.get(reverse("safety:drill_detail", args=[drill.pk])).content.decode()
    assert "2分25秒" in detail and "too-slow" in detail
    # after recording, changes need a reason and go to the change log
    r = as_director.post(url, {**data, "evacuation_secs": 5})
    assert r.status_code == 400 and form_errors(r)
    r = as_director.post(url, {**data, "evacuation_secs": 5, "reason": "秒表读数记错"})
    assert r.status_code == 302
    drill.refresh_from_db()
    assert drill.evacuation_seconds == 125
    log = ChangeLog.objects.get(object_id=str(drill.pk), action=ChangeAction.CORRECT)
    assert log.before == {"evacuation_seconds": 145} and log.after == {"evacuation_seconds": 125}


def test_it_refuses_a_future_drill_date(as_director, school, director):
    drill = services.drill_plan(school=school, by=director, kind="fire", title="x", planned_on=TODAY())
    r = as_director.post(
        reverse("safety:drill_record", args=[drill.pk]),
        {
            "held_on": (TODAY() + datetime.timedelta(days=2)).isoformat(),
            "participants": 1,
            "floors": 2,
            "evacuation_minutes": 1,
            "evacuation_secs": 0,
        },
    )
    assert r.status_code == 400 and form_errors(r)
    drill.refresh_from_db()
    assert drill.status == DrillStatus.PLANNED
    with pytest.raises(ValidationError):
        services.drill_record(obj=drill, by=director, held_on=TODAY() + datetime.timedelta(days=1))


def test_it_guards_the_drill_pages(as_teacher, as_outsider, school, director):
    drill = services.drill_plan(school=school, by=director, kind="fire", title="x", planned_on=TODAY())
    assert_login_required(reverse("safety:drill_list"))
    assert_status(as_teacher, reverse("safety:drill_list"), 200)
    assert_status(as_teacher, reverse("safety:drill_plan"), 403)
    assert_status(as_teacher, reverse("safety:drill_record", args=[drill.pk]), 403)
    assert_status(as_outsider, reverse("safety:drill_detail", args=[drill.pk]), 404)
    assert_status(as_outsider, reverse("safety:drill_record", args=[drill.pk]), 404)


def test_it_pins_the_drill_list_query_count(as_director, school, director, django_assert_max_num_queries):
    for n in range(60):
        _held(school, director, DrillKind.FIRE, n + 1)
    as_director.get(reverse("safety:drill_list"))  # warm-up
    with django_assert_max_num_queries(12):
        r = as_director.get(reverse("safety:drill_list"))
    assert r.status_code == 200 and len(r.context["object_list"]) == 50
