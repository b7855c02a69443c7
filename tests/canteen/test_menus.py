"""Weekly menus with quantities per age group, publishing, the notice-board PDF, the parents' page,
the food table and the nutrition analysis."""

import datetime
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from canteen import selectors, services
from canteen.choices import AgeGroup, Meal, MenuStatus, age_groups_for
from canteen.models import CanteenSettings, DishIngredient, Food, Menu, MenuDish
from logistics.audit import history_for
from logistics.choices import ChangeAction
from tests.helpers import assert_login_required, assert_status

WEEK = services.week_start_of(timezone.localdate())


@pytest.fixture
def menu(school, canteen):
    return services.menu_for_week(school=school, week_start=WEEK, by=canteen)


@pytest.fixture
def full_menu(menu, canteen):
    rice = Food.objects.get(name="大米", school=None)
    egg = Food.objects.get(name="鸡蛋", school=None)
    d1 = services.dish_add(menu=menu, by=canteen, day=WEEK, meal=Meal.LUNCH, name="米饭")
    d2 = services.dish_add(menu=menu, by=canteen, day=WEEK, meal=Meal.LUNCH, name="蒸蛋")
    services.dish_set_ingredient(
        dish=d1, by=canteen, food=rice, grams_by_group={"small": 50, "middle": 60, "large": 100}
    )
    services.dish_set_ingredient(
        dish=d2, by=canteen, food=egg, grams_by_group={"small": 30, "middle": 40, "large": 50}
    )
    return menu


def test_it_has_a_builtin_food_table_of_about_60_items(db):
    assert Food.objects.filter(school=None).count() >= 60
    rice = Food.objects.get(name="大米", school=None)
    assert rice.energy_kcal == Decimal("346.0") and rice.carb_g == Decimal("77.9")


def test_it_uses_age_groups_by_school_kind(school, other_school):
    assert [g.label for g in age_groups_for(school)] == ["小班", "中班", "大班"]
    assert age_groups_for(other_school)[0] == AgeGroup.G1 and len(age_groups_for(other_school)) == 6


def test_it_builds_a_menu_with_quantities_per_age_group(as_canteen, menu):
    url = reverse("canteen:menu_dish_add", args=[menu.pk])
    assert (
        as_canteen.post(url, {"day": WEEK.isoformat(), "meal": "lunch", "name": "番茄炒蛋"}).status_code
        == 302
    )
    dish = MenuDish.objects.get()
    egg = Food.objects.get(name="鸡蛋", school=None)
    response = as_canteen.post(
        reverse("canteen:menu_dish_ingredients", args=[dish.pk]),
        {"food": egg.pk, "g_small": "30", "g_middle": "35", "g_large": "40"},
    )
    assert response.status_code == 302
    assert {i.age_group: i.grams for i in DishIngredient.objects.all()} == {
        "small": Decimal("30.0"),
        "middle": Decimal("35.0"),
        "large": Decimal("40.0"),
    }
    page = as_canteen.get(reverse("canteen:menu_week", args=[WEEK.isoformat()])).content.decode()
    assert "番茄炒蛋" in page and "鸡蛋 30/35/40g" in page


def test_it_refuses_bad_quantities_and_days(as_canteen, menu, canteen):
    dish = services.dish_add(menu=menu, by=canteen, day=WEEK, meal=Meal.LUNCH, name="米饭")
    rice = Food.objects.get(name="大米", school=None)
    response = as_canteen.post(
        reverse("canteen:menu_dish_ingredients", args=[dish.pk]), {"food": rice.pk, "g_small": "-5"}
    )
    assert response.status_code == 400 and not DishIngredient.objects.exists()
    with pytest.raises(ValidationError):
        services.dish_add(
            menu=menu, by=canteen, day=WEEK + datetime.timedelta(days=7), meal=Meal.LUNCH, name="x"
        )
    with pytest.raises(ValidationError):
        services.dish_add(menu=menu, by=canteen, day=WEEK, meal=Meal.LUNCH, name="米饭")


def test_it_refuses_another_schools_food(menu, canteen, other_school):
    dish = services.dish_add(menu=menu, by=canteen, day=WEEK, meal=Meal.LUNCH, name="米饭")
    foreign = Food.objects.create(
        school=other_school, name="外校食材", energy_kcal=1, protein_g=1, fat_g=1, carb_g=1
    )
    with pytest.raises(ValidationError):
        services.dish_set_ingredient(dish=dish, by=canteen, food=foreign, grams_by_group={"small": 10})


def test_it_copies_last_week_into_an_empty_menu(as_canteen, full_menu, school, canteen):
    nxt = services.menu_for_week(school=school, week_start=WEEK + datetime.timedelta(days=7), by=canteen)
    assert as_canteen.post(reverse("canteen:menu_copy", args=[nxt.pk])).status_code == 302
    copied = list(nxt.dishes.order_by("name"))
    assert [(d.name, d.day) for d in copied] == [
        ("米饭", WEEK + datetime.timedelta(days=7)),
        ("蒸蛋", WEEK + datetime.timedelta(days=7)),
    ]
    assert DishIngredient.objects.filter(dish__menu=nxt).count() == 6
    with pytest.raises(ValidationError):
        services.menu_copy_previous(menu=nxt, by=canteen)


