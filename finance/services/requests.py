"""Purchase requests (请购): raise, revise, decide (一支笔审批), cancel, quotes (货比三家), purchase,
acceptance into stores or the asset register (验收入库) and the correction of the purchase record.

The transitions are finance.workflows.REQUEST; each service adds its step's own effects."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import apply_correction, record_creation
from logistics.choices import Role
from logistics.models import display_name
from logistics.permissions import role_can, role_of
from logistics.validation import MAX_MONEY, money, not_future

from ..choices import Destination, FlowAction, RequestStatus
from ..models import BudgetLine, FinanceSettings, PurchaseRequest, Quote, RequestLine
from ..workflows import REQUEST
from .budget import budget_check
from .common import log_submit, notify_on_commit, on_field, principal_step_role, save_uploads, url

R = Role
RS = RequestStatus
ZERO = Decimal("0.00")
QUOTE_OPEN_STATUSES = (RS.PENDING_DIRECTOR, RS.PENDING_PRINCIPAL, RS.REJECTED, RS.APPROVED)
CORRECTABLE_PURCHASE_FIELDS = ("supplier", "purchased_on", "acceptance_note")


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
        price = money(line.get("unit_price"), _("第%(n)d项预计单价") % {"n": i})
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
    role = role_of(school, requester)
    if role == R.DIRECTOR:
        # The director cannot approve their own request: it goes straight to the principal.
        return RS.PENDING_PRINCIPAL, True
    if principal_step_role(role) == R.DIRECTOR:
        # The principal's own request is approved by the director alone (nobody approves their own).
        return RS.PENDING_DIRECTOR, False
    return RS.PENDING_DIRECTOR, total > FinanceSettings.for_school(school).director_limit


def _lines_data(lines, values) -> dict:
    """What the round's history row keeps: the lines as submitted and their total."""
    snapshot = [
        {
            "name": ln.name,
            "spec": ln.spec,
            "unit": ln.unit,
            "quantity": ln.quantity,
            "unit_price": str(ln.unit_price),
        }
        for ln in lines
    ]
    return {"lines": snapshot, "total": str(values["estimated_total"])}


def _clean_request(school, lines, *, title, reason, budget_line, needed_by) -> list[RequestLine]:
    """The request's own fields checked, and its lines (unsaved)."""
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写请购事项。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写申请理由。")})
    if budget_line is not None and (budget_line.school_id != school.pk or not budget_line.is_active):
        raise ValidationError({"budget_line": _("预算科目无效。")})
    if needed_by is None:
        raise ValidationError({"needed_by": _("请填写需用日期。")})
    if needed_by < timezone.localdate():
        raise ValidationError({"needed_by": _("需用日期不能早于今天。")})
    return _clean_lines(school, lines)


def _submission(school, by, line_objs, *, title, reason, budget_line, needed_by, exclude_request_id=None):
    """A submission's (first or revised) first status and the fields it sets: the text, the total, the
    route (一支笔审批), whether it needs three quotes and the budget check (a warning, or refused)."""
    total = sum((ln.unit_price * ln.quantity for ln in line_objs), ZERO)
    warning = budget_check(
        school=school, line=budget_line, amount=total, exclude_request_id=exclude_request_id
    )
    status, needs_principal = _route(school, by, total)
    return status, {
        "title": title.strip()[:100],
        "reason": reason.strip(),
        "needed_by": needed_by,
        "budget_line": budget_line,
        "estimated_total": total,
        "needs_principal": needs_principal,
        "needs_quotes": total > FinanceSettings.for_school(school).quote_threshold,
        "budget_warning": warning,
    }


def _next_approver_notice(req, status) -> dict:
    """The notice to whoever decides the request next (it waits at `status`)."""
    return {
        "school": req.school,
        "title": _("请购待审批：%(title)s（%(total)s 元）")
        % {"title": req.title, "total": req.estimated_total},
        "body": _("申请人：%(who)s") % {"who": display_name(req.requester)},
        "url": url("request_detail", req.pk),
        "roles": [R.DIRECTOR if status == RS.PENDING_DIRECTOR else R.PRINCIPAL],
        "dedupe_key": f"finance-req:{req.pk}:{req.round}:{status}",
    }


