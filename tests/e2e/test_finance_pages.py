"""Finance pages with the demo data on a phone and a tablet: nothing wider than the screen."""

import pytest

from finance import demo as finance_demo
from finance.models import MonthlyStatement, Reimbursement
from logistics.demo import DEMO_PASSWORD, seed_organisation
from tests.e2e.conftest import login, screenshot


@pytest.fixture
def demo(transactional_db):
    _district, schools = seed_organisation()
    for school in schools:
        finance_demo.seed(school)
    return schools[0].school


def test_finance_pages_fit_the_screen(demo, live_server, new_page):
    for device in ("phone", "tablet"):
        _check_pages(demo, live_server, new_page(device), device)


def _check_pages(demo, live_server, page, device):
    login(page, live_server, "principal", DEMO_PASSWORD)
    claim = Reimbursement.objects.filter(school=demo).order_by("pk").first()
    stmt = MonthlyStatement.objects.filter(school=demo).first()
    pages = {
        "approvals": "/finance/approvals/",
        "budget": "/finance/budget/",
        "requests": "/finance/requests/",
        "reimbursement": f"/finance/reimbursements/{claim.pk}/",
        "statement": f"/finance/statements/{stmt.pk}/",
        "disclosure": "/finance/disclosure/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        assert page.locator("h1").first.is_visible(), name
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} on {device}: {overflow}px too wide"
        if device == "phone" or name in ("budget", "approvals"):
            screenshot(page, f"finance-{name}-{device}")
    page.goto(live_server.url + "/finance/approvals/")
    assert page.locator("[data-testid=approval-card]").count() >= 1  # the whiteboard waits for the principal
