"""Every state change of the finance app (DESIGN.md rule 3).

Each service is keyword-only, runs inside `transaction.atomic()`, locks the row it changes
(`select_for_update`), checks the transition against the tables below, writes a `FlowLog` row and the
change log, and queues notifications with `transaction.on_commit`. Refusals are `ValidationError`s with
a Chinese message, raised before anything is written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_change, record_creation, snapshot
from logistics.choices import ChangeAction, Role
from logistics.models import Membership, display_name
from logistics.notifications import notify

from .choices import (
    COMMITTED_REQUEST_STATUSES,
    BudgetMode,
    Destination,
    FlowAction,
    LoanStatus,
    ReimbursementStatus,
    RepaymentKind,
    RequestStatus,
    StatementStatus,
)
from .models import (
    MAX_MONEY,
    BudgetLine,
    FinanceSettings,
    FlowLog,
    IncomeEntry,
    Loan,
    LoanRepayment,
    MonthlyStatement,
    PurchaseRequest,
    Quote,
    Receipt,
    Reimbursement,
    RequestLine,
)

R = Role
ZERO = Decimal("0.00")


# --- transition tables ------------------------------------------------------------------------
@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    roles: frozenset
    target: str | None = None  # None: decided by the service (e.g. the approval chain)
    owner_only: bool = False  # only the requester / claimant / borrower
    not_owner: bool = False  # never the requester / claimant / borrower (no self-approval)


RS = RequestStatus
PURCHASERS = frozenset({R.PRINCIPAL, R.DIRECTOR, R.STAFF, R.ACCOUNTANT})
ACCEPTORS = frozenset({R.PRINCIPAL, R.DIRECTOR, R.STAFF, R.ACCOUNTANT})
ANYONE = frozenset(r for r in Role if r != R.BUREAU)

REQUEST_TRANSITIONS = [
    Transition(FlowAction.APPROVE, RS.PENDING_DIRECTOR, frozenset({R.DIRECTOR}), None, not_owner=True),
    Transition(FlowAction.REJECT, RS.PENDING_DIRECTOR, frozenset({R.DIRECTOR}), RS.REJECTED, not_owner=True),
    Transition(
        FlowAction.APPROVE, RS.PENDING_PRINCIPAL, frozenset({R.PRINCIPAL}), RS.APPROVED, not_owner=True
    ),
    Transition(
        FlowAction.REJECT, RS.PENDING_PRINCIPAL, frozenset({R.PRINCIPAL}), RS.REJECTED, not_owner=True
    ),
    Transition(FlowAction.RESUBMIT, RS.REJECTED, ANYONE, None, owner_only=True),
    Transition(FlowAction.CANCEL, RS.PENDING_DIRECTOR, ANYONE, RS.CANCELLED, owner_only=True),
    Transition(FlowAction.CANCEL, RS.PENDING_PRINCIPAL, ANYONE, RS.CANCELLED, owner_only=True),
    Transition(FlowAction.CANCEL, RS.REJECTED, ANYONE, RS.CANCELLED, owner_only=True),
    Transition(FlowAction.PURCHASE, RS.APPROVED, PURCHASERS, RS.PURCHASED),
    Transition(FlowAction.ACCEPT, RS.PURCHASED, ACCEPTORS, RS.ACCEPTED),
    Transition(FlowAction.REIMBURSE, RS.ACCEPTED, frozenset({R.ACCOUNTANT}), RS.REIMBURSED),
]

BS = ReimbursementStatus
WITNESSES = frozenset({R.DIRECTOR, R.STAFF, R.ACCOUNTANT})
REIMBURSEMENT_TRANSITIONS = [
    Transition(FlowAction.WITNESS_SIGN, BS.PENDING_WITNESS, WITNESSES, None, not_owner=True),
    Transition(FlowAction.REJECT, BS.PENDING_WITNESS, WITNESSES, BS.REJECTED, not_owner=True),
    Transition(
        FlowAction.PRINCIPAL_SIGN, BS.PENDING_PRINCIPAL, frozenset({R.PRINCIPAL}), BS.APPROVED, not_owner=True
    ),
    Transition(
        FlowAction.REJECT, BS.PENDING_PRINCIPAL, frozenset({R.PRINCIPAL}), BS.REJECTED, not_owner=True
    ),
    # the principal's own claim: the director signs in the principal's place (principal_step_role)
    Transition(
        FlowAction.DIRECTOR_SIGN, BS.PENDING_DIRECTOR, frozenset({R.DIRECTOR}), BS.APPROVED, not_owner=True
    ),
    Transition(FlowAction.REJECT, BS.PENDING_DIRECTOR, frozenset({R.DIRECTOR}), BS.REJECTED, not_owner=True),
    Transition(FlowAction.PAY, BS.APPROVED, frozenset({R.ACCOUNTANT}), BS.PAID, not_owner=True),
]

LS = LoanStatus
LOAN_TRANSITIONS = [
    Transition(FlowAction.APPROVE, LS.PENDING, frozenset({R.PRINCIPAL}), LS.APPROVED, not_owner=True),
    Transition(FlowAction.REJECT, LS.PENDING, frozenset({R.PRINCIPAL}), LS.REJECTED, not_owner=True),
    # the principal's own loan: the director decides in the principal's place (principal_step_role)
    Transition(FlowAction.APPROVE, LS.PENDING_DIRECTOR, frozenset({R.DIRECTOR}), LS.APPROVED, not_owner=True),
    Transition(FlowAction.REJECT, LS.PENDING_DIRECTOR, frozenset({R.DIRECTOR}), LS.REJECTED, not_owner=True),
    Transition(FlowAction.DISBURSE, LS.APPROVED, frozenset({R.ACCOUNTANT}), LS.DISBURSED, not_owner=True),
    Transition(FlowAction.REPAY, LS.DISBURSED, frozenset({R.ACCOUNTANT}), None, not_owner=True),
    # offset by the borrower's own reimbursement, paid by another cashier (reimbursement_pay checks)
    Transition(FlowAction.SETTLE, LS.DISBURSED, frozenset({R.ACCOUNTANT}), None, not_owner=True),
]

# The status waiting for the principal's step, by who takes that step (principal_step_role).
LOAN_PENDING = {R.PRINCIPAL: LS.PENDING, R.DIRECTOR: LS.PENDING_DIRECTOR}
REIMBURSEMENT_SIGNING = {R.PRINCIPAL: BS.PENDING_PRINCIPAL, R.DIRECTOR: BS.PENDING_DIRECTOR}
SIGN_ACTIONS = {
    BS.PENDING_WITNESS: FlowAction.WITNESS_SIGN,
    BS.PENDING_PRINCIPAL: FlowAction.PRINCIPAL_SIGN,
    BS.PENDING_DIRECTOR: FlowAction.DIRECTOR_SIGN,
}


def find_transition(table, action, status):
    return next((t for t in table if t.action == action and t.source == status), None)


def role_of(school, user):
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.active().filter(school=school, user=user).values_list("role", flat=True).first()


def principal_step_role(owner_role) -> str:
    """Who takes the principal's step (一支笔审批) on a paper raised by someone with `owner_role`.

    Nobody approves their own request (DOMAIN.md): the principal's own purchase request, loan and
    reimbursement are decided by the logistics director in the principal's place; everyone else's by the
    principal. The one rule for all three flows.
    """
    return R.DIRECTOR if owner_role == R.PRINCIPAL else R.PRINCIPAL


def principals_own_note(kind) -> str:
    """The plain line the history keeps on the principal's own loan or claim, for an auditor."""
    if kind == "loan":
        return _("校长本人的借款，由后勤主任审批（本人不审批本人的申请）。")
    return _("校长本人的报销单，由后勤主任代校长签字（本人不审批本人的申请）。")


