import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from finance import services
from finance.choices import BudgetCategory
from finance.models import BudgetLine


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def budget_line(school, today):
    return BudgetLine.objects.create(
        school=school,
        year=today.year,
        category=BudgetCategory.OFFICE,
        name="办公费",
        amount=Decimal("20000.00"),
    )


@pytest.fixture
def other_budget_line(other_school, today):
    return BudgetLine.objects.create(
        school=other_school,
        year=today.year,
        category=BudgetCategory.OFFICE,
        name="办公费",
        amount=Decimal("100.00"),
    )


def line(name="A4复印纸", quantity=2, unit_price="150.00", spec="70g 500张/包", unit="箱"):
    return {"name": name, "spec": spec, "unit": unit, "quantity": quantity, "unit_price": Decimal(unit_price)}


@pytest.fixture
def make_request(school, budget_line, today):
    def make(by, lines=None, budget=budget_line, title="办公用品采购", **kw):
        return services.purchase_request_create(
            school=school,
            by=by,
            title=title,
            reason="本学期办公需要",
            needed_by=today + datetime.timedelta(days=7),
            lines=lines or [line()],
            budget_line=budget,
            **kw,
        )

    return make


@pytest.fixture
def approved_request(make_request, teacher, director, principal):
    """A 900-元 request approved by the director and the principal."""
    req = make_request(teacher, lines=[line("白板", 1, "600.00"), line("复印纸", 2, "150.00")])
    services.purchase_request_decide(obj=req, by=director, approve=True, comment="同意")
    req, _ = services.purchase_request_decide(obj=req, by=principal, approve=True, comment="同意采购")
    return req


def request_post_data(**overrides):
    """POST data for the request form with one or more line rows."""
    lines = overrides.pop("lines", [line()])
    data = {
        "title": "办公用品采购",
        "reason": "本学期办公需要",
        "needed_by": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
    }
    for i, ln in enumerate(lines):
        for k, v in ln.items():
            data[f"lines-{i}-{k}"] = str(v)
    data.update(overrides)
    return data


def page_errors(response):
    """Error texts of a re-rendered form page (form and formset errors alike)."""
    import re

    html = response.content.decode()
    found = []
    for block in re.findall(
        r'class="(?:invalid-feedback|alert alert-danger)[^"]*"[^>]*>(.*?)</div>', html, re.S
    ):
        found.append(re.sub(r"<[^>]+>", " ", block))
    return " ".join(" ".join(found).split())
