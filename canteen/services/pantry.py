"""The pantry (库房): stock out to the day's cooking and the month-end count."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from logistics.audit import record_creation

from ..choices import MovementKind
from ..models import PantryBatch, PantryCount, PantryCountLine, PantryMovement
from .common import decimal_value


def pantry_issue(*, batch, by, quantity, purpose="", day=None):
    """Stock out to the day's cooking; expired stock and more than is left are refused."""
    day = day or timezone.localdate()
    q = decimal_value(quantity, _("出库数量"), places=2)
    if q <= 0:
        raise ValidationError(_("出库数量必须大于 0。"))
    if batch.is_expired(day):
        raise ValidationError(
            _("「%(b)s」已于 %(d)s 过期，不能出库：请按过期食品处理。")
            % {"b": batch.item.name, "d": batch.expiry_date}
        )
    with transaction.atomic():
        done = PantryBatch.objects.filter(pk=batch.pk, quantity_left__gte=q).update(
            quantity_left=F("quantity_left") - q
        )
        if not done:
            batch.refresh_from_db()
            raise ValidationError(
                _("库存不足：「%(b)s」仅剩 %(n)s%(u)s。")
                % {"b": batch.item.name, "n": batch.quantity_left, "u": batch.item.unit}
            )
        movement = PantryMovement.objects.create(
            school=batch.school,
            batch=batch,
            kind=MovementKind.OUT,
            quantity=q,
            day=day,
            purpose=purpose.strip(),
            by=by,
        )
        record_creation(obj=movement, by=by)
    batch.refresh_from_db()
    return movement


def pantry_count(*, school, by, month, counts: dict):
    """Month-end count: record what was found per batch and adjust the book to it."""
    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationError(_("不能盘点未来的月份。"))
    batches = list(PantryBatch.objects.filter(school=school, pk__in=list(counts)).select_related("item"))
    if len(batches) != len(counts):
        raise ValidationError(_("盘点中有不属于本校的批次。"))
    parsed = {}
    for b in batches:
        c = decimal_value(counts[b.pk], _("实盘数量"), places=2)
        if c < 0:
            raise ValidationError(_("实盘数量不能为负数。"))
        if c > Decimal("100000"):  # as a delivery line; the column holds less than 1e8
            raise ValidationError(_("实盘数量不合理：不应超过 100000。"))
        parsed[b.pk] = c
    try:
        with transaction.atomic():
            count = PantryCount.objects.create(school=school, month=month, counted_by=by)
            for b in batches:
                b = PantryBatch.objects.select_for_update().get(pk=b.pk)
                counted = parsed[b.pk]
                PantryCountLine.objects.create(
                    school=school, count=count, batch=b, expected=b.quantity_left, counted=counted
                )
                diff = counted - b.quantity_left
                if diff:
                    PantryMovement.objects.create(
                        school=school,
                        batch=b,
                        kind=MovementKind.ADJUST,
                        quantity=diff,
                        day=timezone.localdate(),
                        purpose=_("月末盘点调整"),
                        by=by,
                    )
                    b.quantity_left = counted
                    b.save(update_fields=["quantity_left"])
            record_creation(obj=count, by=by)
    except IntegrityError as exc:
        label = date_format(month, "YEAR_MONTH_FORMAT")
        raise ValidationError(_("%(m)s 已经盘点过。") % {"m": label}) from exc
    return count
