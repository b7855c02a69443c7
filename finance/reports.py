"""Finance month-end sheets (Excel and PDF through the report registry) and the month-pack gaps."""

import datetime

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import display_name
from logistics.reports import Column, Report, register
from logistics.reports.base import DATE, DATETIME, INT, MONEY

from .choices import (
    Destination,
    FlowAction,
    LoanStatus,
    ReimbursementStatus,
    RequestStatus,
    StatementStatus,
)
from .models import BudgetLine, FlowLog, Loan, MonthlyStatement, PurchaseRequest, Receipt, Reimbursement
from .selectors import budget_rows, with_budget_use

STALE_DAYS = 7


def _in_period(period, field):
    return Q(**{f"{field}__gte": period.start_datetime(), f"{field}__lt": period.end_datetime()})


@register("finance.requests", title="请购审批台账", order=500, permission="finance.view")
def purchase_requests(school, period):
    decisions = FlowLog.objects.filter(action__in=[FlowAction.APPROVE, FlowAction.REJECT]).select_related(
        "by"
    )
    qs = (
        PurchaseRequest.objects.filter(school=school)
        .filter(_in_period(period, "submitted_at") | _in_period(period, "decided_at"))
        .select_related("requester", "budget_line")
        .prefetch_related(Prefetch("history", queryset=decisions.order_by("at", "id"), to_attr="decisions"))
        .order_by("submitted_at", "id")
    )

    def rows():
        for r in qs.iterator(chunk_size=500):
            steps = [d for d in r.decisions if d.round == r.round]
            trail = "；".join(
                f"{display_name(d.by)}{d.get_action_display()}（{timezone.localtime(d.at):%m-%d}）"
                + (f"：{d.comment}" if d.comment else "")
                for d in steps
            )
            yield (
                r.number,
                r.submitted_at,
                display_name(r.requester),
                r.title,
                r.budget_line.name if r.budget_line_id else "",
                r.estimated_total,
                r.round,
                trail,
                r.get_status_display(),
            )

    return Report(
        title=_("请购审批台账"),
        columns=[
            Column(_("单号"), width=14),
            Column(_("提交时间"), DATETIME, width=18),
            Column(_("申请人"), width=10),
            Column(_("事项"), width=24),
            Column(_("预算科目"), width=16),
            Column(_("预计金额"), MONEY, width=12, total=True),
            Column(_("轮次"), INT, width=6),
            Column(_("审批记录"), width=40),
            Column(_("状态"), width=12),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("finance.purchases", title="采购验收台账", order=510, permission="finance.view")
def purchases(school, period):
    qs = (
        PurchaseRequest.objects.filter(
            school=school, purchased_on__gte=period.start, purchased_on__lte=period.end
        )
        .select_related("buyer", "accepted_by")
        .prefetch_related("lines")
        .order_by("purchased_on", "id")
    )

    def rows():
        for r in qs.iterator(chunk_size=500):
            lines = list(r.lines.all())
            items = "、".join(f"{ln.name}×{ln.quantity}" for ln in lines)
            stores = sum(1 for ln in lines if ln.destination == Destination.STORES)
            assets = sum(1 for ln in lines if ln.destination == Destination.ASSET)
            where = _("入库%(s)d项，固定资产%(a)d项") % {"s": stores, "a": assets} if r.accepted_at else ""
            yield (
                r.number,
                r.purchased_on,
                r.title,
                items,
                r.supplier,
                display_name(r.buyer),
                r.actual_total,
                display_name(r.accepted_by),
                r.accepted_at,
                where,
            )

    return Report(
        title=_("采购验收台账"),
        columns=[
            Column(_("单号"), width=14),
            Column(_("采购日期"), DATE, width=14),
            Column(_("事项"), width=20),
            Column(_("物品"), width=30),
            Column(_("供应商"), width=18),
            Column(_("采购人"), width=10),
            Column(_("实际金额"), MONEY, width=12, total=True),
            Column(_("验收人"), width=10),
            Column(_("验收时间"), DATETIME, width=18),
            Column(_("去向"), width=18),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("finance.reimbursements", title="报销台账", order=520, permission="finance.view")
def reimbursements(school, period):
    qs = (
        Reimbursement.objects.filter(school=school)
        .filter(_in_period(period, "created_at") | Q(paid_on__gte=period.start, paid_on__lte=period.end))
        .select_related("claimant", "witness", "principal_signer", "budget_line")
        .prefetch_related(Prefetch("receipts", queryset=Receipt.objects.order_by("id")))
        .order_by("created_at", "id")
    )

    def rows():
        for b in qs.iterator(chunk_size=500):
            yield (
                b.number,
                b.created_at,
                b.purpose,
                "、".join(r.invoice_number for r in b.receipts.all()),
                b.budget_line.name if b.budget_line_id else "",
                b.amount,
                display_name(b.claimant),
                display_name(b.witness),
                display_name(b.principal_signer),
                b.paid_on,
                b.get_status_display(),
            )

    return Report(
        title=_("报销台账"),
        columns=[
            Column(_("单号"), width=14),
            Column(_("提交时间"), DATETIME, width=18),
            Column(_("报销事由"), width=22),
            Column(_("发票号码"), width=22),
            Column(_("预算科目"), width=14),
            Column(_("金额"), MONEY, width=12, total=True),
            Column(_("经手人"), width=10),
            Column(_("证明人"), width=10),
            Column(_("校长"), width=10),
            Column(_("付款日期"), DATE, width=14),
            Column(_("状态"), width=12),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("finance.budget", title="预算执行情况", order=530, permission="finance.view")
def budget_use(school, period):
    year = period.end.year
    lines = with_budget_use(
        BudgetLine.objects.filter(school=school, year=year).select_related("department")
    ).order_by("category", "semester", "name")

    def rows():
        for r in budget_rows(lines):
            line = r["line"]
            yield (
                line.name,
                line.get_semester_display(),
                line.get_category_display(),
                line.department.name if line.department_id else "",
                line.amount,
                r["committed"],
                r["spent"],
                r["available"],
                f"{r['pct']}%",
            )

    return Report(
        title=_("%(year)d年预算执行情况") % {"year": year},
        columns=[
            Column(_("预算科目"), width=20),
            Column(_("期间"), width=10),
            Column(_("类别"), width=10),
            Column(_("部门"), width=10),
            Column(_("预算"), MONEY, width=14, total=True),
            Column(_("已批未报"), MONEY, width=14, total=True),
            Column(_("已报销"), MONEY, width=14, total=True),
            Column(_("可用余额"), MONEY, width=14, total=True),
            Column(_("执行率"), width=8),
        ],
        rows=rows(),
        school=school,
        period=period,
        notes=[_("已批未报：已批准尚未报销的请购；已报销：已付款的报销单。数字为报表生成时的情况。")],
        empty_text=_("本年度没有预算科目"),
    )


def month_gaps(school, period) -> list[str]:
    """Gaps for the month-pack cover (five queries)."""
    gaps = []
    cutoff = min(period.end_datetime(), timezone.now()) - datetime.timedelta(days=STALE_DAYS)
    pending = PurchaseRequest.objects.filter(
        school=school,
        status__in=[RequestStatus.PENDING_DIRECTOR, RequestStatus.PENDING_PRINCIPAL],
        submitted_at__lt=cutoff,
    ).count()
    if pending:
        gaps.append(_("%(n)d张请购单超过%(d)d天未审批") % {"n": pending, "d": STALE_DAYS})
    unaccepted = PurchaseRequest.objects.filter(
        school=school, status=RequestStatus.PURCHASED, purchased_on__lt=cutoff.date()
    ).count()
    if unaccepted:
        gaps.append(_("%(n)d张请购单已采购超过%(d)d天未验收") % {"n": unaccepted, "d": STALE_DAYS})
    overdue = list(
        Loan.objects.filter(school=school, status=LoanStatus.DISBURSED, settle_by__lt=period.end)
        .select_related("borrower")
        .order_by("settle_by")[:5]
    )
    for loan in overdue:
        gaps.append(
            _("借款「%(p)s」（%(who)s）已过预计结清日期未结清")
            % {"p": loan.purpose, "who": display_name(loan.borrower)}
        )
    unpaid = Reimbursement.objects.filter(
        school=school, status=ReimbursementStatus.APPROVED, principal_at__lt=cutoff
    ).count()
    if unpaid:
        gaps.append(_("%(n)d张报销单已签批超过%(d)d天未付款") % {"n": unpaid, "d": STALE_DAYS})
    stmt = (
        MonthlyStatement.objects.filter(school=school, month=period.start)
        .values_list("status", flat=True)
        .first()
    )
    if stmt is None or stmt == StatementStatus.DRAFT:
        gaps.append(_("%(m)s收支情况未上报校长") % {"m": period.label})
    return gaps
