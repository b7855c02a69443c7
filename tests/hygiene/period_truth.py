"""Period-truth scenarios of the hygiene reports (tests/logistics/test_period_truth.py)."""

import datetime

from django.utils import timezone

from hygiene import services
from hygiene.choices import GreeningFrequency, GreeningKind
from hygiene.models import GreeningPlan, GreeningTask
from logistics.choices import Role
from tests.period_truth import Scenario


def _greening_during(world):
    """Two monthly plans; their November tasks; one finished in November."""
    staff = world.people[Role.STAFF]
    for name in ("绿篱修剪", "草坪除草"):
        GreeningPlan.objects.create(
            school=world.school,
            name=name,
            kind=GreeningKind.HEDGE_PRUNING,
            frequency=GreeningFrequency.MONTHLY,
            responsible=staff,
        )
    services.greening_tasks_generate(school=world.school)
    done, still_open = GreeningTask.objects.filter(school=world.school).order_by("plan__name")
    services.greening_task_complete(obj=done, by=staff, done_by=staff, done_at=timezone.now(), note="已修剪")
    return {"open": still_open}


def _greening_after(world, made):
    staff = world.people[Role.STAFF]
    services.greening_task_complete(
        obj=made["open"], by=staff, done_by=staff, done_at=timezone.now() - datetime.timedelta(hours=1)
    )


SCENARIOS = {
    "hygiene.greening": Scenario(during=_greening_during, after=_greening_after),
}
