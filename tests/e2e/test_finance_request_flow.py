"""A teacher raises a purchase request on a desktop, the director and the principal approve it on a
390-px phone, the logistics staff buys it, the director accepts it and it appears in stores."""

import datetime
from decimal import Decimal

import pytest

from finance.choices import BudgetCategory, RequestStatus
from finance.models import BudgetLine, PurchaseRequest
from logistics.choices import Role
from tests.e2e.conftest import login, screenshot
from tests.factories import member


@pytest.fixture
def people(transactional_db, school):
    BudgetLine.objects.create(
        school=school,
        year=datetime.date.today().year,
        category=BudgetCategory.OFFICE,
        name="办公费",
        amount=Decimal("20000.00"),
    )
    return {
        "teacher": member(school, Role.TEACHER, username="e2e_teacher"),
        "director": member(school, Role.DIRECTOR, username="e2e_director"),
        "principal": member(school, Role.PRINCIPAL, username="e2e_principal"),
        "staff": member(school, Role.STAFF, username="e2e_staff"),
    }


def _no_horizontal_scroll(page, what):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{what}: page is {overflow}px too wide"


def _logout(page):
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/accounts/login/**")


def test_a_request_goes_from_a_teacher_through_two_phones_into_stores(people, live_server, new_page):
    # --- the teacher, on a desktop -------------------------------------------------------------
    desk = new_page("desktop")
    login(desk, live_server, "e2e_teacher")
    desk.goto(f"{live_server.url}/finance/requests/new/")
    desk.fill("#id_title", "大一班办公用品")
    desk.fill("#id_reason", "本月复印纸和白板笔用完，影响教学。")
    desk.fill("#id_needed_by", (datetime.date.today() + datetime.timedelta(days=7)).isoformat())
    desk.select_option("#id_budget_line", label=f"{datetime.date.today().year}年全年 · 办公费")
    desk.fill("[name=lines-0-name]", "A4复印纸")
    desk.fill("[name=lines-0-spec]", "70g 500张×5包")
    desk.fill("[name=lines-0-unit]", "箱")
    desk.fill("[name=lines-0-quantity]", "4")
    desk.fill("[name=lines-0-unit_price]", "145")
    desk.click("[data-testid=add-line]")
    desk.fill("[name=lines-1-name]", "白板笔")
    desk.fill("[name=lines-1-unit]", "支")
    desk.fill("[name=lines-1-quantity]", "20")
    desk.fill("[name=lines-1-unit_price]", "3.5")
    assert desk.locator("[data-testid=lines-total]").inner_text() == "650.00"
    screenshot(desk, "finance-request-form-desktop")
    desk.click("[data-testid=submit-request]")
    desk.wait_for_url("**/finance/requests/*/")
    assert "650.00" in desk.locator("[data-testid=estimated-total]").inner_text()
    assert "待主任审批" in desk.locator("h1 [data-testid=status]").inner_text()
    screenshot(desk, "finance-request-submitted-desktop")
    req = PurchaseRequest.objects.get()
    assert req.needs_principal  # 650 元 > 500 元: the principal approves too

    # --- the director, on a phone --------------------------------------------------------------
    phone = new_page("phone")
    login(phone, live_server, "e2e_director")
    phone.goto(f"{live_server.url}/finance/approvals/")
    card = phone.locator("[data-testid=approval-card]")
    assert card.count() == 1 and "大一班办公用品" in card.inner_text()
    _no_horizontal_scroll(phone, "director's queue")
    screenshot(phone, "finance-approvals-director-phone")
    card.locator("[data-testid=decision-comment]").fill("同意")
    card.locator("[data-testid=approve]").click()
    phone.wait_for_load_state("networkidle")
    assert "已批准" in phone.locator(".messages").inner_text()
    assert phone.locator("[data-testid=approval-card]").count() == 0
    _logout(phone)

    # --- the principal, on the same phone ------------------------------------------------------
    login(phone, live_server, "e2e_principal")
    phone.goto(f"{live_server.url}/finance/approvals/")
    card = phone.locator("[data-testid=approval-card]")
    assert "已批准" in card.inner_text() and "650.00" in card.inner_text()
    approve = card.locator("[data-testid=approve]")
    box = approve.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 120  # a thumb-sized button
    _no_horizontal_scroll(phone, "principal's queue")
    screenshot(phone, "finance-approvals-principal-phone")
    card.locator("[data-testid=decision-comment]").fill("同意采购，注意比价")
    approve.click()
    phone.wait_for_load_state("networkidle")
    assert "没有待审批的请购单" in phone.content()
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    phone.goto(f"{live_server.url}/finance/requests/{req.pk}/")
    _no_horizontal_scroll(phone, "request detail")
    screenshot(phone, "finance-request-approved-phone")

    # --- the logistics staff buys it; the director accepts it ------------------------------------
    _logout(desk)
    login(desk, live_server, "e2e_staff")
    desk.goto(f"{live_server.url}/finance/requests/{req.pk}/")
    desk.click("[data-testid=purchase]")
    desk.fill("#id_supplier", "星城文具批发部")
    desk.click("[data-testid=save-purchase]")
    desk.wait_for_url(f"**/finance/requests/{req.pk}/")
    assert desk.locator("[data-testid=accept]").count() == 0  # the buyer does not accept
    _logout(desk)
    login(desk, live_server, "e2e_director")
    desk.goto(f"{live_server.url}/finance/requests/{req.pk}/")
    desk.click("[data-testid=accept]")
    desk.fill("#id_note", "数量规格相符")
    screenshot(desk, "finance-accept-desktop")
    desk.click("[data-testid=save-accept]")
    desk.wait_for_url(f"**/finance/requests/{req.pk}/")
    assert "已验收入库" in desk.locator("h1 [data-testid=status]").inner_text()
    screenshot(desk, "finance-request-accepted-desktop")

    # --- it is in stores ---------------------------------------------------------------------
    desk.goto(f"{live_server.url}/assets/stores/")
    stores = desk.content()
    assert "A4复印纸" in stores and "白板笔" in stores
    screenshot(desk, "finance-stores-after-acceptance-desktop")
