"""Objects of the hygiene workflows in a given state, for tests/logistics/test_declared_workflows.py.

Each builder is `build(school, state, *, owner, assignee)`: `owner` and `assignee` are members of the
school to put in the workflow's owner and assignee fields (and any other person a row needs)."""

import datetime
from decimal import Decimal

from hygiene.choices import Disease, GreeningFrequency, GreeningKind, Symptom
from hygiene.models import (
    Child,
    GreeningPlan,
    GreeningTask,
    HygieneInspection,
    HygieneProblem,
    InfectiousCase,
    SickAbsence,
)
from tests.factories import RoomFactory

DAY = datetime.date(2026, 11, 2)


def _child(school):
    room = RoomFactory(school=school, campus=school.campus_set.first())
    return Child.objects.create(
        school=school, room=room, name="幼儿", gender="male", birth_date=datetime.date(2021, 3, 1)
    )


def absence(school, state, *, owner, assignee):
    child = _child(school)
    return SickAbsence.objects.create(
        school=school,
        child=child,
        room=child.room,
        start_date=DAY,
        symptom=Symptom.FEVER,
        status=state,
        reported_by=owner,
    )


def case(school, state, *, owner, assignee):
    child = _child(school)
    return InfectiousCase.objects.create(
        school=school,
        child=child,
        room=child.room,
        disease=Disease.HFMD,
        onset_date=DAY,
        diagnosed_on=DAY,
        diagnosed_by="区妇幼保健院",
        isolation_until=DAY + datetime.timedelta(days=7),
        status=state,
        reported_by=owner,
    )


def problem(school, state, *, owner, assignee):
    room = RoomFactory(school=school, campus=school.campus_set.first())
    inspection = HygieneInspection.objects.create(
        school=school,
        week=DAY,
        room=room,
        score=Decimal("80"),
        max_score=Decimal("100"),
        inspected_by=owner,
    )
    return HygieneProblem.objects.create(
        school=school, inspection=inspection, description="窗台积灰", deadline=DAY, status=state
    )


def greening_task(school, state, *, owner, assignee):
    plan = GreeningPlan.objects.create(
        school=school,
        name=f"绿篱修剪 {GreeningPlan.objects.count() + 1}",
        kind=GreeningKind.HEDGE_PRUNING,
        frequency=GreeningFrequency.MONTHLY,
    )
    return GreeningTask.objects.create(school=school, plan=plan, period="2026-11", due_date=DAY, status=state)


BUILDERS = {
    "hygiene.absence": absence,
    "hygiene.case": case,
    "hygiene.problem": problem,
    "hygiene.greening_task": greening_task,
}
