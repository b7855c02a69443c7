"""Dashboard cards of the hygiene app: one query for all of them, whatever the data size."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.dashboard import DANGER, INFO, OK, WARNING, Card, counts
from logistics.permissions import can

from . import selectors
from .choices import AbsenceStatus, CaseStatus, CheckSession, ProblemStatus, TaskStatus
from .models import (
    GreeningTask,
    HealthCheck,
    HygieneProblem,
    InfectiousCase,
    Meter,
    MeterReading,
    SickAbsence,
)


def cards(request):
    """Every number of the cards below in one query (logistics.dashboard.counts)."""
    if getattr(request, "school", None) is None:
        return []
    today = timezone.localdate()
    month = today.replace(day=1)
    found = []
    wanted = {}
    if can(request, "health.record"):
        rooms = selectors.recordable_rooms(request)
        wanted["rooms"] = rooms
        wanted["checked"] = (
            HealthCheck.objects.for_request(request)
            .filter(date=today, session=CheckSession.MORNING, room__in=rooms)
            .values("room")
            .distinct()
        )
    if can(request, "health.manage"):
        absent = SickAbsence.objects.for_request(request).filter(status=AbsenceStatus.ABSENT)
        wanted["absent"] = absent
        wanted["called"] = absent.filter(calls__called_at__date=today).values("pk").distinct()
        wanted["isolating"] = InfectiousCase.objects.for_request(request).filter(status=CaseStatus.ISOLATING)
    if can(request, "hygiene.manage"):
        wanted["problems_overdue"] = HygieneProblem.objects.for_request(request).filter(
            status=ProblemStatus.OPEN, deadline__lt=today
        )
    if can(request, "utilities.record"):
        meters = Meter.objects.for_request(request).filter(is_active=True)
        wanted["meters"] = meters
        wanted["read"] = MeterReading.objects.filter(meter__in=meters, month=month)
        wanted["flagged"] = MeterReading.objects.for_request(request).filter(month=month, flagged=True)
    if can(request, "greening.manage"):
        tasks = GreeningTask.objects.for_request(request).filter(status=TaskStatus.OPEN)
        wanted["tasks_open"] = tasks
        wanted["tasks_overdue"] = tasks.filter(due_date__lt=today)
    n = counts(**wanted)
    if n.get("rooms"):
        found.append(
            Card(
                _("今日晨检"),
                f"{n['checked']}/{n['rooms']}",
                reverse("hygiene:health_today"),
                OK if n["checked"] >= n["rooms"] else WARNING,
                note=_("已检班级/应检班级"),
                order=20,
            )
        )
    if "absent" in n:
        waiting = n["absent"] - n["called"]
        found.append(
            Card(
                _("因病缺勤今日待随访"),
                waiting,
                reverse("hygiene:absence_list") + "?status=absent",
                WARNING if waiting else OK,
                note=_("缺勤中 %(n)s 人") % {"n": n["absent"]},
                order=21,
            )
        )
        if n["isolating"]:
            found.append(
                Card(
                    _("传染病隔离中"),
                    n["isolating"],
                    reverse("hygiene:case_list") + "?status=isolating",
                    DANGER,
                    order=22,
                )
            )
    if n.get("problems_overdue"):
        found.append(
            Card(
                _("卫生问题逾期未整改"),
                n["problems_overdue"],
                reverse("hygiene:problem_list"),
                DANGER,
                order=40,
            )
        )
    if n.get("meters"):
        flagged = n["flagged"]
        found.append(
            Card(
                _("本月抄表"),
                f"{n['read']}/{n['meters']}",
                reverse("hygiene:meter_list"),
                DANGER if flagged else (OK if n["read"] >= n["meters"] else WARNING),
                note=_("%(n)s 块表用量异常") % {"n": flagged} if flagged else "",
                order=60,
            )
        )
    if n.get("tasks_open"):
        found.append(
            Card(
                _("绿化养护待完成"),
                n["tasks_open"],
                reverse("hygiene:task_list"),
                DANGER if n["tasks_overdue"] else INFO,
                note=_("逾期 %(n)s 项") % {"n": n["tasks_overdue"]} if n["tasks_overdue"] else "",
                order=70,
            )
        )
    return found
