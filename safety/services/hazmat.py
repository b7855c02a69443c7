"""Hazardous materials and disinfectants (危险品及清洁消毒用品): received and issued by their keeper
(or a manager), within the per-issue limit, never below zero."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from logistics.audit import record_creation

from ..choices import HazmatMovementKind
from ..models import HazardousMaterial, HazmatMovement
from .common import require

MAX_QUANTITY = Decimal("100000")


def _check_quantity(quantity):
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": _("数量必须大于0。")})
    if quantity.as_tuple().exponent < -2:
        raise ValidationError({"quantity": _("数量最多两位小数。")})
    if quantity > MAX_QUANTITY:
        raise ValidationError({"quantity": _("数量过大，请核对。")})


def _lock_for(material, by) -> HazardousMaterial:
    locked = HazardousMaterial.objects.select_for_update().get(pk=material.pk)
    if by.pk != locked.keeper_id:
        require(locked.school_id, by, "safety.manage")
    return locked


def _move(locked, *, by, kind, quantity, purpose, receiver="") -> HazmatMovement:
    locked.stock += quantity if kind == HazmatMovementKind.RECEIVE else -quantity
    locked.save(update_fields=["stock"])
    move = HazmatMovement.objects.create(
        school_id=locked.school_id,
        material=locked,
        kind=kind,
        quantity=quantity,
        balance=locked.stock,
        purpose=purpose,
        receiver=receiver,
        by=by,
    )
    record_creation(obj=move, by=by)
    return move


def hazmat_receive(*, material: HazardousMaterial, by, quantity: Decimal, purpose: str) -> HazmatMovement:
    _check_quantity(quantity)
    with transaction.atomic():
        locked = _lock_for(material, by)
        return _move(locked, by=by, kind=HazmatMovementKind.RECEIVE, quantity=quantity, purpose=purpose)


def hazmat_issue(
    *, material: HazardousMaterial, by, quantity: Decimal, purpose: str, receiver: str
) -> HazmatMovement:
    """Issue from stock: only the keeper (or a manager), within the per-issue limit, never below zero."""
    _check_quantity(quantity)
    if not (purpose or "").strip() or not (receiver or "").strip():
        raise ValidationError(_("请填写领用人和用途。"))
    with transaction.atomic():
        locked = _lock_for(material, by)
        if locked.max_issue is not None and quantity > locked.max_issue:
            raise ValidationError(
                {"quantity": _("单次领用不能超过 %(m)s%(u)s。") % {"m": locked.max_issue, "u": locked.unit}}
            )
        if quantity > locked.stock:
            raise ValidationError(
                {"quantity": _("库存不足：当前库存 %(s)s%(u)s。") % {"s": locked.stock, "u": locked.unit}}
            )
        return _move(
            locked,
            by=by,
            kind=HazmatMovementKind.ISSUE,
            quantity=quantity,
            purpose=purpose.strip(),
            receiver=receiver.strip(),
        )
