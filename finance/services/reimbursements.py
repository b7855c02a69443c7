"""Reimbursements (报销): the claimant (经手人) submits receipts, the 证明人 and the principal sign (on
the principal's own claim the director signs in the principal's place), the cashier pays.

The transitions are finance.workflows.REIMBURSEMENT; paying closes the purchase request and offsets a
linked loan (冲账) in the same transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.choices import Role
from logistics.permissions import role_of
from logistics.validation import money, not_future

from ..choices import FlowAction, LoanStatus, ReimbursementStatus, RepaymentKind, RequestStatus
from ..models import BudgetLine, FinanceSettings, Loan, PurchaseRequest, Receipt, Reimbursement
from ..workflows import REIMBURSEMENT, REIMBURSEMENT_SIGNING, REQUEST, SIGN_ACTIONS, WITNESSES
from .common import (
    log_submit,
    may_witness,
    notify_on_commit,
    on_field,
    principal_step_role,
    principals_own_note,
    save_uploads,
    url,
    with_note,
)
from .loans import loan_settle

R = Role
BS = ReimbursementStatus
ZERO = Decimal("0.00")


def _clean_receipts(school, receipts, cfg) -> list[Receipt]:
    if not receipts:
        raise ValidationError(_("请至少填写一张发票。"))
    today = timezone.localdate()
    oldest = today - datetime.timedelta(days=cfg.invoice_max_age_days)
    seen = set()
    cleaned = []
    for i, r in enumerate(receipts, start=1):
        number = "".join((r.get("invoice_number") or "").split()).upper()
        if not number:
            raise ValidationError(_("第%(n)d张发票：请填写发票号码。") % {"n": i})
        if not number.isalnum() or len(number) > 30:
            raise ValidationError(_("发票号码「%(no)s」格式不正确。") % {"no": number[:30]})
        if number in seen:
            raise ValidationError(_("发票号码「%(no)s」重复填写。") % {"no": number})
        seen.add(number)
        day = r.get("invoice_date")
        if day is None:
            raise ValidationError(_("第%(n)d张发票：请填写开票日期。") % {"n": i})
        if day > today:
            raise ValidationError(_("发票「%(no)s」的开票日期不能晚于今天。") % {"no": number})
        if day < oldest:
            raise ValidationError(
                _("发票「%(no)s」开票已超过 %(days)d 天，属过期发票，不能报销。")
                % {"no": number, "days": cfg.invoice_max_age_days}
            )
        seller = (r.get("seller") or "").strip()
        if not seller:
            raise ValidationError(_("发票「%(no)s」：请填写开票单位。") % {"no": number})
        amount = money(r.get("amount"), _("发票「%(no)s」金额") % {"no": number})
        cleaned.append(
            Receipt(
                school=school, invoice_number=number, invoice_date=day, seller=seller[:100], amount=amount
            )
        )
    used = set(
        Receipt.objects.filter(school=school, voided=False, invoice_number__in=seen).values_list(
            "invoice_number", flat=True
        )
    )
    if used:
        raise ValidationError(
            _("发票号码 %(no)s 已经报销过，不能重复报销。") % {"no": "、".join(sorted(used))}
        )
    return cleaned


def _check_request_to_reimburse(school, purchase_request, amount):
    req = PurchaseRequest.objects.select_for_update().get(pk=purchase_request.pk)
    if req.school_id != school.pk:
        raise ValidationError({"purchase_request": _("请购单无效。")})
    if req.status != RequestStatus.ACCEPTED:
        raise ValidationError({"purchase_request": _("只有已验收入库的请购单才能报销。")})
    if req.reimbursements.exclude(status=BS.REJECTED).exists():
        raise ValidationError({"purchase_request": _("该请购单已有报销单在办理中。")})
    if req.actual_total is not None and req.actual_total != amount:
        raise ValidationError(
            {
                "amount": _("报销金额 %(a)s 元与采购实际金额 %(t)s 元不一致。")
                % {"a": f"{amount:,.2f}", "t": f"{req.actual_total:,.2f}"}
            }
        )
    return req


def reimbursement_create(
    *,
    school,
    by,
    purpose: str,
    amount,
    receipts: list[dict],
    purchase_request: PurchaseRequest | None = None,
    loan: Loan | None = None,
    budget_line: BudgetLine | None = None,
    uploads=(),
) -> Reimbursement:
    """报销: the claimant (经手人) submits receipts whose total matches the claimed amount."""
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("请填写报销事由。")})
    with on_field("amount"):
        amount = money(amount, _("报销金额"))
    cfg = FinanceSettings.for_school(school)
    role = role_of(school, by)
    if role is None:
        raise ValidationError(_("您不是本校成员。"))
    approver_role = principal_step_role(role)
    receipt_objs = _clean_receipts(school, receipts, cfg)
    receipts_total = sum((r.amount for r in receipt_objs), ZERO)
    if receipts_total != amount:
        raise ValidationError(
            {
                "amount": _("发票合计 %(r)s 元与报销金额 %(a)s 元不一致。")
                % {"r": f"{receipts_total:,.2f}", "a": f"{amount:,.2f}"}
            }
        )
    if budget_line is not None and budget_line.school_id != school.pk:
        raise ValidationError({"budget_line": _("预算科目无效。")})
    with transaction.atomic():
        if purchase_request is not None:
            req = _check_request_to_reimburse(school, purchase_request, amount)
            budget_line = budget_line or req.budget_line
        if loan is not None:
            if loan.school_id != school.pk or loan.borrower_id != by.pk:
                raise ValidationError({"loan": _("只能冲抵本人的借款。")})
            if loan.status != LoanStatus.DISBURSED:
                raise ValidationError({"loan": _("该借款不在待结清状态。")})
        reimb = Reimbursement.objects.create(
            school=school,
            claimant=by,
            purpose=purpose[:200],
            purchase_request=purchase_request,
            loan=loan,
            budget_line=budget_line,
            amount=amount,
            approver_role=approver_role,
        )
        reimb.number = f"BX{reimb.created_at:%Y}{reimb.pk:05d}"
        reimb.save(update_fields=["number"])
        for r in receipt_objs:
            r.reimbursement = reimb
        try:
            with transaction.atomic():
                Receipt.objects.bulk_create(receipt_objs)
        except IntegrityError as exc:  # a concurrent claim took the same invoice number
            raise ValidationError(_("发票号码已经报销过，不能重复报销。")) from exc
        save_uploads(school, by, uploads, reimb)
        own_note = principals_own_note("reimbursement") if reimb.is_principals_own else ""
        log_submit(obj=reimb, by=by, role=role, comment=with_note(_("经手人签字"), own_note))
        notify_on_commit(
            school=school,
            title=_("报销单待证明人签字：%(p)s（%(a)s 元）") % {"p": purpose, "a": amount},
            body=own_note,
            url=url("reimbursement_detail", reimb.pk),
            # the director witnesses, except on the principal's own claim, which the director approves
            roles=[R.DIRECTOR] if may_witness(reimb, R.DIRECTOR) else sorted(WITNESSES - {R.DIRECTOR}),
            dedupe_key=f"finance-bx:{reimb.pk}:witness",
        )
    return reimb


def _signing_status(obj, seen_status):
    """The step the claim is at: the one the signer saw, else the one it is at now."""
    if seen_status:
        return seen_status
    return Reimbursement.objects.filter(pk=obj.pk).values_list("status", flat=True).first()


def reimbursement_sign(
    *, obj: Reimbursement, by, comment: str = "", seen_status: str | None = None
) -> Reimbursement:
    """证明人 or 校长 (on the principal's own claim, the director) signs, whichever step the claim is at."""
    action = SIGN_ACTIONS.get(_signing_status(obj, seen_status), FlowAction.PRINCIPAL_SIGN)
    own_note = principals_own_note("reimbursement") if obj.is_principals_own else ""
    comment = with_note(own_note, comment)
    with REIMBURSEMENT.step(obj, action, by=by, comment=comment, seen_status=seen_status) as step:
        reimb, now = step.obj, timezone.now()
        if action == FlowAction.WITNESS_SIGN:
            if not may_witness(reimb, step.role):
                raise ValidationError(
                    _("校长本人的报销单由后勤主任代校长签字，主任不能同时作证明人，请由后勤人员或会计签字。")
                )
            step.set(witness=by, witness_at=now)
            # on to whoever takes the principal's step: the principal, or the director on the principal's own
            step.go_to(REIMBURSEMENT_SIGNING[reimb.approver_role])
        else:
            if reimb.witness_id == by.pk:
                raise ValidationError(_("证明人与审批人不能是同一人。"))
            step.set(principal_signer=by, principal_at=now)
        if step.target == BS.PENDING_PRINCIPAL:
            step.notify(
                school=reimb.school,
                title=_("报销单待校长签字：%(p)s（%(a)s 元）") % {"p": reimb.purpose, "a": reimb.amount},
                url=url("reimbursement_detail", reimb.pk),
                roles=[R.PRINCIPAL],
                dedupe_key=f"finance-bx:{reimb.pk}:principal",
            )
        elif step.target == BS.PENDING_DIRECTOR:
            step.notify(
                school=reimb.school,
                title=_("校长本人的报销单待您代校长签字：%(p)s（%(a)s 元）")
                % {"p": reimb.purpose, "a": reimb.amount},
                body=own_note,
                url=url("reimbursement_detail", reimb.pk),
                roles=[R.DIRECTOR],
                dedupe_key=f"finance-bx:{reimb.pk}:director",
            )
        else:
            step.notify(
                school=reimb.school,
                title=_("报销单已签批，待付款：%(p)s") % {"p": reimb.purpose},
                url=url("reimbursement_detail", reimb.pk),
                users=[reimb.claimant],
                roles=[R.ACCOUNTANT],
                dedupe_key=f"finance-bx:{reimb.pk}:approved",
            )
    return step.obj


def reimbursement_reject(
    *, obj: Reimbursement, by, comment: str, seen_status: str | None = None
) -> Reimbursement:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("退回必须填写原因。")})
    with REIMBURSEMENT.step(obj, FlowAction.REJECT, by=by, comment=comment, seen_status=seen_status) as step:
        reimb = step.obj
        if step.source == BS.PENDING_DIRECTOR:
            step.comment = with_note(principals_own_note("reimbursement"), comment)
        # A rejected claim releases its invoice numbers so a corrected claim can use them.
        reimb.receipts.update(voided=True)
        step.notify(
            school=reimb.school,
            title=_("您的报销单「%(p)s」被退回") % {"p": reimb.purpose},
            body=comment,
            url=url("reimbursement_detail", reimb.pk),
            users=[reimb.claimant],
            dedupe_key=f"finance-bx:{reimb.pk}:rejected",
        )
    return step.obj


