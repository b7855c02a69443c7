"""Finance pages. Views stay thin: parse the form, call one service, redirect (DESIGN.md rule 3).

A POST that changes one paper is an ActionView (logistics.actions): scoped load (another school's or,
for a teacher, someone else's paper is a 404), form, service, errors on their fields (or, for a button
on a detail page, in messages), message and a safe return to `next` or the paper's page. The buttons a
page offers come from the workflows' tables (finance.workflows, `WF.allowed`)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.actions import PAGE_SIZE, ActionView, SettingsView, errors_to_form, page
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
    StatementAction,
    StatementStatus,
)
from .forms import (
    AcceptForm,
    BudgetLineForm,
    CancelForm,
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
    StepForm,
)
from .models import (
    BudgetLine,
    FinanceSettings,
    IncomeEntry,
    MonthlyStatement,
    PurchaseRequest,
    RequestLine,
)
from .workflows import LOAN, REIMBURSEMENT, REQUEST, SIGN_ACTIONS, STATEMENT

# Lists and details: staff who raise requests, and finance viewers (the bureau reads, never writes).
READ = ("finance.request", "finance.view")
DECISIONS = {FlowAction.APPROVE, FlowAction.REJECT}


class PaperAction(ActionView):
    """A button (or form) on one paper's page: it returns to that page (`detail` names its URL).

    `visible` is the selector of the papers the user may reach (a teacher: their own); else the
    school's `model` rows."""

    detail = ""
    visible = None

    def get_queryset(self):
        return self.visible(self.request) if self.visible else super().get_queryset()

    def get_success_url(self, obj):
        return reverse(f"finance:{self.detail}", args=[obj.pk])


# --- purchase requests ------------------------------------------------------------------------
@school_view(*READ)
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
    ctx = page(request, qs.order_by("-submitted_at", "-id"))
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


def _request_form_page(request, form, formset, title, **extra):
    """The request form again (400 after a refused POST: nothing was written)."""
    return render(
        request,
        "finance/request_form.html",
        {
            "form": form,
            "formset": formset,
            "title": title,
            "settings": FinanceSettings.for_school(request.school),
            **extra,
        },
        status=400 if request.method == "POST" else 200,
    )


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
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("请购单 %(n)s 已提交，等待%(step)s。")
                % {"n": req.number, "step": req.get_status_display().replace("待", "")},
            )
            if req.budget_warning:
                messages.warning(request, req.budget_warning)
            return redirect("finance:request_detail", pk=req.pk)
    return _request_form_page(request, form, formset, _("新建请购单"))


@school_view("finance.request")
def request_revise(request, pk):
    req = scoped_or_404(request, selectors.visible_requests(request), pk=pk)
    if FlowAction.RESUBMIT not in REQUEST.allowed(req, user=request.user, role=request.role):
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
            errors_to_form(form, exc)
        else:
            messages.success(request, _("已修改并重新提交（第%(r)d轮）。") % {"r": req.round})
            return redirect("finance:request_detail", pk=req.pk)
    title = _("修改并重新提交：%(n)s") % {"n": req.number}
    return _request_form_page(request, form, formset, title, req=req)


def _request_context(request, req):
    actions = REQUEST.allowed(req, user=request.user, role=request.role)
    cfg = FinanceSettings.for_school(request.school)
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
        "can_decide": bool(actions & DECISIONS),
        "can_revise": FlowAction.RESUBMIT in actions,
        "can_cancel": FlowAction.CANCEL in actions,
        "can_purchase": FlowAction.PURCHASE in actions,
        "can_correct": req.status
        in (RequestStatus.PURCHASED, RequestStatus.ACCEPTED, RequestStatus.REIMBURSED)
        and can(request, "finance.purchase"),
        # the buyer does not accept what they bought
        "can_accept": FlowAction.ACCEPT in actions and req.buyer_id != request.user.pk,
        "can_quote": req.status in services.QUOTE_OPEN_STATUSES
        and (req.requester_id == request.user.pk or can(request, "finance.purchase")),
        "can_reimburse": req.status == RequestStatus.ACCEPTED and can(request, "finance.request"),
        "quotes_needed": cfg.quotes_required if req.needs_quotes else 0,
        "settings": cfg,
        "budget": selectors.budget_use(req.budget_line) if req.budget_line_id else None,
    }


@school_view(*READ)
def request_detail(request, pk):
    req = scoped_or_404(
        request,
        selectors.visible_requests(request).select_related(
            "requester", "budget_line", "buyer", "accepted_by", "department"
        ),
        pk=pk,
    )
    return render(request, "finance/request_detail.html", _request_context(request, req))


