"""The permission matrix: anonymous -> login, wrong role -> 403, someone else's request -> 404,
another school's object -> 404, the bureau reads but never writes."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from finance import services
from finance.models import BudgetLine, MonthlyStatement, PurchaseRequest
from tests.finance.conftest import line
from tests.helpers import assert_login_required

pytestmark = pytest.mark.django_db

ROLES = ["principal", "director", "staff", "canteen", "health", "accountant", "teacher", "guard", "bureau"]
STAFF_ROLES = [r for r in ROLES if r != "bureau"]
MANAGE = {"principal", "director", "accountant"}
VIEW = MANAGE | {"bureau"}
PURCHASE = {"principal", "director", "staff", "accountant"}


@pytest.fixture
def objects(school, teacher, make_request, accountant, budget_line):
    req = make_request(teacher)
    reimb = services.reimbursement_create(
        school=school,
        by=teacher,
        purpose="报销",
        amount="10.00",
        receipts=[
            {
                "invoice_number": "1",
                "invoice_date": datetime.date.today(),
                "seller": "店",
                "amount": Decimal("10"),
            }
        ],
    )
    loan = services.loan_create(
        school=school, by=teacher, purpose="借款", amount="10", settle_by=datetime.date.today()
    )
    stmt = services.statement_prepare(school=school, by=accountant, month=datetime.date.today())
    return {"req": req, "reimb": reimb, "loan": loan, "line": budget_line, "stmt": stmt}


def _urls(o):
    return {
        "request_list": (reverse("finance:request_list"), set(ROLES)),
        "request_create": (reverse("finance:request_create"), set(STAFF_ROLES)),
        "approvals": (reverse("finance:approvals"), {"principal", "director"}),
        "purchase": (reverse("finance:request_purchase", args=[o["req"].pk]), PURCHASE),
        "accept": (reverse("finance:request_accept", args=[o["req"].pk]), PURCHASE),
        "correct": (reverse("finance:request_correct", args=[o["req"].pk]), PURCHASE),
        "reimbursement_list": (reverse("finance:reimbursement_list"), set(ROLES)),
        "reimbursement_create": (reverse("finance:reimbursement_create"), set(STAFF_ROLES)),
        "loan_list": (reverse("finance:loan_list"), set(ROLES)),
        "loan_create": (reverse("finance:loan_create"), set(STAFF_ROLES)),
        "budget": (reverse("finance:budget"), VIEW),
        "budget_create": (reverse("finance:budget_create"), MANAGE),
        "budget_update": (reverse("finance:budget_update", args=[o["line"].pk]), MANAGE),
        "income": (reverse("finance:income_list"), MANAGE),
        "statements": (reverse("finance:statement_list"), VIEW),
        "statement": (reverse("finance:statement_detail", args=[o["stmt"].pk]), VIEW),
        "disclosure": (reverse("finance:disclosure"), set(ROLES)),
        "settings": (reverse("finance:settings"), {"principal"}),
    }


def test_the_permission_matrix(request, objects):
    failures = []
    for role in ROLES:
        client = request.getfixturevalue(f"as_{role}")
        for name, (url, allowed) in _urls(objects).items():
            code = client.get(url).status_code
            expected = 200 if role in allowed else 403
            if code != expected:
                failures.append(f"{role} GET {name}: {code} != {expected}")
    assert not failures, failures


def test_anonymous_users_go_to_login(objects):
    for url, _allowed in _urls(objects).values():
        assert_login_required(url)
    o = objects
    for url in [
        reverse("finance:request_detail", args=[o["req"].pk]),
        reverse("finance:request_decide", args=[o["req"].pk]),
        reverse("finance:reimbursement_detail", args=[o["reimb"].pk]),
        reverse("finance:loan_detail", args=[o["loan"].pk]),
    ]:
        assert_login_required(url)


def test_detail_pages_show_a_request_to_its_requester_and_the_office_only(request, objects):
    o = objects
    detail_urls = [
        reverse("finance:request_detail", args=[o["req"].pk]),
        reverse("finance:reimbursement_detail", args=[o["reimb"].pk]),
        reverse("finance:loan_detail", args=[o["loan"].pk]),
    ]
    expected = {
        "principal": 200,
        "director": 200,
        "staff": 200,
        "accountant": 200,
        "teacher": 200,  # the requester
        "canteen": 404,  # someone else's request
        "health": 404,
        "guard": 404,
        "bureau": 200,  # read-only
    }
    for role, code in expected.items():
        client = request.getfixturevalue(f"as_{role}")
        for url in detail_urls:
            assert client.get(url).status_code == code, (role, url)


def test_another_schools_objects_are_404(as_outsider, objects):
    o = objects
    for url in [
        reverse("finance:request_detail", args=[o["req"].pk]),
        reverse("finance:request_purchase", args=[o["req"].pk]),
        reverse("finance:request_accept", args=[o["req"].pk]),
        reverse("finance:request_correct", args=[o["req"].pk]),
        reverse("finance:reimbursement_detail", args=[o["reimb"].pk]),
        reverse("finance:loan_detail", args=[o["loan"].pk]),
        reverse("finance:budget_update", args=[o["line"].pk]),
        reverse("finance:statement_detail", args=[o["stmt"].pk]),
    ]:
        assert as_outsider.get(url).status_code == 404, url
    response = as_outsider.post(
        reverse("finance:request_decide", args=[o["req"].pk]), {"decision": "approve"}
    )
    assert response.status_code == 404
    o["req"].refresh_from_db()
    assert o["req"].history.count() == 1


def test_wrong_roles_cannot_post_decisions_or_payments(as_teacher, as_staff, as_bureau, objects):
    o = objects
    assert (
        as_teacher.post(
            reverse("finance:request_decide", args=[o["req"].pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    assert (
        as_staff.post(
            reverse("finance:loan_decide", args=[o["loan"].pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    assert (
        as_teacher.post(
            reverse("finance:reimbursement_pay", args=[o["reimb"].pk]), {"on": "2026-01-01"}
        ).status_code
        == 403
    )
    # the bureau is read-only
    assert as_bureau.post(reverse("finance:budget_create"), {"name": "x"}).status_code == 403
    assert as_bureau.post(reverse("finance:request_create"), {"title": "x"}).status_code == 403
    o["req"].refresh_from_db()
    assert o["req"].status == "pending_director"


def test_decide_is_post_only(as_director, objects):
    assert as_director.get(reverse("finance:request_decide", args=[objects["req"].pk])).status_code == 405


def test_nothing_is_written_for_a_tampered_budget_line(as_teacher, other_budget_line, budget_line):
    from tests.finance.conftest import request_post_data

    as_teacher.post(
        reverse("finance:request_create"),
        request_post_data(lines=[line()], budget_line=other_budget_line.pk),
    )
    assert not PurchaseRequest.objects.exists()
    assert BudgetLine.objects.count() == 2 and MonthlyStatement.objects.count() == 0


def test_the_change_log_is_for_finance_viewers(as_principal, as_teacher, objects):
    from django.contrib.contenttypes.models import ContentType

    req = objects["req"]
    url = reverse("object_history", args=[ContentType.objects.get_for_model(PurchaseRequest).pk, req.pk])
    assert as_principal.get(url).status_code == 200
    assert as_teacher.get(url).status_code == 403
    detail = reverse("finance:request_detail", args=[req.pk])
    assert url in as_principal.get(detail).content.decode()
    assert url not in as_teacher.get(detail).content.decode()
