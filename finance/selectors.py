"""Reads that take more than one line: budget use, queues, the monthly figures. Nothing here writes."""

import datetime
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from logistics.choices import Role

from .choices import (
    COMMITTED_REQUEST_STATUSES,
    BudgetCategory,
    FlowAction,
    LoanStatus,
    ReimbursementStatus,
    RequestStatus,
)
from .models import BudgetLine, FlowLog, IncomeEntry, Loan, LoanRepayment, PurchaseRequest, Reimbursement

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)

# Roles that see every request of the school; everyone else sees their own.
SEE_ALL_REQUESTS = frozenset({Role.PRINCIPAL, Role.DIRECTOR, Role.STAFF, Role.ACCOUNTANT, Role.BUREAU})


def visible_requests(request, qs=None):
    qs = qs if qs is not None else PurchaseRequest.objects.for_request(request)
    if request.role in SEE_ALL_REQUESTS:
        return qs
    return qs.filter(requester=request.user)


def visible_reimbursements(request):
    qs = Reimbursement.objects.for_request(request)
    if request.role in SEE_ALL_REQUESTS:
        return qs
    return qs.filter(claimant=request.user)


def visible_loans(request):
    qs = Loan.objects.for_request(request)
    if request.role in SEE_ALL_REQUESTS:
        return qs
    return qs.filter(borrower=request.user)


def budget_use(line: BudgetLine, *, exclude_request_id=None) -> dict:
    """Committed (approved requests not yet reimbursed) and spent (paid reimbursements) on a line."""
    committed_qs = PurchaseRequest.objects.filter(budget_line=line, status__in=COMMITTED_REQUEST_STATUSES)
    if exclude_request_id:
        committed_qs = committed_qs.exclude(pk=exclude_request_id)
    committed = committed_qs.aggregate(s=Coalesce(Sum(Coalesce("actual_total", "estimated_total")), ZERO))[
        "s"
    ]
    spent = Reimbursement.objects.filter(budget_line=line, status=ReimbursementStatus.PAID).aggregate(
        s=Coalesce(Sum("amount"), ZERO)
    )["s"]
    return {
        "amount": line.amount,
        "committed": committed,
        "spent": spent,
        "available": line.amount - committed - spent,
    }


