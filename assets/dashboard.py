"""Dashboard cards: two queries in all, whatever the data size."""

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.choices import Role
from logistics.dashboard import DANGER, INFO, OK, WARNING, Card, counts
from logistics.models import Room
from logistics.permissions import can

from .choices import DisposalStatus, LoanStatus, RepairStatus, StocktakeStatus, TaskStatus
from .models import AssetLoan, DisposalRequest, MaintenanceTask, RepairRequest, Stocktake, StoreItem


def cards(request):
    """One query for every number below (logistics.dashboard.counts) and one for the user's rooms."""
    found = []
    school = getattr(request, "school", None)
    if school is None:
        return found
    now = timezone.now()
    today = timezone.localdate()
    open_statuses = [RepairStatus.SUBMITTED, RepairStatus.ASSIGNED]
    repairs = RepairRequest.objects.filter(school=school)
    manage_repairs = can(request, "repairs.manage") or request.role == Role.BUREAU
    wanted = {}
    if manage_repairs:
        wanted.update(
            repairs_open=repairs.filter(status__in=open_statuses),
            repairs_overdue=repairs.filter(status__in=open_statuses, due_by__lt=now),
            repairs_waiting=repairs.filter(status=RepairStatus.SUBMITTED),
        )
    elif can(request, "repairs.raise"):
        mine = repairs.filter(requested_by=request.user)
        wanted.update(
            mine_open=mine.filter(status__in=open_statuses),
            mine_to_accept=mine.filter(status=RepairStatus.DONE),
        )
    if can(request, "assets.approve"):
        wanted.update(
            disposals=DisposalRequest.objects.filter(school=school, status=DisposalStatus.PENDING),
            stocktakes=Stocktake.objects.filter(school=school, status=StocktakeStatus.SUBMITTED),
        )
    if can(request, "repairs.manage"):
        wanted["tasks"] = MaintenanceTask.objects.filter(
            school=school, status=TaskStatus.OPEN, due_on__lte=today
        )
    if can(request, "stores.manage"):
        wanted.update(
            low=StoreItem.objects.filter(school=school, on_hand__lte=F("min_level")),
            overdue_loans=AssetLoan.objects.filter(school=school, status=LoanStatus.OPEN, due_on__lt=today),
        )
    n = counts(**wanted)
    if manage_repairs:
        level = DANGER if n["repairs_overdue"] else (WARNING if n["repairs_waiting"] else OK)
        found.append(
            Card(
                _("未完成报修"),
                n["repairs_open"],
                reverse("assets:repair_list"),
                level,
                note=_("待派单 %(w)d，逾期 %(o)d") % {"w": n["repairs_waiting"], "o": n["repairs_overdue"]},
                order=20,
            )
        )
    elif "mine_open" in n:
        found.append(
            Card(
                _("我的报修"),
                n["mine_open"],
                reverse("assets:repair_list"),
                WARNING if n["mine_to_accept"] else INFO,
                note=_("待我验收 %(n)d") % {"n": n["mine_to_accept"]},
                items=[(_("我要报修"), reverse("assets:repair_create"))],
                order=20,
            )
        )
    if n.get("disposals"):
        found.append(
            Card(_("待审批报废/转让"), n["disposals"], reverse("assets:disposal_list"), WARNING, order=21)
        )
    if n.get("stocktakes"):
        found.append(
            Card(_("待审批盘点"), n["stocktakes"], reverse("assets:stocktake_list"), WARNING, order=22)
        )
    if n.get("tasks"):
        found.append(
            Card(_("待完成维护任务"), n["tasks"], reverse("assets:maintenance_list"), INFO, order=25)
        )
    if request.role != Role.BUREAU:
        mine = list(
            Room.objects.filter(school=school, responsible=request.user, is_active=True)
            .order_by("name")
            .values_list("pk", "name")[:6]
        )
        if mine:
            found.append(
                Card(
                    _("我负责的房间"),
                    len(mine),
                    reverse("assets:room_sheet", args=[mine[0][0]]),
                    INFO,
                    note=_("核对财产登记表，物表一致"),
                    items=[(name, reverse("assets:room_sheet", args=[pk])) for pk, name in mine],
                    order=26,
                )
            )
    if n.get("low"):
        found.append(
            Card(_("库存不足物品"), n["low"], reverse("assets:store_list") + "?low=1", WARNING, order=23)
        )
    if n.get("overdue_loans"):
        found.append(
            Card(_("逾期未还借用"), n["overdue_loans"], reverse("assets:loan_list"), DANGER, order=24)
        )
    return found
