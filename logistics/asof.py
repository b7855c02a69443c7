"""Records as they stood at a moment, read back from the change log (DESIGN.md rule 7).

A report for a closed month shows what was true at its end, whenever it is built. Every state change
writes a change-log row with the values before and after (logistics.workflow for transitions,
`save_with_log` for ordinary edits), so a record's state at a moment is its current state with every
later change undone, newest first. A correction (更正) is not undone: it amends what the record said
all along, and the report marks the row as corrected (`obj.corrections`).

    hazards = rewind(Hazard.objects.filter(school=school, found_on__lte=period.end), at=period.end_datetime())
    open_at_end = [h for h in hazards if h.status in OPEN]

One query for the change log of all the objects' changes after `at` (per model), whatever their number.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType

from .choices import ChangeAction
from .models import ChangeLog

UNDONE = (ChangeAction.TRANSITION, ChangeAction.UPDATE)


def rewind(objects, *, at: datetime.datetime, corrections_until: datetime.datetime | None = None) -> list:
    """The objects (a queryset or list of one model) as they stood at `at`.

    Fields changed after `at` by a transition or an edit get their earlier values back. Each object
    gets `corrections`: the 更正 entries made on it (up to `corrections_until`, default: any time),
    oldest first, for the report to mark. The objects are changed in place and returned as a list.
    """
    objs = list(objects)
    if not objs:
        return objs
    model = type(objs[0])
    by_id = {str(o.pk): o for o in objs}
    for o in objs:
        o.corrections = []
    log = _log_of(model, objs)
    later = list(log.filter(at__gt=at, action__in=UNDONE).order_by("-at", "-id"))
    _fill_missing_before(later)
    for entry in later:  # newest first
        if entry.object_id in by_id:
            _undo(by_id[entry.object_id], entry)
    corrections = log.filter(action=ChangeAction.CORRECT).select_related("user").order_by("at", "id")
    if corrections_until is not None:
        corrections = corrections.filter(at__lt=corrections_until)
    for entry in corrections:
        if entry.object_id in by_id:
            by_id[entry.object_id].corrections.append(entry)
    return objs


def state_at(obj, *, at: datetime.datetime):
    """One object as it stood at `at` (see rewind)."""
    return rewind([obj], at=at)[0]


def _log_of(model, objs):
    """The change log of these objects. For one school's records, the school's log of that kind of
    record (filtered further by time or action): bounded by the school's activity, not by the number of
    records asked about (a register of 100,000 assets)."""
    qs = ChangeLog.objects.filter(content_type=ContentType.objects.get_for_model(model))
    school_ids = {getattr(o, "school_id", None) for o in objs}
    if len(school_ids) == 1 and None not in school_ids:
        return qs.filter(school_id=school_ids.pop())
    return qs.filter(object_id__in=[str(o.pk) for o in objs])


def _fill_missing_before(entries):
    """An entry that kept only the state after (older services logged a snapshot) is undone to the
    state the entry before it left: read those objects' earlier entries once."""
    lacking = {e.object_id for e in entries if e.before is None}
    if not lacking:
        return
    history = defaultdict(list)
    ct_id = entries[0].content_type_id
    for e in ChangeLog.objects.filter(content_type_id=ct_id, object_id__in=lacking).order_by("at", "id"):
        history[e.object_id].append(e)
    for e in entries:
        if e.before is not None:
            continue
        state = {}
        for earlier in history[e.object_id]:
            if earlier.pk == e.pk:
                break
            state.update(earlier.after or {})
        e.before = {k: state.get(k) for k in (e.after or {}) if k in state}


def _undo(obj, entry):
    fields = {f.name: f for f in obj._meta.concrete_fields}
    for name, value in (entry.before or {}).items():
        field = fields.get(name)
        if field is None or field.primary_key:
            continue
        if field.is_relation:
            setattr(obj, field.attname, value)
            obj._state.fields_cache.pop(field.name, None)
        else:
            setattr(obj, field.attname, None if value is None else field.to_python(value))