class RequestDecide(PaperAction):
    """批准 or 退回, from the request's page or the approval queue (`next`)."""

    permission = "finance.approve"
    model = PurchaseRequest
    form_class = DecisionForm
    detail = "request_detail"

    def perform(self, obj, form):
        d = form.cleaned_data
        self.approve = d["decision"] == "approve"
        req, self.warning = services.purchase_request_decide(
            obj=obj,
            by=self.request.user,
            approve=self.approve,
            comment=d["comment"],
            seen_status=d["seen_status"] or None,
        )
        return req

    def get_success_message(self, obj):
        if self.warning:
            messages.warning(self.request, self.warning)
        return _("已%(what)s：%(title)s（%(status)s）") % {
            "what": _("批准") if self.approve else _("退回"),
            "title": obj.title,
            "status": obj.get_status_display(),
        }


class RequestCancel(PaperAction):
    permission = "finance.request"
    form_class = CancelForm
    detail = "request_detail"
    visible = staticmethod(selectors.visible_requests)
    success_message = gettext_lazy("请购单已撤销。")

    def perform(self, obj, form):
        comment = form.cleaned_data["comment"][:500]
        return services.purchase_request_cancel(obj=obj, by=self.request.user, comment=comment)


class QuoteAdd(PaperAction):
    permission = "finance.request"
    form_class = QuoteForm
    template_name = "generic/form.html"
    detail = "request_detail"
    visible = staticmethod(selectors.visible_requests)
    success_message = gettext_lazy("报价已添加。")

    def get_context_data(self, **kwargs):
        title = _("添加报价：%(n)s") % {"n": self.object.number}
        return super().get_context_data(**kwargs) | {"title": title}

    def perform(self, obj, form):
        d = form.cleaned_data
        services.quote_add(
            obj=obj,
            by=self.request.user,
            supplier=d["supplier"],
            amount=d["amount"],
            quoted_on=d["quoted_on"],
            note=d["note"],
            upload=d["upload"],
        )
        return obj


class RequestPurchase(PaperAction):
    permission = "finance.purchase"
    model = PurchaseRequest
    form_class = PurchaseForm
    template_name = "finance/purchase_form.html"
    title = gettext_lazy("登记采购")
    detail = "request_detail"
    success_message = gettext_lazy("采购已登记，等待验收。")

    def get_form_kwargs(self):
        cheapest = self.object.quotes.order_by("amount").first()
        return super().get_form_kwargs() | {
            "lines": list(self.object.lines.all()),
            "initial": {"supplier": cheapest.supplier if cheapest else ""},
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"req": self.object}

    def perform(self, obj, form):
        return services.purchase_request_purchase(
            obj=obj,
            by=self.request.user,
            supplier=form.cleaned_data["supplier"],
            purchased_on=form.cleaned_data["purchased_on"],
            prices=form.prices(),
        )


class RequestAccept(PaperAction):
    permission = "finance.purchase"
    form_class = AcceptForm
    template_name = "finance/accept_form.html"
    title = gettext_lazy("验收入库")
    detail = "request_detail"
    success_message = gettext_lazy("验收完成，物品已入库或登记为固定资产。")

    def get_queryset(self):
        return PurchaseRequest.objects.for_request(self.request).select_related("buyer")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {
            "lines": list(self.object.lines.all()),
            "school": self.request.school,
        }

    def get_context_data(self, **kwargs):
        from assets.services import fixed_asset_threshold

        threshold = fixed_asset_threshold(self.request.school)
        return super().get_context_data(**kwargs) | {"req": self.object, "threshold": threshold}

    def perform(self, obj, form):
        return services.purchase_request_accept(
            obj=obj,
            by=self.request.user,
            accepted=form.accepted(),
            note=form.cleaned_data["note"],
            room=form.cleaned_data["room"],
        )


class RequestCorrect(PaperAction):
    permission = "finance.purchase"
    model = PurchaseRequest
    form_class = CorrectionForm
    template_name = "generic/form.html"
    detail = "request_detail"
    success_message = gettext_lazy("已更正，变更记录中保留了更正前后的内容和原因。")

    def get_form_kwargs(self):
        initial = {f: getattr(self.object, f) for f in services.CORRECTABLE_PURCHASE_FIELDS}
        return super().get_form_kwargs() | {"initial": initial}

    def get_context_data(self, **kwargs):
        title = _("更正采购记录：%(n)s") % {"n": self.object.number}
        return super().get_context_data(**kwargs) | {"title": title}

    def perform(self, obj, form):
        d = form.cleaned_data
        return services.purchase_request_correct(
            obj=obj,
            by=self.request.user,
            changes={f: d[f] for f in services.CORRECTABLE_PURCHASE_FIELDS},
            reason=d["reason"],
        )


