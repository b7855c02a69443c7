"""Records as they stood at a moment, from the change log (logistics.asof)."""

import datetime

from django.utils import timezone

from hygiene import services
from hygiene.choices import AbsenceStatus, ProblemStatus
from logistics.asof import rewind, state_at
from logistics.audit import apply_correction
from logistics.choices import Role
from tests.factories import member
from tests.hygiene.builders import absence, problem


def _later(seconds=1):
    return timezone.now() + datetime.timedelta(seconds=seconds)


def test_it_undoes_transitions_made_after_the_moment(school):
    health = member(school, Role.HEALTH)
    a = absence(school, AbsenceStatus.ABSENT, owner=health, assignee=health)
    moment = timezone.now()
    services.absence_return(obj=a, by=health, end_date=timezone.localdate())
    a.refresh_from_db()
    assert a.status == AbsenceStatus.RETURNED and a.end_date is not None

    then = state_at(a, at=moment)
    assert then.status == AbsenceStatus.ABSENT and then.end_date is None
    assert then.corrections == []


def test_it_keeps_what_happened_before_the_moment_and_undoes_only_the_rest(school):
    director = member(school, Role.DIRECTOR)
    p = problem(school, ProblemStatus.OPEN, owner=director, assignee=director)
    services.problem_correct(obj=p, by=director, comment="已擦净")
    moment = _later(0)
    services.problem_recheck(obj=p, by=director, passed=True)

    [then] = rewind([type(p).objects.get(pk=p.pk)], at=moment)
    assert then.status == ProblemStatus.CORRECTED
    assert then.corrected_by_id == director.pk and then.rechecked_at is None and then.rechecked_by_id is None


def test_a_correction_is_kept_and_marked(school):
    director = member(school, Role.DIRECTOR)
    p = problem(school, ProblemStatus.OPEN, owner=director, assignee=director)
    moment = timezone.now()
    apply_correction(obj=p, by=director, changes={"description": "窗台与门框积灰"}, reason="描述不全")

    [then] = rewind(type(p).objects.filter(pk=p.pk), at=moment)
    assert then.description == "窗台与门框积灰"
    assert [c.reason for c in then.corrections] == ["描述不全"]
    assert [c.reason for c in rewind([p], at=moment, corrections_until=moment)[0].corrections] == []


def test_one_query_for_any_number_of_records(school, django_assert_num_queries):
    health = member(school, Role.HEALTH)
    rows = [absence(school, AbsenceStatus.ABSENT, owner=health, assignee=health) for _ in range(5)]
    moment = timezone.now()
    for a in rows[:3]:
        services.absence_return(obj=a, by=health, end_date=timezone.localdate())
    fresh = list(type(rows[0]).objects.filter(pk__in=[a.pk for a in rows]))
    with django_assert_num_queries(2):  # the later changes, the corrections
        then = rewind(fresh, at=moment)
    assert {a.status for a in then} == {AbsenceStatus.ABSENT}
