"""Objects of the safety workflows in a given state, for tests/logistics/test_declared_workflows.py.

Each builder is `build(school, state, *, owner, assignee)`: `owner` is the workflow's owner where it
has one (the fire-prevention check's inspector) and whoever else a row needs."""

import datetime

from safety.choices import DrillKind, InspectionKind, RiskLevel
from safety.models import Drill, FirePreventionCheck, FireSelfCheck, Hazard, Inspection

DAY = datetime.date(2026, 11, 2)  # a Monday


def hazard(school, state, *, owner, assignee):
    return Hazard.objects.create(
        school=school,
        title="二楼消防通道堵塞",
        location="二楼东侧",
        risk_level=RiskLevel.HIGH,
        status=state,
        found_on=DAY,
        found_by=owner,
    )


def inspection(school, state, *, owner, assignee):
    # one weekly inspection per school and week: each build takes a week of its own
    monday = DAY - datetime.timedelta(weeks=Inspection.objects.filter(school=school).count())
    return Inspection.objects.create(
        school=school,
        kind=InspectionKind.WEEKLY,
        period_start=monday,
        due_on=monday + datetime.timedelta(days=4),
        assigned_to=owner,
        status=state,
    )


def drill(school, state, *, owner, assignee):
    return Drill.objects.create(
        school=school,
        kind=DrillKind.FIRE,
        title="消防疏散演练",
        planned_on=DAY,
        status=state,
        created_by=owner,
    )


def fire_selfcheck(school, state, *, owner, assignee):
    # one self-check per school and month
    n = FireSelfCheck.objects.filter(school=school).count()
    month = datetime.date(2026 - n // 12, 12 - n % 12, 1)
    return FireSelfCheck.objects.create(school=school, month=month, status=state, created_by=owner)


def fire_check(school, state, *, owner, assignee):
    return FirePreventionCheck.objects.create(
        school=school, checked_on=DAY, scope="配电房", status=state, inspector=owner
    )


BUILDERS = {
    "safety.hazard": hazard,
    "safety.inspection": inspection,
    "safety.drill": drill,
    "safety.fire_selfcheck": fire_selfcheck,
    "safety.fire_check": fire_check,
}
