import pytest

from logistics.demo import DEMO_PASSWORD, seed_all
from tests.e2e.conftest import WIDTHS, login, screenshot

ROLES = ["principal", "director", "staff", "canteen", "health", "accountant", "teacher", "guard", "bureau"]


@pytest.fixture
def demo(transactional_db):
    seed_all()


@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_demo_role_logs_in_and_sees_its_dashboard(demo, live_server, new_page, device):
    page = new_page(device)
    for username in ROLES:
        login(page, live_server, username, DEMO_PASSWORD)
        assert page.locator("h1", has_text="今日工作").is_visible(), username
        assert page.locator("[data-testid=dashboard-cards]").is_visible()
        # no horizontal scrolling on any device
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{username} on {device}: page is {overflow}px too wide"
        if username in ("director", "canteen", "bureau"):
            screenshot(page, f"dashboard-{username}-{device}")
        page.click("[data-testid=user-menu]")
        page.click("[data-testid=logout]")
        page.wait_for_url("**/accounts/login/**")


def test_the_phone_menu_opens_from_the_toggler(demo, live_server, new_page):
    page = new_page("phone")
    login(page, live_server, "director", DEMO_PASSWORD)
    page.click("button.navbar-toggler")
    page.locator("#sidebar").get_by_role("link", name="房间", exact=True).click()
    page.wait_for_url("**/org/rooms/**")
    assert page.locator("table").is_visible()
    screenshot(page, "rooms-director-phone")


def test_the_director_switches_school_from_the_user_menu(demo, live_server, new_page):
    """One hidden form, a button per school (form="school-switch")."""
    page = new_page("desktop")
    login(page, live_server, "director", DEMO_PASSWORD)
    assert "星城区实验幼儿园" in page.locator(".navbar-brand").inner_text()
    page.click("[data-testid=user-menu]")
    page.get_by_role("button", name="星城区中心小学").click()
    page.wait_for_load_state("networkidle")
    assert "星城区中心小学" in page.locator(".navbar-brand").inner_text()
    assert page.locator("h1", has_text="今日工作").is_visible()


def test_the_bureau_enters_a_school_from_the_overview(demo, live_server, new_page):
    page = new_page("desktop")
    login(page, live_server, "bureau", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/monthend/bureau/")
    assert page.locator("[data-testid=computed-at]").is_visible()
    row = page.locator("[data-testid=bureau-table] tr", has_text="星城区中心小学")
    row.get_by_role("button", name="进入（只读）").click()
    page.wait_for_load_state("networkidle")
    assert "星城区中心小学" in page.locator(".navbar-brand").inner_text()