def _with_note(note, comment):
    return "\n".join(part for part in (note, comment) if part)


def may_witness(reimb, role) -> bool:
    """The one who will take the principal's step cannot also be the claim's 证明人: on the principal's
    own claim the director signs in the principal's place, so the director is not its witness."""
    return role != reimb.approver_role


def available_actions(table, *, obj, status, user, role, owner) -> set[str]:
    """Which actions the template may offer `user` (the services check again)."""
    found = set()
    for t in table:
        if t.source != status or role not in t.roles:
            continue
        if t.owner_only and user.pk != owner.pk:
            continue
        if t.not_owner and user.pk == owner.pk:
            continue
        found.add(t.action)
    return found


def _check(table, *, action, obj, by, role, owner, self_message) -> Transition:
    t = find_transition(table, action, obj.status)
    if t is None:
        raise ValidationError(
            _("当前状态「%(status)s」下不能执行「%(action)s」。")
            % {"status": obj.get_status_display(), "action": FlowAction(action).label}
        )
    if t.not_owner and by.pk == owner.pk:
        raise ValidationError(self_message)
    if t.owner_only and by.pk != owner.pk:
        raise ValidationError(_("只有申请人本人可以执行此操作。"))
    if role not in t.roles:
        raise ValidationError(_("您的身份不能执行「%(action)s」。") % {"action": FlowAction(action).label})
    return t


def _log(*, obj, by, role, action, from_status, to_status, comment="", data=None, round=1, **target):
    entry = FlowLog.objects.create(
        school=obj.school,
        round=round,
        action=action,
        from_status=from_status or "",
        to_status=to_status,
        by=by,
        role=role or "",
        comment=comment,
        data=data,
        **target,
    )
    record_change(obj=obj, by=by, action=ChangeAction.TRANSITION, reason=comment)
    return entry


def _on_commit_notify(**kwargs):
    transaction.on_commit(lambda: notify(**kwargs))


def _url(name, pk):
    return reverse(f"finance:{name}", args=[pk])


def _clean_money(value, label, *, allow_zero=False) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError(_("%(label)s不是有效的金额。") % {"label": label}) from exc
    if not amount.is_finite():
        raise ValidationError(_("%(label)s不是有效的金额。") % {"label": label})
    if amount < 0:
        raise ValidationError(_("%(label)s不能为负数。") % {"label": label})
    if amount == 0 and not allow_zero:
        raise ValidationError(_("%(label)s必须大于0。") % {"label": label})
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("%(label)s最多保留两位小数。") % {"label": label})
    if amount > MAX_MONEY:
        raise ValidationError(_("%(label)s过大，请核对。") % {"label": label})
    return amount.quantize(Decimal("0.01"))


def _not_future(day, label):
    if day and day > timezone.localdate():
        raise ValidationError(_("%(label)s不能晚于今天。") % {"label": label})


# --- settings and budget ----------------------------------------------------------------------
def finance_settings(school) -> FinanceSettings:
    return FinanceSettings.for_school(school)


def budget_use(line: BudgetLine, *, exclude_request_id=None) -> dict:
    """Committed (approved requests not yet reimbursed) and spent (paid reimbursements) on a line."""
    committed_qs = PurchaseRequest.objects.filter(budget_line=line, status__in=COMMITTED_REQUEST_STATUSES)
    if exclude_request_id:
        committed_qs = committed_qs.exclude(pk=exclude_request_id)
    committed = committed_qs.aggregate(s=Coalesce(Sum(Coalesce("actual_total", "estimated_total")), ZERO))[
        "s"
    ]
    spent = Reimbursement.objects.filter(budget_line=line, status=BS.PAID).aggregate(
        s=Coalesce(Sum("amount"), ZERO)
    )["s"]
    return {
        "amount": line.amount,
        "committed": committed,
        "spent": spent,
        "available": line.amount - committed - spent,
    }


def budget_check(*, school, line, amount, exclude_request_id=None) -> str:
    """'' when `amount` fits the line; otherwise a warning, or ValidationError in block mode."""
    if line is None:
        return ""
    use = budget_use(line, exclude_request_id=exclude_request_id)
    if amount <= use["available"]:
        return ""
    message = _("超出预算：预算科目「%(line)s」可用余额 %(available)s 元，本单 %(amount)s 元。") % {
        "line": line.name,
        "available": f"{use['available']:,.2f}",
        "amount": f"{amount:,.2f}",
    }
    if finance_settings(school).budget_mode == BudgetMode.BLOCK:
        raise ValidationError(message + _("学校设置为超预算禁止。"))
    return message


# --- purchase requests ------------------------------------------------------------------------
def _clean_lines(school, lines) -> list[RequestLine]:
    if not lines:
        raise ValidationError(_("请至少填写一项物品。"))
    if len(lines) > 100:
        raise ValidationError(_("一张请购单最多100项物品。"))
    cleaned = []
    for i, line in enumerate(lines, start=1):
        name = (line.get("name") or "").strip()
        if not name:
            raise ValidationError(_("第%(n)d项：请填写物品名称。") % {"n": i})
        try:
            quantity = int(line.get("quantity"))
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("第%(n)d项：数量必须是整数。") % {"n": i}) from exc
        if not 1 <= quantity <= 100000:
            raise ValidationError(_("第%(n)d项：数量应在1到100000之间。") % {"n": i})
        price = _clean_money(line.get("unit_price"), _("第%(n)d项预计单价") % {"n": i})
        cleaned.append(
            RequestLine(
                school=school,
                position=i,
                name=name[:100],
                spec=(line.get("spec") or "").strip()[:100],
                unit=(line.get("unit") or "个").strip()[:10] or "个",
                quantity=quantity,
                unit_price=price,
            )
        )
    total = sum((ln.unit_price * ln.quantity for ln in cleaned), ZERO)
    if total > MAX_MONEY:
        raise ValidationError(_("合计金额过大，请核对。"))
    return cleaned


def _route(school, requester, total):
    """The approval chain (一支笔审批) for this amount and requester: (first status, needs principal)."""
    cfg = finance_settings(school)
    role = role_of(school, requester)
    if role == R.DIRECTOR:
        # The director cannot approve their own request: it goes straight to the principal.
        return RS.PENDING_PRINCIPAL, True
    if principal_step_role(role) == R.DIRECTOR:
        # The principal's own request is approved by the director alone (nobody approves their own).
        return RS.PENDING_DIRECTOR, False
    return RS.PENDING_DIRECTOR, total > cfg.director_limit


