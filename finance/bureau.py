"""Finance figures for the education bureau's view: budget use per school (fixed query count)."""

from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .choices import COMMITTED_REQUEST_STATUSES, ReimbursementStatus, RequestStatus
from .models import BudgetLine, PurchaseRequest, Reimbursement

ZERO = Decimal("0.00")


def metrics(schools, period) -> dict:
    """{school id: [("预算执行", "63%", level), (_("待审批请购"), n, level)]} for the period's year."""
    ids = [s.pk for s in schools]
    year = period.end.year
    budget = dict(
        BudgetLine.objects.filter(school_id__in=ids, year=year, is_active=True)
        .values("school_id")
        .annotate(s=Sum("amount"))
        .values_list("school_id", "s")
    )
    committed = dict(
        PurchaseRequest.objects.filter(
            school_id__in=ids, budget_line__year=year, status__in=COMMITTED_REQUEST_STATUSES
        )
        .values("school_id")
        .annotate(s=Sum(Coalesce("actual_total", "estimated_total")))
        .values_list("school_id", "s")
    )
    spent = dict(
        Reimbursement.objects.filter(
            school_id__in=ids, budget_line__year=year, status=ReimbursementStatus.PAID
        )
        .values("school_id")
        .annotate(s=Sum("amount"))
        .values_list("school_id", "s")
    )
    pending = dict(
        PurchaseRequest.objects.filter(
            school_id__in=ids,
            status__in=[RequestStatus.PENDING_DIRECTOR, RequestStatus.PENDING_PRINCIPAL],
        )
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    result = {}
    for sid in ids:
        total = budget.get(sid) or ZERO
        used = (committed.get(sid) or ZERO) + (spent.get(sid) or ZERO)
        rows = []
        if total:
            pct = int(used * 100 / total)
            level = "danger" if pct > 100 else "warning" if pct >= 90 else "ok"
            rows.append((_("预算执行"), f"{pct}%", level))
        else:
            rows.append((_("预算执行"), _("未编预算"), "warning"))
        n = int(pending.get(sid) or 0)
        rows.append((_("待审批请购"), n, "warning" if n > 10 else "ok"))
        result[sid] = rows
    return result
