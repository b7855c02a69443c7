"""Reads of the month-end app that more than one page uses (the dashboard card, the bureau pages)."""

from django.db.models import Q
from django.utils import timezone

from logistics.permissions import can

from . import duties
from .choices import PackStatus, TaskStatus
from .models import DutyTask, MonthPack


def week_tasks(request):
    """This week's open tasks and older overdue ones, for the dashboard: (queryset, today, monday).

    Managers see every task; others their own and the unassigned ones."""
    today = timezone.localdate()
    monday, sunday = duties.week_bounds(today)
    qs = DutyTask.objects.for_request(request).filter(status=TaskStatus.OPEN, due_on__lte=sunday)
    if not can(request, "duties.manage"):
        qs = qs.filter(Q(assignee=request.user) | Q(assignee__isnull=True))
    return qs.order_by("due_on", "id"), today, monday


def latest_packs(schools, period):
    """{school_id: (latest pack, latest ready pack)} in one query."""
    latest, ready = {}, {}
    for p in MonthPack.objects.filter(school__in=schools, month=period.key).order_by("school_id", "-version"):
        latest.setdefault(p.school_id, p)
        if p.status == PackStatus.READY:
            ready.setdefault(p.school_id, p)
    return {s.pk: (latest.get(s.pk), ready.get(s.pk)) for s in schools}