def _lines_snapshot(lines):
    return [
        {
            "name": ln.name,
            "spec": ln.spec,
            "unit": ln.unit,
            "quantity": ln.quantity,
            "unit_price": str(ln.unit_price),
        }
        for ln in lines
    ]


def _check_request_fields(school, *, title, reason, budget_line, needed_by):
    if not (title or "").strip():
        raise ValidationError(_("请填写请购事项。"))
    if not (reason or "").strip():
        raise ValidationError(_("请填写申请理由。"))
    if budget_line is not None and (budget_line.school_id != school.pk or not budget_line.is_active):
        raise ValidationError(_("预算科目无效。"))
    if needed_by is None:
        raise ValidationError(_("请填写需用日期。"))


def _notify_next_approver(req):
    role = R.DIRECTOR if req.status == RS.PENDING_DIRECTOR else R.PRINCIPAL
    _on_commit_notify(
        school=req.school,
        title=_("请购待审批：%(title)s（%(total)s 元）") % {"title": req.title, "total": req.estimated_total},
        body=_("申请人：%(who)s") % {"who": display_name(req.requester)},
        url=_url("request_detail", req.pk),
        roles=[role],
        dedupe_key=f"finance-req:{req.pk}:{req.round}:{req.status}",
    )


def purchase_request_create(
    *,
    school,
    by,
    title: str,
    reason: str,
    needed_by: datetime.date,
    lines: list[dict],
    budget_line: BudgetLine | None = None,
    department=None,
    uploads=(),
) -> PurchaseRequest:
    """Raise (and submit) a purchase request. The total is computed from the lines."""
    _check_request_fields(school, title=title, reason=reason, budget_line=budget_line, needed_by=needed_by)
    if needed_by < timezone.localdate():
        raise ValidationError(_("需用日期不能早于今天。"))
    if role_of(school, by) is None:
        raise ValidationError(_("您不是本校成员。"))
    line_objs = _clean_lines(school, lines)
    total = sum((ln.unit_price * ln.quantity for ln in line_objs), ZERO)
    cfg = finance_settings(school)
    with transaction.atomic():
        warning = budget_check(school=school, line=budget_line, amount=total)
        status, needs_principal = _route(school, by, total)
        req = PurchaseRequest.objects.create(
            school=school,
            requester=by,
            department=department,
            title=title.strip()[:100],
            reason=reason.strip(),
            budget_line=budget_line,
            needed_by=needed_by,
            status=status,
            estimated_total=total,
            needs_principal=needs_principal,
            needs_quotes=total > cfg.quote_threshold,
            budget_warning=warning,
        )
        req.number = f"QG{req.created_at:%Y}{req.pk:05d}"
        req.save(update_fields=["number"])
        for ln in line_objs:
            ln.request = req
        RequestLine.objects.bulk_create(line_objs)
        _save_uploads(school, by, uploads, req)
        _log(
            obj=req,
            by=by,
            role=role_of(school, by),
            action=FlowAction.SUBMIT,
            from_status="",
            to_status=status,
            data={"lines": _lines_snapshot(line_objs), "total": str(total)},
            request=req,
        )
        _notify_next_approver(req)
    return req


def _save_uploads(school, by, uploads, target):
    from logistics.attachments import save_attachment

    for upload in uploads or ():
        save_attachment(school=school, by=by, upload=upload, target=target, images_only=False)


def purchase_request_resubmit(
    *,
    obj: PurchaseRequest,
    by,
    title: str,
    reason: str,
    needed_by: datetime.date,
    lines: list[dict],
    budget_line: BudgetLine | None = None,
    comment: str = "",
    uploads=(),
) -> PurchaseRequest:
    """A rejected request, revised by its requester, goes round again; every round stays in history."""
    school = obj.school
    _check_request_fields(school, title=title, reason=reason, budget_line=budget_line, needed_by=needed_by)
    if needed_by < timezone.localdate():
        raise ValidationError(_("需用日期不能早于今天。"))
    line_objs = _clean_lines(school, lines)
    total = sum((ln.unit_price * ln.quantity for ln in line_objs), ZERO)
    cfg = finance_settings(school)
    with transaction.atomic():
        req = PurchaseRequest.objects.select_for_update().get(pk=obj.pk)
        role = role_of(school, by)
        _check(
            REQUEST_TRANSITIONS,
            action=FlowAction.RESUBMIT,
            obj=req,
            by=by,
            role=role,
            owner=req.requester,
            self_message="",
        )
        warning = budget_check(school=school, line=budget_line, amount=total, exclude_request_id=req.pk)
        status, needs_principal = _route(school, by, total)
        old = req.status
        req.title, req.reason, req.needed_by, req.budget_line = (
            title.strip()[:100],
            reason.strip(),
            needed_by,
            budget_line,
        )
        req.status, req.needs_principal = status, needs_principal
        req.needs_quotes = total > cfg.quote_threshold
        req.estimated_total, req.budget_warning = total, warning
        req.round += 1
        req.submitted_at = timezone.now()
        req.save()
        req.lines.all().delete()
        for ln in line_objs:
            ln.request = req
        RequestLine.objects.bulk_create(line_objs)
        _save_uploads(school, by, uploads, req)
        _log(
            obj=req,
            by=by,
            role=role,
            action=FlowAction.RESUBMIT,
            from_status=old,
            to_status=status,
            comment=comment,
            data={"lines": _lines_snapshot(line_objs), "total": str(total)},
            round=req.round,
            request=req,
        )
        _notify_next_approver(req)
    return req


def _last_step(req):
    return req.history.select_related("by").order_by("-at", "-id").first()


