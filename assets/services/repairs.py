"""报修 and 维护: a repair from raising to acceptance (workflows.REPAIR, which marks its asset 维修中
and restores it), the overdue reminder, and the maintenance plans' tasks (workflows.MAINTENANCE_TASK)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.choices import Role
from logistics.models import display_name
from logistics.notifications import notify

from ..choices import AssetAction, AssetStatus, RepairAction, RepairStatus, TaskAction, Urgency
from ..models import Asset, MaintenancePlan, MaintenanceTask, RepairEvent, RepairRequest
from ..workflows import ASSET, MAINTENANCE_TASK, REPAIR
from .common import amount, check_member, check_room, require

DEADLINES = {  # urgency -> (respond within, complete within)
    Urgency.URGENT: (datetime.timedelta(hours=2), datetime.timedelta(hours=24)),
    Urgency.NORMAL: (datetime.timedelta(hours=24), datetime.timedelta(days=3)),
    Urgency.LOW: (datetime.timedelta(days=3), datetime.timedelta(days=7)),
}
MAX_REPAIR_COST = Decimal("1000000")
R = RepairStatus


def _locked_status(asset_id) -> str:
    return Asset.objects.select_for_update().values_list("status", flat=True).get(pk=asset_id)


def repair_raise(
    *, school, by, room, description: str, urgency: str = Urgency.NORMAL, asset=None, photo=None
) -> RepairRequest:
    """Anyone in the school raises a repair (room, asset, description, photo, urgency); an asset in
    use or idle is marked 维修中 until the repair is accepted."""
    from logistics.attachments import save_attachment

    description = (description or "").strip()
    if len(description) < 2:
        raise ValidationError({"description": _("请描述故障情况。")})
    if room is None:
        raise ValidationError({"room": _("请选择报修地点。")})
    check_room(school, room)
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("紧急程度不正确。")})
    if asset is not None and asset.school_id != school.pk:
        raise ValidationError({"asset_code": _("资产不属于本校。")})
    require(school, by, "repairs.raise")
    now = timezone.now()
    respond, complete = DEADLINES[urgency]
    with transaction.atomic():
        current = _locked_status(asset.pk) if asset is not None else None
        marks_asset = current is not None and ASSET.find(AssetAction.REPAIR, current) is not None
        repair = RepairRequest.objects.create(
            school=school,
            room=room,
            asset=asset,
            description=description[:500],
            urgency=urgency,
            requested_by=by,
            requested_at=now,
            respond_by=now + respond,
            due_by=now + complete,
            previous_asset_status=current if marks_asset else "",
        )
        RepairEvent.objects.create(school=school, repair=repair, from_status="", to_status=R.SUBMITTED, by=by)
        if marks_asset:
            # the repair's own check (repairs.raise) covers marking its asset
            ASSET.apply(asset, AssetAction.REPAIR, by=by, comment=description, cascade=True)
        if photo is not None:
            save_attachment(school=school, by=by, upload=photo, target=repair, images_only=True)
        url = reverse("assets:repair_detail", args=[repair.pk])
        title = _("新报修（%(u)s）：%(r)s %(d)s") % {
            "u": repair.get_urgency_display(),
            "r": room.name,
            "d": description[:30],
        }
        transaction.on_commit(
            lambda: notify(
                school=school,
                title=title,
                url=url,
                roles=[Role.DIRECTOR, Role.STAFF],
                dedupe_key=f"repair-new:{repair.pk}",
            )
        )
    return repair


def repair_assign(*, obj, by, assignee, comment: str = "") -> RepairRequest:
    if assignee is None:
        raise ValidationError({"assignee": _("请选择维修人。")})
    with REPAIR.step(obj, RepairAction.ASSIGN, by=by, comment=comment or display_name(assignee)) as step:
        repair = step.obj
        check_member(repair.school_id, assignee, _("维修人"), "assignee")
        step.set(assignee=assignee, assigned_at=timezone.now())
        step.notify(
            school=repair.school,
            title=_("派单：%(r)s") % {"r": repair},
            url=repair.get_absolute_url(),
            users=[assignee],
        )
    return step.obj


def repair_complete(*, obj, by, work_done: str, parts: str = "", cost=Decimal("0")) -> RepairRequest:
    work_done = (work_done or "").strip()
    if not work_done:
        raise ValidationError({"work_done": _("请填写维修情况。")})
    cost = amount(cost, _("维修费用"), "cost", maximum=MAX_REPAIR_COST)
    with REPAIR.step(obj, RepairAction.COMPLETE, by=by, comment=work_done) as step:
        repair = step.obj
        step.set(work_done=work_done[:500], parts=(parts or "")[:300], cost=cost, completed_at=timezone.now())
        step.notify(
            school=repair.school,
            title=_("维修完成，请验收：%(r)s") % {"r": repair},
            url=repair.get_absolute_url(),
            users=[repair.requested_by],
        )
    return step.obj


def repair_accept(*, obj, by, comment: str = "") -> RepairRequest:
    """报修人验收: the asset returns to the status it had before."""
    with REPAIR.step(obj, RepairAction.ACCEPT, by=by, comment=comment) as step:
        repair = step.obj
        step.set(accepted_at=timezone.now())
        if repair.asset_id and ASSET.find(AssetAction.REPAIRED, _locked_status(repair.asset_id)):
            # the requester's acceptance, checked by the repair's step, releases the asset
            with ASSET.step(
                repair.asset, AssetAction.REPAIRED, by=by, comment=repair.work_done, cascade=True
            ) as back:
                back.go_to(repair.previous_asset_status or AssetStatus.IN_USE)
    return step.obj


def repair_send_back(*, obj, by, comment: str) -> RepairRequest:
    if not (comment or "").strip():
        raise ValidationError({"comment": _("退回须说明原因。")})
    with REPAIR.step(obj, RepairAction.SEND_BACK, by=by, comment=comment) as step:
        repair = step.obj
        step.set(completed_at=None)
        if repair.assignee_id is not None:
            step.notify(
                school=repair.school,
                title=_("报修人退回：%(r)s") % {"r": repair},
                body=comment,
                url=repair.get_absolute_url(),
                users=[repair.assignee],
            )
    return step.obj


def repairs_notify_overdue(*, now=None) -> int:
    """Overdue repairs (not finished by their deadline): the director and the assignee, once each."""
    now = now or timezone.now()
    sent = 0
    overdue = (
        RepairRequest.objects.filter(status__in=[R.SUBMITTED, R.ASSIGNED], due_by__lt=now)
        .select_related("school", "room", "assignee")
        .order_by("school_id", "pk")
    )
    for repair in overdue.iterator():
        users = [repair.assignee] if repair.assignee else []
        sent += notify(
            school=repair.school,
            title=_("报修逾期未完成：%(r)s") % {"r": repair},
            url=repair.get_absolute_url(),
            users=users,
            roles=[Role.DIRECTOR],
            dedupe_key=f"repair-overdue:{repair.pk}",
        )
    return sent


# --- maintenance plans --------------------------------------------------------------------------
def maintenance_generate(*, day=None) -> int:
    """Create today's tasks from every active plan that is due (unique plan+day: reruns are no-ops)."""
    day = day or timezone.localdate()
    created = 0
    for plan in MaintenancePlan.objects.filter(is_active=True).select_related("school").iterator():
        if not plan.is_due_on(day):
            continue
        task, new = MaintenanceTask.objects.get_or_create(
            plan=plan, due_on=day, defaults={"school": plan.school}
        )
        if new:
            created += 1
            if plan.assignee_id:
                notify(
                    school=plan.school,
                    title=_("维护任务：%(t)s") % {"t": plan.title},
                    url=reverse("assets:maintenance_list"),
                    users=[plan.assignee],
                    dedupe_key=f"maint-task:{task.pk}",
                )
    return created


def maintenance_task_done(*, obj, by, note: str = "") -> MaintenanceTask:
    with MAINTENANCE_TASK.step(obj, TaskAction.COMPLETE, by=by, comment=note) as step:
        step.set(done_by=by, done_at=timezone.now(), note=(note or "")[:300])
    return step.obj
