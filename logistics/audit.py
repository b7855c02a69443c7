"""The change log compliance records write through (DESIGN.md rule 5).

Signal-based history misses `.update()` and bulk writes, so services call these explicitly, inside
their own transaction: the record and its log row commit together or not at all.
"""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile

from .choices import ChangeAction
from .models import ChangeLog


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):  # an empty one raises on .url, so test the type, not the attribute
        return value.name or None
    return value


def snapshot(obj, fields=None) -> dict:
    """Concrete field values of obj as JSON-safe data (foreign keys by id)."""
    data = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        data[f.name] = _jsonable(getattr(obj, f.attname))
    return data


def record_change(*, obj, by, action: ChangeAction, before=None, after=None, reason: str = "") -> ChangeLog:
    school_id = getattr(obj, "school_id", None)
    if school_id is None and obj.__class__.__name__ == "School":
        school_id = obj.pk
    return ChangeLog.objects.create(
        school_id=school_id,
        content_type=ContentType.objects.get_for_model(obj.__class__),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        user=by,
        before=before,
        after=after if after is not None else (snapshot(obj) if action != ChangeAction.DELETE else None),
        reason=reason,
    )


def record_creation(*, obj, by, reason: str = "") -> ChangeLog:
    return record_change(obj=obj, by=by, action=ChangeAction.CREATE, after=snapshot(obj), reason=reason)


def apply_correction(*, obj, by, changes: dict, reason: str) -> ChangeLog:
    """Correct a compliance record: set the fields, save, and log before/after with the reason.

    The caller holds the transaction and the row lock. A correction without a reason is refused.
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if not (reason or "").strip():
        raise ValidationError(_("更正记录必须填写原因。"))
    before = snapshot(obj, fields=changes.keys())
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save(update_fields=list(changes.keys()))
    after = snapshot(obj, fields=changes.keys())
    return record_change(
        obj=obj, by=by, action=ChangeAction.CORRECT, before=before, after=after, reason=reason
    )


def history_for(obj):
    return ChangeLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj.__class__), object_id=str(obj.pk)
    ).select_related("user")