# --- the approval queue (phone) ---------------------------------------------------------------
@school_view("finance.approve")
def approvals(request):
    requests, claims, loans = selectors.approval_queue(request)
    requests = list(requests[:PAGE_SIZE])
    for r in requests:
        r.quote_list = list(r.quotes.all())
    return render(
        request,
        "finance/approvals.html",
        {
            "title": _("待我审批"),
            "requests": requests,
            "claims": list(claims[:PAGE_SIZE]),
            "loans": list(loans[:PAGE_SIZE]),
            "settings": FinanceSettings.for_school(request.school),
        },
    )


# --- reimbursements ---------------------------------------------------------------------------
@school_view(*READ)
def reimbursement_list(request):
    qs = selectors.visible_reimbursements(request).select_related("claimant", "budget_line")
    status = request.GET.get("status", "")
    if status in ReimbursementStatus.values:
        qs = qs.filter(status=status)
    ctx = page(request, qs.order_by("-created_at", "-id"))
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
            errors_to_form(form, exc)
        else:
            messages.success(request, _("报销单 %(n)s 已提交，等待证明人签字。") % {"n": reimb.number})
            return redirect("finance:reimbursement_detail", pk=reimb.pk)
    return render(
        request,
        "finance/reimbursement_form.html",
        {"form": form, "formset": formset, "title": _("新建报销单")},
        status=400 if request.method == "POST" else 200,
    )


@school_view(*READ)
def reimbursement_detail(request, pk):
    reimb = scoped_or_404(
        request,
        selectors.visible_reimbursements(request).select_related(
            "claimant", "witness", "principal_signer", "paid_by", "purchase_request", "loan", "budget_line"
        ),
        pk=pk,
    )
    actions = REIMBURSEMENT.allowed(reimb, user=request.user, role=request.role)
    return render(
        request,
        "finance/reimbursement_detail.html",
        {
            "reimb": reimb,
            "receipts": list(reimb.receipts.all()),
            "history": reimb.history.select_related("by").order_by("at", "id"),
            "attachments": attachments_for(reimb),
            "can_sign": bool(actions & set(SIGN_ACTIONS.values()))
            and reimb.witness_id != request.user.pk
            and (
                reimb.status != ReimbursementStatus.PENDING_WITNESS
                or services.may_witness(reimb, request.role)
            ),
            "can_pay": FlowAction.PAY in actions,
            "own_step": reimb.status == ReimbursementStatus.APPROVED
            and reimb.claimant_id == request.user.pk
            and request.role == Role.ACCOUNTANT,
            "pay_form": DateForm(),
        },
    )


class ReimbursementSign(PaperAction):
    """签字同意 or 退回, whichever signature the claim waits for."""

    permission = "finance.request"
    form_class = SignForm
    detail = "reimbursement_detail"
    visible = staticmethod(selectors.visible_reimbursements)

    def perform(self, obj, form):
        d = form.cleaned_data
        decide = services.reimbursement_sign if d["decision"] == "sign" else services.reimbursement_reject
        return decide(
            obj=obj, by=self.request.user, comment=d["comment"], seen_status=d["seen_status"] or None
        )

    def get_success_message(self, obj):
        return _("已处理：%(s)s") % {"s": obj.get_status_display()}


class ReimbursementPay(PaperAction):
    permission = "finance.manage"
    form_class = DateForm
    detail = "reimbursement_detail"
    visible = staticmethod(selectors.visible_reimbursements)
    success_message = gettext_lazy("已付款。")

    def perform(self, obj, form):
        return services.reimbursement_pay(obj=obj, by=self.request.user, paid_on=form.cleaned_data["on"])


# --- loans ------------------------------------------------------------------------------------
@school_view(*READ)
def loan_list(request):
    qs = selectors.visible_loans(request).select_related("borrower")
    status = request.GET.get("status", "")
    if status in LoanStatus.values:
        qs = qs.filter(status=status)
    ctx = page(request, qs.order_by("-created_at", "-id"))
    ctx.update({"title": _("借款"), "statuses": LoanStatus.choices, "status": status})
    return render(request, "finance/loan_list.html", ctx)


class LoanCreate(ActionView):
    permission = "finance.request"
    form_class = LoanForm
    template_name = "generic/form.html"
    title = gettext_lazy("借款申请")

    def perform(self, obj, form):
        d = form.cleaned_data
        return services.loan_create(
            school=self.request.school,
            by=self.request.user,
            purpose=d["purpose"],
            amount=d["amount"],
            settle_by=d["settle_by"],
        )

    def get_success_url(self, obj):
        return reverse("finance:loan_detail", args=[obj.pk])

    def get_success_message(self, obj):
        if obj.is_principals_own:
            return _("借款申请 %(n)s 已提交，等待后勤主任审批（校长本人的借款由后勤主任审批）。") % {
                "n": obj.number
            }
        return _("借款申请 %(n)s 已提交，等待校长审批。") % {"n": obj.number}


