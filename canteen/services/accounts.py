"""The meal-fee account (伙食费账): income, leave refunds and other spending, and their corrections.
Purchases are the accepted amounts of the deliveries."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from logistics.audit import apply_correction, record_creation
from logistics.validation import money, not_future

from ..choices import Account, EntryKind
from ..models import CanteenSettings, FeeEntry
from .common import MAX_MONEY, on_field


def fee_entry_record(
    *,
    school,
    by,
    account,
    kind,
    day,
    amount=None,
    description="",
    person_name="",
    class_name="",
    absence_days=None,
):
    if account not in Account.values or kind not in EntryKind.values:
        raise ValidationError(_("请选择账目和类型。"))
    with on_field("day"):
        not_future(day, _("日期"))
    if kind == EntryKind.REFUND:
        if not absence_days or absence_days < 1 or absence_days > 31:
            raise ValidationError({"absence_days": _("请假退费须填写 1～31 的请假天数。")})
        if not (person_name or "").strip():
            raise ValidationError({"person_name": _("请假退费须填写幼儿/学生姓名。")})
        if amount in (None, ""):
            amount = CanteenSettings.for_school(school).daily_rate * absence_days
        description = description or _("%(n)s 请假 %(d)d 天退伙食费") % {"n": person_name, "d": absence_days}
    if amount in (None, ""):
        raise ValidationError({"amount": _("请填写金额。")})
    with on_field("amount"):
        amount = money(amount, _("金额"), maximum=MAX_MONEY)
    if not (description or "").strip():
        raise ValidationError({"description": _("请填写摘要。")})
    with transaction.atomic():
        entry = FeeEntry.objects.create(
            school=school,
            account=account,
            kind=kind,
            day=day,
            amount=amount,
            description=description.strip(),
            person_name=(person_name or "").strip(),
            class_name=(class_name or "").strip(),
            absence_days=absence_days if kind == EntryKind.REFUND else None,
            recorded_by=by,
        )
        record_creation(obj=entry, by=by)
    return entry


def fee_entry_correct(*, obj, by, amount, reason):
    with on_field("amount"):
        amount = money(amount, _("金额"), maximum=MAX_MONEY)
    with transaction.atomic():
        locked = FeeEntry.objects.select_for_update().get(pk=obj.pk)
        return apply_correction(obj=locked, by=by, changes={"amount": amount}, reason=reason)