def test_it_publishes_and_locks_the_menu_with_history(as_canteen, canteen, full_menu):
    assert as_canteen.post(reverse("canteen:menu_publish", args=[full_menu.pk])).status_code == 302
    full_menu.refresh_from_db()
    assert full_menu.status == MenuStatus.PUBLISHED and full_menu.published_by == canteen
    log = history_for(full_menu).get(action=ChangeAction.TRANSITION)
    assert log.transition == "publish"
    assert log.before == {"status": "draft", "published_at": None, "published_by": None}
    assert log.after["status"] == "published" and log.after["published_by"] == canteen.pk
    with pytest.raises(ValidationError):
        services.dish_add(menu=full_menu, by=canteen, day=WEEK, meal=Meal.SNACK, name="苹果")
    with pytest.raises(ValidationError):
        services.menu_publish(menu=full_menu, by=canteen)
    services.menu_unpublish(menu=full_menu, by=canteen, comment="改菜")
    assert full_menu.status == MenuStatus.DRAFT


def test_it_refuses_to_publish_an_empty_menu(menu, canteen):
    with pytest.raises(ValidationError):
        services.menu_publish(menu=menu, by=canteen)


def test_it_lets_a_teacher_read_menus_but_not_change_them(as_teacher, full_menu):
    assert_status(as_teacher, reverse("canteen:menu_list"), 200)
    page = assert_status(
        as_teacher, reverse("canteen:menu_week", args=[WEEK.isoformat()]), 200
    ).content.decode()
    assert "米饭" in page and "添加菜品" not in page
    assert_status(as_teacher, reverse("canteen:menu_publish", args=[full_menu.pk]), 403, method="post")
    assert_status(as_teacher, reverse("canteen:menu_dish_add", args=[full_menu.pk]), 403, method="post")


def test_it_keeps_menus_to_the_school(as_outsider, full_menu):
    assert_status(as_outsider, reverse("canteen:menu_publish", args=[full_menu.pk]), 404, method="post")
    assert_status(as_outsider, reverse("canteen:menu_pdf", args=[full_menu.pk]), 404)
    page = as_outsider.get(reverse("canteen:menu_week", args=[WEEK.isoformat()])).content.decode()
    assert "米饭" not in page


def test_it_requires_login_for_menus(full_menu):
    assert_login_required(reverse("canteen:menu_list"))
    assert_login_required(reverse("canteen:menu_pdf", args=[full_menu.pk]))


def test_it_pins_the_menu_list_query_count(as_teacher, school, django_assert_max_num_queries):
    for w in range(60):
        Menu.objects.create(school=school, week_start=WEEK - datetime.timedelta(days=7 * w))
    with django_assert_max_num_queries(10):
        response = as_teacher.get(reverse("canteen:menu_list"))
    assert len(response.context["object_list"]) == 50


def test_it_prints_the_menu_as_an_a4_landscape_pdf(as_teacher, full_menu, tmp_path):
    response = as_teacher.get(reverse("canteen:menu_pdf", args=[full_menu.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "menu.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "842 x 595" in info or "841.89 x 595.276" in info, info  # A4 landscape in points
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "米饭" in text and "每周带量食谱" in text


def test_it_shows_parents_the_published_menu_without_an_account(
    client, school, full_menu, canteen, other_school
):
    url = reverse("canteen:public_menu", args=[school.public_token])
    html = client.get(url).content.decode()
    assert "尚未发布" in html and "米饭" not in html
    services.menu_publish(menu=full_menu, by=canteen)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and "米饭" in html and school.name in html
    assert response["X-Robots-Tag"].startswith("noindex")
    # reveals nothing else: no navigation, no links into the system, no other school's data
    assert 'href="/canteen/' not in html and "/accounts/" not in html and "<nav" not in html
    assert "另一所小学" not in html


def test_it_answers_404_to_a_wrong_public_token(client, db):
    import uuid

    assert client.get(reverse("canteen:public_menu", args=[uuid.uuid4()])).status_code == 404


def test_it_computes_nutrition_per_child_per_day(full_menu, school):
    per_day = selectors.nutrition_by_day(school, WEEK, WEEK)
    large = per_day[WEEK]["large"]
    # 100 g rice (346 kcal/100 g) + 50 g egg (139 kcal/100 g) = 346 + 69.5
    assert large["energy_kcal"] == Decimal("415.5")
    assert large["protein_g"] == Decimal("14.0")  # 7.4 + 6.55 = 13.95, rounded to one decimal
    summary = selectors.nutrition_summary(school, WEEK, WEEK + datetime.timedelta(days=6))
    assert [r["group"].value for r in summary] == ["small", "middle", "large"]


def test_it_compares_the_month_with_the_school_targets(as_director, full_menu, school):
    CanteenSettings.objects.create(school=school, energy_target=Decimal("831"))
    response = as_director.get(reverse("canteen:nutrition") + f"?month={WEEK:%Y-%m}")
    large = next(r for r in response.context["rows"] if r["group"].value == "large")
    energy = large["values"][0]
    assert energy["value"] == Decimal("415.5") and energy["percent"] == 50


def test_it_lets_a_school_extend_the_food_table(as_canteen, as_outsider, school):
    data = {
        "name": "藜麦",
        "category": "谷薯类",
        "energy_kcal": "368",
        "protein_g": "14.1",
        "fat_g": "6.1",
        "carb_g": "64.2",
    }
    assert as_canteen.post(reverse("canteen:food_create"), data).status_code == 302
    assert Food.objects.get(name="藜麦").school == school
    assert (
        "藜麦"
        not in as_outsider.get(reverse("canteen:food_list") + "?q=藜麦").content.decode().split("<tbody>")[1]
    )
    bad = {**data, "name": "坏数据", "carb_g": "99"}
    response = as_canteen.post(reverse("canteen:food_create"), bad)
    assert response.status_code == 200 and not Food.objects.filter(name="坏数据").exists()