def _save_lines(req, line_objs):
    for ln in line_objs:
        ln.request = req
    RequestLine.objects.bulk_create(line_objs)


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
    """Raise (and submit) a purchase request. The total is computed from the lines (never typed)."""
    role = role_of(school, by)
    if role is None:
        raise ValidationError(_("您不是本校成员。"))
    fields = dict(title=title, reason=reason, needed_by=needed_by, budget_line=budget_line)
    line_objs = _clean_request(school, lines, **fields)
    with transaction.atomic():
        status, values = _submission(school, by, line_objs, **fields)
        req = PurchaseRequest.objects.create(
            school=school, requester=by, department=department, status=status, **values
        )
        req.number = f"QG{req.created_at:%Y}{req.pk:05d}"
        req.save(update_fields=["number"])
        _save_lines(req, line_objs)
        save_uploads(school, by, uploads, req)
        log_submit(obj=req, by=by, role=role, data=_lines_data(line_objs, values))
        notify_on_commit(**_next_approver_notice(req, status))
    return req


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
    fields = dict(title=title, reason=reason, needed_by=needed_by, budget_line=budget_line)
    line_objs = _clean_request(school, lines, **fields)
    with REQUEST.step(obj, FlowAction.RESUBMIT, by=by, comment=comment) as step:
        req = step.obj
        status, values = _submission(school, by, line_objs, exclude_request_id=req.pk, **fields)
        step.go_to(status)
        step.set(**values, round=req.round + 1, submitted_at=timezone.now())
        req.lines.all().delete()
        _save_lines(req, line_objs)
        save_uploads(school, by, uploads, req)
        step.data.update(_lines_data(line_objs, values))
        step.notify(**_next_approver_notice(req, status))
    return step.obj


def _check_quotes(req) -> None:
    cfg = FinanceSettings.for_school(req.school)
    have = req.quotes.count()
    if req.needs_quotes and have < cfg.quotes_required:
        raise ValidationError(
            _("金额超过 %(limit)s 元，须货比三家：审批前需要 %(need)d 家报价，目前只有 %(have)d 家。")
            % {"limit": cfg.quote_threshold, "need": cfg.quotes_required, "have": have}
        )


def purchase_request_decide(
    *, obj: PurchaseRequest, by, approve: bool, comment: str = "", seen_status: str | None = None
) -> tuple[PurchaseRequest, str]:
    """Approve or reject in one step. Returns (request, budget warning or '').

    `seen_status` is the status the approver was looking at: if someone else decided in the meantime,
    the row lock makes this call wait, then it sees the new status and refuses, naming who decided."""
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("退回必须填写原因。")})
    action = FlowAction.APPROVE if approve else FlowAction.REJECT
    warning = ""
    with REQUEST.step(obj, action, by=by, comment=comment, seen_status=seen_status) as step:
        req = step.obj
        if approve:
            if req.needs_quotes:
                _check_quotes(req)
            # the director's step is final up to the limit; the principal's always is
            final = step.source == RS.PENDING_PRINCIPAL or not req.needs_principal
            step.go_to(RS.APPROVED if final else RS.PENDING_PRINCIPAL)
            if final:
                warning = budget_check(
                    school=req.school,
                    line=req.budget_line,
                    amount=req.estimated_total,
                    exclude_request_id=req.pk,
                )
                step.set(decided_at=timezone.now(), budget_warning=warning)
        if step.target == RS.PENDING_PRINCIPAL:
            step.notify(**_next_approver_notice(req, step.target))
        else:
            verdict = _("已批准") if approve else _("被退回")
            step.notify(
                school=req.school,
                title=_("您的请购「%(title)s」%(verdict)s") % {"title": req.title, "verdict": verdict},
                body=comment + (("\n" + warning) if warning else ""),
                url=url("request_detail", req.pk),
                users=[req.requester],
                dedupe_key=f"finance-req-decided:{req.pk}:{req.round}:{step.target}",
            )
            if step.target == RS.APPROVED:
                step.notify(
                    school=req.school,
                    title=_("请购已批准，待采购：%(title)s") % {"title": req.title},
                    url=url("request_detail", req.pk),
                    roles=[R.STAFF],
                    dedupe_key=f"finance-req-buy:{req.pk}",
                )
    return step.obj, warning


