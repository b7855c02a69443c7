"""Every registered report is true for its period, whenever it is built (issue 16, DESIGN.md rule 7).

For each report key, its app's tests/<app>/period_truth.py scenario (tests/period_truth.py) makes the
month's records on a day inside November 2026, and then:

1. the report for November is built on 1 December;
2. the records are moved on through their services on 3 December, and the report is built again:
   every cell is identical (later progress never changes a closed month);
3. one record of November is corrected with a reason on 4 December: only the declared columns of
   the corrected row (and the total row) change, and the report marks the row 更正 with the date.
"""

from importlib import import_module

import pytest
import time_machine

from logistics.choices import Role
from logistics.registry import domain_apps
from logistics.reports import Period, specs
from tests.factories import CampusFactory, RoomFactory, SchoolFactory, member
from tests.period_truth import AFTER, BUILT, CORRECTED, DURING

NOVEMBER = Period.month(2026, 11)


def _scenarios():
    found = {}
    for config in domain_apps():
        try:
            module = import_module(f"tests.{config.label}.period_truth")
        except ModuleNotFoundError:
            continue
        found.update(module.SCENARIOS)
    return found


SCENARIOS = _scenarios()


class World:
    def __init__(self, district):
        self.school = SchoolFactory(district=district, name="阳光幼儿园", code="KG001", kind="kindergarten")
        self.campus = CampusFactory(school=self.school, name="总部", is_main=True)
        self.room = RoomFactory(school=self.school, campus=self.campus, name="大一班")
        self.people = {role: self.person(role) for role in Role if role != Role.BUREAU}
        self.room.responsible = self.people[Role.TEACHER]
        self.room.save(update_fields=["responsible"])

    def person(self, role):
        return member(self.school, role)


def _cells(report):
    """What the report says: its headings, rows, notes and subtitle (not when it was made)."""
    return {
        "headers": [str(c.header) for c in report.columns],
        "rows": [tuple(_plain(v) for v in row) for row in report.rows],
        "notes": [str(n) for n in report.notes],
        "subtitle": str(report.subtitle),
    }


def _plain(value):
    return str(value) if value is not None else None


def _build(key, school):
    spec = next(s for s in specs() if s.key == key)
    return _cells(spec.builder(school, NOVEMBER))


@pytest.mark.xfail(reason="issue 16: the apps' scenarios are being written", strict=False)
def test_every_monthly_report_has_a_scenario():
    missing = sorted(s.key for s in specs(monthly_only=True) if s.key not in SCENARIOS)
    assert not missing, f"add a scenario to tests/<app>/period_truth.py for {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_a_closed_month_reads_the_same_whenever_it_is_built(key, district):
    scenario = SCENARIOS[key]
    with time_machine.travel(DURING, tick=True):
        world = World(district)
        made = scenario.during(world)
    with time_machine.travel(BUILT, tick=True):
        first = _build(key, world.school)
    assert first["rows"], f"{key}: the scenario made nothing the report shows"
    with time_machine.travel(AFTER, tick=True):
        scenario.after(world, made)
        again = _build(key, world.school)
    assert again == first, f"{key}: later progress changed a closed month"

    if scenario.correct is None:
        return
    with time_machine.travel(CORRECTED, tick=True):
        scenario.correct(world, made)
        corrected = _build(key, world.school)
    _assert_only_the_correction_shows(key, scenario, first, corrected)


def _assert_only_the_correction_shows(key, scenario, before, after):
    headers = after["headers"]
    assert len(before["rows"]) == len(after["rows"]), f"{key}: a correction added or removed rows"
    changed = set()
    marked = False
    for old, new in zip(before["rows"], after["rows"], strict=True):
        for header, a, b in zip(headers, old, new, strict=False):
            if a != b:
                changed.add(header)
                marked = marked or "更正" in (b or "")
    marked = marked or any("更正" in n for n in after["notes"])
    assert changed, f"{key}: the correction changed nothing"
    unexpected = changed - set(scenario.corrected) - {h for h in headers if "备注" in h or "更正" in h}
    assert not unexpected, f"{key}: a correction changed {sorted(unexpected)}"
    assert marked, f"{key}: the corrected row is not marked 更正"
