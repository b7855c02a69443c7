"""What the assets services share: the checks on what people type and pick, the role check of a
write that is not a transition, and the asset's own step (which dates an asset leaving the books)."""

import contextlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import Membership
from logistics.permissions import role_can, role_of
from logistics.validation import CENT, money

from ..choices import OFF_BOOKS
from ..workflows import ASSET

MAX_QUANTITY = Decimal("1000000")


def require(school, user, permission: str, message=None) -> str:
    """A write that is not a transition (registering, opening a stocktake, a scan): the user's role in
    the school (from the membership) must hold `permission`."""
    role = role_of(school, user)
    if role is None or not role_can(role, permission):
        raise ValidationError(message or _("您没有执行此操作的权限。"))
    return role


@contextlib.contextmanager
def on_field(name: str):
    """A plain refusal raised inside (e.g. logistics.validation's) lands on the form's field `name`."""
    try:
        yield
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({name: exc.messages}) from exc


def amount(value, label, field: str, *, allow_zero: bool = True, maximum=None) -> Decimal:
    """Yuan, checked by logistics.validation.money, its refusal on `field`."""
    kwargs = {} if maximum is None else {"maximum": maximum}
    with on_field(field):
        return money(value, label, allow_zero=allow_zero, **kwargs)


def quantity(value, label=None, field: str = "quantity") -> Decimal:
    """A positive quantity of a stores item, at most two decimals."""
    label = label or _("数量")
    try:
        value = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError({field: _("%(f)s不是有效的数字。") % {"f": label}}) from exc
    if not value.is_finite() or value <= 0:
        raise ValidationError({field: _("%(f)s必须大于零。") % {"f": label}})
    if value != value.quantize(CENT):
        raise ValidationError({field: _("%(f)s最多两位小数。") % {"f": label}})
    if value > MAX_QUANTITY:
        raise ValidationError({field: _("%(f)s数值过大。") % {"f": label}})
    return value


def check_room(school, room, field: str = "room") -> None:
    if room is not None and room.school_id != getattr(school, "pk", school):
        raise ValidationError({field: _("房间不属于本校。")})


def check_member(school, user, label, field: str) -> None:
    """`user`, when given, is an active member of the school."""
    if user is None:
        return
    if not Membership.objects.active().filter(school_id=getattr(school, "pk", school), user=user).exists():
        raise ValidationError({field: _("%(f)s不是本校在岗人员。") % {"f": label}})


@contextlib.contextmanager
def asset_step(asset, action, *, by, comment: str = "", cascade: bool = False):
    """One step of the asset's lifecycle (workflows.ASSET); the asset leaving the books (报废, 转让,
    盘亏) is dated (减少日期), which the monthly reconciliation reads."""
    with ASSET.step(asset, action, by=by, comment=comment, cascade=cascade) as step:
        yield step
        if step.target in OFF_BOOKS:
            step.set(disposed_on=timezone.localdate())
