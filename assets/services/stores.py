"""行政仓库: store items, stock in (finance's acceptance calls stores_stock_in), issue and the year-end
count. Quantities never go below zero, even with two clerks issuing the last units at once."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_creation
from logistics.choices import Role
from logistics.notifications import notify
from logistics.validation import CENT

from ..choices import MovementKind
from ..models import StockMovement, StoreItem
from .common import MAX_QUANTITY, amount, check_member, check_room
from .common import quantity as _quantity  # the services' parameter is called `quantity`


def _notify_low_stock(item):
    if item.on_hand <= item.min_level:
        notify(
            school=item.school,
            title=_("库存不足：%(n)s 仅剩 %(q)s%(u)s")
            % {"n": item.name, "q": item.on_hand.normalize(), "u": item.unit},
            url=item.get_absolute_url(),
            roles=[Role.DIRECTOR, Role.STAFF],
            dedupe_key=f"store-low:{item.pk}:{timezone.localdate():%Y-%m-%d}",
        )


def stores_item_create(
    *, school, by, name, unit, spec="", min_level=0, unit_price=0, is_durable=False
) -> StoreItem:
    name = (name or "").strip()
    unit = (unit or "").strip()
    if not name or not unit:
        raise ValidationError(_("请填写物品名称和单位。"))
    if StoreItem.objects.filter(school=school, name=name).exists():
        raise ValidationError({"name": _("物品「%(n)s」已存在。") % {"n": name}})
    min_level = Decimal(str(min_level or 0))
    if min_level < 0:
        raise ValidationError({"min_level": _("最低库存不能为负数。")})
    unit_price = amount(unit_price, _("单价"), "unit_price")
    with transaction.atomic():
        item = StoreItem.objects.create(
            school=school,
            name=name[:100],
            unit=unit[:10],
            spec=(spec or "")[:100],
            min_level=min_level,
            unit_price=unit_price,
            is_durable=is_durable,
        )
        record_creation(obj=item, by=by)
    return item


def stores_stock_in(
    *,
    school,
    by,
    item_name: str,
    unit: str,
    quantity,
    unit_price: Decimal,
    source_ref: str = "",
    note: str = "",
) -> StockMovement:
    """入库: finds or creates the store item by name and adds stock (finance calls this too)."""
    item_name = (item_name or "").strip()
    if not item_name:
        raise ValidationError(_("请填写物品名称。"))
    qty = _quantity(quantity)
    unit_price = amount(unit_price, _("单价"), "unit_price")
    with transaction.atomic():
        item, _created = StoreItem.objects.get_or_create(
            school=school, name=item_name[:100], defaults={"unit": (unit or "件").strip()[:10] or "件"}
        )
        item = StoreItem.objects.select_for_update().get(pk=item.pk)
        item.on_hand = item.on_hand + qty
        if unit_price:
            item.unit_price = unit_price
        item.save(update_fields=["on_hand", "unit_price"])
        movement = StockMovement.objects.create(
            school=school,
            item=item,
            kind=MovementKind.IN,
            quantity=qty,
            unit_price=unit_price,
            amount=(qty * unit_price).quantize(CENT),
            balance_after=item.on_hand,
            by=by,
            source_ref=(source_ref or "")[:60],
            note=(note or "")[:200],
        )
    return movement


def stores_issue(
    *,
    item,
    by,
    quantity,
    department=None,
    room=None,
    person=None,
    exchange: bool = False,
    note: str = "",
) -> StockMovement:
    """领用出库 (or 以旧换新): never below zero, even with two clerks issuing the last units at once."""
    qty = _quantity(quantity)
    if department is None and room is None and person is None:
        raise ValidationError(_("请选择领用部门、班级或领用人。"))
    school_id = item.school_id
    if department is not None and department.school_id != school_id:
        raise ValidationError({"department": _("部门不属于本校。")})
    check_room(school_id, room)
    check_member(school_id, person, _("领用人"), "person")
    with transaction.atomic():
        locked = StoreItem.objects.select_for_update().get(pk=item.pk)
        if exchange and not locked.is_durable:
            raise ValidationError({"exchange": _("「%(n)s」不是耐用品，不能以旧换新。") % {"n": locked.name}})
        if locked.on_hand < qty:
            raise ValidationError(
                {
                    "quantity": _("库存不足：「%(n)s」现有 %(q)s%(u)s，不能领用 %(w)s%(u)s。")
                    % {
                        "n": locked.name,
                        "q": locked.on_hand.normalize(),
                        "u": locked.unit,
                        "w": qty.normalize(),
                    }
                }
            )
        # conditional update as a second guard (and the CHECK constraint as a third)
        updated = StoreItem.objects.filter(pk=locked.pk, on_hand__gte=qty).update(on_hand=F("on_hand") - qty)
        if not updated:
            raise ValidationError({"quantity": _("库存不足。")})
        locked.refresh_from_db(fields=["on_hand"])
        movement = StockMovement.objects.create(
            school_id=school_id,
            item=locked,
            kind=MovementKind.EXCHANGE if exchange else MovementKind.OUT,
            quantity=-qty,
            unit_price=locked.unit_price,
            amount=(qty * locked.unit_price).quantize(CENT),
            balance_after=locked.on_hand,
            department=department,
            room=room,
            person=person,
            by=by,
            note=(note or "")[:200],
        )
        transaction.on_commit(lambda: _notify_low_stock(locked))
    return movement


def stores_count(*, item, by, counted, note: str = "") -> StockMovement | None:
    """年终盘点: set the stock to what was counted; the difference is an adjustment movement."""
    try:
        counted = Decimal(str(counted))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError({"counted": _("实盘数量不是有效的数字。")}) from exc
    if not counted.is_finite() or counted < 0 or counted > MAX_QUANTITY:
        raise ValidationError({"counted": _("实盘数量不能为负数或过大。")})
    if counted != counted.quantize(CENT):
        raise ValidationError({"counted": _("实盘数量最多两位小数。")})
    with transaction.atomic():
        locked = StoreItem.objects.select_for_update().get(pk=item.pk)
        diff = counted - locked.on_hand
        if diff == 0:
            return None
        locked.on_hand = counted
        locked.save(update_fields=["on_hand"])
        return StockMovement.objects.create(
            school_id=locked.school_id,
            item=locked,
            kind=MovementKind.ADJUST,
            quantity=diff,
            unit_price=locked.unit_price,
            amount=(abs(diff) * locked.unit_price).quantize(CENT),
            balance_after=counted,
            by=by,
            note=(note or _("盘点差异"))[:200],
        )