@school_view(*READ)
def loan_detail(request, pk):
    loan = scoped_or_404(
        request,
        selectors.visible_loans(request).select_related("borrower", "approved_by", "disbursed_by"),
        pk=pk,
    )
    actions = LOAN.allowed(loan, user=request.user, role=request.role)
    return render(
        request,
        "finance/loan_detail.html",
        {
            "loan": loan,
            "repayments": loan.repayments.select_related("recorded_by", "reimbursement"),
            "history": loan.history.select_related("by").order_by("at", "id"),
            "can_decide": FlowAction.APPROVE in actions,
            "can_disburse": FlowAction.DISBURSE in actions,
            "can_repay": FlowAction.REPAY in actions,
            "own_step": loan.status in (LoanStatus.APPROVED, LoanStatus.DISBURSED)
            and loan.borrower_id == request.user.pk
            and request.role == Role.ACCOUNTANT,
            "date_form": DateForm(),
            "repay_form": RepayForm(initial={"amount": loan.outstanding}),
        },
    )


class LoanDecide(PaperAction):
    permission = "finance.approve"
    form_class = DecisionForm
    detail = "loan_detail"
    visible = staticmethod(selectors.visible_loans)
    success_message = gettext_lazy("借款已处理。")

    def perform(self, obj, form):
        d = form.cleaned_data
        return services.loan_decide(
            obj=obj,
            by=self.request.user,
            approve=d["decision"] == "approve",
            comment=d["comment"],
            seen_status=d["seen_status"] or None,
        )


class LoanDisburse(PaperAction):
    permission = "finance.manage"
    form_class = DateForm
    detail = "loan_detail"
    visible = staticmethod(selectors.visible_loans)
    success_message = gettext_lazy("已借出。")

    def perform(self, obj, form):
        return services.loan_disburse(obj=obj, by=self.request.user, on=form.cleaned_data["on"])


class LoanRepay(PaperAction):
    permission = "finance.manage"
    form_class = RepayForm
    detail = "loan_detail"
    visible = staticmethod(selectors.visible_loans)
    success_message = gettext_lazy("还款已登记。")

    def perform(self, obj, form):
        d = form.cleaned_data
        return services.loan_repay(obj=obj, by=self.request.user, amount=d["amount"], on=d["on"])


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
            "settings": FinanceSettings.for_school(request.school),
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
            errors_to_form(form, exc)
        else:
            messages.success(request, _("收入已登记。"))
            return redirect("finance:income_list")
    ctx = page(
        request, IncomeEntry.objects.for_request(request).select_related("recorded_by").order_by("-on", "-id")
    )
    ctx.update({"form": form, "title": _("收入登记")})
    return render(request, "finance/income_list.html", ctx, status=400 if form.errors else 200)


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
                errors_to_form(form, exc)
            else:
                messages.success(request, _("已生成%(s)s。") % {"s": stmt})
                return redirect("finance:statement_detail", pk=stmt.pk)
    ctx = page(
        request, MonthlyStatement.objects.for_request(request).select_related("prepared_by", "reviewed_by")
    )
    ctx.update({"form": form, "title": _("月度收支情况")})
    return render(request, "finance/statement_list.html", ctx, status=400 if form.errors else 200)


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
    steps = sorted(STATEMENT.allowed(stmt, user=request.user, role=request.role))
    return render(
        request,
        "finance/statement_detail.html",
        {"stmt": stmt, "figures": live or stmt.figures, "steps": steps, "title": str(stmt)},
    )


class StatementAdvance(PaperAction):
    """上报校长, 已阅 or 公开: the step the button names."""

    permission = "finance.view"
    model = MonthlyStatement
    form_class = StepForm
    detail = "statement_detail"

    def perform(self, obj, form):
        return services.statement_advance(obj=obj, by=self.request.user, step=form.cleaned_data["step"])

    def get_success_message(self, obj):
        step = self.request.POST.get("step")
        label = StatementAction(step).label if step in StatementAction.values else ""
        return _("已完成：%(s)s") % {"s": label}


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


class Settings(SettingsView):
    settings_model = FinanceSettings
    permission = "finance.settings"
    form_class = SettingsForm
    title = gettext_lazy("财务设置（审批规则）")
    success_message = gettext_lazy("财务设置已保存。")
    success_url = reverse_lazy("finance:settings")