def purchase_request_decide(
    *, obj: PurchaseRequest, by, approve: bool, comment: str = "", seen_status: str | None = None
) -> tuple[PurchaseRequest, str]:
    """Approve or reject in one step. Returns (request, budget warning or '').

    `seen_status` is the status the approver was looking at: if someone else decided in the meantime,
    the row lock makes this call wait, then it sees the new status and refuses with a clear message.
    """
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError(_("退回必须填写原因。"))
    with transaction.atomic():
        req = PurchaseRequest.objects.select_for_update().get(pk=obj.pk)
        if seen_status and req.status != seen_status:
            last = _last_step(req)
            who = display_name(last.by) if last else ""
            raise ValidationError(
                _("该申请刚刚已由%(who)s处理（%(what)s），当前状态为「%(status)s」，您的决定未生效。")
                % {
                    "who": who,
                    "what": last.get_action_display() if last else "",
                    "status": req.get_status_display(),
                }
            )
        role = role_of(req.school, by)
        action = FlowAction.APPROVE if approve else FlowAction.REJECT
        t = _check(
            REQUEST_TRANSITIONS,
            action=action,
            obj=req,
            by=by,
            role=role,
            owner=req.requester,
            self_message=_("不能审批本人提交的申请。"),
        )
        warning = ""
        old = req.status
        if approve:
            cfg = finance_settings(req.school)
            if req.needs_quotes:
                have = req.quotes.count()
                if have < cfg.quotes_required:
                    raise ValidationError(
                        _(
                            "金额超过 %(limit)s 元，须货比三家："
                            "审批前需要 %(need)d 家报价，目前只有 %(have)d 家。"
                        )
                        % {"limit": cfg.quote_threshold, "need": cfg.quotes_required, "have": have}
                    )
            target = t.target
            if target is None:  # the director's step: final, or on to the principal
                target = RS.PENDING_PRINCIPAL if req.needs_principal else RS.APPROVED
            if target == RS.APPROVED:
                warning = budget_check(
                    school=req.school,
                    line=req.budget_line,
                    amount=req.estimated_total,
                    exclude_request_id=req.pk,
                )
                req.decided_at = timezone.now()
                req.budget_warning = warning
        else:
            target = t.target
        req.status = target
        req.save(update_fields=["status", "decided_at", "budget_warning"])
        _log(
            obj=req,
            by=by,
            role=role,
            action=action,
            from_status=old,
            to_status=target,
            comment=comment,
            round=req.round,
            request=req,
        )
        if target == RS.PENDING_PRINCIPAL:
            _notify_next_approver(req)
        else:
            verdict = _("已批准") if approve else _("被退回")
            _on_commit_notify(
                school=req.school,
                title=_("您的请购「%(title)s」%(verdict)s") % {"title": req.title, "verdict": verdict},
                body=(comment or "") + (("\n" + warning) if warning else ""),
                url=_url("request_detail", req.pk),
                users=[req.requester],
                dedupe_key=f"finance-req-decided:{req.pk}:{req.round}:{target}",
            )
            if target == RS.APPROVED:
                _on_commit_notify(
                    school=req.school,
                    title=_("请购已批准，待采购：%(title)s") % {"title": req.title},
                    url=_url("request_detail", req.pk),
                    roles=[R.STAFF],
                    dedupe_key=f"finance-req-buy:{req.pk}",
                )
    return req, warning


def purchase_request_cancel(*, obj: PurchaseRequest, by, comment: str = "") -> PurchaseRequest:
    with transaction.atomic():
        req = PurchaseRequest.objects.select_for_update().get(pk=obj.pk)
        role = role_of(req.school, by)
        t = _check(
            REQUEST_TRANSITIONS,
            action=FlowAction.CANCEL,
            obj=req,
            by=by,
            role=role,
            owner=req.requester,
            self_message="",
        )
        old = req.status
        req.status = t.target
        req.save(update_fields=["status"])
        _log(
            obj=req,
            by=by,
            role=role,
            action=FlowAction.CANCEL,
            from_status=old,
            to_status=t.target,
            comment=comment,
            round=req.round,
            request=req,
        )
    return req


QUOTE_OPEN_STATUSES = (RS.PENDING_DIRECTOR, RS.PENDING_PRINCIPAL, RS.REJECTED, RS.APPROVED)


def quote_add(
    *, obj: PurchaseRequest, by, supplier: str, amount, quoted_on: datetime.date, note: str = "", upload=None
) -> Quote:
    supplier = (supplier or "").strip()
    if not supplier:
        raise ValidationError(_("请填写供应商。"))
    amount = _clean_money(amount, _("报价金额"))
    _not_future(quoted_on, _("报价日期"))
    with transaction.atomic():
        req = PurchaseRequest.objects.select_for_update().get(pk=obj.pk)
        role = role_of(req.school, by)
        if req.status not in QUOTE_OPEN_STATUSES:
            raise ValidationError(_("当前状态「%(s)s」不能再添加报价。") % {"s": req.get_status_display()})
        if by.pk != req.requester_id and role not in PURCHASERS:
            raise ValidationError(_("只有申请人或采购人员可以添加报价。"))
        if req.quotes.filter(supplier=supplier).exists():
            raise ValidationError(_("已有供应商「%(s)s」的报价。") % {"s": supplier})
        try:
            with transaction.atomic():
                quote = Quote.objects.create(
                    school=req.school,
                    request=req,
                    supplier=supplier[:100],
                    amount=amount,
                    quoted_on=quoted_on,
                    note=(note or "")[:200],
                    added_by=by,
                )
        except IntegrityError as exc:  # the same supplier added at the same moment
            raise ValidationError(_("已有供应商「%(s)s」的报价。") % {"s": supplier}) from exc
        if upload is not None:
            _save_uploads(req.school, by, [upload], quote)
        record_creation(obj=quote, by=by)
    return quote


def purchase_request_purchase(
    *, obj: PurchaseRequest, by, supplier: str, purchased_on: datetime.date, prices: dict
) -> PurchaseRequest:
    """Record the purchase: supplier, date and the actual unit price of every line."""
    supplier = (supplier or "").strip()
    if not supplier:
        raise ValidationError(_("请填写供应商。"))
    if purchased_on is None:
        raise ValidationError(_("请填写采购日期。"))
    _not_future(purchased_on, _("采购日期"))
    with transaction.atomic():
        req = PurchaseRequest.objects.select_for_update().get(pk=obj.pk)
        role = role_of(req.school, by)
        t = _check(
            REQUEST_TRANSITIONS,
            action=FlowAction.PURCHASE,
            obj=req,
            by=by,
            role=role,
            owner=req.requester,
            self_message="",
        )
        lines = list(req.lines.all())
        total = ZERO
        for ln in lines:
            if ln.pk not in prices or prices[ln.pk] in (None, ""):
                raise ValidationError(_("请填写「%(name)s」的实际单价。") % {"name": ln.name})
            ln.actual_unit_price = _clean_money(prices[ln.pk], _("「%(name)s」实际单价") % {"name": ln.name})
            total += ln.actual_unit_price * ln.quantity
        if total > MAX_MONEY:
            raise ValidationError(_("合计金额过大，请核对。"))
        RequestLine.objects.bulk_update(lines, ["actual_unit_price"])
        old = req.status
        req.supplier, req.purchased_on, req.buyer, req.actual_total = supplier[:100], purchased_on, by, total
        req.status = t.target
        req.save(update_fields=["supplier", "purchased_on", "buyer", "actual_total", "status"])
        _log(
            obj=req,
            by=by,
            role=role,
            action=FlowAction.PURCHASE,
            from_status=old,
            to_status=t.target,
            comment=_("供应商：%(s)s，实际金额 %(t)s 元") % {"s": supplier, "t": total},
            data={"prices": {str(ln.pk): str(ln.actual_unit_price) for ln in lines}},
            round=req.round,
            request=req,
        )
        _on_commit_notify(
            school=req.school,
            title=_("已采购，待验收：%(title)s") % {"title": req.title},
            url=_url("request_detail", req.pk),
            users=[req.requester],
            roles=[R.DIRECTOR],
            dedupe_key=f"finance-req-accept:{req.pk}",
        )
    return req


