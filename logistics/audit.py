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
from django.utils.translation import gettext as _

from .choices import ChangeAction
from .models import ChangeLog


def jsonable(value):
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
        data[f.name] = jsonable(getattr(obj, f.attname))
    return data


def record_change(
    *, obj, by, action: ChangeAction, before=None, after=None, reason: str = "", transition: str = ""
) -> ChangeLog:
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
        transition=transition,
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


def readable_history(obj, *, hide=(), oldest_first=True, other_keys=False):
    """The object's change log for a page, each entry with `entry.rows`: [(label, before, after)] in the
    users' words (field names, choice labels, people's and rooms' names, 2026年11月20日 dates), never
    ids or stored codes. A creation has no rows. Keys that are not fields of the model (a service's
    own summary such as 第1行「鸡蛋」数量) are shown as they are with `other_keys`, else left out, as are
    the fields in `hide`, and structured values (a JSON field's figures). One query for the log and one
    per kind of related object named in it.
    """
    from .models import display_name
    from .reports.base import format_date

    hide = {*hide, "id", "school"}  # the record's own keys: never changed by a step
    fields = {f.name: f for f in obj._meta.concrete_fields if f.name not in hide}
    entries = list(history_for(obj).order_by("at", "id"))
    for e, changed in zip(entries, _changes_in_order(entries), strict=True):
        e.changes = [
            (name, old, new)
            for name, old, new in changed
            if (name in fields or (other_keys and name not in hide))
            and not isinstance(old, dict | list)
            and not isinstance(new, dict | list)
            and not _same_amount(fields.get(name), old, new)
        ]
    if not oldest_first:
        entries.reverse()
    names = _related_names(fields, entries, display_name)

    def show(field, value):
        if value is None or value == "":
            return "—"
        if field is None:
            return str(value)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if field.is_relation:
            return names.get((field.related_model, value), f"#{value}")
        if isinstance(value, bool):
            return _("是") if value else _("否")
        try:
            if isinstance(field, models.DateTimeField):
                return format_date(datetime.datetime.fromisoformat(value))
            if isinstance(field, models.DateField):
                return format_date(datetime.date.fromisoformat(value))
        except (TypeError, ValueError):
            pass
        return str(value)

    for e in entries:
        e.rows = [
            (fields[n].verbose_name if n in fields else n, show(fields.get(n), old), show(fields.get(n), new))
            for n, old, new in e.changes
        ]
    return entries


def _same_amount(field, old, new) -> bool:
    """ "0" and "0.00" in the log are one amount (a value saved before and after the field's rounding)."""
    if not isinstance(field, models.DecimalField) or old is None or new is None:
        return False
    try:
        return decimal.Decimal(str(old)) == decimal.Decimal(str(new))
    except decimal.InvalidOperation:
        return False


def _changes_in_order(entries):
    """[(key, before, after)] of each entry, oldest first. A service that logged only the state after a
    transition (before=None, after=a full snapshot) is compared with the state the earlier entries
    left, so the page shows what that step changed, not every field of the record."""
    state = {}
    for e in entries:
        after = e.after or {}
        if e.action == ChangeAction.CREATE:
            yield []
        else:
            before = e.before if e.before is not None else {k: state.get(k) for k in after}
            keys = sorted(set(before) | set(after))
            yield [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
        state.update(after)


def _related_names(fields, entries, display_name) -> dict:
    """{(model, pk): name} of every related object the entries name, one query per related model."""
    wanted = {}
    for e in entries:
        for name, old, new in e.changes:
            field = fields.get(name)
            if field is not None and field.is_relation:
                ids = wanted.setdefault(field.related_model, set())
                ids.update(v for v in (old, new) if isinstance(v, int))
    names = {}
    for related, ids in wanted.items():
        for o in related._default_manager.filter(pk__in=ids):
            names[(related, o.pk)] = display_name(o) if hasattr(o, "first_name") else str(o)
    return names
