"""Finance cards on the dashboard: each costs one or two queries whatever the data size."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from logistics.choices import Role
from logistics.dashboard import DANGER, INFO, OK, WARNING, Card

from .choices import LoanStatus, ReimbursementStatus, RequestStatus
from .models import Loan, PurchaseRequest, Reimbursement


def cards(request):
    role = getattr(request, "role", None)
    if role is None or role == Role.BUREAU:
        return []
    found = []
    school_requests = PurchaseRequest.objects.for_request(request)
    if role in (Role.DIRECTOR, Role.PRINCIPAL):
        step = RequestStatus.PENDING_DIRECTOR if role == Role.DIRECTOR else RequestStatus.PENDING_PRINCIPAL
        waiting = school_requests.filter(status=step).exclude(requester=request.user).count()
        claims = 0
        loans = 0
        if role == Role.PRINCIPAL:
            claims = (
                Reimbursement.objects.for_request(request)
                .filter(status=ReimbursementStatus.PENDING_PRINCIPAL)
                .exclude(claimant=request.user)
                .count()
            )
            loans = (
                Loan.objects.for_request(request)
                .filter(status=LoanStatus.PENDING)
                .exclude(borrower=request.user)
                .count()
            )
        total = waiting + claims + loans
        found.append(
            Card(
                _("待我审批"),
                total,
                reverse("finance:approvals"),
                WARNING if total else OK,
                note=_("请购 %(r)d · 报销 %(c)d · 借款 %(l)d") % {"r": waiting, "c": claims, "l": loans},
                order=5,
            )
        )
    if role in (Role.DIRECTOR, Role.STAFF, Role.ACCOUNTANT, Role.PRINCIPAL):
        counts = school_requests.aggregate(
            to_buy=Count("pk", filter=Q(status=RequestStatus.APPROVED)),
            to_accept=Count("pk", filter=Q(status=RequestStatus.PURCHASED)),
        )
        if counts["to_buy"] or counts["to_accept"]:
            found.append(
                Card(
                    _("采购与验收"),
                    counts["to_buy"] + counts["to_accept"],
                    reverse("finance:request_list"),
                    INFO,
                    note=_("待采购 %(b)d · 待验收 %(a)d") % {"b": counts["to_buy"], "a": counts["to_accept"]},
                    order=40,
                )
            )
    if role == Role.ACCOUNTANT:
        to_pay = (
            Reimbursement.objects.for_request(request).filter(status=ReimbursementStatus.APPROVED).count()
        )
        found.append(
            Card(
                _("报销待付款"),
                to_pay,
                reverse("finance:reimbursement_list") + "?status=approved",
                WARNING if to_pay else OK,
                order=20,
            )
        )
    if role in (Role.PRINCIPAL, Role.ACCOUNTANT, Role.DIRECTOR):
        found.extend(_budget_card(request))
    mine = school_requests.filter(requester=request.user).aggregate(
        rejected=Count("pk", filter=Q(status=RequestStatus.REJECTED)),
        pending=Count(
            "pk", filter=Q(status__in=[RequestStatus.PENDING_DIRECTOR, RequestStatus.PENDING_PRINCIPAL])
        ),
    )
    if mine["rejected"] or mine["pending"]:
        found.append(
            Card(
                _("我的请购"),
                mine["pending"],
                reverse("finance:request_list") + "?mine=1",
                DANGER if mine["rejected"] else INFO,
                note=_("审批中 %(p)d · 被退回 %(r)d") % {"p": mine["pending"], "r": mine["rejected"]},
                order=60,
            )
        )
    return found


def _budget_card(request):
    """Budget lines of this year at or above 90% use (one query)."""
    from django.utils import timezone

    from .models import BudgetLine
    from .selectors import budget_rows, with_budget_use

    lines = with_budget_use(
        BudgetLine.objects.for_request(request).filter(year=timezone.localdate().year, is_active=True)
    )
    near = [r for r in budget_rows(lines) if r["pct"] >= 90]
    if not near:
        return []
    over = [r for r in near if r["pct"] > 100]
    return [
        Card(
            _("预算接近或超出"),
            len(near),
            reverse("finance:budget"),
            DANGER if over else WARNING,
            items=[(f"{r['line'].name} {r['pct']}%", reverse("finance:budget")) for r in near[:5]],
            order=45,
        )
    ]
