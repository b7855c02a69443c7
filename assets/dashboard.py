"""Dashboard cards: a fixed number of queries each."""

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.dashboard import DANGER, INFO, OK, WARNING, Card
from logistics.models import Room
from logistics.permissions import can

from .choices import DisposalStatus, LoanStatus, RepairStatus, StocktakeStatus, TaskStatus
from .models import AssetLoan, DisposalRequest, MaintenanceTask, RepairRequest, Stocktake, StoreItem


def cards(request):
    found = []
    school = getattr(request, "school", None)
    if school is None:
        return found
    now = timezone.now()
    open_statuses = [RepairStatus.SUBMITTED, RepairStatus.ASSIGNED]
    if can(request, "repairs.manage") or request.role == "bureau":
        agg = RepairRequest.objects.filter(school=school).aggregate(
            open=Count("id", filter=Q(status__in=open_statuses)),
            overdue=Count("id", filter=Q(status__in=open_statuses, due_by__lt=now)),
            waiting=Count("id", filter=Q(status=RepairStatus.SUBMITTED)),
        )
        level = DANGER if agg["overdue"] else (WARNING if agg["waiting"] else OK)
        found.append(
            Card(
                _("未完成报修"),
                agg["open"],
                reverse("assets:repair_list"),
                level,
                note=_("待派单 %(w)d，逾期 %(o)d") % {"w": agg["waiting"], "o": agg["overdue"]},
                order=20,
            )
        )
    elif can(request, "repairs.raise"):
        mine = RepairRequest.objects.filter(school=school, requested_by=request.user).aggregate(
            open=Count("id", filter=Q(status__in=open_statuses)),
            to_accept=Count("id", filter=Q(status=RepairStatus.DONE)),
        )
        found.append(
            Card(
                _("我的报修"),
                mine["open"],
                reverse("assets:repair_list"),
                WARNING if mine["to_accept"] else INFO,
                note=_("待我验收 %(n)d") % {"n": mine["to_accept"]},
                items=[(_("我要报修"), reverse("assets:repair_create"))],
                order=20,
            )
        )
    if can(request, "assets.approve"):
        pending = DisposalRequest.objects.filter(school=school, status=DisposalStatus.PENDING).count()
        if pending:
            found.append(
                Card(_("待审批报废/转让"), pending, reverse("assets:disposal_list"), WARNING, order=21)
            )
        to_close = Stocktake.objects.filter(school=school, status=StocktakeStatus.SUBMITTED).count()
        if to_close:
            found.append(Card(_("待审批盘点"), to_close, reverse("assets:stocktake_list"), WARNING, order=22))
    if can(request, "repairs.manage"):
        today_tasks = MaintenanceTask.objects.filter(
            school=school, status=TaskStatus.OPEN, due_on__lte=timezone.localdate()
        ).count()
        if today_tasks:
            found.append(
                Card(_("待完成维护任务"), today_tasks, reverse("assets:maintenance_list"), INFO, order=25)
            )
    if request.role != "bureau":
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
    if can(request, "stores.manage"):
        low = StoreItem.objects.filter(school=school, on_hand__lte=F("min_level")).count()
        overdue_loans = AssetLoan.objects.filter(
            school=school, status=LoanStatus.OPEN, due_on__lt=timezone.localdate()
        ).count()
        if low:
            found.append(
                Card(_("库存不足物品"), low, reverse("assets:store_list") + "?low=1", WARNING, order=23)
            )
        if overdue_loans:
            found.append(
                Card(_("逾期未还借用"), overdue_loans, reverse("assets:loan_list"), DANGER, order=24)
            )
    return found