def purchase_request_accept(
    *, obj: PurchaseRequest, by, accepted: dict, note: str = "", room=None
) -> PurchaseRequest:
    """验收: item by item, by someone other than the buyer; accepted items go into stores (below the
    fixed-asset threshold) or the asset register (at or above it) through the assets app's services."""
    from assets.services import assets_register_from_purchase, fixed_asset_threshold, stores_stock_in

    note = (note or "").strip()
    with transaction.atomic():
        req = PurchaseRequest.objects.select_for_update().get(pk=obj.pk)
        role = role_of(req.school, by)
        t = _check(
            REQUEST_TRANSITIONS,
            action=FlowAction.ACCEPT,
            obj=req,
            by=by,
            role=role,
            owner=req.requester,
            self_message="",
        )
        if req.buyer_id == by.pk:
            raise ValidationError(_("验收人不能是采购人本人。"))
        if room is not None and room.school_id != req.school_id:
            raise ValidationError(_("存放地点无效。"))
        lines = list(req.lines.all())
        counts = {}
        for ln in lines:
            try:
                qty = int(accepted.get(ln.pk))
            except (TypeError, ValueError) as exc:
                raise ValidationError(_("请填写「%(name)s」的验收数量。") % {"name": ln.name}) from exc
            if not 0 <= qty <= ln.quantity:
                raise ValidationError(
                    _("「%(name)s」的验收数量应在0到%(q)d之间。") % {"name": ln.name, "q": ln.quantity}
                )
            counts[ln.pk] = qty
        if not any(counts.values()):
            raise ValidationError(_("没有验收合格的物品：全部拒收请与供应商退换后再验收。"))
        if any(counts[ln.pk] < ln.quantity for ln in lines) and not note:
            raise ValidationError(_("有物品未全部验收合格，请在验收意见中说明原因。"))
        threshold = fixed_asset_threshold(req.school)
        source_ref = _("请购单 %(n)s") % {"n": req.number}
        funding = req.budget_line.name[:60] if req.budget_line_id else ""
        for ln in lines:
            qty = counts[ln.pk]
            ln.accepted_quantity = qty
            if qty == 0:
                ln.destination = Destination.NONE
                continue
            price = ln.actual_unit_price if ln.actual_unit_price is not None else ln.unit_price
            if price >= threshold:
                assets = assets_register_from_purchase(
                    school=req.school,
                    by=by,
                    name=ln.name,
                    unit_price=price,
                    quantity=qty,
                    purchase_date=req.purchased_on or timezone.localdate(),
                    spec=ln.spec,
                    room=room,
                    funding=funding,
                    source_ref=source_ref,
                )
                codes = [str(getattr(a, "code", "") or a.pk) for a in assets]
                ln.destination = Destination.ASSET
                ln.stock_ref = (
                    (_("资产 ") + (codes[0] if len(codes) == 1 else f"{codes[0]}…{codes[-1]}"))[:200]
                    if codes
                    else ""
                )
            else:
                movement = stores_stock_in(
                    school=req.school,
                    by=by,
                    item_name=ln.name if not ln.spec else f"{ln.name}（{ln.spec}）",
                    unit=ln.unit,
                    quantity=qty,
                    unit_price=price,
                    source_ref=source_ref,
                    note=note[:200],
                )
                ln.destination = Destination.STORES
                ln.stock_ref = (_("入库记录 #%(pk)s") % {"pk": getattr(movement, "pk", "")})[:200]
        RequestLine.objects.bulk_update(lines, ["accepted_quantity", "destination", "stock_ref"])
        old = req.status
        req.status, req.accepted_by, req.accepted_at, req.acceptance_note = t.target, by, timezone.now(), note
        req.save(update_fields=["status", "accepted_by", "accepted_at", "acceptance_note"])
        _log(
            obj=req,
            by=by,
            role=role,
            action=FlowAction.ACCEPT,
            from_status=old,
            to_status=t.target,
            comment=note,
            data={"accepted": {str(k): v for k, v in counts.items()}},
            round=req.round,
            request=req,
        )
        _on_commit_notify(
            school=req.school,
            title=_("已验收入库：%(title)s，可以报销") % {"title": req.title},
            url=_url("request_detail", req.pk),
            users=[u for u in (req.buyer, req.requester) if u is not None],
            dedupe_key=f"finance-req-accepted:{req.pk}",
        )
    return req


# --- reimbursements ---------------------------------------------------------------------------
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
        amount = _clean_money(r.get("amount"), _("发票「%(no)s」金额") % {"no": number})
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
        raise ValidationError(_("请填写报销事由。"))
    amount = _clean_money(amount, _("报销金额"))
    cfg = finance_settings(school)
    role = role_of(school, by)
    if role is None:
        raise ValidationError(_("您不是本校成员。"))
    approver_role = principal_step_role(role)
    receipt_objs = _clean_receipts(school, receipts, cfg)
    receipts_total = sum((r.amount for r in receipt_objs), ZERO)
    if receipts_total != amount:
        raise ValidationError(
            _("发票合计 %(r)s 元与报销金额 %(a)s 元不一致。")
            % {"r": f"{receipts_total:,.2f}", "a": f"{amount:,.2f}"}
        )
    if budget_line is not None and budget_line.school_id != school.pk:
        raise ValidationError(_("预算科目无效。"))
    with transaction.atomic():
        if purchase_request is not None:
            req = PurchaseRequest.objects.select_for_update().get(pk=purchase_request.pk)
            if req.school_id != school.pk:
                raise ValidationError(_("请购单无效。"))
            if req.status != RS.ACCEPTED:
                raise ValidationError(_("只有已验收入库的请购单才能报销。"))
            if req.reimbursements.exclude(status=BS.REJECTED).exists():
                raise ValidationError(_("该请购单已有报销单在办理中。"))
            if req.actual_total is not None and req.actual_total != amount:
                raise ValidationError(
                    _("报销金额 %(a)s 元与采购实际金额 %(t)s 元不一致。")
                    % {"a": f"{amount:,.2f}", "t": f"{req.actual_total:,.2f}"}
                )
            budget_line = budget_line or req.budget_line
        if loan is not None:
            if loan.school_id != school.pk or loan.borrower_id != by.pk:
                raise ValidationError(_("只能冲抵本人的借款。"))
            if loan.status != LS.DISBURSED:
                raise ValidationError(_("该借款不在待结清状态。"))
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
        _save_uploads(school, by, uploads, reimb)
        own_note = principals_own_note("reimbursement") if reimb.is_principals_own else ""
        _log(
            obj=reimb,
            by=by,
            role=role,
            action=FlowAction.SUBMIT,
            from_status="",
            to_status=reimb.status,
            comment=_with_note(_("经手人签字"), own_note),
            reimbursement=reimb,
        )
        _on_commit_notify(
            school=school,
            title=_("报销单待证明人签字：%(p)s（%(a)s 元）") % {"p": purpose, "a": amount},
            body=own_note,
            url=_url("reimbursement_detail", reimb.pk),
            # the director witnesses, except on the principal's own claim, which the director approves
            roles=[R.DIRECTOR] if may_witness(reimb, R.DIRECTOR) else sorted(WITNESSES - {R.DIRECTOR}),
            dedupe_key=f"finance-bx:{reimb.pk}:witness",
        )
    return reimb


