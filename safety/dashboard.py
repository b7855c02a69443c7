"""Safety's cards on the dashboard, only for the roles they concern: every number in one query
(logistics.dashboard.counts), plus the settings, the open inspections, drills, visitors and duty."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.choices import Role
from logistics.dashboard import DANGER, INFO, OK, WARNING, Card, counts
from logistics.models import display_name
from logistics.permissions import can

from . import selectors
from .choices import DrillKind, InspectionStatus
from .models import DutyShift, FireEquipment, Hazard, Inspection, Visitor


def cards(request):
    if getattr(request, "school", None) is None or not can(request, "safety.view"):
        return []
    today = timezone.localdate()
    settings = selectors.settings_for_schools([request.school])[request.school.pk]
    found = []
    inspect = can(request, "safety.inspect")
    hazards = can(request, "hazards.rectify") or request.role == Role.BUREAU
    open_qs = Inspection.objects.for_request(request).filter(status=InspectionStatus.OPEN).order_by("due_on")
    wanted = {}
    if inspect:
        limit = today + datetime.timedelta(days=30)
        wanted.update(
            inspections=open_qs,
            equipment=FireEquipment.objects.for_request(request)
            .filter(is_active=True)
            .filter(Q(expires_on__lte=limit) | Q(next_check_on__lte=limit)),
        )
    if hazards:
        qs = Hazard.objects.for_request(request)
        wanted.update(
            {f"hazards_{name}": qs.filter(q) for name, q in selectors.hazard_count_filters(today).items()}
        )
    n = counts(**wanted)  # one query for every number of the cards below
    if inspect:
        rows = list(open_qs.select_related("assigned_to")[:5])
        overdue = [i for i in rows if i.due_on < today]
        found.append(
            Card(
                _("待完成的安全检查"),
                n["inspections"],
                reverse("safety:inspection_list") + "?status=open",
                DANGER if overdue else (WARNING if rows else OK),
                note=_("%(n)d 项已逾期") % {"n": len(overdue)} if overdue else "",
                items=[
                    (f"{i} · {display_name(i.assigned_to)}", reverse("safety:inspection_detail", args=[i.pk]))
                    for i in rows
                ],
                order=20,
            )
        )
    if hazards:
        level = DANGER if n["hazards_overdue"] else (WARNING if n["hazards_open"] else OK)
        found.append(
            Card(
                _("未销号安全隐患"),
                n["hazards_open"],
                reverse("safety:hazard_list") + "?status=open",
                level,
                note=_("逾期 %(o)d · 待交办 %(u)d · 待验收 %(v)d")
                % {"o": n["hazards_overdue"], "u": n["hazards_unassigned"], "v": n["hazards_to_verify"]},
                order=21,
            )
        )
    if n.get("equipment"):
        found.append(
            Card(
                _("消防器材到期/待检测"),
                n["equipment"],
                reverse("safety:equipment_list"),
                WARNING,
                note=_("30天内到期或需压力检测"),
                order=25,
            )
        )
    if can(request, "safety.manage"):
        behind = [s for s in selectors.drill_status(request.school, today, settings) if s[4]]
        if behind:
            found.append(
                Card(
                    _("演练滞后"),
                    "、".join(str(DrillKind(s[0]).label) for s in behind),
                    reverse("safety:drill_list"),
                    DANGER,
                    note=_("按本校设置的频次，以上演练已超期未开展。"),
                    order=22,
                )
            )
    if can(request, "visitors.record"):
        inside = list(selectors.visitors_inside(Visitor.objects.for_request(request))[:5])
        closing = settings.closing_time
        after_closing = bool(inside) and timezone.localtime().time() >= closing
        found.append(
            Card(
                _("仍在校内的访客"),
                len(inside) if len(inside) < 5 else f"{len(inside)}+",
                reverse("safety:visitor_list"),
                DANGER if after_closing else (WARNING if inside else OK),
                note=_("已过闭园时间 %(t)s，请核实离校") % {"t": f"{closing:%H:%M}"} if after_closing else "",
                items=[(f"{v.name} · {timezone.localtime(v.time_in):%m-%d %H:%M}", "") for v in inside],
                order=23,
            )
        )
    if request.role != Role.BUREAU:
        duty = list(selectors.duty_today(DutyShift.objects.for_request(request), today))
        found.append(
            Card(
                _("今日值班"),
                "、".join(display_name(d.person) for d in duty) or _("未排班"),
                reverse("safety:duty_list"),
                INFO if duty else WARNING,
                items=[(f"{d.get_kind_display()}：{display_name(d.person)} {d.phone}", "") for d in duty],
                order=24,
            )
        )
    return found
