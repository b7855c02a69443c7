"""Finance pages. Views stay thin: parse the form, call one service, redirect (DESIGN.md rule 3)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from logistics.attachments import attachments_for
from logistics.choices import Role
from logistics.generic import ScopedCreateView, ScopedUpdateView
from logistics.permissions import can, school_view, scoped_or_404

from . import selectors, services
from .choices import (
    FlowAction,
    LoanStatus,
    ReimbursementStatus,
    RequestStatus,
    StatementStatus,
)
from .forms import (
    AcceptForm,
    BudgetLineForm,
    CorrectionForm,
    DateForm,
    DecisionForm,
    IncomeForm,
    LineFormSet,
    LoanForm,
    PurchaseForm,
    QuoteForm,
    ReceiptFormSet,
    ReimbursementForm,
    RepayForm,
    RequestForm,
    SettingsForm,
    SignForm,
    StatementForm,
)
from .models import BudgetLine, IncomeEntry, MonthlyStatement, PurchaseRequest, RequestLine

PAGE_SIZE = 50


def read_view(view):
    """Lists and details: staff who raise requests, and finance viewers (the bureau reads, never writes)."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "school", None) is None:
            raise PermissionDenied
        if not (can(request, "finance.request") or can(request, "finance.view")):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _add_errors(form, exc: ValidationError):
    for msg in exc.messages:
        form.add_error(None, msg)


def _page(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page_obj": page,
        "object_list": page.object_list,
        "is_paginated": page.has_other_pages(),
        "paginator": page.paginator,
    }


def _back(request, default):
    nxt = request.POST.get("next") or request.GET.get("next")
    # a path only: redirect() takes a bare word for a view name (NoReverseMatch: a 500)
    if (
        nxt
        and nxt.startswith("/")
        and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})
    ):
        return redirect(nxt)
    return redirect(default)


# --- purchase requests ------------------------------------------------------------------------
@read_view
def request_list(request):
    qs = selectors.visible_requests(request).select_related("requester", "budget_line")
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    mine = request.GET.get("mine") == "1"
    if status in RequestStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q))
    if mine:
        qs = qs.filter(requester=request.user)
    ctx = _page(request, qs.order_by("-submitted_at", "-id"))
    ctx.update(
        {
            "title": _("请购单"),
            "statuses": RequestStatus.choices,
            "status": status,
            "q": q,
            "mine": mine,
        }
    )
    return render(request, "finance/request_list.html", ctx)


def _department_of(request):
    m = getattr(request, "membership", None)
    return getattr(m, "department", None) if m else None


