"""Reimbursements (报销): invoice numbers unique per school, no future or expired invoices, amounts that
match, signatures of 经手人, 证明人 and principal; loans (借款) approved by the principal and settled."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from finance import selectors, services
from finance.choices import FlowAction, LoanStatus, ReimbursementStatus, RepaymentKind, RequestStatus
from finance.models import Loan, Receipt, Reimbursement
from logistics.models import Notification
from tests.finance.conftest import page_errors

pytestmark = pytest.mark.django_db


def receipt(no="12345678", amount="100.00", day=None, seller="星城文具店"):
    return {
        "invoice_number": no,
        "invoice_date": day or datetime.date.today(),
        "seller": seller,
        "amount": Decimal(amount),
    }


def claim(school, by, amount="100.00", receipts=None, **kw):
    return services.reimbursement_create(
        school=school, by=by, purpose="购买办公用品", amount=amount, receipts=receipts or [receipt()], **kw
    )


def receipts_post(rows, **fields):
    data = {
        "purpose": "购买办公用品",
        "receipts-TOTAL_FORMS": str(len(rows)),
        "receipts-INITIAL_FORMS": "0",
        "receipts-MIN_NUM_FORMS": "0",
        "receipts-MAX_NUM_FORMS": "50",
    }
    for i, r in enumerate(rows):
        for k, v in r.items():
            data[f"receipts-{i}-{k}"] = v.isoformat() if isinstance(v, datetime.date) else str(v)
    data.update(fields)
    return data


def test_a_claim_is_submitted_with_matching_receipts(as_teacher, teacher):
    data = receipts_post([receipt("11110001", "60.00"), receipt("11110002", "40.50")], amount="100.50")
    response = as_teacher.post(reverse("finance:reimbursement_create"), data)
    assert response.status_code == 302, page_errors(response)
    reimb = Reimbursement.objects.get()
    assert reimb.claimant == teacher and reimb.status == ReimbursementStatus.PENDING_WITNESS
    assert reimb.receipts.count() == 2 and reimb.number.startswith("BX")


def test_receipts_that_do_not_add_up_are_refused(as_teacher):
    data = receipts_post([receipt("11110001", "60.00")], amount="100.00")
    response = as_teacher.post(reverse("finance:reimbursement_create"), data)
    assert "发票合计 60.00 元与报销金额 100.00 元不一致。" in page_errors(response)
    assert not Reimbursement.objects.exists() and not Receipt.objects.exists()


def test_a_duplicate_invoice_number_is_refused(school, teacher, staff, as_staff):
    claim(school, teacher, receipts=[receipt("A-00012345".replace("-", ""))])
    with pytest.raises(ValidationError, match="已经报销过，不能重复报销"):
        claim(school, staff, receipts=[receipt("a00012345")])  # case and spaces do not hide a duplicate
    with pytest.raises(ValidationError, match="重复填写"):
        claim(school, staff, amount="200.00", receipts=[receipt("999"), receipt("999")])
    response = as_staff.post(
        reverse("finance:reimbursement_create"), receipts_post([receipt("A00012345")], amount="100.00")
    )
    assert "已经报销过" in page_errors(response)
    assert Reimbursement.objects.count() == 1


def test_the_same_invoice_number_in_another_school_is_fine(school, other_school, teacher, outsider):
    claim(school, teacher, receipts=[receipt("55550001")])
    claim(other_school, outsider, receipts=[receipt("55550001")])
    assert Receipt.objects.count() == 2


def test_future_and_expired_invoices_are_refused(school, teacher, as_teacher):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    response = as_teacher.post(
        reverse("finance:reimbursement_create"), receipts_post([receipt(day=tomorrow)], amount="100.00")
    )
    assert "开票日期不能晚于今天。" in page_errors(response)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        claim(school, teacher, receipts=[receipt(day=tomorrow)])
    with pytest.raises(ValidationError, match="过期发票"):
        claim(school, teacher, receipts=[receipt(day=datetime.date.today() - datetime.timedelta(days=400))])
    assert not Reimbursement.objects.exists()


@pytest.mark.parametrize("amount, message", [("-5", "不能为负数"), ("1.999", "两位小数"), ("0", "必须大于0")])
def test_bad_amounts_are_refused(school, teacher, amount, message):
    with pytest.raises(ValidationError, match=message):
        claim(school, teacher, amount=amount, receipts=[receipt(amount="1.00")])


def test_signatures_of_witness_and_principal_then_payment(
    school, teacher, director, principal, accountant, django_capture_on_commit_callbacks
):
    reimb = claim(school, teacher)
    with pytest.raises(ValidationError, match="经手人不能为本人的报销单签字"):
        services.reimbursement_sign(obj=reimb, by=teacher)
    with pytest.raises(ValidationError, match="您的身份不能执行"):
        services.reimbursement_sign(obj=reimb, by=principal)  # the principal signs last, not as witness
    with django_capture_on_commit_callbacks(execute=True):
        reimb = services.reimbursement_sign(obj=reimb, by=director, comment="情况属实")
    assert reimb.status == ReimbursementStatus.PENDING_PRINCIPAL and reimb.witness == director
    assert Notification.objects.filter(user=principal, title__contains="待校长签字").exists()
    with pytest.raises(ValidationError, match="不能执行「付款」"):
        services.reimbursement_pay(obj=reimb, by=accountant, paid_on=datetime.date.today())
    reimb = services.reimbursement_sign(obj=reimb, by=principal)
    assert reimb.status == ReimbursementStatus.APPROVED and reimb.principal_signer == principal
    reimb = services.reimbursement_pay(obj=reimb, by=accountant, paid_on=datetime.date.today())
    assert reimb.status == ReimbursementStatus.PAID
    assert list(reimb.history.values_list("action", flat=True)) == [
        FlowAction.SUBMIT,
        FlowAction.WITNESS_SIGN,
        FlowAction.PRINCIPAL_SIGN,
        FlowAction.PAY,
    ]


def test_a_rejected_claim_releases_its_invoices(school, teacher, director):
    reimb = claim(school, teacher, receipts=[receipt("77770001")])
    with pytest.raises(ValidationError, match="退回必须填写原因"):
        services.reimbursement_reject(obj=reimb, by=director, comment="")
    services.reimbursement_reject(obj=reimb, by=director, comment="发票抬头不对")
    assert Receipt.objects.get().voided
    again = claim(school, teacher, receipts=[receipt("77770001")])
    assert again.status == ReimbursementStatus.PENDING_WITNESS


def test_reimbursing_a_purchase_closes_it_and_counts_as_spent(
    approved_request, school, teacher, staff, director, principal, accountant, budget_line
):
    req = services.purchase_request_purchase(
        obj=approved_request,
        by=staff,
        supplier="甲",
        purchased_on=datetime.date.today(),
        prices={ln.pk: ln.unit_price for ln in approved_request.lines.all()},
    )
    with pytest.raises(ValidationError, match="只有已验收入库的请购单才能报销"):
        claim(school, staff, amount="900.00", receipts=[receipt(amount="900.00")], purchase_request=req)
    lines = {ln.pk: ln.quantity for ln in req.lines.all()}
    req = services.purchase_request_accept(obj=req, by=director, accepted=lines)
    assert selectors.budget_use(budget_line)["committed"] == Decimal("900.00")
    with pytest.raises(ValidationError, match="与采购实际金额 900.00 元不一致"):
        claim(school, staff, amount="800.00", receipts=[receipt(amount="800.00")], purchase_request=req)
    reimb = claim(school, staff, amount="900.00", receipts=[receipt(amount="900.00")], purchase_request=req)
    assert reimb.budget_line == budget_line
    services.reimbursement_sign(obj=reimb, by=director)
    services.reimbursement_sign(obj=reimb, by=principal)
    services.reimbursement_pay(obj=reimb, by=accountant, paid_on=datetime.date.today())
    req.refresh_from_db()
    assert req.status == RequestStatus.REIMBURSED
    use = selectors.budget_use(budget_line)
    assert use["committed"] == Decimal("0") and use["spent"] == Decimal("900.00")
    assert use["available"] == Decimal("19100.00")


def test_the_sign_view_handles_a_stale_page(client_for, school, teacher, director, staff):
    reimb = claim(school, teacher)
    url = reverse("finance:reimbursement_sign", args=[reimb.pk])
    seen = {"seen_status": ReimbursementStatus.PENDING_WITNESS}
    client_for(director).post(url, {"decision": "sign", **seen})
    response = client_for(staff).post(url, {"decision": "sign", **seen}, follow=True)
    assert "刚刚已被他人处理" in response.content.decode()
    reimb.refresh_from_db()
    assert reimb.witness == director


# --- loans -------------------------------------------------------------------------------------
def _loan(school, by, amount="500.00"):
    return services.loan_create(
        school=school,
        by=by,
        purpose="外出培训预借差旅费",
        amount=amount,
        settle_by=datetime.date.today() + datetime.timedelta(days=14),
    )


def test_a_loan_needs_the_principals_approval(school, teacher, director, principal, accountant):
    loan = _loan(school, teacher)
    with pytest.raises(ValidationError, match="您的身份不能执行"):
        services.loan_decide(obj=loan, by=director, approve=True)
    with pytest.raises(ValidationError, match="不能执行「借出」"):
        services.loan_disburse(obj=loan, by=accountant, on=datetime.date.today())
    loan = services.loan_decide(obj=loan, by=principal, approve=True, comment="同意")
    assert loan.status == LoanStatus.APPROVED and loan.approved_by == principal
    loan = services.loan_disburse(obj=loan, by=accountant, on=datetime.date.today())
    assert loan.status == LoanStatus.DISBURSED


def test_the_principal_cannot_approve_their_own_loan(school, principal):
    loan = _loan(school, principal)
    with pytest.raises(ValidationError, match="不能审批本人的借款"):
        services.loan_decide(obj=loan, by=principal, approve=True)


@pytest.mark.parametrize("amount", ["-100", "10.001", "0"])
def test_loan_amounts_are_checked(school, teacher, amount):
    with pytest.raises(ValidationError):
        _loan(school, teacher, amount=amount)
    assert not Loan.objects.exists()


def _disbursed(school, teacher, principal, accountant, amount="500.00"):
    loan = _loan(school, teacher, amount)
    services.loan_decide(obj=loan, by=principal, approve=True)
    return services.loan_disburse(obj=loan, by=accountant, on=datetime.date.today())


def test_a_loan_is_settled_by_repayment(school, teacher, principal, accountant):
    loan = _disbursed(school, teacher, principal, accountant)
    with pytest.raises(ValidationError, match="超过未结清金额"):
        services.loan_repay(obj=loan, by=accountant, amount="600", on=datetime.date.today())
    loan = services.loan_repay(obj=loan, by=accountant, amount="200", on=datetime.date.today())
    assert loan.status == LoanStatus.DISBURSED and loan.outstanding == Decimal("300.00")
    loan = services.loan_repay(obj=loan, by=accountant, amount="300", on=datetime.date.today())
    assert loan.status == LoanStatus.SETTLED and loan.settled_on == datetime.date.today()


def test_a_loan_is_settled_by_a_reimbursement(school, teacher, director, principal, accountant):
    loan = _disbursed(school, teacher, principal, accountant)
    reimb = claim(school, teacher, amount="500.00", receipts=[receipt(amount="500.00")], loan=loan)
    services.reimbursement_sign(obj=reimb, by=director)
    services.reimbursement_sign(obj=reimb, by=principal)
    services.reimbursement_pay(obj=reimb, by=accountant, paid_on=datetime.date.today())
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SETTLED
    offset = loan.repayments.get()
    assert offset.kind == RepaymentKind.REIMBURSEMENT and offset.reimbursement == reimb


def test_only_ones_own_loan_can_be_offset(school, teacher, staff, principal, accountant):
    loan = _disbursed(school, teacher, principal, accountant)
    with pytest.raises(ValidationError, match="只能冲抵本人的借款"):
        claim(school, staff, loan=loan)


def test_the_loan_views(as_teacher, as_principal, as_accountant, teacher):
    response = as_teacher.post(
        reverse("finance:loan_create"),
        {
            "purpose": "预借布置教室材料费",
            "amount": "300.00",
            "settle_by": (datetime.date.today() + datetime.timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 302
    loan = Loan.objects.get()
    queue = as_principal.get(reverse("finance:approvals")).content.decode()
    assert "预借布置教室材料费" in queue
    as_principal.post(
        reverse("finance:loan_decide", args=[loan.pk]), {"decision": "approve", "seen_status": "pending"}
    )
    as_accountant.post(reverse("finance:loan_disburse", args=[loan.pk]), {"on": datetime.date.today()})
    as_accountant.post(
        reverse("finance:loan_repay", args=[loan.pk]), {"on": datetime.date.today(), "amount": "300.00"}
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SETTLED
    assert as_teacher.get(reverse("finance:loan_detail", args=[loan.pk])).status_code == 200


def test_the_sign_and_pay_views(client_for, school, teacher, director, principal, accountant):
    reimb = claim(school, teacher)
    sign = reverse("finance:reimbursement_sign", args=[reimb.pk])
    assert client_for(director).post(sign, {"decision": "reject"}).status_code == 302
    reimb.refresh_from_db()
    assert reimb.status == ReimbursementStatus.PENDING_WITNESS  # a rejection needs a reason
    client_for(director).post(sign, {"decision": "sign", "seen_status": "pending_witness"})
    client_for(principal).post(sign, {"decision": "sign", "seen_status": "pending_principal"})
    pay = reverse("finance:reimbursement_pay", args=[reimb.pk])
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    client_for(accountant).post(pay, {"on": tomorrow.isoformat()})
    reimb.refresh_from_db()
    assert reimb.status == ReimbursementStatus.APPROVED  # a future payment date is refused
    client_for(accountant).post(pay, {"on": datetime.date.today().isoformat()})
    reimb.refresh_from_db()
    assert reimb.status == ReimbursementStatus.PAID and reimb.paid_by == accountant
    html = client_for(teacher).get(reverse("finance:reimbursement_detail", args=[reimb.pk])).content.decode()
    assert html.count('class="sign"') == 3 and "未签" not in html
