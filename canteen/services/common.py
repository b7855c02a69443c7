"""What the canteen's services share: reading a number someone typed."""

import contextlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_MONEY = Decimal("1000000")  # one delivery line, one delivery, one account entry


def decimal_value(value, label, places=1) -> Decimal:
    """`value` as a finite Decimal with at most `places` decimals (a weight, a temperature, a
    quantity; money goes through logistics.validation.money)."""
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError(_("%(label)s必须是数字。") % {"label": label}) from exc
    if not d.is_finite() or abs(d) >= Decimal("1e9"):
        raise ValidationError(_("%(label)s不是合理的数值。") % {"label": label})
    if d != d.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError(_("%(label)s最多保留%(n)d位小数。") % {"label": label, "n": places})
    return d


@contextlib.contextmanager
def on_field(name):
    """A refusal raised inside (without a field of its own) belongs to the form field `name`."""
    try:
        yield
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({name: exc.messages}) from exc
