"""Every safety page: anonymous -> login, each role's reach, and that the pages render with data."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from safety import services
from safety.choices import InspectionKind
from safety.models import DutyShift, EducationEvent, FireEquipment, FirePreventionCheck, HazardousMaterial
from tests.helpers import assert_login_required, assert_status

LIST_PAGES = {
    # url name -> roles that may open it (besides principal/director)
    "safety:home": "all",
    "safety:inspection_list": "all",
    "safety:hazard_list": "all",
    "safety:drill_list": "all",
    "safety:equipment_list": "all",
    "safety:selfcheck_list": "all",
    "safety:fire_check_list": "all",
    "safety:hazmat_list": "all",
    "safety:duty_list": "all",
    "safety:education_list": "all",
    "safety:visitor_list": {"guard", "bureau"},
    "safety:pickup_list": {"guard", "bureau"},
    "safety:hazard_report": {"staff", "teacher", "guard", "canteen", "health", "accountant"},
    "safety:visitor_new": {"guard"},
    "safety:pickup_new": {"guard"},
    "safety:equipment_new": {"staff", "guard"},
    "safety:fire_check_new": {"staff", "guard"},
    "safety:drill_plan": set(),
    "safety:hazmat_new": set(),
    "safety:duty_new": set(),
    "safety:education_new": set(),
    "safety:template_list": set(),
    "safety:settings": set(),
}
ROLES = ["principal", "director", "staff", "teacher", "guard", "canteen", "bureau"]


@pytest.fixture
def full(school, director, principal, staff, guard, teacher, room):
    insp, _ = services.inspection_create(school=school, kind=InspectionKind.WEEKLY, day=timezone.localdate())
    hazard = services.hazard_report(
        school=school,
        by=teacher,
        title="插座松动",
        risk_level="medium",
        found_on=timezone.localdate(),
        room=room,
    )
    services.hazard_assign(obj=hazard, by=director, assignee=staff, deadline=timezone.localdate())
    drill = services.drill_plan(
        school=school, by=director, kind="fire", title="演练", planned_on=timezone.localdate()
    )
    FireEquipment.objects.create(school=school, room=room, kind="extinguisher", code="XF-1")
    check, _ = services.fire_selfcheck_start(school=school, by=staff, month=timezone.localdate())
    FirePreventionCheck.objects.create(
        school=school, checked_on=timezone.localdate(), scope="配电房", inspector=director
    )
    material = HazardousMaterial.objects.create(
        school=school, name="酒精", kind="flammable", unit="瓶", keeper=staff
    )
    DutyShift.objects.create(school=school, date=timezone.localdate(), person=guard, kind="day")
    EducationEvent.objects.create(school=school, month=timezone.localdate().replace(day=1), topic="防溺水")
    return {
        "safety:inspection_detail": insp.pk,
        "safety:hazard_detail": hazard.pk,
        "safety:drill_detail": drill.pk,
        "safety:selfcheck_detail": check.pk,
        "safety:hazmat_detail": material.pk,
    }


@pytest.mark.parametrize("name", sorted(LIST_PAGES))
def test_it_sends_anonymous_users_to_login(name):
    assert_login_required(reverse(name))


def test_it_gives_each_role_exactly_its_pages(request, full):
    for role in ROLES:
        client = request.getfixturevalue(f"as_{role}")
        for name, allowed in LIST_PAGES.items():
            ok = role in ("principal", "director") or allowed == "all" or role in allowed
            if role == "bureau" and name in ("safety:settings", "safety:template_list"):
                ok = False
            assert_status(client, reverse(name), 200 if ok else 403)


def test_it_renders_every_detail_page_and_hides_them_from_other_schools(as_director, as_outsider, full):
    for name, pk in full.items():
        assert_status(as_director, reverse(name, args=[pk]), 200)
        assert_status(as_outsider, reverse(name, args=[pk]), 404)
    assert_status(as_director, reverse("safety:template_edit", args=["closing"]), 200)
    assert_status(as_director, reverse("safety:template_edit", args=["nonsense"]), 404)


def test_it_refuses_bureau_writes(as_bureau, full):
    r = as_bureau.post(reverse("safety:hazard_action", args=[full["safety:hazard_detail"], "rectify"]))
    assert r.status_code == 403


def test_it_shows_the_overview_with_everything_on_it(as_director, full):
    page = as_director.get(reverse("safety:home")).content.decode()
    assert "每周安全检查" in page and "滞后" in page
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert as_director.get(reverse("safety:duty_list") + f"?month={yesterday:%Y-%m}").status_code == 200


def test_it_pins_the_query_count_of_the_other_lists(
    as_director, school, director, guard, room, django_assert_max_num_queries
):
    from decimal import Decimal

    from safety.models import HazmatMovement, PickupException

    material = HazardousMaterial.objects.create(
        school=school, name="酒精", kind="flammable", unit="瓶", keeper=director, stock=Decimal("100")
    )
    first = timezone.localdate().replace(day=1)
    for n in range(60):
        FireEquipment.objects.create(school=school, room=room, kind="extinguisher", code=f"XF-{n}")
        FirePreventionCheck.objects.create(
            school=school, checked_on=first, scope=f"部位{n}", inspector=director
        )
        HazardousMaterial.objects.create(
            school=school, name=f"消毒液{n}", kind="disinfectant", unit="瓶", keeper=guard
        )
        PickupException.objects.create(
            school=school,
            child_name="小明",
            class_name="大一班",
            picker_name="奶奶",
            relation="奶奶",
            situation="x",
            recorded_by=guard,
        )
        HazmatMovement.objects.create(
            school=school, material=material, kind="issue", quantity=1, balance=1, purpose="x", by=director
        )
        day = first + datetime.timedelta(days=n % 28)
        DutyShift.objects.create(
            school=school, date=day, person=director, kind=["day", "patrol", "night"][n // 28]
        )
    urls = [
        reverse("safety:equipment_list"),
        reverse("safety:fire_check_list"),
        reverse("safety:hazmat_list"),
        reverse("safety:pickup_list"),
        reverse("safety:hazmat_detail", args=[material.pk]),
        reverse("safety:duty_list"),
        reverse("safety:home"),
    ]
    as_director.get(urls[0])  # warm-up
    for url in urls:
        with django_assert_max_num_queries(18 if url == urls[-1] else 14, info=url):
            assert as_director.get(url).status_code == 200
