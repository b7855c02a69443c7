"""The guard registers a visitor on a 390-px phone (and signs them out)."""

import time

import pytest

from logistics.choices import Role
from safety.models import Visitor
from tests.e2e.conftest import login, screenshot
from tests.factories import CampusFactory, SchoolFactory, member


@pytest.fixture
def guard(transactional_db):
    school = SchoolFactory(name="阳光幼儿园", kind="kindergarten")
    CampusFactory(school=school, name="总部", is_main=True)
    return member(school, Role.GUARD, username="e2e_guard")


def test_it_registers_a_visitor_on_a_phone(guard, live_server, new_page):
    page = new_page("phone")
    login(page, live_server, "e2e_guard")
    started = time.monotonic()
    page.goto(f"{live_server.url}/safety/visitors/")
    page.click("[data-testid=visitor-new]")
    page.wait_for_url("**/safety/visitors/new/")
    # a wrong check digit is refused first
    page.fill("input[name=name]", "张伟")
    page.fill("input[name=id_number]", "110105194912310021")
    page.fill("input[name=organisation]", "自来水公司")
    page.fill("input[name=reason]", "水表检修")
    page.fill("input[name=host]", "李主任")
    page.fill("input[name=badge]", "F07")
    page.click("[data-testid=submit]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("身份证号校验位不正确").is_visible()
    assert Visitor.objects.count() == 0
    screenshot(page, "safety-visitor-invalid-id-phone")
    page.fill("input[name=id_number]", "11010519491231002X")
    page.click("[data-testid=submit]")
    page.wait_for_url("**/safety/visitors/")
    assert time.monotonic() - started < 60
    assert page.get_by_text("已登记：张伟").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"page is {overflow}px too wide on a phone"
    screenshot(page, "safety-visitor-list-phone")
    visitor = Visitor.objects.get()
    assert visitor.id_number == "11010519491231002X" and visitor.badge == "F07"
    page.locator("[data-testid=inside]").get_by_role("button", name="离校").click()
    page.wait_for_load_state("networkidle")
    visitor.refresh_from_db()
    assert visitor.time_out is not None
