"""Checks every app's services make on what people type: money and dates. One text per error, the
same on every page (a service raises `ValidationError` before anything is written)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
MAX_MONEY = Decimal("99999999.99")


def money(value, label, *, allow_zero: bool = False, maximum: Decimal = MAX_MONEY) -> Decimal:
    """`value` as yuan with two decimals: a finite, non-negative number (zero only if allowed), at
    most two decimals, at most `maximum`."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError(_("%(label)s不是有效的金额。") % {"label": label}) from exc
    if not amount.is_finite():
        raise ValidationError(_("%(label)s不是有效的金额。") % {"label": label})
    if amount < 0:
        raise ValidationError(_("%(label)s不能为负数。") % {"label": label})
    if amount == 0 and not allow_zero:
        raise ValidationError(_("%(label)s必须大于0。") % {"label": label})
    if amount != amount.quantize(CENT):
        raise ValidationError(_("%(label)s最多保留两位小数。") % {"label": label})
    if amount > maximum:
        raise ValidationError(_("%(label)s过大，请核对。") % {"label": label})
    return amount.quantize(CENT)


def not_future(day, label) -> None:
    """A date or time something happened cannot be later than now (today, for a date)."""
    if day is None:
        return
    if isinstance(day, datetime.datetime):
        # a few minutes' grace: the device's clock may run ahead of the server's
        late = day > timezone.now() + datetime.timedelta(minutes=5)
    else:
        late = day > timezone.localdate()
    if late:
        raise ValidationError(_("%(label)s不能晚于今天。") % {"label": label})
