"""Loans (借款): approved by the principal (the principal's own by the logistics director), lent by the
cashier, settled by repayments or the borrower's reimbursement (冲账). finance.workflows.LOAN."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.choices import Role
from logistics.permissions import role_of
from logistics.validation import money, not_future

from ..choices import FlowAction, LoanStatus, RepaymentKind
from ..models import Loan, LoanRepayment
from ..workflows import LOAN, LOAN_PENDING
from .common import (
    log_submit,
    notify_on_commit,
    on_field,
    principal_step_role,
    principals_own_note,
    url,
    with_note,
)

R = Role


def loan_create(*, school, by, purpose: str, amount, settle_by: datetime.date) -> Loan:
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("请填写借款事由。")})
    with on_field("amount"):
        amount = money(amount, _("借款金额"))
    if settle_by is None or settle_by < timezone.localdate():
        raise ValidationError({"settle_by": _("预计结清日期不能早于今天。")})
    role = role_of(school, by)
    if role is None:
        raise ValidationError(_("您不是本校成员。"))
    approver_role = principal_step_role(role)
    with transaction.atomic():
        loan = Loan.objects.create(
            school=school,
            borrower=by,
            purpose=purpose[:200],
            amount=amount,
            settle_by=settle_by,
            status=LOAN_PENDING[approver_role],
            approver_role=approver_role,
        )
        loan.number = f"JK{loan.created_at:%Y}{loan.pk:05d}"
        loan.save(update_fields=["number"])
        own_note = principals_own_note("loan") if loan.is_principals_own else ""
        log_submit(obj=loan, by=by, role=role, comment=own_note)
        title = (
            _("校长本人的借款待您审批：%(p)s（%(a)s 元）") if own_note else _("借款待审批：%(p)s（%(a)s 元）")
        )
        notify_on_commit(
            school=school,
            title=title % {"p": purpose, "a": amount},
            body=own_note,
            url=url("loan_detail", loan.pk),
            roles=[approver_role],
            dedupe_key=f"finance-jk:{loan.pk}:pending",
        )
    return loan


def loan_decide(*, obj: Loan, by, approve: bool, comment: str = "", seen_status: str | None = None) -> Loan:
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("退回必须填写原因。")})
    action = FlowAction.APPROVE if approve else FlowAction.REJECT
    note = principals_own_note("loan") if obj.is_principals_own else ""
    with LOAN.step(obj, action, by=by, comment=with_note(note, comment), seen_status=seen_status) as step:
        loan = step.obj
        step.set(approved_by=by, approved_at=timezone.now())
        step.notify(
            school=loan.school,
            title=_("您的借款「%(p)s」%(v)s")
            % {"p": loan.purpose, "v": _("已批准") if approve else _("被退回")},
            body=comment,
            url=url("loan_detail", loan.pk),
            users=[loan.borrower],
            roles=[R.ACCOUNTANT] if approve else [],
            dedupe_key=f"finance-jk:{loan.pk}:{step.target}",
        )
    return step.obj


def loan_disburse(*, obj: Loan, by, on: datetime.date) -> Loan:
    if on is None:
        raise ValidationError({"on": _("请填写借出日期。")})
    with on_field("on"):
        not_future(on, _("借出日期"))
    with LOAN.step(obj, FlowAction.DISBURSE, by=by) as step:
        step.set(disbursed_by=by, disbursed_on=on)
    return step.obj


def loan_settle(*, loan, by, amount, on, kind, reimbursement=None) -> Loan:
    """A repayment (还款) or an offset by the borrower's reimbursement (冲账, caused by paying it: a
    cascade of reimbursement_pay); the last one settles the loan."""
    offset = kind == RepaymentKind.REIMBURSEMENT
    with LOAN.step(
        loan,
        FlowAction.SETTLE if offset else FlowAction.REPAY,
        by=by,
        comment=_("%(kind)s %(a)s 元") % {"kind": RepaymentKind(kind).label, "a": amount},
        cascade=offset,
    ) as step:
        loan = step.obj
        if amount > loan.outstanding:
            raise ValidationError(
                {"amount": _("还款金额超过未结清金额 %(o)s 元。") % {"o": f"{loan.outstanding:,.2f}"}}
            )
        LoanRepayment.objects.create(
            school=loan.school,
            loan=loan,
            kind=kind,
            amount=amount,
            on=on,
            reimbursement=reimbursement,
            recorded_by=by,
        )
        settled = loan.settled_amount + amount
        step.set(settled_amount=settled)
        if settled >= loan.amount:
            step.go_to(LoanStatus.SETTLED)
            step.set(settled_on=on)
        else:
            step.go_to(LoanStatus.DISBURSED)
    return step.obj


def loan_repay(*, obj: Loan, by, amount, on: datetime.date) -> Loan:
    with on_field("amount"):
        amount = money(amount, _("还款金额"))
    if on is None:
        raise ValidationError({"on": _("请填写还款日期。")})
    with on_field("on"):
        not_future(on, _("还款日期"))
    return loan_settle(loan=obj, by=by, amount=amount, on=on, kind=RepaymentKind.CASH)
