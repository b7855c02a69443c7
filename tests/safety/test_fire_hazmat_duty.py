import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from logistics.models import Notification
from safety import services
from safety.choices import CheckStatus, FirePreventionStatus, HazmatKind
from safety.models import (
    DutyShift,
    EducationEvent,
    FireEquipment,
    FirePreventionCheck,
    FireSelfCheck,
    Hazard,
    HazardousMaterial,
    HazmatMovement,
)
from tests.helpers import assert_login_required, assert_status, form_errors

TODAY = timezone.localdate


@pytest.fixture
def equipment(school, room):
    return [
        FireEquipment.objects.create(
            school=school,
            room=room,
            kind=kind,
            code=f"XF-{n}",
            expires_on=TODAY() + datetime.timedelta(days=n),
        )
        for n, kind in enumerate(["extinguisher", "emergency_light", "hydrant"], start=1)
    ]


def test_it_registers_fire_equipment_by_room(as_staff, room, other_room):
    data = {
        "room": room.pk,
        "kind": "extinguisher",
        "code": "XF-001",
        "expires_on": "2027-05-01",
        "is_active": "on",
    }
    assert as_staff.post(reverse("safety:equipment_new"), data).status_code == 302
    r = as_staff.post(reverse("safety:equipment_new"), {**data, "room": other_room.pk, "code": "XF-002"})
    assert r.status_code == 400 and form_errors(r)
    r = as_staff.post(reverse("safety:equipment_new"), data)  # duplicate code
    assert r.status_code == 400 and form_errors(r)
    assert FireEquipment.objects.count() == 1


def test_it_runs_the_monthly_self_check_item_by_item(as_staff, staff, equipment):
    assert as_staff.post(reverse("safety:selfcheck_start")).status_code == 302
    check = FireSelfCheck.objects.get()
    assert check.items.count() == 3
    items = list(check.items.all())
    url = reverse("safety:selfcheck_detail", args=[check.pk])
    data = {f"result_{i.pk}": "ok" for i in items}
    data[f"result_{items[1].pk}"] = ""
    r = as_staff.post(url, {**data, "action": "submit"})
    check.refresh_from_db()
    assert check.status == CheckStatus.OPEN  # one left unchecked
    data[f"result_{items[1].pk}"] = "fault"
    data[f"note_{items[1].pk}"] = "灯不亮"
    r = as_staff.post(url, {**data, "action": "submit"})
    assert r.status_code == 302
    check.refresh_from_db()
    assert check.status == CheckStatus.SUBMITTED and check.checked_by == staff
    hazard = Hazard.objects.get()
    assert hazard.room == items[1].equipment.room and "异常" in hazard.title
    with pytest.raises(ValidationError):
        services.fire_selfcheck_save(obj=check, by=staff, results={}, submit=True)
    # a second start the same month opens the same check
    as_staff.post(reverse("safety:selfcheck_start"))
    assert FireSelfCheck.objects.count() == 1


def test_it_needs_the_inspector_and_then_the_principal_to_sign(
    as_director, as_principal, as_staff, director, principal, school, django_capture_on_commit_callbacks
):
    r = as_director.post(
        reverse("safety:fire_check_new"),
        {
            "checked_on": TODAY().isoformat(),
            "scope": "配电房",
            "findings": "",
            "measures": "",
            "inspector": director.pk,
        },
    )
    assert r.status_code == 302
    check = FirePreventionCheck.objects.get()
    sign = reverse("safety:fire_check_sign", args=[check.pk])
    as_staff.post(sign)  # not the inspector
    check.refresh_from_db()
    assert check.status == FirePreventionStatus.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        as_director.post(sign)
    check.refresh_from_db()
    assert check.status == FirePreventionStatus.INSPECTOR_SIGNED
    assert Notification.objects.filter(user=principal).exists()
    as_director.post(sign)  # the director is no principal
    check.refresh_from_db()
    assert check.status == FirePreventionStatus.INSPECTOR_SIGNED
    as_principal.post(sign)
    check.refresh_from_db()
    assert check.status == FirePreventionStatus.SIGNED and check.principal == principal


