"""Finance cards on the dashboard: every number in one query (logistics.dashboard.counts), plus
the budget lines for the roles that see the budget card, whatever the data size."""

from django.urls import reverse
from django.utils.translation import gettext as _

from logistics.choices import Role
from logistics.dashboard import DANGER, INFO, OK, WARNING, Card, counts

from .choices import ReimbursementStatus, RequestStatus
from .models import PurchaseRequest, Reimbursement
from .selectors import waiting_for


def cards(request):
    role = getattr(request, "role", None)
    if role is None or role == Role.BUREAU:
        return []
    found = []
    school_requests = PurchaseRequest.objects.for_request(request)
    mine = school_requests.filter(requester=request.user)
    wanted = {
        "mine_rejected": mine.filter(status=RequestStatus.REJECTED),
        "mine_pending": mine.filter(
            status__in=[RequestStatus.PENDING_DIRECTOR, RequestStatus.PENDING_PRINCIPAL]
        ),
    }
    if role in (Role.DIRECTOR, Role.PRINCIPAL):
        # the same rows the approval queue lists (the principal's own loan and claim: the director's)
        found_waiting = waiting_for(request)
        wanted["waiting"] = found_waiting["requests"]
        wanted["claims"] = found_waiting["claims"]
        wanted["loans"] = found_waiting["loans"]
    if role in (Role.DIRECTOR, Role.STAFF, Role.ACCOUNTANT, Role.PRINCIPAL):
        wanted["to_buy"] = school_requests.filter(status=RequestStatus.APPROVED)
        wanted["to_accept"] = school_requests.filter(status=RequestStatus.PURCHASED)
    if role == Role.ACCOUNTANT:
        # a cashier never pays their own claim (workflows.REIMBURSEMENT): not theirs to do
        wanted["to_pay"] = (
            Reimbursement.objects.for_request(request)
            .filter(status=ReimbursementStatus.APPROVED)
            .exclude(claimant=request.user)
        )
    n = counts(**wanted)  # every number below in one query
    if "waiting" in n:
        waiting, claims, loans = n["waiting"], n.get("claims", 0), n.get("loans", 0)
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
    if n.get("to_buy") or n.get("to_accept"):
        found.append(
            Card(
                _("采购与验收"),
                n["to_buy"] + n["to_accept"],
                reverse("finance:request_list"),
                INFO,
                note=_("待采购 %(b)d · 待验收 %(a)d") % {"b": n["to_buy"], "a": n["to_accept"]},
                order=40,
            )
        )
    if "to_pay" in n:
        found.append(
            Card(
                _("报销待付款"),
                n["to_pay"],
                reverse("finance:reimbursement_list") + "?status=approved",
                WARNING if n["to_pay"] else OK,
                order=20,
            )
        )
    if role in (Role.PRINCIPAL, Role.ACCOUNTANT, Role.DIRECTOR):
        found.extend(_budget_card(request))
    if n["mine_rejected"] or n["mine_pending"]:
        found.append(
            Card(
                _("我的请购"),
                n["mine_pending"],
                reverse("finance:request_list") + "?mine=1",
                DANGER if n["mine_rejected"] else INFO,
                note=_("审批中 %(p)d · 被退回 %(r)d") % {"p": n["mine_pending"], "r": n["mine_rejected"]},
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
