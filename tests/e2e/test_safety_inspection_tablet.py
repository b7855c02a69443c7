"""The inspector completes this week's safety inspection on a 768-px tablet with one failed item,
which then shows up in the hazard register."""

import datetime

import pytest

from logistics.choices import Role
from safety.models import Hazard, Inspection
from safety.tasks import create_weekly_inspections
from tests.e2e.conftest import login, screenshot
from tests.factories import CampusFactory, SchoolFactory, member


@pytest.fixture
def setup(transactional_db):
    school = SchoolFactory(name="阳光幼儿园", kind="kindergarten")
    CampusFactory(school=school, name="总部", is_main=True)
    inspector = member(school, Role.DIRECTOR, username="e2e_inspector")
    inspector.first_name = "李主任"
    inspector.save()
    today = datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday())
    create_weekly_inspections(f"{monday.isoformat()}T09:00:00+08:00")
    return Inspection.objects.get(school=school, kind="weekly"), inspector


def test_it_completes_the_weekly_inspection_on_a_tablet(setup, live_server, new_page):
    inspection, inspector = setup
    page = new_page("tablet")
    login(page, live_server, "e2e_inspector")
    page.goto(f"{live_server.url}/safety/inspections/")
    page.get_by_role("link", name="每周安全检查").first.click()
    page.wait_for_url(f"**/safety/inspections/{inspection.pk}/")
    items = list(inspection.items.order_by("order", "pk"))
    failed = items[2]
    # the inspector ticks every item: one fails with a note, the rest pass
    page.click(f"[data-testid=result-{failed.pk}-fail]")
    page.fill(f"[data-testid=note-{failed.pk}]", "二楼走廊插座面板破裂")
    page.click(f"[data-testid=result-{items[0].pk}-na]")
    page.click("#all-pass")
    assert page.locator("#done-count").inner_text() == str(len(items))
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"page is {overflow}px too wide on a tablet"
    screenshot(page, "safety-inspection-tablet")
    page.fill("[data-testid=signature]", "李主任")
    page.click("[data-testid=submit-inspection]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("检查已提交并签名").is_visible()
    assert page.get_by_text("已生成 1 条隐患").is_visible()
    screenshot(page, "safety-inspection-submitted-tablet")
    inspection.refresh_from_db()
    assert inspection.status == "submitted" and inspection.signature == "李主任"
    # the failed item is in the hazard register
    page.goto(f"{live_server.url}/safety/hazards/")
    table = page.locator("[data-testid=hazard-table]")
    assert table.get_by_text(failed.text).is_visible()
    screenshot(page, "safety-hazard-register-tablet")
    hazard = Hazard.objects.get()
    assert hazard.source_item_id == failed.pk and hazard.description == "二楼走廊插座面板破裂"