def reimbursement_sign(
    *, obj: Reimbursement, by, comment: str = "", seen_status: str | None = None
) -> Reimbursement:
    """证明人 or 校长 signs, whichever step the claim is at."""
    with transaction.atomic():
        reimb = Reimbursement.objects.select_for_update().get(pk=obj.pk)
        if seen_status and reimb.status != seen_status:
            raise ValidationError(
                _("该报销单刚刚已被他人处理，当前状态为「%(s)s」，您的操作未生效。")
                % {"s": reimb.get_status_display()}
            )
        role = role_of(reimb.school, by)
        action = SIGN_ACTIONS.get(reimb.status, FlowAction.PRINCIPAL_SIGN)
        t = _check(
            REIMBURSEMENT_TRANSITIONS,
            action=action,
            obj=reimb,
            by=by,
            role=role,
            owner=reimb.claimant,
            self_message=_("经手人不能为本人的报销单签字。"),
        )
        old = reimb.status
        now = timezone.now()
        own_note = principals_own_note("reimbursement") if reimb.is_principals_own else ""
        if action == FlowAction.WITNESS_SIGN:
            if not may_witness(reimb, role):
                raise ValidationError(
                    _("校长本人的报销单由后勤主任代校长签字，主任不能同时作证明人，请由后勤人员或会计签字。")
                )
            reimb.witness, reimb.witness_at = by, now
            # on to whoever takes the principal's step: the principal, or the director on the principal's own
            target = REIMBURSEMENT_SIGNING[reimb.approver_role]
        else:
            if reimb.witness_id == by.pk:
                raise ValidationError(_("证明人与审批人不能是同一人。"))
            reimb.principal_signer, reimb.principal_at = by, now
            target = t.target
        reimb.status = target
        reimb.save()
        _log(
            obj=reimb,
            by=by,
            role=role,
            action=action,
            from_status=old,
            to_status=target,
            comment=_with_note(own_note, comment),
            reimbursement=reimb,
        )
        if target == BS.PENDING_PRINCIPAL:
            _on_commit_notify(
                school=reimb.school,
                title=_("报销单待校长签字：%(p)s（%(a)s 元）") % {"p": reimb.purpose, "a": reimb.amount},
                url=_url("reimbursement_detail", reimb.pk),
                roles=[R.PRINCIPAL],
                dedupe_key=f"finance-bx:{reimb.pk}:principal",
            )
        elif target == BS.PENDING_DIRECTOR:
            _on_commit_notify(
                school=reimb.school,
                title=_("校长本人的报销单待您代校长签字：%(p)s（%(a)s 元）")
                % {"p": reimb.purpose, "a": reimb.amount},
                body=own_note,
                url=_url("reimbursement_detail", reimb.pk),
                roles=[R.DIRECTOR],
                dedupe_key=f"finance-bx:{reimb.pk}:director",
            )
        else:
            _on_commit_notify(
                school=reimb.school,
                title=_("报销单已签批，待付款：%(p)s") % {"p": reimb.purpose},
                url=_url("reimbursement_detail", reimb.pk),
                users=[reimb.claimant],
                roles=[R.ACCOUNTANT],
                dedupe_key=f"finance-bx:{reimb.pk}:approved",
            )
    return reimb


def reimbursement_reject(
    *, obj: Reimbursement, by, comment: str, seen_status: str | None = None
) -> Reimbursement:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("退回必须填写原因。"))
    with transaction.atomic():
        reimb = Reimbursement.objects.select_for_update().get(pk=obj.pk)
        if seen_status and reimb.status != seen_status:
            raise ValidationError(
                _("该报销单刚刚已被他人处理，当前状态为「%(s)s」，您的操作未生效。")
                % {"s": reimb.get_status_display()}
            )
        role = role_of(reimb.school, by)
        t = _check(
            REIMBURSEMENT_TRANSITIONS,
            action=FlowAction.REJECT,
            obj=reimb,
            by=by,
            role=role,
            owner=reimb.claimant,
            self_message=_("不能退回本人的报销单，请撤回后重新提交。"),
        )
        old = reimb.status
        reimb.status = t.target
        reimb.save(update_fields=["status"])
        # A rejected claim releases its invoice numbers so a corrected claim can use them.
        reimb.receipts.update(voided=True)
        _log(
            obj=reimb,
            by=by,
            role=role,
            action=FlowAction.REJECT,
            from_status=old,
            to_status=t.target,
            comment=_with_note(
                principals_own_note("reimbursement") if old == BS.PENDING_DIRECTOR else "", comment
            ),
            reimbursement=reimb,
        )
        _on_commit_notify(
            school=reimb.school,
            title=_("您的报销单「%(p)s」被退回") % {"p": reimb.purpose},
            body=comment,
            url=_url("reimbursement_detail", reimb.pk),
            users=[reimb.claimant],
            dedupe_key=f"finance-bx:{reimb.pk}:rejected",
        )
    return reimb


def reimbursement_pay(*, obj: Reimbursement, by, paid_on: datetime.date) -> Reimbursement:
    """The cashier pays: the purchase request is closed and a linked loan is offset (冲账)."""
    if paid_on is None:
        raise ValidationError(_("请填写付款日期。"))
    _not_future(paid_on, _("付款日期"))
    with transaction.atomic():
        reimb = Reimbursement.objects.select_for_update().get(pk=obj.pk)
        role = role_of(reimb.school, by)
        t = _check(
            REIMBURSEMENT_TRANSITIONS,
            action=FlowAction.PAY,
            obj=reimb,
            by=by,
            role=role,
            owner=reimb.claimant,
            self_message=_("出纳不能为本人的报销单付款。"),
        )
        old = reimb.status
        reimb.status, reimb.paid_by, reimb.paid_on = t.target, by, paid_on
        reimb.save(update_fields=["status", "paid_by", "paid_on"])
        _log(
            obj=reimb,
            by=by,
            role=role,
            action=FlowAction.PAY,
            from_status=old,
            to_status=t.target,
            reimbursement=reimb,
        )
        if reimb.purchase_request_id:
            req = PurchaseRequest.objects.select_for_update().get(pk=reimb.purchase_request_id)
            if req.status == RS.ACCEPTED:
                req.status = RS.REIMBURSED
                req.save(update_fields=["status"])
                _log(
                    obj=req,
                    by=by,
                    role=role,
                    action=FlowAction.REIMBURSE,
                    from_status=RS.ACCEPTED,
                    to_status=RS.REIMBURSED,
                    comment=_("报销单 %(n)s") % {"n": reimb.number},
                    round=req.round,
                    request=req,
                )
        if reimb.loan_id:
            loan = Loan.objects.select_for_update().get(pk=reimb.loan_id)
            if loan.status == LS.DISBURSED:
                offset = min(reimb.amount, loan.outstanding)
                _loan_settle(
                    loan=loan,
                    by=by,
                    role=role,
                    amount=offset,
                    on=paid_on,
                    kind=RepaymentKind.REIMBURSEMENT,
                    reimbursement=reimb,
                )
        _on_commit_notify(
            school=reimb.school,
            title=_("报销已付款：%(p)s（%(a)s 元）") % {"p": reimb.purpose, "a": reimb.amount},
            url=_url("reimbursement_detail", reimb.pk),
            users=[reimb.claimant],
            dedupe_key=f"finance-bx:{reimb.pk}:paid",
        )
    return reimb