def test_it_refuses_a_future_fire_check(as_director, director):
    r = as_director.post(
        reverse("safety:fire_check_new"),
        {
            "checked_on": (TODAY() + datetime.timedelta(days=1)).isoformat(),
            "scope": "x",
            "inspector": director.pk,
        },
    )
    assert r.status_code == 400 and form_errors(r)
    assert FirePreventionCheck.objects.count() == 0


@pytest.fixture
def bleach(school, staff):
    return HazardousMaterial.objects.create(
        school=school,
        name="84消毒液",
        kind=HazmatKind.DISINFECTANT,
        unit="瓶",
        keeper=staff,
        max_issue=Decimal("5"),
    )


def test_it_logs_every_issue_and_never_goes_negative(as_staff, staff, bleach):
    url = reverse("safety:hazmat_detail", args=[bleach.pk])
    assert as_staff.post(url, {"kind": "receive", "quantity": "10", "purpose": "采购"}).status_code == 302
    r = as_staff.post(url, {"kind": "issue", "quantity": "3", "purpose": "班级消毒", "receiver": "孙老师"})
    assert r.status_code == 302
    bleach.refresh_from_db()
    assert bleach.stock == Decimal("7")
    issue = HazmatMovement.objects.get(kind="issue")
    assert issue.balance == Decimal("7") and issue.receiver == "孙老师" and issue.by == staff
    r = as_staff.post(
        url, {"kind": "issue", "quantity": "6", "purpose": "x", "receiver": "y"}
    )  # over the limit
    assert r.status_code == 400 and "单次领用" in r.content.decode()
    services.hazmat_issue(material=bleach, by=staff, quantity=Decimal("5"), purpose="x", receiver="y")
    with pytest.raises(ValidationError, match="库存不足"):
        services.hazmat_issue(material=bleach, by=staff, quantity=Decimal("3"), purpose="x", receiver="y")
    for bad in ("-1", "0", "1.005"):
        r = as_staff.post(url, {"kind": "issue", "quantity": bad, "purpose": "x", "receiver": "y"})
        assert r.status_code == 400
    bleach.refresh_from_db()
    assert bleach.stock == Decimal("2") and HazmatMovement.objects.count() == 3


def test_it_lets_only_the_keeper_or_a_manager_issue(guard, director, bleach):
    services.hazmat_receive(material=bleach, by=director, quantity=Decimal("4"), purpose="采购")
    with pytest.raises(ValidationError, match="没有权限"):
        services.hazmat_issue(material=bleach, by=guard, quantity=Decimal("1"), purpose="x", receiver="y")
    services.hazmat_issue(material=bleach, by=director, quantity=Decimal("1"), purpose="x", receiver="y")


def test_it_keeps_the_duty_roster_including_holidays(as_director, as_teacher, director, school):
    r = as_director.post(
        reverse("safety:duty_new"),
        {
            "date": TODAY().isoformat(),
            "kind": "holiday",
            "person": director.pk,
            "is_holiday": "on",
            "phone": "1",
        },
    )
    assert r.status_code == 302
    shift = DutyShift.objects.get()
    assert shift.is_holiday
    page = as_teacher.get(reverse("safety:duty_list")).content.decode()
    assert "节假日" in page
    r = as_director.post(
        reverse("safety:duty_new"), {"date": TODAY().isoformat(), "kind": "holiday", "person": director.pk}
    )
    assert r.status_code == 400 and form_errors(r)  # the same shift twice
    assert_status(as_teacher, reverse("safety:duty_new"), 403)