def purchase_request_cancel(*, obj: PurchaseRequest, by, comment: str = "") -> PurchaseRequest:
    return REQUEST.apply(obj, FlowAction.CANCEL, by=by, comment=comment)


def quote_add(
    *, obj: PurchaseRequest, by, supplier: str, amount, quoted_on: datetime.date, note: str = "", upload=None
) -> Quote:
    supplier = (supplier or "").strip()
    if not supplier:
        raise ValidationError({"supplier": _("请填写供应商。")})
    with on_field("amount"):
        amount = money(amount, _("报价金额"))
    with on_field("quoted_on"):
        not_future(quoted_on, _("报价日期"))
    taken = ValidationError({"supplier": _("已有供应商「%(s)s」的报价。") % {"s": supplier}})
    with transaction.atomic():
        req = PurchaseRequest.objects.select_for_update().get(pk=obj.pk)
        if req.status not in QUOTE_OPEN_STATUSES:
            raise ValidationError(_("当前状态「%(s)s」不能再添加报价。") % {"s": req.get_status_display()})
        if by.pk != req.requester_id and not role_can(role_of(req.school_id, by), "finance.purchase"):
            raise ValidationError(_("只有申请人或采购人员可以添加报价。"))
        if req.quotes.filter(supplier=supplier).exists():
            raise taken
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
            raise taken from exc
        if upload is not None:
            save_uploads(req.school, by, [upload], quote)
        record_creation(obj=quote, by=by)
    return quote


def purchase_request_purchase(
    *, obj: PurchaseRequest, by, supplier: str, purchased_on: datetime.date, prices: dict
) -> PurchaseRequest:
    """Record the purchase: supplier, date and the actual unit price of every line."""
    supplier = (supplier or "").strip()
    if not supplier:
        raise ValidationError({"supplier": _("请填写供应商。")})
    if purchased_on is None:
        raise ValidationError({"purchased_on": _("请填写采购日期。")})
    with on_field("purchased_on"):
        not_future(purchased_on, _("采购日期"))
    with REQUEST.step(obj, FlowAction.PURCHASE, by=by) as step:
        req = step.obj
        lines = list(req.lines.all())
        total = ZERO
        for ln in lines:
            field = f"price_{ln.pk}"
            if ln.pk not in prices or prices[ln.pk] in (None, ""):
                raise ValidationError({field: _("请填写「%(name)s」的实际单价。") % {"name": ln.name}})
            with on_field(field):
                ln.actual_unit_price = money(prices[ln.pk], _("「%(name)s」实际单价") % {"name": ln.name})
            total += ln.actual_unit_price * ln.quantity
        if total > MAX_MONEY:
            raise ValidationError(_("合计金额过大，请核对。"))
        RequestLine.objects.bulk_update(lines, ["actual_unit_price"])
        step.set(supplier=supplier[:100], purchased_on=purchased_on, buyer=by, actual_total=total)
        step.comment = _("供应商：%(s)s，实际金额 %(t)s 元") % {"s": supplier, "t": total}
        step.data["prices"] = {str(ln.pk): str(ln.actual_unit_price) for ln in lines}
        step.notify(
            school=req.school,
            title=_("已采购，待验收：%(title)s") % {"title": req.title},
            url=url("request_detail", req.pk),
            users=[req.requester],
            roles=[R.DIRECTOR],
            dedupe_key=f"finance-req-accept:{req.pk}",
        )
    return step.obj