# --- loans ------------------------------------------------------------------------------------
def loan_create(*, school, by, purpose: str, amount, settle_by: datetime.date) -> Loan:
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError(_("请填写借款事由。"))
    amount = _clean_money(amount, _("借款金额"))
    if settle_by is None or settle_by < timezone.localdate():
        raise ValidationError(_("预计结清日期不能早于今天。"))
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
        _log(
            obj=loan,
            by=by,
            role=role,
            action=FlowAction.SUBMIT,
            from_status="",
            to_status=loan.status,
            comment=own_note,
            loan=loan,
        )
        _on_commit_notify(
            school=school,
            title=(
                _("校长本人的借款待您审批：%(p)s（%(a)s 元）")
                if own_note
                else _("借款待审批：%(p)s（%(a)s 元）")
            )
            % {"p": purpose, "a": amount},
            body=own_note,
            url=_url("loan_detail", loan.pk),
            roles=[approver_role],
            dedupe_key=f"finance-jk:{loan.pk}:pending",
        )
    return loan


def loan_decide(*, obj: Loan, by, approve: bool, comment: str = "", seen_status: str | None = None) -> Loan:
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError(_("退回必须填写原因。"))
    with transaction.atomic():
        loan = Loan.objects.select_for_update().get(pk=obj.pk)
        if seen_status and loan.status != seen_status:
            raise ValidationError(
                _("该借款刚刚已被他人处理，当前状态为「%(s)s」，您的决定未生效。")
                % {"s": loan.get_status_display()}
            )
        role = role_of(loan.school, by)
        action = FlowAction.APPROVE if approve else FlowAction.REJECT
        t = _check(
            LOAN_TRANSITIONS,
            action=action,
            obj=loan,
            by=by,
            role=role,
            owner=loan.borrower,
            self_message=_("不能审批本人的借款。"),
        )
        old = loan.status
        loan.status = t.target
        loan.approved_by, loan.approved_at = by, timezone.now()
        loan.save(update_fields=["status", "approved_by", "approved_at"])
        _log(
            obj=loan,
            by=by,
            role=role,
            action=action,
            from_status=old,
            to_status=t.target,
            comment=_with_note(principals_own_note("loan") if loan.is_principals_own else "", comment),
            loan=loan,
        )
        _on_commit_notify(
            school=loan.school,
            title=_("您的借款「%(p)s」%(v)s")
            % {"p": loan.purpose, "v": _("已批准") if approve else _("被退回")},
            body=comment,
            url=_url("loan_detail", loan.pk),
            users=[loan.borrower],
            roles=[R.ACCOUNTANT] if approve else [],
            dedupe_key=f"finance-jk:{loan.pk}:{t.target}",
        )
    return loan


def loan_disburse(*, obj: Loan, by, on: datetime.date) -> Loan:
    if on is None:
        raise ValidationError(_("请填写借出日期。"))
    _not_future(on, _("借出日期"))
    with transaction.atomic():
        loan = Loan.objects.select_for_update().get(pk=obj.pk)
        role = role_of(loan.school, by)
        t = _check(
            LOAN_TRANSITIONS,
            action=FlowAction.DISBURSE,
            obj=loan,
            by=by,
            role=role,
            owner=loan.borrower,
            self_message=_("出纳不能向本人借出款项。"),
        )
        old = loan.status
        loan.status, loan.disbursed_by, loan.disbursed_on = t.target, by, on
        loan.save(update_fields=["status", "disbursed_by", "disbursed_on"])
        _log(
            obj=loan,
            by=by,
            role=role,
            action=FlowAction.DISBURSE,
            from_status=old,
            to_status=t.target,
            loan=loan,
        )
    return loan


def _loan_settle(*, loan, by, role, amount, on, kind, reimbursement=None):
    LoanRepayment.objects.create(
        school=loan.school,
        loan=loan,
        kind=kind,
        amount=amount,
        on=on,
        reimbursement=reimbursement,
        recorded_by=by,
    )
    old = loan.status
    loan.settled_amount += amount
    if loan.settled_amount >= loan.amount:
        loan.status, loan.settled_on = LS.SETTLED, on
    loan.save(update_fields=["settled_amount", "status", "settled_on"])
    _log(
        obj=loan,
        by=by,
        role=role,
        action=FlowAction.SETTLE if kind == RepaymentKind.REIMBURSEMENT else FlowAction.REPAY,
        from_status=old,
        to_status=loan.status,
        comment=_("%(kind)s %(a)s 元") % {"kind": RepaymentKind(kind).label, "a": amount},
        loan=loan,
    )


def loan_repay(*, obj: Loan, by, amount, on: datetime.date) -> Loan:
    amount = _clean_money(amount, _("还款金额"))
    if on is None:
        raise ValidationError(_("请填写还款日期。"))
    _not_future(on, _("还款日期"))
    with transaction.atomic():
        loan = Loan.objects.select_for_update().get(pk=obj.pk)
        role = role_of(loan.school, by)
        _check(
            LOAN_TRANSITIONS,
            action=FlowAction.REPAY,
            obj=loan,
            by=by,
            role=role,
            owner=loan.borrower,
            self_message=_("出纳不能为本人的借款登记还款。"),
        )
        if amount > loan.outstanding:
            raise ValidationError(_("还款金额超过未结清金额 %(o)s 元。") % {"o": f"{loan.outstanding:,.2f}"})
        _loan_settle(loan=loan, by=by, role=role, amount=amount, on=on, kind=RepaymentKind.CASH)
    return loan


# --- income and monthly statements --------------------------------------------------------------
def income_record(*, school, by, on: datetime.date, source: str, amount, note: str = "") -> IncomeEntry:
    source = (source or "").strip()
    if not source:
        raise ValidationError(_("请填写收入来源。"))
    amount = _clean_money(amount, _("收入金额"))
    if on is None:
        raise ValidationError(_("请填写日期。"))
    _not_future(on, _("收入日期"))
    with transaction.atomic():
        entry = IncomeEntry.objects.create(
            school=school, on=on, source=source[:100], amount=amount, note=(note or "")[:200], recorded_by=by
        )
        record_creation(obj=entry, by=by)
    return entry