def with_budget_use(qs):
    """Annotate budget lines with committed, spent and available (two subqueries, one query)."""
    committed = (
        PurchaseRequest.objects.filter(budget_line=OuterRef("pk"), status__in=COMMITTED_REQUEST_STATUSES)
        .order_by()
        .values("budget_line")
        .annotate(s=Sum(Coalesce("actual_total", "estimated_total")))
        .values("s")
    )
    spent = (
        Reimbursement.objects.filter(budget_line=OuterRef("pk"), status=ReimbursementStatus.PAID)
        .order_by()
        .values("budget_line")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return qs.annotate(
        committed=Coalesce(Subquery(committed, output_field=MONEY), Value(ZERO), output_field=MONEY),
        spent=Coalesce(Subquery(spent, output_field=MONEY), Value(ZERO), output_field=MONEY),
    )


def budget_rows(lines):
    """(line, committed, spent, available, used_pct) for annotated lines."""
    rows = []
    for line in lines:
        used = line.committed + line.spent
        pct = int(used * 100 / line.amount) if line.amount else 0
        rows.append(
            {
                "line": line,
                "committed": line.committed,
                "spent": line.spent,
                "available": line.amount - used,
                "pct": pct,
                "level": "danger" if pct > 100 else "warning" if pct >= 90 else "ok",
            }
        )
    return rows


def waiting_for(request) -> dict:
    """What waits for this person's own action, as plain querysets (no query runs here): the approval
    queue lists them and the dashboard's "待我审批" counts the very same rows.

    Requests at their step; claims to sign as witness (证明人) or in the principal's place; loans to
    decide. The principal's own loan and claim wait for the director (services.principal_step_role),
    who therefore is not the witness of the principal's own claim. Nobody sees their own papers here.
    """
    role = request.role
    requests = PurchaseRequest.objects.none()
    claims = Reimbursement.objects.none()
    loans = Loan.objects.none()
    school_requests = PurchaseRequest.objects.for_request(request)
    school_claims = Reimbursement.objects.for_request(request)
    school_loans = Loan.objects.for_request(request)
    if role == Role.DIRECTOR:
        requests = school_requests.filter(status=RequestStatus.PENDING_DIRECTOR)
        claims = school_claims.filter(
            (Q(status=ReimbursementStatus.PENDING_WITNESS) & ~Q(approver_role=Role.DIRECTOR))
            | Q(status=ReimbursementStatus.PENDING_DIRECTOR)
        )
        loans = school_loans.filter(status=LoanStatus.PENDING_DIRECTOR)
    elif role == Role.PRINCIPAL:
        requests = school_requests.filter(status=RequestStatus.PENDING_PRINCIPAL)
        claims = school_claims.filter(status=ReimbursementStatus.PENDING_PRINCIPAL)
        loans = school_loans.filter(status=LoanStatus.PENDING)
    elif role in (Role.STAFF, Role.ACCOUNTANT):
        claims = school_claims.filter(status=ReimbursementStatus.PENDING_WITNESS)
    return {
        "requests": requests.exclude(requester=request.user),
        "claims": claims.exclude(claimant=request.user),
        "loans": loans.exclude(borrower=request.user),
    }


def approval_queue(request):
    """What waits for this person's decision: requests at their step, claims to sign, loans."""
    found = waiting_for(request)
    approvals = FlowLog.objects.filter(action=FlowAction.APPROVE).select_related("by").order_by("at", "id")
    requests = (
        found["requests"]
        .select_related("requester", "budget_line")
        .prefetch_related("lines", "quotes", Prefetch("history", queryset=approvals, to_attr="approvals"))
    )
    claims = found["claims"].select_related("claimant").prefetch_related("receipts")
    loans = found["loans"].select_related("borrower")
    return requests.order_by("submitted_at"), claims.order_by("created_at"), loans.order_by("created_at")


def month_bounds(month: datetime.date):
    start = month.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, end


def statement_figures(school, month: datetime.date) -> dict:
    """收支情况 for one month: income by source, spending by category, loans; JSON-safe strings."""
    start, end = month_bounds(month)
    income = list(
        IncomeEntry.objects.filter(school=school, on__gte=start, on__lt=end)
        .values("source")
        .annotate(total=Sum("amount"))
        .order_by("source")
    )
    spending = list(
        Reimbursement.objects.filter(
            school=school, status=ReimbursementStatus.PAID, paid_on__gte=start, paid_on__lt=end
        )
        .values("budget_line__category")
        .annotate(total=Sum("amount"))
        .order_by("budget_line__category")
    )
    labels = dict(BudgetCategory.choices)
    loans = Loan.objects.filter(school=school).aggregate(
        out=Coalesce(
            Sum("amount", filter=Q(disbursed_on__gte=start, disbursed_on__lt=end)),
            Value(ZERO),
            output_field=MONEY,
        ),
        lent_before_end=Coalesce(
            Sum("amount", filter=Q(disbursed_on__lt=end)), Value(ZERO), output_field=MONEY
        ),
    )
    repayments = LoanRepayment.objects.filter(school=school).aggregate(
        in_month=Coalesce(
            Sum("amount", filter=Q(on__gte=start, on__lt=end)), Value(ZERO), output_field=MONEY
        ),
        before_end=Coalesce(Sum("amount", filter=Q(on__lt=end)), Value(ZERO), output_field=MONEY),
    )
    income_total = sum((row["total"] for row in income), ZERO)
    spending_total = sum((row["total"] for row in spending), ZERO)
    return {
        "month": start.isoformat(),
        "income": [{"label": row["source"], "amount": str(row["total"])} for row in income],
        "income_total": str(income_total),
        "spending": [
            {
                "label": str(labels.get(row["budget_line__category"], "未列预算")),
                "amount": str(row["total"]),
            }
            for row in spending
        ],
        "spending_total": str(spending_total),
        "balance": str(income_total - spending_total),
        "loans_out": str(loans["out"]),
        "loans_repaid": str(repayments["in_month"]),
        # as at the month's end: lent so far minus settled so far
        "loans_outstanding": str(loans["lent_before_end"] - repayments["before_end"]),
    }
