"""Dashboard cards of the duty calendar (found through logistics.registry). One query in all.

The month pack has no card of its own: the dashboard's query budget is shared by every app, and
the director is notified when a pack is ready (services.pack_build)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from logistics.dashboard import DANGER, INFO, OK, WARNING, Card
from logistics.permissions import can

from .selectors import week_tasks

SHOWN = 6
COUNTED = 50


def cards(request):
    found = []
    if can(request, "monthend.bureau"):
        found.append(
            Card(
                _("各校月度概览"),
                "",
                reverse("monthend:bureau"),
                INFO,
                note=_("上月各校月报与关键指标"),
                order=5,
            )
        )
    if can(request, "duties.view"):
        qs, today, _monday = week_tasks(request)
        tasks = list(qs.select_related("assignee")[: COUNTED + 1])  # one query: the list and the count
        total = f"{COUNTED}+" if len(tasks) > COUNTED else len(tasks)
        overdue = any(t.due_on < today for t in tasks)
        url = reverse("monthend:task_list")
        items = [
            (
                _("%(month)s月%(day)s日 %(title)s")
                % {"month": t.due_on.month, "day": t.due_on.day, "title": t.title}
                + (_("（已逾期）") if t.due_on < today else ""),
                url,
            )
            for t in tasks[:SHOWN]
        ]
        found.append(
            Card(
                _("本周行事历"),
                total,
                url,
                DANGER if overdue else (WARNING if tasks else OK),
                note=_("本周待办及逾期未完成的行事历任务"),
                items=items,
                order=40,
            )
        )
    return found