def test_it_keeps_the_education_calendar_by_month(as_director, as_teacher):
    r = as_director.post(
        reverse("safety:education_new"),
        {"month": f"{TODAY():%Y-%m}", "topic": "防溺水安全教育", "audience": "全体", "format": "class"},
    )
    assert r.status_code == 302
    event = EducationEvent.objects.get()
    assert event.month == TODAY().replace(day=1)
    assert "防溺水安全教育" in as_teacher.get(reverse("safety:education_list")).content.decode()


def test_it_guards_fire_and_hazmat_pages(as_teacher, as_outsider, as_bureau, bleach, equipment):
    assert_login_required(reverse("safety:equipment_list"))
    assert_status(as_teacher, reverse("safety:equipment_new"), 403)
    assert_status(as_teacher, reverse("safety:hazmat_new"), 403)
    assert_status(as_teacher, reverse("safety:hazmat_detail", args=[bleach.pk]), 403, method="post")
    assert_status(as_outsider, reverse("safety:hazmat_detail", args=[bleach.pk]), 404)
    assert_status(as_outsider, reverse("safety:equipment_edit", args=[equipment[0].pk]), 404)
    assert_status(as_bureau, reverse("safety:equipment_list"), 200)
    assert_status(as_bureau, reverse("safety:hazmat_list"), 200)


def test_it_reschedules_a_duty_shift(as_director, as_outsider, director, principal, school):
    shift = DutyShift.objects.create(school=school, date=TODAY(), person=director, kind="day")
    url = reverse("safety:duty_edit", args=[shift.pk])
    assert_status(as_outsider, url, 404)
    r = as_director.post(url, {"date": TODAY().isoformat(), "kind": "day", "person": principal.pk})
    assert r.status_code == 302
    shift.refresh_from_db()
    assert shift.person == principal


def test_it_alerts_the_director_about_fire_equipment_falling_due_once(director, equipment):
    assert services.fire_equipment_alerts() == 3
    assert services.fire_equipment_alerts() == 0
    assert Notification.objects.filter(user=director, title__contains="XF-1").exists()


def test_it_signs_from_the_check_page_and_returns_to_it(as_director, director, school):
    check = FirePreventionCheck.objects.create(
        school=school, checked_on=TODAY(), scope="配电房", inspector=director
    )
    page = as_director.get(reverse("safety:fire_check_detail", args=[check.pk])).content.decode()
    sign = reverse("safety:fire_check_sign", args=[check.pk])
    assert sign in page and f'name="next" value="{check.get_absolute_url()}"' in page
    r = as_director.post(sign, {"next": check.get_absolute_url()})
    assert r.status_code == 302 and r["Location"] == check.get_absolute_url()
    check.refresh_from_db()
    assert check.status == FirePreventionStatus.INSPECTOR_SIGNED
    # the director is not the principal: no button, and a return address elsewhere is not followed
    assert sign not in as_director.get(check.get_absolute_url()).content.decode()
    r = as_director.post(sign, {"next": "//evil.example/"})
    assert r.status_code == 302 and r["Location"] == reverse("safety:fire_check_list")
    check.refresh_from_db()
    assert check.status == FirePreventionStatus.INSPECTOR_SIGNED


def test_each_signature_refuses_out_of_turn_with_its_own_words(director, principal, school):
    check = FirePreventionCheck.objects.create(
        school=school, checked_on=TODAY(), scope="配电房", inspector=director
    )
    with pytest.raises(ValidationError, match="须先由检查人签字"):
        services.fire_check_sign_principal(obj=check, by=principal)
    with pytest.raises(ValidationError, match="只有检查人本人可以签字"):
        services.fire_check_sign_inspector(obj=check, by=principal)
    services.fire_check_sign_inspector(obj=check, by=director)
    with pytest.raises(ValidationError, match="检查人已签字"):
        services.fire_check_sign_inspector(obj=check, by=director)
    with pytest.raises(ValidationError, match="只有校长"):
        services.fire_check_sign_principal(obj=check, by=director)