def statement_prepare(*, school, by, month: datetime.date, notes: str = "") -> MonthlyStatement:
    """Compute the month's figures and save them as a draft (or refresh a draft)."""
    from .selectors import statement_figures

    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationError(_("不能编制未来月份的报表。"))
    figures = statement_figures(school, month)
    with transaction.atomic():
        stmt, created = MonthlyStatement.objects.select_for_update().get_or_create(
            school=school, month=month, defaults={"prepared_by": by, "notes": notes, "figures": figures}
        )
        if not created:
            if stmt.status != StatementStatus.DRAFT:
                raise ValidationError(_("该月报表已上报，不能再修改。"))
            before = snapshot(stmt, fields=["notes", "figures"])
            stmt.notes, stmt.figures, stmt.prepared_by = notes, figures, by
            stmt.save(update_fields=["notes", "figures", "prepared_by"])
            record_change(obj=stmt, by=by, action=ChangeAction.UPDATE, before=before)
        else:
            record_creation(obj=stmt, by=by)
    return stmt


STATEMENT_STEPS = {
    # action: (from, to, roles)
    "submit": (StatementStatus.DRAFT, StatementStatus.SUBMITTED, frozenset({R.ACCOUNTANT, R.DIRECTOR})),
    "review": (StatementStatus.SUBMITTED, StatementStatus.REVIEWED, frozenset({R.PRINCIPAL})),
    "publish": (StatementStatus.REVIEWED, StatementStatus.PUBLISHED, frozenset({R.PRINCIPAL, R.ACCOUNTANT})),
}


def statement_advance(*, obj: MonthlyStatement, by, step: str) -> MonthlyStatement:
    if step not in STATEMENT_STEPS:
        raise ValidationError(_("未知操作。"))
    source, target, roles = STATEMENT_STEPS[step]
    with transaction.atomic():
        stmt = MonthlyStatement.objects.select_for_update().get(pk=obj.pk)
        role = role_of(stmt.school, by)
        if stmt.status != source:
            raise ValidationError(_("当前状态「%(s)s」不能执行此操作。") % {"s": stmt.get_status_display()})
        if role not in roles:
            raise ValidationError(_("您的身份不能执行此操作。"))
        before = snapshot(stmt, fields=["status"])
        stmt.status = target
        now = timezone.now()
        if step == "submit":
            stmt.submitted_at = now
        elif step == "review":
            stmt.reviewed_by, stmt.reviewed_at = by, now
        else:
            stmt.published_at = now
        stmt.save()
        record_change(obj=stmt, by=by, action=ChangeAction.TRANSITION, before=before)
        if step == "submit":
            _on_commit_notify(
                school=stmt.school,
                title=_("%(s)s已上报，请审阅") % {"s": stmt},
                url=reverse("finance:statement_detail", args=[stmt.pk]),
                roles=[R.PRINCIPAL],
                dedupe_key=f"finance-stmt:{stmt.pk}:submitted",
            )
    return stmt


def settings_update(*, school, by, form) -> FinanceSettings:
    with transaction.atomic():
        cfg = FinanceSettings.objects.select_for_update().get(pk=form.instance.pk)
        before = snapshot(cfg)
        obj = form.save()
        record_change(obj=obj, by=by, action=ChangeAction.UPDATE, before=before)
    return obj


def remind_stale_approvals(*, now=None, days: int = 2) -> int:
    """Remind the director/principal of purchase requests, loans and claims waiting at their step for more
    than `days`; a rerun the same day is a no-op (the notification dedupe key carries the date)."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=days)
    today = timezone.localdate(now)
    # (papers waiting at an approver's step, the one left at the director's, title, page, dedupe prefix)
    kinds = [
        (
            PurchaseRequest.objects.filter(
                status__in=[RS.PENDING_DIRECTOR, RS.PENDING_PRINCIPAL], submitted_at__lt=since
            ).order_by("school_id", "submitted_at"),
            RS.PENDING_DIRECTOR,
            lambda req: (
                _("请购单 %(n)s「%(t)s」已等待审批超过%(d)d天") % {"n": req.number, "t": req.title, "d": days}
            ),
            "request_detail",
            "finance-stale",
        ),
        (
            Loan.objects.filter(status__in=list(LOAN_PENDING.values()), created_at__lt=since).order_by(
                "school_id", "created_at"
            ),
            LS.PENDING_DIRECTOR,
            lambda loan: (
                _("借款 %(n)s「%(t)s」已等待审批超过%(d)d天")
                % {"n": loan.number, "t": loan.purpose, "d": days}
            ),
            "loan_detail",
            "finance-stale-loan",
        ),
        (  # signed by their witness, waiting for the principal's (on the principal's own, the director's)
            Reimbursement.objects.filter(
                status__in=list(REIMBURSEMENT_SIGNING.values()), witness_at__lt=since
            ).order_by("school_id", "witness_at"),
            BS.PENDING_DIRECTOR,
            lambda claim: (
                _("报销单 %(n)s「%(t)s」已等待签字超过%(d)d天")
                % {"n": claim.number, "t": claim.purpose, "d": days}
            ),
            "reimbursement_detail",
            "finance-stale-bx",
        ),
    ]
    sent = 0
    for waiting, at_director, title, page, key in kinds:
        for paper in waiting.select_related("school").iterator():
            sent += notify(
                school=paper.school,
                title=title(paper),
                url=_url(page, paper.pk),
                roles=[R.DIRECTOR if paper.status == at_director else R.PRINCIPAL],
                dedupe_key=f"{key}:{paper.pk}:{paper.status}:{today:%Y%m%d}",
            )
    return sent


CORRECTABLE_PURCHASE_FIELDS = ("supplier", "purchased_on", "acceptance_note")


def purchase_request_correct(*, obj: PurchaseRequest, by, changes: dict, reason: str) -> PurchaseRequest:
    """Correct the purchase record (supplier, date, acceptance note) with a reason; the change log keeps
    before and after. Approvals themselves are never edited."""
    from logistics.audit import apply_correction

    unknown = set(changes) - set(CORRECTABLE_PURCHASE_FIELDS)
    if unknown:
        raise ValidationError(_("这些字段不能更正：%(f)s") % {"f": "、".join(sorted(unknown))})
    if "supplier" in changes and not (changes["supplier"] or "").strip():
        raise ValidationError(_("请填写供应商。"))
    if "purchased_on" in changes:
        if changes["purchased_on"] is None:
            raise ValidationError(_("请填写采购日期。"))
        _not_future(changes["purchased_on"], _("采购日期"))
    with transaction.atomic():
        req = PurchaseRequest.objects.select_for_update().get(pk=obj.pk)
        if role_of(req.school, by) not in PURCHASERS:
            raise ValidationError(_("您的身份不能更正采购记录。"))
        if req.status not in (RS.PURCHASED, RS.ACCEPTED, RS.REIMBURSED):
            raise ValidationError(_("尚未采购，没有可更正的采购记录。"))
        changed = {k: v for k, v in changes.items() if getattr(req, k) != v}
        if not changed:
            raise ValidationError(_("没有需要更正的内容。"))
        apply_correction(obj=req, by=by, changes=changed, reason=reason)
    return req
