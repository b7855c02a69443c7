"""The permission matrix of the canteen pages, and every page rendering with a realistic month of data."""

import pytest
from django.urls import reverse

from canteen import demo
from canteen.models import Delivery, FoodSample, Menu, PantryBatch
from logistics.demo import DemoSchool
from tests.helpers import assert_login_required

PAGES = {
    # url name: roles that may open it (others: 403)
    "canteen:home": "all",
    "canteen:sample_today": {"principal", "director", "canteen", "health"},
    "canteen:sample_create": {"principal", "director", "canteen", "health"},
    "canteen:sample_list": "all",
    "canteen:sample_due": {"principal", "director", "canteen", "health"},
    "canteen:settings": {"principal", "director"},
    "canteen:fridge_list": {"principal", "director", "canteen", "health"},
    "canteen:supplier_list": {"principal", "director", "canteen", "health"},
    "canteen:supplier_create": {"principal", "director", "canteen", "health"},
    "canteen:delivery_list": {"principal", "director", "canteen", "health"},
    "canteen:delivery_create": {"principal", "director", "canteen", "health"},
    "canteen:pantry": {"principal", "director", "canteen", "health"},
    "canteen:pantry_count": {"principal", "director", "canteen", "health"},
    "canteen:menu_list": "all",
    "canteen:nutrition": "all",
    "canteen:food_list": "all",
    "canteen:account_month": {"principal", "director", "accountant"},
    "canteen:account_entry_create": {"principal", "director", "accountant"},
    "canteen:disinfection_list": "all",
    "canteen:waste_list": "all",
    "canteen:morning_checks": "all",
    "canteen:dining_list": "all",
    "canteen:survey_list": "all",
    "canteen:disinfection_create": {"principal", "director", "canteen", "health"},
    "canteen:survey_create": {"principal", "director", "canteen", "health"},
}
ROLES = ["principal", "director", "staff", "canteen", "health", "accountant", "teacher", "guard"]


@pytest.fixture
def seeded(school, principal, director, canteen, accountant):
    demo.seed(
        DemoSchool(
            school,
            people={
                "principal": principal,
                "director": director,
                "canteen": canteen,
                "accountant": accountant,
            },
            campuses=list(school.campus_set.all()),
        )
    )
    return school


@pytest.mark.parametrize("name", list(PAGES))
def test_it_requires_login_everywhere(db, name):
    assert_login_required(reverse(name))


@pytest.mark.parametrize("role", ROLES)
def test_it_applies_the_permission_matrix(request, seeded, role):
    client = request.getfixturevalue(f"as_{role}")
    for name, allowed in PAGES.items():
        response = client.get(reverse(name))
        expected = 200 if allowed == "all" or role in allowed else 403
        assert response.status_code == expected, f"{role} {name}: {response.status_code}"


def test_a_teacher_reads_menus_but_cannot_log_samples(as_teacher, seeded):
    week = Menu.objects.filter(school=seeded).order_by("-week_start")[1].week_start
    assert as_teacher.get(reverse("canteen:menu_week", args=[week.isoformat()])).status_code == 200
    assert as_teacher.get(reverse("canteen:sample_today")).status_code == 403
    assert as_teacher.post(reverse("canteen:sample_create"), {}).status_code == 403


def test_another_school_sees_nothing(as_outsider, seeded):
    for name in ("canteen:sample_list", "canteen:delivery_list", "canteen:pantry", "canteen:menu_list"):
        response = as_outsider.get(reverse(name))
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.count == 0, name
    sample = FoodSample.objects.filter(school=seeded).first()
    delivery = Delivery.objects.filter(school=seeded).first()
    batch = PantryBatch.objects.filter(school=seeded).first()
    menu = Menu.objects.filter(school=seeded).first()
    for url in (
        reverse("canteen:sample_detail", args=[sample.pk]),
        reverse("canteen:delivery_detail", args=[delivery.pk]),
        reverse("canteen:pantry_issue", args=[batch.pk]),
        reverse("canteen:menu_pdf", args=[menu.pk]),
    ):
        assert as_outsider.get(url).status_code == 404, url
    menu_page = as_outsider.get(reverse("canteen:menu_week", args=[menu.week_start.isoformat()]))
    assert menu_page.context["menu"] is None


def test_every_page_renders_with_a_month_of_data(as_director, seeded):
    for name in PAGES:
        assert as_director.get(reverse(name)).status_code == 200, name
    menu = Menu.objects.filter(school=seeded).order_by("-week_start")[1]
    dish = menu.dishes.first()
    for url in (
        reverse("canteen:menu_week", args=[menu.week_start.isoformat()]),
        reverse("canteen:menu_dish_ingredients", args=[dish.pk]),
        reverse("canteen:sample_detail", args=[FoodSample.objects.filter(school=seeded).first().pk]),
        reverse("canteen:delivery_detail", args=[Delivery.objects.filter(school=seeded).first().pk]),
        reverse("canteen:morning_checks"),
    ):
        assert as_director.get(url).status_code == 200, url


def test_the_bureau_reads_but_never_writes(as_bureau, seeded):
    assert as_bureau.get(reverse("canteen:sample_list")).status_code == 200
    assert as_bureau.get(reverse("canteen:account_month")).status_code == 200
    assert as_bureau.post(reverse("canteen:menu_copy", args=[Menu.objects.first().pk])).status_code == 403
