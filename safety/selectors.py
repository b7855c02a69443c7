"""Reads that several pages (lists, dashboard, reports, bureau) and the services share."""

import datetime

from django.db.models import Count, Max, Q
from django.utils import timezone

from logistics.choices import Role
from logistics.models import Membership
from logistics.permissions import role_of

from .choices import (
    DrillInterval,
    DrillKind,
    DrillStatus,
    HazardStatus,
    InspectionKind,
    InspectionStatus,
    RiskLevel,
)
from .models import Drill, Inspection, SafetySettings

# Open (未销号): not verified and not withdrawn. A withdrawn hazard (已撤销, 误报) is an end state that is
# counted neither here nor as rectified/verified; the register still lists it (filter status=withdrawn).
OPEN_HAZARD = [HazardStatus.FOUND, HazardStatus.ASSIGNED, HazardStatus.RECTIFIED]


def filter_hazards(qs, params, month=None):
    """Apply the register's filters (status, risk, room, overdue) and `month`, a Period (the view
    parses `?month=` with logistics.actions.month_param)."""
    status = params.get("status", "")
    if status == "open":
        qs = qs.filter(status__in=OPEN_HAZARD)
    elif status in HazardStatus.values:
        qs = qs.filter(status=status)
    if params.get("risk", "") in RiskLevel.values:
        qs = qs.filter(risk_level=params["risk"])
    room = params.get("room", "")
    if room.isdigit():
        qs = qs.filter(room_id=int(room))
    if month is not None:
        qs = qs.filter(found_on__gte=month.start, found_on__lte=month.end)
    if params.get("overdue") == "1":
        qs = overdue_hazards(qs)
    return qs


def overdue_hazards(qs, today=None):
    today = today or timezone.localdate()
    return qs.filter(status__in=[HazardStatus.FOUND, HazardStatus.ASSIGNED], deadline__lt=today)


def hazard_count_filters(today=None):
    """{name: Q} of the hazard counts (register tabs, dashboard card)."""
    today = today or timezone.localdate()
    return {
        "open": Q(status__in=OPEN_HAZARD),
        "overdue": Q(status__in=[HazardStatus.FOUND, HazardStatus.ASSIGNED], deadline__lt=today),
        "unassigned": Q(status=HazardStatus.FOUND),
        "to_verify": Q(status=HazardStatus.RECTIFIED),
    }


def hazard_counts(qs, today=None):
    return qs.aggregate(**{name: Count("pk", filter=q) for name, q in hazard_count_filters(today).items()})


def last_drills(school_ids) -> dict:
    """{school_id: {kind: last held_on}} in one query."""
    found = {}
    rows = (
        Drill.objects.filter(school_id__in=school_ids, status=DrillStatus.DONE)
        .values("school_id", "kind")
        .annotate(last=Max("held_on"))
    )
    for row in rows:
        found.setdefault(row["school_id"], {})[row["kind"]] = row["last"]
    return found


def settings_for_schools(schools) -> dict:
    """{school id: SafetySettings} with a fixed number of queries; a school that has none yet gets
    its defaults, unsaved (a read never writes the settings row)."""
    found = {s.school_id: s for s in SafetySettings.objects.filter(school__in=schools)}
    for school in schools:
        if school.pk not in found:
            found[school.pk] = SafetySettings(school=school, **SafetySettings.defaults_for(school))
    return found


def inspector_for(school, settings=None):
    """Who does the school's inspections: the settings' inspector while a member, else the director
    (or the principal) longest in post."""
    settings = settings or SafetySettings.for_school(school)
    if settings.inspector_id and role_of(school, settings.inspector) is not None:
        return settings.inspector
    for role in (Role.DIRECTOR, Role.PRINCIPAL):
        m = (
            Membership.objects.active()
            .filter(school=school, role=role)
            .select_related("user")
            .order_by("started_on", "pk")
            .first()
        )
        if m:
            return m.user
    return None


def drill_behind(settings, last_held: dict, today) -> list[str]:
    """Drill kinds (values) whose last drill is older than the school's interval (or never held)."""
    behind = []
    for kind in DrillKind.values:
        months = settings.drill_interval(kind)
        if not months:
            continue
        last = last_held.get(kind)
        if last is None or (today - last).days > months * 31:
            behind.append(kind)
    return behind


def drill_status(school, today=None, settings=None):
    """[(kind, label, interval label, last held, behind)] for the school's drill kinds."""
    today = today or timezone.localdate()
    # read-only: a page view never writes the settings row
    settings = settings or settings_for_schools([school])[school.pk]
    last = last_drills([school.pk]).get(school.pk, {})
    behind = set(drill_behind(settings, last, today))
    return [
        (
            kind,
            label,
            DrillInterval(settings.drill_interval(kind)).label,
            last.get(kind),
            kind in behind,
        )
        for kind, label in DrillKind.choices
        if settings.drill_interval(kind) or last.get(kind)
    ]


def visitors_inside(qs):
    return qs.filter(time_out__isnull=True).order_by("time_in")


def duty_today(qs, today=None):
    today = today or timezone.localdate()
    return qs.filter(date=today).select_related("person").order_by("kind")


def weekly_mondays(period, today=None):
    """Mondays in the period whose week's inspection is due by `today` (due on the week's Friday)."""
    today = today or timezone.localdate()
    day = period.start + datetime.timedelta(days=(7 - period.start.weekday()) % 7)
    found = []
    while day <= period.end and day + datetime.timedelta(days=4) <= today:
        found.append(day)
        day += datetime.timedelta(days=7)
    return found


def weekly_done(school_ids, mondays) -> dict:
    rows = (
        Inspection.objects.filter(
            school_id__in=school_ids,
            kind=InspectionKind.WEEKLY,
            status=InspectionStatus.SUBMITTED,
            period_start__in=mondays,
        )
        .values("school_id")
        .annotate(n=Count("pk"))
    )
    return {r["school_id"]: r["n"] for r in rows}