@school_view("finance.request")
def request_create(request):
    form = RequestForm(request.POST or None, request.FILES or None, school=request.school)
    formset = LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = form.cleaned_data
        try:
            req = services.purchase_request_create(
                school=request.school,
                by=request.user,
                title=d["title"],
                reason=d["reason"],
                needed_by=d["needed_by"],
                lines=formset.lines(),
                budget_line=d["budget_line"],
                department=_department_of(request),
                uploads=d["attachments"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("请购单 %(n)s 已提交，等待%(step)s。")
                % {"n": req.number, "step": req.get_status_display().replace("待", "")},
            )
            if req.budget_warning:
                messages.warning(request, req.budget_warning)
            return redirect("finance:request_detail", pk=req.pk)
    return render(
        request,
        "finance/request_form.html",
        {
            "form": form,
            "formset": formset,
            "title": _("新建请购单"),
            "settings": services.finance_settings(request.school),
        },
    )


@school_view("finance.request")
def request_revise(request, pk):
    req = scoped_or_404(request, selectors.visible_requests(request), pk=pk)
    if req.requester_id != request.user.pk or req.status != RequestStatus.REJECTED:
        raise PermissionDenied
    initial = {
        "title": req.title,
        "reason": req.reason,
        "budget_line": req.budget_line,
        "needed_by": req.needed_by,
    }
    lines_initial = [
        {
            "name": ln.name,
            "spec": ln.spec,
            "unit": ln.unit,
            "quantity": ln.quantity,
            "unit_price": ln.unit_price,
        }
        for ln in req.lines.all()
    ]
    form = RequestForm(
        request.POST or None, request.FILES or None, school=request.school, revising=True, initial=initial
    )
    formset = LineFormSet(request.POST or None, prefix="lines", initial=lines_initial)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = form.cleaned_data
        try:
            req = services.purchase_request_resubmit(
                obj=req,
                by=request.user,
                title=d["title"],
                reason=d["reason"],
                needed_by=d["needed_by"],
                lines=formset.lines(),
                budget_line=d["budget_line"],
                comment=d.get("comment", ""),
                uploads=d["attachments"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已修改并重新提交（第%(r)d轮）。") % {"r": req.round})
            return redirect("finance:request_detail", pk=req.pk)
    return render(
        request,
        "finance/request_form.html",
        {
            "form": form,
            "formset": formset,
            "title": _("修改并重新提交：%(n)s") % {"n": req.number},
            "req": req,
            "settings": services.finance_settings(request.school),
        },
    )


def _request_context(request, req):
    role = request.role
    actions = services.available_actions(
        services.REQUEST_TRANSITIONS,
        obj=req,
        status=req.status,
        user=request.user,
        role=role,
        owner=req.requester,
    )
    cfg = services.finance_settings(request.school)
    budget = services.budget_use(req.budget_line) if req.budget_line_id else None
    history = list(req.history.select_related("by").order_by("at", "id"))
    rounds = {}
    for h in history:
        rounds.setdefault(h.round, []).append(h)
    return {
        "req": req,
        "lines": list(req.lines.all()),
        "quotes": list(req.quotes.select_related("added_by")),
        "rounds": sorted(rounds.items()),
        "attachments": attachments_for(req),
        "can_decide": bool(actions & {FlowAction.APPROVE, FlowAction.REJECT})
        and can(request, "finance.approve"),
        "can_revise": FlowAction.RESUBMIT in actions,
        "can_cancel": FlowAction.CANCEL in actions,
        "can_purchase": FlowAction.PURCHASE in actions and can(request, "finance.purchase"),
        "can_correct": req.status
        in (RequestStatus.PURCHASED, RequestStatus.ACCEPTED, RequestStatus.REIMBURSED)
        and can(request, "finance.purchase"),
        "can_accept": FlowAction.ACCEPT in actions
        and can(request, "finance.purchase")
        and req.buyer_id != request.user.pk,
        "can_quote": req.status in services.QUOTE_OPEN_STATUSES
        and (req.requester_id == request.user.pk or can(request, "finance.purchase")),
        "can_reimburse": req.status == RequestStatus.ACCEPTED and can(request, "finance.request"),
        "quotes_needed": cfg.quotes_required if req.needs_quotes else 0,
        "settings": cfg,
        "budget": budget,
        "decision_form": DecisionForm(initial={"seen_status": req.status}),
    }


@read_view
def request_detail(request, pk):
    req = scoped_or_404(
        request,
        selectors.visible_requests(request).select_related(
            "requester", "budget_line", "buyer", "accepted_by", "department"
        ),
        pk=pk,
    )
    return render(request, "finance/request_detail.html", _request_context(request, req))


@school_view("finance.approve")
@require_POST
def request_decide(request, pk):
    req = scoped_or_404(request, PurchaseRequest, pk=pk)
    form = DecisionForm(request.POST)
    default = reverse("finance:request_detail", args=[req.pk])
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
        return _back(request, default)
    d = form.cleaned_data
    try:
        req, warning = services.purchase_request_decide(
            obj=req,
            by=request.user,
            approve=d["decision"] == "approve",
            comment=d["comment"],
            seen_status=d["seen_status"] or None,
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return _back(request, default)
    if warning:
        messages.warning(request, warning)
    messages.success(
        request,
        _("已%(what)s：%(title)s（%(status)s）")
        % {
            "what": _("批准") if d["decision"] == "approve" else _("退回"),
            "title": req.title,
            "status": req.get_status_display(),
        },
    )
    return _back(request, default)


@school_view("finance.request")
@require_POST
def request_cancel(request, pk):
    req = scoped_or_404(request, selectors.visible_requests(request), pk=pk)
    try:
        services.purchase_request_cancel(
            obj=req, by=request.user, comment=request.POST.get("comment", "")[:500]
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("请购单已撤销。"))
    return redirect("finance:request_detail", pk=req.pk)


@school_view("finance.request")
def quote_add(request, pk):
    req = scoped_or_404(request, selectors.visible_requests(request), pk=pk)
    form = QuoteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.quote_add(
                obj=req,
                by=request.user,
                supplier=d["supplier"],
                amount=d["amount"],
                quoted_on=d["quoted_on"],
                note=d["note"],
                upload=d["upload"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("报价已添加。"))
            return redirect("finance:request_detail", pk=req.pk)
    return render(
        request, "generic/form.html", {"form": form, "title": _("添加报价：%(n)s") % {"n": req.number}}
    )


@school_view("finance.purchase")
def request_purchase(request, pk):
    req = scoped_or_404(request, PurchaseRequest, pk=pk)
    lines = list(req.lines.all())
    cheapest = req.quotes.order_by("amount").first()
    form = PurchaseForm(
        request.POST or None, lines=lines, initial={"supplier": cheapest.supplier if cheapest else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.purchase_request_purchase(
                obj=req,
                by=request.user,
                supplier=form.cleaned_data["supplier"],
                purchased_on=form.cleaned_data["purchased_on"],
                prices=form.prices(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("采购已登记，等待验收。"))
            return redirect("finance:request_detail", pk=req.pk)
    return render(request, "finance/purchase_form.html", {"form": form, "req": req, "title": _("登记采购")})


@school_view("finance.purchase")
def request_accept(request, pk):
    from assets.services import fixed_asset_threshold

    req = scoped_or_404(request, PurchaseRequest.objects.select_related("buyer"), pk=pk)
    lines = list(req.lines.all())
    form = AcceptForm(request.POST or None, lines=lines, school=request.school)
    if request.method == "POST" and form.is_valid():
        try:
            services.purchase_request_accept(
                obj=req,
                by=request.user,
                accepted=form.accepted(),
                note=form.cleaned_data["note"],
                room=form.cleaned_data["room"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("验收完成，物品已入库或登记为固定资产。"))
            return redirect("finance:request_detail", pk=req.pk)
    return render(
        request,
        "finance/accept_form.html",
        {
            "form": form,
            "req": req,
            "title": _("验收入库"),
            "threshold": fixed_asset_threshold(request.school),
        },
    )


@school_view("finance.purchase")
def request_correct(request, pk):
    req = scoped_or_404(request, PurchaseRequest, pk=pk)
    initial = {f: getattr(req, f) for f in services.CORRECTABLE_PURCHASE_FIELDS}
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.purchase_request_correct(
                obj=req,
                by=request.user,
                changes={f: d[f] for f in services.CORRECTABLE_PURCHASE_FIELDS},
                reason=d["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已更正，变更记录中保留了更正前后的内容和原因。"))
            return redirect("finance:request_detail", pk=req.pk)
    return render(
        request, "generic/form.html", {"form": form, "title": _("更正采购记录：%(n)s") % {"n": req.number}}
    )


# --- the approval queue (phone) ---------------------------------------------------------------
@school_view("finance.approve")
def approvals(request):
    requests, claims, loans = selectors.approval_queue(request)
    requests = list(requests[:PAGE_SIZE])
    for r in requests:
        r.form = DecisionForm(initial={"seen_status": r.status})
        r.quote_list = list(r.quotes.all())
    return render(
        request,
        "finance/approvals.html",
        {
            "title": _("待我审批"),
            "requests": requests,
            "claims": list(claims[:PAGE_SIZE]),
            "loans": list(loans[:PAGE_SIZE]),
            "settings": services.finance_settings(request.school),
        },
    )


# --- reimbursements ---------------------------------------------------------------------------
@read_view
def reimbursement_list(request):
    qs = selectors.visible_reimbursements(request).select_related("claimant", "budget_line")
    status = request.GET.get("status", "")
    if status in ReimbursementStatus.values:
        qs = qs.filter(status=status)
    ctx = _page(request, qs.order_by("-created_at", "-id"))
    ctx.update({"title": _("报销单"), "statuses": ReimbursementStatus.choices, "status": status})
    return render(request, "finance/reimbursement_list.html", ctx)


@school_view("finance.request")
def reimbursement_create(request):
    initial = {}
    from_request = request.GET.get("request", "")
    if from_request.isdigit():
        req = scoped_or_404(request, selectors.visible_requests(request), pk=int(from_request))
        initial = {
            "purchase_request": req,
            "purpose": req.title,
            "amount": req.actual_total,
            "budget_line": req.budget_line,
        }
    form = ReimbursementForm(
        request.POST or None, request.FILES or None, school=request.school, user=request.user, initial=initial
    )
    formset = ReceiptFormSet(request.POST or None, prefix="receipts")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = form.cleaned_data
        try:
            reimb = services.reimbursement_create(
                school=request.school,
                by=request.user,
                purpose=d["purpose"],
                amount=d["amount"],
                receipts=formset.lines(),
                purchase_request=d["purchase_request"],
                loan=d["loan"],
                budget_line=d["budget_line"],
                uploads=d["attachments"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("报销单 %(n)s 已提交，等待证明人签字。") % {"n": reimb.number})
            return redirect("finance:reimbursement_detail", pk=reimb.pk)
    return render(
        request,
        "finance/reimbursement_form.html",
        {"form": form, "formset": formset, "title": _("新建报销单")},
    )


@read_view
def reimbursement_detail(request, pk):
    reimb = scoped_or_404(
        request,
        selectors.visible_reimbursements(request).select_related(
            "claimant", "witness", "principal_signer", "paid_by", "purchase_request", "loan", "budget_line"
        ),
        pk=pk,
    )
    actions = services.available_actions(
        services.REIMBURSEMENT_TRANSITIONS,
        obj=reimb,
        status=reimb.status,
        user=request.user,
        role=request.role,
        owner=reimb.claimant,
    )
    return render(
        request,
        "finance/reimbursement_detail.html",
        {
            "reimb": reimb,
            "receipts": list(reimb.receipts.all()),
            "history": reimb.history.select_related("by").order_by("at", "id"),
            "attachments": attachments_for(reimb),
            "can_sign": bool(
                actions & {FlowAction.WITNESS_SIGN, FlowAction.PRINCIPAL_SIGN, FlowAction.DIRECTOR_SIGN}
            )
            and reimb.witness_id != request.user.pk
            and (
                reimb.status != ReimbursementStatus.PENDING_WITNESS
                or services.may_witness(reimb, request.role)
            ),
            "can_pay": FlowAction.PAY in actions and can(request, "finance.manage"),
            "own_step": reimb.status == ReimbursementStatus.APPROVED
            and reimb.claimant_id == request.user.pk
            and request.role == Role.ACCOUNTANT,
            "sign_form": SignForm(initial={"seen_status": reimb.status}),
            "pay_form": DateForm(),
        },
    )


@school_view("finance.request")
@require_POST
def reimbursement_sign(request, pk):
    reimb = scoped_or_404(request, selectors.visible_reimbursements(request), pk=pk)
    form = SignForm(request.POST)
    default = reverse("finance:reimbursement_detail", args=[reimb.pk])
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
        return _back(request, default)
    d = form.cleaned_data
    try:
        if d["decision"] == "sign":
            reimb = services.reimbursement_sign(
                obj=reimb, by=request.user, comment=d["comment"], seen_status=d["seen_status"] or None
            )
        else:
            reimb = services.reimbursement_reject(
                obj=reimb, by=request.user, comment=d["comment"], seen_status=d["seen_status"] or None
            )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("已处理：%(s)s") % {"s": reimb.get_status_display()})
    return _back(request, default)


@school_view("finance.manage")
@require_POST
def reimbursement_pay(request, pk):
    reimb = scoped_or_404(request, selectors.visible_reimbursements(request), pk=pk)
    form = DateForm(request.POST)
    if form.is_valid():
        try:
            services.reimbursement_pay(obj=reimb, by=request.user, paid_on=form.cleaned_data["on"])
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("已付款。"))
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
    return redirect("finance:reimbursement_detail", pk=reimb.pk)


# --- loans ------------------------------------------------------------------------------------
@read_view
def loan_list(request):
    qs = selectors.visible_loans(request).select_related("borrower")
    status = request.GET.get("status", "")
    if status in LoanStatus.values:
        qs = qs.filter(status=status)
    ctx = _page(request, qs.order_by("-created_at", "-id"))
    ctx.update({"title": _("借款"), "statuses": LoanStatus.choices, "status": status})
    return render(request, "finance/loan_list.html", ctx)


@school_view("finance.request")
def loan_create(request):
    form = LoanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            loan = services.loan_create(
                school=request.school,
                by=request.user,
                purpose=d["purpose"],
                amount=d["amount"],
                settle_by=d["settle_by"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if loan.is_principals_own:
                messages.success(
                    request,
                    _("借款申请 %(n)s 已提交，等待后勤主任审批（校长本人的借款由后勤主任审批）。")
                    % {"n": loan.number},
                )
            else:
                messages.success(request, _("借款申请 %(n)s 已提交，等待校长审批。") % {"n": loan.number})
            return redirect("finance:loan_detail", pk=loan.pk)
    return render(request, "generic/form.html", {"form": form, "title": _("借款申请")})


@read_view
def loan_detail(request, pk):
    loan = scoped_or_404(
        request,
        selectors.visible_loans(request).select_related("borrower", "approved_by", "disbursed_by"),
        pk=pk,
    )
    actions = services.available_actions(
        services.LOAN_TRANSITIONS,
        obj=loan,
        status=loan.status,
        user=request.user,
        role=request.role,
        owner=loan.borrower,
    )
    return render(
        request,
        "finance/loan_detail.html",
        {
            "loan": loan,
            "repayments": loan.repayments.select_related("recorded_by", "reimbursement"),
            "history": loan.history.select_related("by").order_by("at", "id"),
            "can_decide": bool(actions & {FlowAction.APPROVE}) and can(request, "finance.approve"),
            "can_disburse": FlowAction.DISBURSE in actions and can(request, "finance.manage"),
            "can_repay": FlowAction.REPAY in actions and can(request, "finance.manage"),
            "own_step": loan.status in (LoanStatus.APPROVED, LoanStatus.DISBURSED)
            and loan.borrower_id == request.user.pk
            and request.role == Role.ACCOUNTANT,
            "decision_form": DecisionForm(initial={"seen_status": loan.status}),
            "date_form": DateForm(),
            "repay_form": RepayForm(initial={"amount": loan.outstanding}),
        },
    )


@school_view("finance.approve")
@require_POST
def loan_decide(request, pk):
    loan = scoped_or_404(request, selectors.visible_loans(request), pk=pk)
    form = DecisionForm(request.POST)
    default = reverse("finance:loan_detail", args=[loan.pk])
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.loan_decide(
                obj=loan,
                by=request.user,
                approve=d["decision"] == "approve",
                comment=d["comment"],
                seen_status=d["seen_status"] or None,
            )
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("借款已处理。"))
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
    return _back(request, default)


@school_view("finance.manage")
@require_POST
def loan_disburse(request, pk):
    loan = scoped_or_404(request, selectors.visible_loans(request), pk=pk)
    form = DateForm(request.POST)
    if form.is_valid():
        try:
            services.loan_disburse(obj=loan, by=request.user, on=form.cleaned_data["on"])
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("已借出。"))
    else:
        messages.error(request, _("请填写正确的日期。"))
    return redirect("finance:loan_detail", pk=loan.pk)


@school_view("finance.manage")
@require_POST
def loan_repay(request, pk):
    loan = scoped_or_404(request, selectors.visible_loans(request), pk=pk)
    form = RepayForm(request.POST)
    if form.is_valid():
        try:
            services.loan_repay(
                obj=loan, by=request.user, amount=form.cleaned_data["amount"], on=form.cleaned_data["on"]
            )
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("还款已登记。"))
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
    return redirect("finance:loan_detail", pk=loan.pk)


# --- budget -----------------------------------------------------------------------------------
@school_view("finance.view")
def budget(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    lines = selectors.with_budget_use(
        BudgetLine.objects.for_request(request).filter(year=year).select_related("department")
    ).order_by("category", "semester", "name")
    rows = selectors.budget_rows(lines)
    totals = {
        "amount": sum((r["line"].amount for r in rows), 0),
        "committed": sum((r["committed"] for r in rows), 0),
        "spent": sum((r["spent"] for r in rows), 0),
        "available": sum((r["available"] for r in rows), 0),
    }
    totals["pct"] = (
        int((totals["committed"] + totals["spent"]) * 100 / totals["amount"]) if totals["amount"] else 0
    )
    return render(
        request,
        "finance/budget.html",
        {
            "title": _("预算执行"),
            "rows": rows,
            "year": year,
            "totals": totals,
            "years": [year - 1, year, year + 1],
            "settings": services.finance_settings(request.school),
        },
    )


class BudgetLineCreate(ScopedCreateView):
    model = BudgetLine
    form_class = BudgetLineForm
    permission = "finance.manage"
    title = gettext_lazy("新增预算科目")
    success_url = reverse_lazy("finance:budget")

    def get_initial(self):
        return {"year": timezone.localdate().year}


class BudgetLineUpdate(ScopedUpdateView):
    model = BudgetLine
    form_class = BudgetLineForm
    permission = "finance.manage"
    title = gettext_lazy("编辑预算科目")
    success_url = reverse_lazy("finance:budget")


# --- income, statements, disclosure -----------------------------------------------------------
@school_view("finance.manage")
def income_list(request):
    form = IncomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.income_record(
                school=request.school,
                by=request.user,
                on=d["on"],
                source=d["source"],
                amount=d["amount"],
                note=d["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("收入已登记。"))
            return redirect("finance:income_list")
    ctx = _page(
        request, IncomeEntry.objects.for_request(request).select_related("recorded_by").order_by("-on", "-id")
    )
    ctx.update({"form": form, "title": _("收入登记")})
    return render(request, "finance/income_list.html", ctx)


@school_view("finance.view")
def statement_list(request):
    form = StatementForm(request.POST or None, initial={"month": timezone.localdate().replace(day=1)})
    if request.method == "POST":
        if not can(request, "finance.manage"):
            raise PermissionDenied
        if form.is_valid():
            try:
                stmt = services.statement_prepare(
                    school=request.school,
                    by=request.user,
                    month=form.cleaned_data["month"],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已生成%(s)s。") % {"s": stmt})
                return redirect("finance:statement_detail", pk=stmt.pk)
    ctx = _page(
        request, MonthlyStatement.objects.for_request(request).select_related("prepared_by", "reviewed_by")
    )
    ctx.update({"form": form, "title": _("月度收支情况")})
    return render(request, "finance/statement_list.html", ctx)


@school_view("finance.view")
def statement_detail(request, pk):
    stmt = scoped_or_404(
        request, MonthlyStatement.objects.select_related("prepared_by", "reviewed_by"), pk=pk
    )
    live = (
        selectors.statement_figures(request.school, stmt.month)
        if stmt.status == StatementStatus.DRAFT
        else None
    )
    figures = live or stmt.figures
    role = request.role
    steps = [
        s for s, (src, _t, roles) in services.STATEMENT_STEPS.items() if src == stmt.status and role in roles
    ]
    return render(
        request,
        "finance/statement_detail.html",
        {"stmt": stmt, "figures": figures, "steps": steps, "title": str(stmt)},
    )


STEP_LABELS = {
    "submit": gettext_lazy("上报校长"),
    "review": gettext_lazy("已阅"),
    "publish": gettext_lazy("公开"),
}


@school_view("finance.view")
@require_POST
def statement_advance(request, pk):
    stmt = scoped_or_404(request, MonthlyStatement, pk=pk)
    try:
        services.statement_advance(obj=stmt, by=request.user, step=request.POST.get("step", ""))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("已完成：%(s)s") % {"s": STEP_LABELS.get(request.POST.get("step"), "")})
    return redirect("finance:statement_detail", pk=stmt.pk)


@school_view("finance.disclosure")
def disclosure(request):
    statements = list(
        MonthlyStatement.objects.for_request(request)
        .filter(status=StatementStatus.PUBLISHED)
        .order_by("-month")[:12]
    )
    selected = statements[0] if statements else None
    wanted = request.GET.get("month", "")
    for s in statements:
        if s.month.strftime("%Y-%m") == wanted:
            selected = s
    purchases = []
    if selected:
        start, end = selectors.month_bounds(selected.month)
        purchases = (
            PurchaseRequest.objects.for_request(request)
            .filter(
                status__in=(RequestStatus.ACCEPTED, RequestStatus.REIMBURSED),
                accepted_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)),
                accepted_at__lt=timezone.make_aware(datetime.datetime.combine(end, datetime.time.min)),
            )
            .select_related("budget_line")
            .prefetch_related(Prefetch("lines", queryset=RequestLine.objects.order_by("position")))
            .order_by("accepted_at")
        )
    return render(
        request,
        "finance/disclosure.html",
        {"title": _("财务公开"), "statements": statements, "selected": selected, "purchases": purchases},
    )


@school_view("finance.settings")
def settings_view(request):
    cfg = services.finance_settings(request.school)
    form = SettingsForm(request.POST or None, instance=cfg)
    if request.method == "POST" and form.is_valid():
        services.settings_update(school=request.school, by=request.user, form=form)
        messages.success(request, _("财务设置已保存。"))
        return redirect("finance:settings")
    return render(request, "generic/form.html", {"form": form, "title": _("财务设置（审批规则）")})
