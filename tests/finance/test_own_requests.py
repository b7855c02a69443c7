"""Nobody approves their own request (DOMAIN.md), and nobody is left with a paper nobody can decide.

The principal's own purchase request has always gone to the logistics director; the principal's own
loan and reimbursement now follow the same rule (services.principal_step_role): the director decides
in the principal's place, the page and the history say so, and the director's queue and dashboard
count show it. A cashier never disburses, records or pays their own money; a claimant never witnesses
their own claim.
"""

import datetime
import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from finance import dashboard, services
from finance.choices import FlowAction, LoanStatus, ReimbursementStatus
from finance.models import FlowLog, Loan, Reimbursement
from logistics.choices import Role
from logistics.models import Notification
from tests.factories import member

pytestmark = pytest.mark.django_db

OWN_LOAN = "校长本人的借款，由后勤主任审批"
OWN_CLAIM = "校长本人的报销单，由后勤主任代校长签字"


def _loan(school, by, amount="800.00"):
    return services.loan_create(
        school=school,
        by=by,
        purpose="外出培训预借差旅费",
        amount=amount,
        settle_by=datetime.date.today() + datetime.timedelta(days=30),
    )


def _claim(school, by, no="88880001", amount="300.00"):
    return services.reimbursement_create(
        school=school,
        by=by,
        purpose="培训差旅费报销",
        amount=amount,
        receipts=[
            {
                "invoice_number": no,
                "invoice_date": datetime.date.today(),
                "seller": "星城酒店",
                "amount": Decimal(amount),
            }
        ],
    )


def _cards(school, user, role):
    request = SimpleNamespace(school=school, user=user, role=role)
    return {c.title: c for c in dashboard.cards(request)}


