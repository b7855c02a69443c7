"""Canteen staff on a 768-px kitchen tablet: a full lunch's samples (portrait, then landscape), and an
incoming inspection where every line's label is checked (no 三无产品)."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from canteen.choices import Meal
from canteen.models import Delivery, DeliveryLine, FoodSample, Fridge, PantryBatch, Supplier
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


def test_canteen_staff_check_every_label_of_a_delivery_on_a_tablet(
    transactional_db, school, canteen, live_server, new_page
):
    today = timezone.localdate()
    Supplier.objects.create(
        school=school,
        name="绿源配送",
        business_licence_no="91430100MA4L000002",
        food_licence_no="JY14301000000002",
        food_licence_expires=today + datetime.timedelta(days=200),
    )
    page = new_page("tablet")
    login(page, live_server, canteen.username)
    page.goto(f"{live_server.url}/canteen/deliveries/new/")
    page.select_option("#id_supplier", label="绿源配送")
    rows = page.locator("[data-testid=delivery-line]")
    # nothing is chosen for the label check until the inspector says what they saw
    assert page.locator("input[name=lines-0-label_check]:checked").count() == 0

    def fill(i, name, quantity, price, label, production=None):
        page.fill(f"[name=lines-{i}-name]", name)
        page.fill(f"[name=lines-{i}-quantity]", quantity)
        page.fill(f"[name=lines-{i}-unit_price]", price)
        if production:
            page.fill(f"[name=lines-{i}-production_date]", production.isoformat())
            page.fill(f"[name=lines-{i}-shelf_life_days]", "30")
        button = rows.nth(i).locator("[data-testid=label-check] label", has_text=label)
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 200  # a big touch target
        button.click()

    fill(0, "鸡蛋", "20", "11", "标签齐全", production=today - datetime.timedelta(days=1))
    fill(1, "油菜", "25", "4.5", "散装农产品")
    fill(2, "散装粉丝", "5", "8", "标签不全")
    # marking it 标签不全 turns the line to 拒收 and puts the cursor on the reason ...
    assert page.input_value("[name=lines-2-result]") == "rejected"
    assert page.evaluate("document.activeElement.name") == "lines-2-reject_reason"
    page.select_option("[name=lines-2-result]", "accepted")  # ... which someone undoes by mistake
    screenshot(page, "canteen-delivery-label-check-tablet")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.click("button[type=submit]:has-text('保存查验记录')")
    message = rows.nth(2).get_by_text("属三无产品：不能验收入库，只能拒收")
    assert message.is_visible(), rows.nth(2).inner_text()
    screenshot(page, "canteen-delivery-label-refused-tablet")
    assert not Delivery.objects.exists() and not DeliveryLine.objects.exists()

    # refused with its reason, the delivery is saved; the 三无产品 never reaches the pantry
    page.select_option("[name=lines-2-result]", "rejected")
    page.fill("[name=lines-2-reject_reason]", "无厂名厂址、无生产日期")
    page.click("button[type=submit]:has-text('保存查验记录')")
    page.wait_for_url("**/canteen/deliveries/*/")
    assert page.locator("td[data-testid=label-check]", has_text="标签不全（三无产品）").is_visible()
    screenshot(page, "canteen-delivery-detail-tablet")
    lines = {ln.item.name: ln for ln in DeliveryLine.objects.select_related("item")}
    assert [lines[n].label_check for n in ("鸡蛋", "油菜", "散装粉丝")] == ["complete", "bulk", "incomplete"]
    assert lines["散装粉丝"].result == "rejected"
    assert sorted(b.item.name for b in PantryBatch.objects.select_related("item")) == ["油菜", "鸡蛋"]
