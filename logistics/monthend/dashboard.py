"""Dashboard cards of the duty calendar and the month pack (called from logistics/dashboard.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from logistics.permissions import can
from logistics.reports import Period

from .choices import PackStatus
from .models import MonthPack


def cards(request):
    from logistics.dashboard import DANGER, INFO, OK, WARNING, Card

    from .views import week_tasks

    found = []
    if can(request, "duties.view"):
        qs, today, monday = week_tasks(request)
        shown = list(qs.select_related("assignee")[:6])
        total = qs.count() if len(shown) == 6 else len(shown)
        overdue = sum(1 for t in shown if t.due_on < today)
        items = [
            (
                f"{t.due_on.month}月{t.due_on.day}日 {t.title}"
                + (_("（已逾期）") if t.due_on < today else ""),
                reverse("monthend:task_list"),
            )
            for t in shown
        ]
        found.append(
            Card(
                _("本周行事历"),
                total,
                reverse("monthend:task_list"),
                DANGER if overdue else (WARNING if total else OK),
                note=_("本周待办及逾期未完成的行事历任务"),
                items=items,
                order=40,
            )
        )
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
    elif can(request, "monthend.view"):
        period = Period.previous_month()
        pack = MonthPack.objects.for_request(request).filter(month=period.key).order_by("-version").first()
        if pack is None:
            value, level = _("未生成"), WARNING
        else:
            value = pack.get_status_display()
            level = {PackStatus.READY: OK, PackStatus.FAILED: DANGER}.get(pack.status, INFO)
        found.append(
            Card(
                _("%(month)s月报") % {"month": period.label},
                value,
                reverse("monthend:pack_list"),
                level,
                note=(_("第%(v)s版") % {"v": pack.version}) if pack else "",
                order=60,
            )
        )
    return found
