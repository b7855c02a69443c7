"""公物损坏赔偿: a damage case is recorded (and noted in its asset's history), then paid or waived
(workflows.DAMAGE)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_creation
from logistics.validation import not_future

from ..choices import AssetAction, DamageAction, PartyKind
from ..models import DamageCase
from ..workflows import ASSET, DAMAGE
from .common import amount, check_room, on_field, require


def damage_record(
    *,
    school,
    by,
    occurred_on,
    description: str,
    party_kind: str,
    party_name: str,
    assessed_amount,
    asset=None,
    item_name: str = "",
    room=None,
    repair=None,
) -> DamageCase:
    require(school, by, "assets.manage")
    if occurred_on is None:
        raise ValidationError({"occurred_on": _("请填写发生日期。")})
    with on_field("occurred_on"):
        not_future(occurred_on, _("发生日期"))
    if party_kind not in PartyKind.values:
        raise ValidationError({"party_kind": _("责任方类型不正确。")})
    if not (party_name or "").strip() or not (description or "").strip():
        raise ValidationError(_("请填写经过和责任人。"))
    if asset is None and not (item_name or "").strip():
        raise ValidationError({"item_name": _("请选择资产或填写物品名称。")})
    assessed = amount(assessed_amount, _("核定赔偿金额"), "assessed_amount")
    if asset is not None and asset.school_id != school.pk:
        raise ValidationError({"asset_code": _("资产不属于本校。")})
    check_room(school, room)
    if repair is not None and repair.school_id != school.pk:
        raise ValidationError({"repair_number": _("报修单不属于本校。")})
    with transaction.atomic():
        case = DamageCase.objects.create(
            school=school,
            occurred_on=occurred_on,
            asset=asset,
            item_name=(item_name or (asset.name if asset else ""))[:100],
            room=room or (asset.room if asset else None),
            description=description.strip()[:500],
            party_kind=party_kind,
            party_name=party_name.strip()[:60],
            assessed_amount=assessed,
            repair=repair,
            recorded_by=by,
        )
        record_creation(obj=case, by=by)
        if asset is not None:
            # noted in the asset's history; the recording's own check (assets.manage) covers it
            comment = _("损坏赔偿：%(p)s，核定 %(a)s 元") % {"p": case.party_name, "a": assessed}
            ASSET.apply(asset, AssetAction.DAMAGE, by=by, comment=comment, cascade=True)
    return case


def damage_settle(*, obj, by, paid: bool, paid_amount=None, waive_reason: str = "", settled_on=None):
    """Paid (with the amount received) or waived (with a reason)."""
    action = DamageAction.PAY if paid else DamageAction.WAIVE
    with DAMAGE.step(obj, action, by=by, comment=waive_reason) as step:
        case = step.obj
        settled_on = settled_on or timezone.localdate()
        with on_field("settled_on"):
            not_future(settled_on, _("处理日期"))
        if paid:
            received = paid_amount if paid_amount is not None else case.assessed_amount
            received = amount(received, _("实收金额"), "paid_amount")
            if received > case.assessed_amount:
                raise ValidationError({"paid_amount": _("实收金额不能超过核定金额。")})
            step.set(paid_amount=received)
        else:
            if not (waive_reason or "").strip():
                raise ValidationError({"waive_reason": _("免赔须填写原因。")})
            step.set(waive_reason=waive_reason.strip()[:300])
        step.set(settled_on=settled_on)
    return step.obj