# --- the principal's own loan -----------------------------------------------------------------
def test_it_sends_the_principals_own_loan_to_the_director_who_approves_it(
    school, principal, director, accountant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        loan = _loan(school, principal)
    assert loan.status == LoanStatus.PENDING_DIRECTOR and loan.is_principals_own
    # the director is told, the principal is not asked to approve their own loan
    told = Notification.objects.get(user=director)
    assert "校长本人的借款待您审批" in told.title and OWN_LOAN in told.body
    assert not Notification.objects.filter(user=principal).exists()

    with django_capture_on_commit_callbacks(execute=True):
        loan = services.loan_decide(obj=loan, by=director, approve=True, comment="同意")
    assert loan.status == LoanStatus.APPROVED and loan.approved_by == director
    assert Notification.objects.filter(user=principal, title__contains="已批准").exists()
    assert Notification.objects.filter(user=accountant, title__contains="已批准").exists()

    history = list(loan.history.order_by("at", "id"))
    assert [h.action for h in history] == [FlowAction.SUBMIT, FlowAction.APPROVE]
    assert OWN_LOAN in history[0].comment
    assert history[1].by == director and history[1].role == Role.DIRECTOR
    assert OWN_LOAN in history[1].comment and "同意" in history[1].comment

    loan = services.loan_disburse(obj=loan, by=accountant, on=datetime.date.today())
    assert loan.status == LoanStatus.DISBURSED


def test_it_keeps_everyone_elses_loan_with_the_principal(school, teacher, director, principal):
    for borrower in (teacher, director):
        loan = _loan(school, borrower)
        assert loan.status == LoanStatus.PENDING and not loan.is_principals_own
    with pytest.raises(ValidationError, match="您的身份不能执行"):
        services.loan_decide(obj=_loan(school, teacher), by=director, approve=True)


def test_it_refuses_the_principal_approving_their_own_loan_in_the_service(school, principal):
    loan = _loan(school, principal)
    logs = FlowLog.objects.count()
    with pytest.raises(ValidationError, match="不能审批本人的借款"):
        services.loan_decide(obj=loan, by=principal, approve=True)
    with pytest.raises(ValidationError, match="不能审批本人的借款"):
        services.loan_decide(obj=loan, by=principal, approve=False, comment="撤回")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.PENDING_DIRECTOR and loan.approved_by is None
    assert FlowLog.objects.count() == logs


def test_it_refuses_the_principal_approving_their_own_loan_in_the_view(as_principal, school, principal):
    loan = _loan(school, principal)
    logs = FlowLog.objects.count()
    page = as_principal.get(reverse("finance:loan_detail", args=[loan.pk])).content.decode()
    assert 'data-testid="principals-own"' in page and OWN_LOAN in page
    assert reverse("finance:loan_decide", args=[loan.pk]) not in page  # no decision form offered
    response = as_principal.post(
        reverse("finance:loan_decide", args=[loan.pk]),
        {"decision": "approve", "comment": "", "seen_status": loan.status},
        follow=True,
    )
    assert "不能审批本人的借款" in response.content.decode()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.PENDING_DIRECTOR and loan.approved_by is None
    assert FlowLog.objects.count() == logs


def test_it_shows_the_principals_own_loan_in_the_directors_queue_and_count(
    client_for, school, principal, director, teacher
):
    own = _loan(school, principal)
    _loan(school, teacher, amount="100.00")  # the principal's to decide, not the director's
    queue = client_for(director).get(reverse("finance:approvals")).content.decode()
    assert queue.count('data-testid="loan-card"') == 1 and own.number in queue and OWN_LOAN in queue
    queue = client_for(principal).get(reverse("finance:approvals")).content.decode()
    assert queue.count('data-testid="loan-card"') == 1 and own.number not in queue

    card = _cards(school, director, Role.DIRECTOR)["待我审批"]
    assert card.value == 1 and "借款 1" in card.note
    card = _cards(school, principal, Role.PRINCIPAL)["待我审批"]
    assert card.value == 1  # the teacher's loan only, never their own
    assert "借款 1" in client_for(director).get(reverse("dashboard")).content.decode()

    page = client_for(director).get(reverse("finance:loan_detail", args=[own.pk])).content.decode()
    assert "后勤主任审批（校长本人的借款）" in page
    client_for(director).post(
        reverse("finance:loan_decide", args=[own.pk]),
        {"decision": "approve", "comment": "同意", "seen_status": LoanStatus.PENDING_DIRECTOR},
    )
    own.refresh_from_db()
    assert own.status == LoanStatus.APPROVED and own.approved_by == director
    page = client_for(director).get(reverse("finance:loan_detail", args=[own.pk])).content.decode()
    assert "代校长审批校长本人的借款" in page and OWN_LOAN in page
    assert _cards(school, director, Role.DIRECTOR)["待我审批"].value == 0


def test_it_moves_a_principals_loan_stuck_before_the_change_to_the_director(school, principal, teacher):
    stuck = Loan.objects.create(
        school=school, borrower=principal, purpose="旧借款", amount=100, settle_by=datetime.date.today()
    )
    other = Loan.objects.create(
        school=school, borrower=teacher, purpose="旧借款", amount=100, settle_by=datetime.date.today()
    )
    claim = Reimbursement.objects.create(school=school, claimant=principal, purpose="旧报销", amount=10)
    migration = importlib.import_module("finance.migrations.0002_principals_own_loan_and_claim")
    migration.route_principals_own(apps, None)
    stuck.refresh_from_db(), other.refresh_from_db(), claim.refresh_from_db()
    assert stuck.status == LoanStatus.PENDING_DIRECTOR and stuck.is_principals_own
    assert other.status == LoanStatus.PENDING and not other.is_principals_own
    assert claim.is_principals_own


# --- the principal's own reimbursement --------------------------------------------------------
def test_it_has_the_director_sign_the_principals_own_claim_in_the_principals_place(
    school, principal, director, staff, accountant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reimb = _claim(school, principal)
    assert reimb.is_principals_own and reimb.status == ReimbursementStatus.PENDING_WITNESS
    # the witness is asked of staff and the accountant: the director signs later, as approver
    assert Notification.objects.filter(user=staff, title__contains="待证明人签字").exists()
    assert Notification.objects.filter(user=accountant, title__contains="待证明人签字").exists()
    assert not Notification.objects.filter(user=director).exists()

    with pytest.raises(ValidationError, match="主任不能同时作证明人"):
        services.reimbursement_sign(obj=reimb, by=director)
    with pytest.raises(ValidationError, match="经手人不能为本人的报销单签字"):
        services.reimbursement_sign(obj=reimb, by=principal)
    with django_capture_on_commit_callbacks(execute=True):
        reimb = services.reimbursement_sign(obj=reimb, by=staff, comment="情况属实")
    assert reimb.status == ReimbursementStatus.PENDING_DIRECTOR and reimb.witness == staff
    assert Notification.objects.filter(
        user=director, title__contains="校长本人的报销单待您代校长签字"
    ).exists()

    logs = FlowLog.objects.count()
    with pytest.raises(ValidationError, match="经手人不能为本人的报销单签字"):
        services.reimbursement_sign(obj=reimb, by=principal)  # not even at the principal's step
    with pytest.raises(ValidationError, match="不能退回本人的报销单"):
        services.reimbursement_reject(obj=reimb, by=principal, comment="撤回")
    with pytest.raises(ValidationError, match="您的身份不能执行「主任签字（代校长）」"):
        services.reimbursement_sign(obj=reimb, by=staff)  # the director's step, not the witness's
    assert FlowLog.objects.count() == logs

    with django_capture_on_commit_callbacks(execute=True):
        reimb = services.reimbursement_sign(obj=reimb, by=director, comment="同意报销")
    assert reimb.status == ReimbursementStatus.APPROVED and reimb.principal_signer == director
    assert Notification.objects.filter(user=accountant, title__contains="待付款").exists()
    history = list(reimb.history.order_by("at", "id"))
    assert [h.action for h in history] == [
        FlowAction.SUBMIT,
        FlowAction.WITNESS_SIGN,
        FlowAction.DIRECTOR_SIGN,
    ]
    assert all(OWN_CLAIM in h.comment for h in history)
    assert history[2].by == director and "同意报销" in history[2].comment
    reimb = services.reimbursement_pay(obj=reimb, by=accountant, paid_on=datetime.date.today())
    assert reimb.status == ReimbursementStatus.PAID


def test_it_shows_the_principals_own_claim_to_the_director_only_at_the_principals_step(
    client_for, school, principal, director, staff
):
    reimb = _claim(school, principal)
    detail = reverse("finance:reimbursement_detail", args=[reimb.pk])
    # at the witness step the director is not its witness: not in the queue, no sign form
    queue = client_for(director).get(reverse("finance:approvals")).content.decode()
    assert 'data-testid="claim-card"' not in queue
    assert _cards(school, director, Role.DIRECTOR)["待我审批"].value == 0
    page = client_for(director).get(detail).content.decode()
    assert OWN_CLAIM in page and 'data-testid="sign"' not in page
    assert 'data-testid="sign"' in client_for(staff).get(detail).content.decode()

    services.reimbursement_sign(obj=reimb, by=staff)
    queue = client_for(director).get(reverse("finance:approvals")).content.decode()
    assert queue.count('data-testid="claim-card"') == 1 and OWN_CLAIM in queue
    card = _cards(school, director, Role.DIRECTOR)["待我审批"]
    assert card.value == 1 and "报销 1" in card.note
    queue = client_for(principal).get(reverse("finance:approvals")).content.decode()
    assert 'data-testid="claim-card"' not in queue
    assert _cards(school, principal, Role.PRINCIPAL)["待我审批"].value == 0
    page = client_for(principal).get(detail).content.decode()
    assert 'data-testid="sign"' not in page

    page = client_for(director).get(detail).content.decode()
    assert "后勤主任代校长签字（校长本人的报销单）" in page and 'data-testid="sign"' in page
    client_for(director).post(
        reverse("finance:reimbursement_sign", args=[reimb.pk]),
        {"decision": "sign", "comment": "", "seen_status": ReimbursementStatus.PENDING_DIRECTOR},
    )
    reimb.refresh_from_db()
    assert reimb.status == ReimbursementStatus.APPROVED and reimb.principal_signer == director
    assert "后勤主任（代校长）" in client_for(director).get(detail).content.decode()


def test_it_refuses_the_principal_signing_their_own_claim_in_the_view(client_for, school, principal, staff):
    reimb = _claim(school, principal)
    services.reimbursement_sign(obj=reimb, by=staff)
    logs = FlowLog.objects.count()
    response = client_for(principal).post(
        reverse("finance:reimbursement_sign", args=[reimb.pk]),
        {"decision": "sign", "comment": "", "seen_status": ReimbursementStatus.PENDING_DIRECTOR},
        follow=True,
    )
    assert "经手人不能为本人的报销单签字" in response.content.decode()
    reimb.refresh_from_db()
    assert reimb.status == ReimbursementStatus.PENDING_DIRECTOR and reimb.principal_signer is None
    assert FlowLog.objects.count() == logs


# --- the cashier's own money and the claimant's own claim ---------------------------------------
def test_it_refuses_a_cashier_disbursing_or_recording_repayment_of_their_own_loan(
    client_for, school, accountant, principal
):
    second = member(school, Role.ACCOUNTANT, username="p_cashier2")
    loan = _loan(school, accountant)
    assert loan.status == LoanStatus.PENDING  # the principal approves the accountant's loan
    loan = services.loan_decide(obj=loan, by=principal, approve=True)
    with pytest.raises(ValidationError, match="出纳不能向本人借出款项"):
        services.loan_disburse(obj=loan, by=accountant, on=datetime.date.today())
    page = client_for(accountant).get(reverse("finance:loan_detail", args=[loan.pk])).content.decode()
    assert reverse("finance:loan_disburse", args=[loan.pk]) not in page
    assert "出纳不能为本人的借款办理借出或登记还款" in page
    client_for(accountant).post(reverse("finance:loan_disburse", args=[loan.pk]), {"on": "2026-01-01"})
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED and loan.disbursed_by is None

    loan = services.loan_disburse(obj=loan, by=second, on=datetime.date.today())
    assert loan.disbursed_by == second
    with pytest.raises(ValidationError, match="出纳不能为本人的借款登记还款"):
        services.loan_repay(obj=loan, by=accountant, amount="100.00", on=datetime.date.today())
    loan = services.loan_repay(obj=loan, by=second, amount="100.00", on=datetime.date.today())
    assert loan.settled_amount == Decimal("100.00")


def test_it_refuses_a_cashier_paying_their_own_claim_or_offsetting_their_own_loan(
    client_for, school, accountant, director, principal
):
    second = member(school, Role.ACCOUNTANT, username="p_cashier2")
    loan = _loan(school, accountant, amount="300.00")
    services.loan_decide(obj=loan, by=principal, approve=True)
    loan = services.loan_disburse(obj=loan, by=second, on=datetime.date.today())
    reimb = services.reimbursement_create(
        school=school,
        by=accountant,
        purpose="培训差旅费报销",
        amount="300.00",
        receipts=[
            {
                "invoice_number": "99990001",
                "invoice_date": datetime.date.today(),
                "seller": "星城酒店",
                "amount": Decimal("300.00"),
            }
        ],
        loan=loan,
    )
    with pytest.raises(ValidationError, match="经手人不能为本人的报销单签字"):
        services.reimbursement_sign(obj=reimb, by=accountant)  # no witness of their own claim
    services.reimbursement_sign(obj=reimb, by=director)
    reimb = services.reimbursement_sign(obj=reimb, by=principal)
    # their own claim is not on their "to pay" card; another cashier's is
    assert _cards(school, accountant, Role.ACCOUNTANT)["报销待付款"].value == 0
    assert _cards(school, second, Role.ACCOUNTANT)["报销待付款"].value == 1
    page = client_for(accountant).get(reverse("finance:reimbursement_detail", args=[reimb.pk]))
    assert 'data-testid="pay"' not in page.content.decode()
    assert "出纳不能为本人的报销单付款" in page.content.decode()
    with pytest.raises(ValidationError, match="出纳不能为本人的报销单付款"):
        services.reimbursement_pay(obj=reimb, by=accountant, paid_on=datetime.date.today())
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DISBURSED and not loan.repayments.exists()

    services.reimbursement_pay(obj=reimb, by=second, paid_on=datetime.date.today())
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SETTLED
    settle = loan.history.get(action=FlowAction.SETTLE)
    assert settle.by == second


def test_it_reminds_the_director_of_the_principals_own_loan_and_claim_left_waiting(
    school, principal, director, staff
):
    """The daily reminder covers loans and claims too, at whoever takes the principal's step."""
    from finance.tasks import remind_stale_approvals

    loan = _loan(school, principal)
    claim = _claim(school, principal)
    services.reimbursement_sign(obj=claim, by=staff)
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    Loan.objects.filter(pk=loan.pk).update(created_at=long_ago)
    Reimbursement.objects.filter(pk=claim.pk).update(witness_at=long_ago)

    assert remind_stale_approvals.delay().get() == 2
    assert remind_stale_approvals.delay().get() == 0  # once a day
    titles = set(director.notifications.filter(title__contains="已等待").values_list("title", flat=True))
    assert titles == {
        f"借款 {loan.number}「外出培训预借差旅费」已等待审批超过2天",
        f"报销单 {claim.number}「培训差旅费报销」已等待签字超过2天",
    }
    assert not principal.notifications.filter(title__contains="已等待").exists()
