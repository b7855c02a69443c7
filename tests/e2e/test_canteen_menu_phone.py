"""Parents open the published menu on a phone without an account; the canteen builds it on a desktop."""

import datetime

from django.utils import timezone

from canteen import services
from canteen.choices import Meal
from canteen.models import Food
from tests.canteen.conftest import ensure_builtin_foods
from tests.e2e.conftest import login, screenshot


def test_parents_read_the_published_menu_on_a_phone(transactional_db, live_server, new_page, school, canteen):
    ensure_builtin_foods()
    week = services.week_start_of(timezone.localdate())
    menu = services.menu_for_week(school=school, week_start=week, by=canteen)
    rice = Food.objects.get(name="大米", school=None)
    egg = Food.objects.get(name="鸡蛋", school=None)
    for d in range(5):
        day = week + datetime.timedelta(days=d)
        for meal, names in ((Meal.LUNCH, ["米饭", "番茄炒蛋", "清炒油菜"]), (Meal.SNACK, ["牛奶"])):
            for name in names:
                dish = services.dish_add(menu=menu, by=canteen, day=day, meal=meal, name=name)
                if name == "米饭":
                    services.dish_set_ingredient(
                        dish=dish, by=canteen, food=rice, grams_by_group={"small": 50, "large": 70}
                    )
                if name == "番茄炒蛋":
                    services.dish_set_ingredient(
                        dish=dish, by=canteen, food=egg, grams_by_group={"small": 30, "large": 40}
                    )

    desk = new_page("desktop")
    login(desk, live_server, canteen.username)
    desk.goto(f"{live_server.url}/canteen/menus/week/{week.isoformat()}/")
    desk.click("[data-testid=menu-publish]")
    desk.wait_for_load_state("networkidle")
    assert desk.get_by_text("食谱已发布").is_visible()
    screenshot(desk, "canteen-menu-week-desktop")

    phone = new_page("phone")
    phone.goto(f"{live_server.url}/canteen/public/{school.public_token}/menu/")
    assert phone.get_by_text("每周带量食谱").first.is_visible()
    assert phone.locator(".menu-days .dish", has_text="番茄炒蛋").count() == 5
    assert phone.locator(".menu-days").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    assert phone.locator("a[href^='/']").count() == 0  # nothing to follow into the system
    screenshot(phone, "canteen-public-menu-phone")
