"""Where an asset is and who holds it: 领用, 借用 and 归还, 调拨, 交接 (workflows.ASSET and LOAN)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.choices import Role
from logistics.models import display_name
from logistics.notifications import notify

from ..choices import ON_BOOKS, AssetAction, AssetStatus, LoanAction, LoanStatus
from ..models import Asset, AssetLoan
from ..workflows import LOAN
from .common import asset_step, check_member, check_room, require

MAX_LOAN_DAYS = 366


def asset_issue(*, obj, by, room=None, custodian=None, comment: str = "") -> Asset:
    """领用: to a person and/or a room."""
    if room is None and custodian is None:
        raise ValidationError(_("请选择领用人或存放房间。"))
    with asset_step(obj, AssetAction.ISSUE, by=by, comment=comment) as step:
        check_room(step.obj.school_id, room)
        check_member(step.obj.school_id, custodian, _("责任人"), "custodian")
        if room is not None:
            step.set(room=room)
        if custodian is not None:
            step.set(custodian=custodian)
    return step.obj


def asset_lend(*, obj, by, borrower, due_on, purpose: str = "") -> AssetLoan:
    """借用 with a due date; 归还 via loan_return."""
    today = timezone.localdate()
    if due_on is None or due_on < today:
        raise ValidationError({"due_on": _("应还日期不能早于今天。")})
    if due_on > today + datetime.timedelta(days=MAX_LOAN_DAYS):
        raise ValidationError({"due_on": _("借用期限不能超过一年。")})
    if borrower is None:
        raise ValidationError({"borrower": _("请选择借用人。")})
    comment = _("借给 %(p)s，应还 %(d)s") % {"p": display_name(borrower), "d": due_on}
    with asset_step(obj, AssetAction.LEND, by=by, comment=comment) as step:
        check_member(step.obj.school_id, borrower, _("借用人"), "borrower")
        loan = AssetLoan.objects.create(
            school_id=step.obj.school_id,
            asset=step.obj,
            borrower=borrower,
            lent_by=by,
            due_on=due_on,
            purpose=(purpose or "")[:200],
            previous_status=step.source,
        )
    return loan


def loan_return(*, obj, by, comment: str = "") -> AssetLoan:
    """归还: the loan closes and the asset goes back to the status it had before."""
    with LOAN.step(obj, LoanAction.RETURN, by=by, comment=comment) as step:
        loan = step.obj
        step.set(returned_on=timezone.localdate())
        text = comment or _("%(p)s 归还") % {"p": display_name(loan.borrower)}
        # the same person and permission as the loan's step, checked there
        with asset_step(loan.asset, AssetAction.RETURN, by=by, comment=text, cascade=True) as moved:
            moved.go_to(loan.previous_status or AssetStatus.IN_USE)
    return step.obj


def asset_transfer(*, obj, by, room, custodian=None, comment: str = "") -> Asset:
    """调拨 between rooms (and so campuses)."""
    if room is None:
        raise ValidationError({"room": _("请选择调入房间。")})
    with asset_step(obj, AssetAction.TRANSFER, by=by, comment=comment) as step:
        asset = step.obj
        check_room(asset.school_id, room)
        if asset.room_id == room.pk and (custodian is None or custodian.pk == asset.custodian_id):
            raise ValidationError({"room": _("调入房间与当前位置相同。")})
        check_member(asset.school_id, custodian, _("责任人"), "custodian")
        step.set(room=room)
        if custodian is not None:
            step.set(custodian=custodian)
    return step.obj


def assets_handover(*, school, by, from_user, to_user, comment: str = "") -> int:
    """交接: every on-book asset held by from_user passes to to_user, one step (and history row) each."""
    if to_user is None or from_user is None:
        raise ValidationError(_("请选择交接人和接收人。"))
    if from_user.pk == to_user.pk:
        raise ValidationError({"to_user": _("接收人不能是交接人本人。")})
    check_member(school, to_user, _("接收人"), "to_user")
    require(school, by, "assets.manage")  # the handover's permission, checked once for all its steps
    with transaction.atomic():
        assets = list(
            Asset.objects.select_for_update()
            .filter(school=school, custodian=from_user, status__in=ON_BOOKS)
            .order_by("pk")
        )
        if not assets:
            raise ValidationError(_("此人名下没有需要交接的资产。"))
        text = comment or _("%(a)s 交接给 %(b)s") % {"a": display_name(from_user), "b": display_name(to_user)}
        for asset in assets:
            with asset_step(asset, AssetAction.HANDOVER, by=by, comment=text, cascade=True) as step:
                step.set(custodian=to_user)
        url = reverse("assets:asset_list") + f"?custodian={to_user.pk}"
        title = _("您已接收 %(n)d 件资产（交接）") % {"n": len(assets)}
        transaction.on_commit(lambda: notify(school=school, title=title, url=url, users=[to_user]))
    return len(assets)


def loans_notify_overdue(*, today=None) -> int:
    """Overdue loans remind the borrower and the keepers (后勤人员), once a day."""
    today = today or timezone.localdate()
    sent = 0
    for loan in (
        AssetLoan.objects.filter(status=LoanStatus.OPEN, due_on__lt=today)
        .select_related("school", "asset", "borrower")
        .order_by("pk")
        .iterator()
    ):
        sent += notify(
            school=loan.school,
            title=_("借用逾期未还：%(a)s（应还 %(d)s）") % {"a": loan.asset, "d": loan.due_on},
            url=reverse("assets:loan_list"),
            users=[loan.borrower],
            roles=[Role.STAFF],
            dedupe_key=f"loan-overdue:{loan.pk}:{today:%Y-%m-%d}",
        )
    return sent
