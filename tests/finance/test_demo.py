import time

import pytest

from finance import demo as finance_demo
from finance.choices import RequestStatus
from finance.models import BudgetLine, Loan, MonthlyStatement, PurchaseRequest, Reimbursement
from logistics.demo import seed_organisation

pytestmark = pytest.mark.django_db


def test_the_demo_is_quick_idempotent_and_covers_every_step():
    _district, schools = seed_organisation()
    started = time.monotonic()
    for demo in schools:
        finance_demo.seed(demo)
    assert time.monotonic() - started < 6

    def counts_now():
        return PurchaseRequest.objects.count(), Reimbursement.objects.count(), BudgetLine.objects.count()

    counts = counts_now()
    for demo in schools:
        finance_demo.seed(demo)
    assert (
        PurchaseRequest.objects.count(),
        Reimbursement.objects.count(),
        BudgetLine.objects.count(),
    ) == counts
    statuses = set(PurchaseRequest.objects.values_list("status", flat=True))
    assert {
        RequestStatus.REIMBURSED,
        RequestStatus.PENDING_PRINCIPAL,
        RequestStatus.PENDING_DIRECTOR,
        RequestStatus.PURCHASED,
        RequestStatus.REJECTED,
    } <= statuses
    assert Loan.objects.count() == 2 and MonthlyStatement.objects.count() == 2
