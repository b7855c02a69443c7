"""Objects of the month-end workflows in a given state, for tests/logistics/test_declared_workflows.py.

Each builder is `build(school, state, *, owner, assignee)` (see tests/hygiene/builders.py)."""

import datetime

from monthend.choices import PackTrigger, Recurrence
from monthend.models import Duty, DutyTask, MonthPack


def pack(school, state, *, owner, assignee):
    version = MonthPack.objects.filter(school=school, month="2026-10").count() + 1
    return MonthPack.objects.create(
        school=school, month="2026-10", version=version, trigger=PackTrigger.SCHEDULED, status=state
    )


def duty_task(school, state, *, owner, assignee):
    duty = Duty.objects.create(school=school, title="消防设备自检", recurrence=Recurrence.MONTHLY, day=5)
    return DutyTask.objects.create(
        school=school,
        duty=duty,
        title=duty.title,
        due_on=datetime.date(2026, 11, 5),
        assignee=assignee,
        status=state,
    )


BUILDERS = {
    "monthend.pack": pack,
    "monthend.duty_task": duty_task,
}