def reimbursement_pay(*, obj: Reimbursement, by, paid_on: datetime.date) -> Reimbursement:
    """The cashier pays: the purchase request is closed and a linked loan is offset (冲账), in the same
    transaction (steps caused by this one: `cascade=True`)."""
    if paid_on is None:
        raise ValidationError({"on": _("请填写付款日期。")})
    with on_field("on"):
        not_future(paid_on, _("付款日期"))
    with transaction.atomic():
        with REIMBURSEMENT.step(obj, FlowAction.PAY, by=by) as step:
            reimb = step.obj
            step.set(paid_by=by, paid_on=paid_on)
            step.notify(
                school=reimb.school,
                title=_("报销已付款：%(p)s（%(a)s 元）") % {"p": reimb.purpose, "a": reimb.amount},
                url=url("reimbursement_detail", reimb.pk),
                users=[reimb.claimant],
                dedupe_key=f"finance-bx:{reimb.pk}:paid",
            )
        reimb = step.obj
        if reimb.purchase_request_id:
            req = PurchaseRequest.objects.select_for_update().get(pk=reimb.purchase_request_id)
            if req.status == RequestStatus.ACCEPTED:
                REQUEST.apply(
                    req,
                    FlowAction.REIMBURSE,
                    by=by,
                    comment=_("报销单 %(n)s") % {"n": reimb.number},
                    cascade=True,
                )
        if reimb.loan_id:
            loan = Loan.objects.select_for_update().get(pk=reimb.loan_id)
            if loan.status == LoanStatus.DISBURSED:
                loan_settle(
                    loan=loan,
                    by=by,
                    amount=min(reimb.amount, loan.outstanding),
                    on=paid_on,
                    kind=RepaymentKind.REIMBURSEMENT,
                    reimbursement=reimb,
                )
    return reimb
