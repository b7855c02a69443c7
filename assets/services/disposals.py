"""报废/转让: the asset waits (待报废) for the principal's decision (workflows.DISPOSAL), which moves
the asset on (已报废, 已转让) or back to where it was."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_creation
from logistics.choices import Role

from ..choices import AssetAction, DisposalAction, DisposalKind
from ..models import DisposalRequest
from ..workflows import DISPOSAL
from .common import amount, asset_step


def asset_request_disposal(
    *, obj, by, kind: str, reason: str, recipient: str = "", proceeds=Decimal("0")
) -> DisposalRequest:
    """报废/转让 申请: the asset waits (待报废) for the principal's approval."""
    if kind not in DisposalKind.values:
        raise ValidationError({"kind": _("处置方式不正确。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写报废/转让原因。")})
    proceeds = amount(proceeds, _("处置收入"), "proceeds")
    if kind == DisposalKind.TRANSFER_OUT and not (recipient or "").strip():
        raise ValidationError({"recipient": _("转让须填写受让方。")})
    with asset_step(obj, AssetAction.REQUEST_DISPOSAL, by=by, comment=reason) as step:
        asset = step.obj
        req = DisposalRequest.objects.create(
            school_id=asset.school_id,
            asset=asset,
            kind=kind,
            reason=reason.strip()[:300],
            recipient=(recipient or "").strip()[:100],
            proceeds=proceeds,
            previous_status=step.source,
            requested_by=by,
        )
        record_creation(obj=req, by=by)
        step.notify(
            school=asset.school,
            title=_("待审批：%(k)s %(a)s") % {"k": req.get_kind_display(), "a": asset},
            url=reverse("assets:disposal_list"),
            roles=[Role.PRINCIPAL],
            dedupe_key=f"asset-disposal:{req.pk}",
        )
    return req


def _decide(*, obj, by, action, comment: str) -> DisposalRequest:
    with DISPOSAL.step(obj, action, by=by, comment=comment) as step:
        req = step.obj
        if action == DisposalAction.REJECT and not (comment or "").strip():
            raise ValidationError({"comment": _("驳回须填写原因。")})
        step.set(decided_by=by, decided_at=timezone.now(), decision_comment=(comment or "")[:300])
        if action == DisposalAction.REJECT:
            moved = AssetAction.REJECT_DISPOSAL
        elif req.kind == DisposalKind.SCRAP:
            moved = AssetAction.APPROVE_DISPOSAL
        else:
            moved = AssetAction.APPROVE_TRANSFER_OUT
        # the principal's decision, checked by the request's step, moves the asset
        with asset_step(req.asset, moved, by=by, comment=comment, cascade=True) as moving:
            if action == DisposalAction.REJECT:
                moving.go_to(req.previous_status)
    return step.obj


def disposal_approve(*, obj, by, comment: str = "") -> DisposalRequest:
    return _decide(obj=obj, by=by, action=DisposalAction.APPROVE, comment=comment)


def disposal_reject(*, obj, by, comment: str) -> DisposalRequest:
    return _decide(obj=obj, by=by, action=DisposalAction.REJECT, comment=comment)
