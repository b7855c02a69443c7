"""Canteen staff log a full lunch's samples on a 768-px kitchen tablet (portrait, then landscape)."""

import io

import pytest
from django.utils import timezone
from PIL import Image

from canteen.choices import Meal
from canteen.models import FoodSample, Fridge
from tests.canteen.conftest import menu_with
from tests.e2e.conftest import login, screenshot

LUNCH = ["番茄炒蛋", "红烧鸡腿", "清炒油菜", "米饭"]


@pytest.fixture
def kitchen(transactional_db, school, campus, canteen, tmp_path):
    Fridge.objects.create(school=school, name="1号留样柜", campus=campus)
    Fridge.objects.create(school=school, name="2号留样柜", campus=campus)
    menu_with(school, timezone.localdate(), {Meal.LUNCH: LUNCH, Meal.SNACK: ["牛奶"]})
    photo = tmp_path / "sample.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (1280, 960), (220, 140, 60)).save(buf, format="JPEG")
    photo.write_bytes(buf.getvalue())
    return photo


def test_canteen_staff_log_a_full_lunch_on_a_tablet(kitchen, live_server, new_page, canteen):
    page = new_page("tablet")
    login(page, live_server, canteen.username)
    page.goto(f"{live_server.url}/canteen/samples/today/?meal=lunch")
    assert page.locator("[data-testid=dish-todo]").count() == 4
    screenshot(page, "canteen-samples-today-tablet")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1

    # a refusal first: the fridge is too warm -> clear message, nothing written
    page.locator("[data-testid=dish-todo]").first.click()
    page.fill("#id_fridge_temp", "10")
    page.set_input_files("#id_photo", str(kitchen))
    page.click("[data-testid=sample-save]")
    screenshot(page, "canteen-sample-refused-tablet")
    assert page.get_by_text("不在 0.0～8.0℃ 范围内").is_visible(), page.inner_text("form")
    assert FoodSample.objects.count() == 0

    for i, dish in enumerate(LUNCH):
        page.goto(f"{live_server.url}/canteen/samples/today/?meal=lunch")
        card = page.locator("[data-testid=dish-todo]", has_text=dish)
        box = card.bounding_box()
        assert box["height"] >= 64 and box["width"] >= 200  # a big touch target
        card.click()
        page.wait_for_selector("[data-testid=sample-form]")
        assert page.input_value("#id_quantity_g") == "125"  # the school minimum, prefilled
        if i == 1:
            page.click("label[for^=fridge-]:has-text('2号留样柜')")
        page.fill("#id_fridge_temp", "4.5")
        page.set_input_files("#id_photo", str(kitchen))
        if i == 0:
            page.wait_for_selector("[data-photo-preview]:not(.d-none)")
            screenshot(page, "canteen-sample-form-tablet")
        page.click("[data-testid=sample-save]")
        page.wait_for_url("**/canteen/samples/today/**")

    assert page.locator("[data-testid=meal-complete]").is_visible()
    assert page.locator("[data-testid=dish-done]").count() == 4
    screenshot(page, "canteen-samples-done-tablet")
    samples = list(FoodSample.objects.order_by("id"))
    assert [s.dish_name for s in samples] == LUNCH
    assert all(s.taken_by == canteen and s.photo_id for s in samples)
    assert samples[1].fridge.name == "2号留样柜"

    # landscape: the same page lays the dishes out in columns without scrolling sideways
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{live_server.url}/canteen/samples/today/?meal=lunch")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    boxes = [page.locator("[data-testid=dish-done]").nth(i).bounding_box() for i in range(2)]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2  # side by side
    screenshot(page, "canteen-samples-done-tablet-landscape")
