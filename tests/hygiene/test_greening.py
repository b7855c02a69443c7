"""Greening care plan: tasks created on schedule by an idempotent Celery task, done with who and when."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from hygiene import services, tasks
from hygiene.choices import GreeningFrequency, GreeningKind, TaskStatus
from hygiene.models import GreeningPlan, GreeningTask
from tests.helpers import assert_login_required, assert_status

from .conftest import errors


@pytest.fixture
def plans(school):
    return [
        GreeningPlan.objects.create(
            school=school,
            name="乔木修剪",
            kind=GreeningKind.TREE_PRUNING,
            frequency=GreeningFrequency.MONTHLY,
            months="3,11",
        ),
        GreeningPlan.objects.create(
            school=school,
            name="浇水",
            kind=GreeningKind.WATERING,
            frequency=GreeningFrequency.WEEKLY,
            months="4,5,6,7,8,9,10",
        ),
    ]


def test_trees_are_pruned_twice_a_year_and_watering_is_weekly_in_season(plans):
    trees, water = plans
    created = set()
    day = datetime.date(2026, 1, 1)
    while day.year == 2026:
        services.greening_tasks_generate(today=day)
        day += datetime.timedelta(days=1)
    created = GreeningTask.objects.filter(plan=trees).values_list("period", "due_date")
    assert sorted(created) == [
        ("2026-03", datetime.date(2026, 3, 31)),
        ("2026-11", datetime.date(2026, 11, 30)),
    ]
    weeks = GreeningTask.objects.filter(plan=water)
    assert 28 <= weeks.count() <= 32
    assert all(t.due_date.weekday() == 4 for t in weeks)  # due on Friday


def test_the_celery_task_is_idempotent(plans, settings):
    first = tasks.generate_greening_tasks.delay().get()
    second = tasks.generate_greening_tasks.delay().get()
    today = timezone.localdate()
    expected = sum(1 for p in plans if today.month in p.month_list())
    assert first == expected and second == 0
    assert GreeningTask.objects.count() == expected


def test_an_inactive_plan_makes_no_tasks(plans):
    GreeningPlan.objects.update(is_active=False)
    assert services.greening_tasks_generate(today=datetime.date(2026, 3, 2)) == 0


def test_a_task_is_done_with_who_and_when(as_staff, staff, guard, plans):
    services.greening_tasks_generate(today=datetime.date(2026, 3, 2))
    task = GreeningTask.objects.get(plan=plans[0])
    url = reverse("hygiene:task_done", args=[task.pk])
    done_at = timezone.localtime().replace(second=0, microsecond=0)
    response = as_staff.post(
        url, {"done_by": guard.pk, "done_at": done_at.strftime("%Y-%m-%dT%H:%M"), "note": "修剪12株"}
    )
    assert response.status_code == 302, errors(response)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_by == guard and task.done_at == done_at
    assert_status(as_staff, url, 404)  # done tasks are not done twice
    with pytest.raises(ValidationError):
        services.greening_task_complete(obj=task, by=staff, done_by=staff, done_at=timezone.now())


def test_a_task_cannot_be_done_in_the_future_or_by_the_wrong_role(
    as_staff, as_teacher, staff, plans, outsider
):
    services.greening_tasks_generate(today=datetime.date(2026, 3, 2))
    task = GreeningTask.objects.get(plan=plans[0])
    url = reverse("hygiene:task_done", args=[task.pk])
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert any("晚于现在" in e for e in errors(as_staff.post(url, {"done_by": staff.pk, "done_at": future})))
    # someone from another school is not a valid "done by"
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    assert errors(as_staff.post(url, {"done_by": outsider.pk, "done_at": now}))
    assert_status(as_teacher, url, 403, method="post", data={"done_by": staff.pk, "done_at": now})
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert_login_required(url)


def test_another_schools_task_is_404(as_outsider, plans):
    services.greening_tasks_generate(today=datetime.date(2026, 3, 2))
    task = GreeningTask.objects.first()
    assert_status(as_outsider, reverse("hygiene:task_done", args=[task.pk]), 404)
    assert_status(as_outsider, reverse("hygiene:plan_update", args=[plans[0].pk]), 404)


def test_plan_months_are_validated(as_staff, as_director):
    url = reverse("hygiene:plan_create")
    data = {
        "name": "绿篱修剪",
        "kind": "hedge_pruning",
        "frequency": "monthly",
        "months": "3,13",
        "is_active": "on",
    }
    assert errors(as_director.post(url, data))
    assert as_director.post(url, {**data, "months": "3，5,9,11"}).status_code == 302
    assert GreeningPlan.objects.get().months == "3,5,9,11"


def test_the_task_list_query_count_is_fixed(as_staff, school, plans, django_assert_max_num_queries):
    for i in range(20):
        GreeningTask.objects.create(
            school=school, plan=plans[1], period=f"2026-W{i:02d}", due_date=datetime.date(2026, 5, 1)
        )
    with django_assert_max_num_queries(10):
        assert as_staff.get(reverse("hygiene:task_list")).status_code == 200
