"""The gate: visitors in and out, and pick-up exceptions. ID numbers are logged masked."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_change, snapshot
from logistics.choices import ChangeAction
from logistics.templatetags.logistics_tags import mask_id

from ..models import PickupException, Visitor


def _masked_snapshot(obj, field):
    """The change log is readable by more people than may see ID numbers: log them masked."""
    data = snapshot(obj)
    data[field] = mask_id(data[field]) if data.get(field) else data.get(field)
    return data


def _record_at_the_gate(*, form, by, recorder, id_field):
    """Save the gate's form with the person who recorded it; the log keeps the ID number masked."""
    with transaction.atomic():
        obj = form.save(commit=False)
        setattr(obj, recorder, by)
        obj.save()
        record_change(obj=obj, by=by, action=ChangeAction.CREATE, after=_masked_snapshot(obj, id_field))
    return obj


def visitor_register(*, form, by) -> Visitor:
    return _record_at_the_gate(form=form, by=by, recorder="registered_by", id_field="id_number")


def pickup_record(*, form, by) -> PickupException:
    return _record_at_the_gate(form=form, by=by, recorder="recorded_by", id_field="picker_id_number")


def visitor_sign_out(*, obj: Visitor, by, at=None) -> Visitor:
    """离校: once. A conditional update on time_out (a visitor has no workflow status), so a second tap
    or a second guard is refused, not logged twice."""
    at = at or timezone.now()
    with transaction.atomic():
        done = Visitor.objects.filter(pk=obj.pk, time_out__isnull=True).update(time_out=at, signed_out_by=by)
        if not done:
            raise ValidationError(_("该访客已登记离校。"))
        obj.refresh_from_db()
        record_change(
            obj=obj,
            by=by,
            action=ChangeAction.UPDATE,
            before={"time_out": None},
            after={"time_out": at.isoformat()},
        )
    return obj
