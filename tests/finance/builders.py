"""Objects of the finance workflows in a given state, for tests/logistics/test_declared_workflows.py.

Each builder is `build(school, state, *, owner, assignee)`: `owner` is the requester, claimant or
borrower (the statement has no owner: `owner` prepares it). Rows are made directly in the state asked
for, as a paper that reached it would be (a purchase record for a bought request, a disbursed loan)."""

import datetime
from decimal import Decimal

from finance.choices import LoanStatus, RequestStatus
from finance.models import Loan, MonthlyStatement, PurchaseRequest, Reimbursement

DAY = datetime.date(2026, 11, 2)


def _fresh(obj):
    """The row as the database holds it (money with its two decimals)."""
    obj.refresh_from_db()
    return obj


def request(school, state, *, owner, assignee):
    bought = state in (RequestStatus.PURCHASED, RequestStatus.ACCEPTED, RequestStatus.REIMBURSED)
    return _fresh(
        PurchaseRequest.objects.create(
            school=school,
            requester=owner,
            title="办公用品采购",
            reason="本学期办公需要",
            needed_by=DAY,
            status=state,
            estimated_total=Decimal("300.00"),
            actual_total=Decimal("300.00") if bought else None,
            supplier="星城文具批发部" if bought else "",
            purchased_on=DAY if bought else None,
        )
    )


def reimbursement(school, state, *, owner, assignee):
    return _fresh(
        Reimbursement.objects.create(
            school=school, claimant=owner, purpose="教研活动交通费", amount=Decimal("86.00"), status=state
        )
    )


def loan(school, state, *, owner, assignee):
    lent = state in (LoanStatus.DISBURSED, LoanStatus.SETTLED)
    return _fresh(
        Loan.objects.create(
            school=school,
            borrower=owner,
            purpose="外出培训预借差旅费",
            amount=Decimal("800.00"),
            settle_by=DAY,
            status=state,
            disbursed_on=DAY if lent else None,
        )
    )


def statement(school, state, *, owner, assignee):
    # one statement a month per school: each build takes the month before the last one built
    last = MonthlyStatement.objects.filter(school=school).order_by("month").first()
    month = (last.month - datetime.timedelta(days=1)).replace(day=1) if last else DAY.replace(day=1)
    return _fresh(
        MonthlyStatement.objects.create(school=school, month=month, status=state, prepared_by=owner)
    )


BUILDERS = {
    "finance.request": request,
    "finance.reimbursement": reimbursement,
    "finance.loan": loan,
    "finance.statement": statement,
}
