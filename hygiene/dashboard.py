"""Dashboard cards of the hygiene app; each costs a fixed number of queries."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.dashboard import DANGER, INFO, OK, WARNING, Card
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
    if getattr(request, "school", None) is None:
        return []
    today = timezone.localdate()
    found = []
    if can(request, "health.record"):
        rooms = selectors.recordable_rooms(request)
        total = rooms.count()
        done = (
            HealthCheck.objects.for_request(request)
            .filter(date=today, session=CheckSession.MORNING, room__in=rooms)
            .values("room")
            .distinct()
            .count()
        )
        if total:
            found.append(
                Card(
                    _("今日晨检"),
                    f"{done}/{total}",
                    reverse("hygiene:health_today"),
                    OK if done >= total else WARNING,
                    note=_("已检班级/应检班级"),
                    order=20,
                )
            )
    if can(request, "health.manage"):
        stats = (
            SickAbsence.objects.for_request(request)
            .filter(status=AbsenceStatus.ABSENT)
            .aggregate(
                open=Count("id", distinct=True),
                called=Count("id", filter=Q(calls__called_at__date=today), distinct=True),
            )
        )
        isolating = InfectiousCase.objects.for_request(request).filter(status=CaseStatus.ISOLATING).count()
        waiting = stats["open"] - stats["called"]
        found.append(
            Card(
                _("因病缺勤今日待随访"),
                waiting,
                reverse("hygiene:absence_list") + "?status=absent",
                WARNING if waiting else OK,
                note=_("缺勤中 %(n)s 人") % {"n": stats["open"]},
                order=21,
            )
        )
        if isolating:
            found.append(
                Card(
                    _("传染病隔离中"),
                    isolating,
                    reverse("hygiene:case_list") + "?status=isolating",
                    DANGER,
                    order=22,
                )
            )
    if can(request, "hygiene.manage"):
        overdue = (
            HygieneProblem.objects.for_request(request)
            .filter(status=ProblemStatus.OPEN, deadline__lt=today)
            .count()
        )
        if overdue:
            found.append(
                Card(_("卫生问题逾期未整改"), overdue, reverse("hygiene:problem_list"), DANGER, order=40)
            )
    if can(request, "utilities.record"):
        month = today.replace(day=1)
        stats = (
            Meter.objects.for_request(request)
            .filter(is_active=True)
            .aggregate(total=Count("id"), read=Count("readings", filter=Q(readings__month=month)))
        )
        flagged = MeterReading.objects.for_request(request).filter(month=month, flagged=True).count()
        if stats["total"]:
            found.append(
                Card(
                    _("本月抄表"),
                    f"{stats['read']}/{stats['total']}",
                    reverse("hygiene:meter_list"),
                    DANGER if flagged else (OK if stats["read"] >= stats["total"] else WARNING),
                    note=_("%(n)s 块表用量异常") % {"n": flagged} if flagged else "",
                    order=60,
                )
            )
    if can(request, "greening.manage"):
        t = (
            GreeningTask.objects.for_request(request)
            .filter(status=TaskStatus.OPEN)
            .aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
        )
        if t["open"]:
            found.append(
                Card(
                    _("绿化养护待完成"),
                    t["open"],
                    reverse("hygiene:task_list"),
                    DANGER if t["overdue"] else INFO,
                    note=_("逾期 %(n)s 项") % {"n": t["overdue"]} if t["overdue"] else "",
                    order=70,
                )
            )
    return found
