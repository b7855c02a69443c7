"""The daily reminder of papers waiting at an approver's step (finance.tasks, idempotent per day)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.choices import Role
from logistics.notifications import notify

from ..choices import LoanStatus, ReimbursementStatus, RequestStatus
from ..models import Loan, PurchaseRequest, Reimbursement
from ..workflows import LOAN_PENDING, REIMBURSEMENT_SIGNING
from .common import url

R = Role
RS = RequestStatus


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
            LoanStatus.PENDING_DIRECTOR,
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
            ReimbursementStatus.PENDING_DIRECTOR,
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
                url=url(page, paper.pk),
                roles=[R.DIRECTOR if paper.status == at_director else R.PRINCIPAL],
                dedupe_key=f"{key}:{paper.pk}:{paper.status}:{today:%Y%m%d}",
            )
    return sent