def _accepted_counts(lines, accepted, note) -> dict:
    counts = {}
    for ln in lines:
        field = f"qty_{ln.pk}"
        try:
            qty = int(accepted.get(ln.pk))
        except (TypeError, ValueError) as exc:
            raise ValidationError({field: _("请填写「%(name)s」的验收数量。") % {"name": ln.name}}) from exc
        if not 0 <= qty <= ln.quantity:
            raise ValidationError(
                {field: _("「%(name)s」的验收数量应在0到%(q)d之间。") % {"name": ln.name, "q": ln.quantity}}
            )
        counts[ln.pk] = qty
    if not any(counts.values()):
        raise ValidationError(_("没有验收合格的物品：全部拒收请与供应商退换后再验收。"))
    if any(counts[ln.pk] < ln.quantity for ln in lines) and not note:
        raise ValidationError({"note": _("有物品未全部验收合格，请在验收意见中说明原因。")})
    return counts


def purchase_request_accept(
    *, obj: PurchaseRequest, by, accepted: dict, note: str = "", room=None
) -> PurchaseRequest:
    """验收: item by item, by someone other than the buyer; accepted items go into stores (below the
    fixed-asset threshold) or the asset register (at or above it) through the assets app's services."""
    from assets.services import assets_register_from_purchase, fixed_asset_threshold, stores_stock_in

    note = (note or "").strip()
    with REQUEST.step(obj, FlowAction.ACCEPT, by=by, comment=note) as step:
        req = step.obj
        if req.buyer_id == by.pk:
            raise ValidationError(_("验收人不能是采购人本人。"))
        if room is not None and room.school_id != req.school_id:
            raise ValidationError({"room": _("存放地点无效。")})
        lines = list(req.lines.all())
        counts = _accepted_counts(lines, accepted, note)
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
        step.set(accepted_by=by, accepted_at=timezone.now(), acceptance_note=note)
        step.data["accepted"] = {str(k): v for k, v in counts.items()}
        step.notify(
            school=req.school,
            title=_("已验收入库：%(title)s，可以报销") % {"title": req.title},
            url=url("request_detail", req.pk),
            users=[u for u in (req.buyer, req.requester) if u is not None],
            dedupe_key=f"finance-req-accepted:{req.pk}",
        )
    return step.obj


def purchase_request_correct(*, obj: PurchaseRequest, by, changes: dict, reason: str) -> PurchaseRequest:
    """Correct the purchase record (supplier, date, acceptance note) with a reason; the change log keeps
    before and after. Approvals themselves are never edited."""
    unknown = set(changes) - set(CORRECTABLE_PURCHASE_FIELDS)
    if unknown:
        raise ValidationError(_("这些字段不能更正：%(f)s") % {"f": "、".join(sorted(unknown))})
    if "supplier" in changes and not (changes["supplier"] or "").strip():
        raise ValidationError({"supplier": _("请填写供应商。")})
    if "purchased_on" in changes:
        if changes["purchased_on"] is None:
            raise ValidationError({"purchased_on": _("请填写采购日期。")})
        with on_field("purchased_on"):
            not_future(changes["purchased_on"], _("采购日期"))
    with transaction.atomic():
        req = PurchaseRequest.objects.select_for_update().get(pk=obj.pk)
        if not role_can(role_of(req.school_id, by), "finance.purchase"):
            raise ValidationError(_("您的身份不能更正采购记录。"))
        if req.status not in (RS.PURCHASED, RS.ACCEPTED, RS.REIMBURSED):
            raise ValidationError(_("尚未采购，没有可更正的采购记录。"))
        changed = {k: v for k, v in changes.items() if getattr(req, k) != v}
        if not changed:
            raise ValidationError(_("没有需要更正的内容。"))
        with on_field("reason"):
            apply_correction(obj=req, by=by, changes=changed, reason=reason)
    return req
