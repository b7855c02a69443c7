"""Checking the books against the rooms: 盘点 (workflows.STOCKTAKE: the director submits, the principal
closes, moving and writing off assets), the room list a room's keeper confirms (物表一致), and the
monthly reconciliation (每月结账)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_creation
from logistics.choices import Role

from ..choices import ON_BOOKS, AssetAction, LineResult, StocktakeAction, StocktakeStatus
from ..models import Asset, Reconciliation, RoomListConfirmation, Stocktake, StocktakeLine
from ..selectors import reconciliation_figures, stocktake_difference_note
from ..workflows import STOCKTAKE
from .common import asset_step, check_room, require


def stocktake_open(*, school, by, title: str, kind: str, rooms=None, note: str = "") -> Stocktake:
    """盘点: every on-book asset in scope becomes a line to find (whole school, or some rooms)."""
    require(school, by, "assets.manage")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写盘点名称。")})
    rooms = list(rooms or [])
    for r in rooms:
        check_room(school, r, "rooms")
    if Stocktake.objects.filter(school=school, status=StocktakeStatus.OPEN).exists():
        raise ValidationError(_("已有进行中的盘点，请先完成。"))
    with transaction.atomic():
        st = Stocktake.objects.create(
            school=school, title=title[:100], kind=kind, whole_school=not rooms, opened_by=by, note=note[:300]
        )
        if rooms:
            st.rooms.set(rooms)
        # one INSERT ... SELECT: 100,000 assets take about a second instead of a Python loop
        where = ["school_id = %s", "status IN (" + ", ".join(["%s"] * len(ON_BOOKS)) + ")"]
        params = [st.pk, LineResult.PENDING, school.pk, *[str(s) for s in ON_BOOKS]]
        if rooms:
            where.append("room_id IN (" + ", ".join(["%s"] * len(rooms)) + ")")
            params += [r.pk for r in rooms]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {StocktakeLine._meta.db_table} "  # noqa: S608 - table name from the model
                "(school_id, stocktake_id, asset_id, code, expected_room_id, result) "
                f"SELECT school_id, %s, id, code, room_id, %s FROM {Asset._meta.db_table} "
                f"WHERE {' AND '.join(where)}",
                params,
            )
        record_creation(obj=st, by=by)
    return st


def stocktake_scan(*, obj, by, room, code: str) -> StocktakeLine:
    """One scanned (or ticked) code in a room: 相符, 位置不符, or 盘盈 (unknown code)."""
    code = (code or "").strip()
    if not code:
        raise ValidationError(_("请扫描或输入资产编号。"))
    if len(code) > 40:
        raise ValidationError(_("编号过长，不是本系统的资产标签。"))
    if room is None:
        raise ValidationError(_("请先选择正在盘点的房间。"))
    with transaction.atomic():
        st = Stocktake.objects.select_for_update().get(pk=obj.pk)
        if st.status != StocktakeStatus.OPEN:
            raise ValidationError(_("盘点已结束，不能再扫描。"))
        check_room(st.school_id, room)
        require(st.school_id, by, "assets.manage")
        line = StocktakeLine.objects.filter(stocktake=st, code=code).first()
        if line is None:
            asset = Asset.objects.filter(school_id=st.school_id, code=code).first()
            line = StocktakeLine(school_id=st.school_id, stocktake=st, code=code, asset=asset)
            line.expected_room_id = asset.room_id if asset else None
        line.found_room = room
        line.scanned_by = by
        line.scanned_at = timezone.now()
        if line.asset_id is None:
            line.result = LineResult.UNKNOWN
        elif line.expected_room_id == room.pk:
            line.result = LineResult.FOUND
        else:
            line.result = LineResult.WRONG_ROOM
        line.save()
    return line


def stocktake_submit(*, obj, by) -> Stocktake:
    """The director ends counting: everything not found is 盘亏; the principal approves the result."""
    with STOCKTAKE.step(obj, StocktakeAction.SUBMIT, by=by) as step:
        st = step.obj
        st.lines.filter(result=LineResult.PENDING).update(result=LineResult.MISSING)
        step.set(submitted_by=by, submitted_at=timezone.now())
        step.notify(
            school=st.school,
            title=_("盘点待审批：%(t)s") % {"t": st.title},
            url=st.get_absolute_url(),
            roles=[Role.PRINCIPAL],
            dedupe_key=f"stocktake-submitted:{st.pk}",
        )
    return step.obj


def _on_books(lines) -> dict:
    """The lines' assets locked (in id order), as {asset id: (status, room id)}."""
    ids = sorted({line.asset_id for line in lines})
    rows = (
        Asset.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "status", "room_id")
    )
    return {pk: (status, room_id) for pk, status, room_id in rows}


def stocktake_close(
    *, obj, by, move_wrong_room: bool = True, write_off_missing: bool = False, comment: str = ""
) -> Stocktake:
    """Approve and close (signed): optionally move wrong-room assets and write off missing ones. The
    asset steps are the principal's, checked by the stocktake's own step."""
    with STOCKTAKE.step(obj, StocktakeAction.CLOSE, by=by, comment=comment) as step:
        st = step.obj
        if write_off_missing and not (comment or "").strip():
            raise ValidationError({"comment": _("核销盘亏资产须填写审批意见。")})
        if move_wrong_room:
            lines = list(
                st.lines.filter(result=LineResult.WRONG_ROOM, asset__isnull=False).select_related(
                    "asset", "found_room"
                )
            )
            now = _on_books(lines)
            for line in lines:
                status, room_id = now[line.asset_id]
                if status in ON_BOOKS and room_id != line.found_room_id:
                    with asset_step(
                        line.asset, AssetAction.STOCKTAKE_MOVE, by=by, comment=st.title, cascade=True
                    ) as moving:
                        moving.set(room=line.found_room)
        if write_off_missing:
            lines = list(
                st.lines.filter(result=LineResult.MISSING, asset__isnull=False).select_related("asset")
            )
            now = _on_books(lines)
            for line in lines:
                if now[line.asset_id][0] in ON_BOOKS:
                    with asset_step(
                        line.asset, AssetAction.STOCKTAKE_MISSING, by=by, comment=comment, cascade=True
                    ):
                        pass
        step.set(closed_by=by, closed_at=timezone.now())
    return step.obj


# --- room lists ---------------------------------------------------------------------------------
def room_list_confirm(*, room, by, note: str = "") -> RoomListConfirmation:
    """The room's responsible person confirms its asset list (物表一致)."""
    if room.responsible_id != by.pk:
        raise ValidationError(_("只有房间责任人可以确认本房间的财产登记表。"))
    with transaction.atomic():
        agg = Asset.objects.filter(school_id=room.school_id, room=room, status__in=ON_BOOKS).aggregate(
            n=Count("id"), v=Sum(F("unit_price") * F("quantity"))
        )
        return RoomListConfirmation.objects.create(
            school_id=room.school_id,
            room=room,
            confirmed_by=by,
            asset_count=agg["n"] or 0,
            total_value=agg["v"] or Decimal("0.00"),
            note=(note or "")[:300],
        )


# --- monthly reconciliation (每月结账) -------------------------------------------------------------
def reconcile_month(*, school, period):
    """Idempotent: the first run computes and stores the month; later runs return it unchanged."""
    existing = Reconciliation.objects.filter(school=school, month=period.start).first()
    if existing is not None:
        return existing, False
    rows, totals = reconciliation_figures(school, period)
    try:
        with transaction.atomic():
            rec = Reconciliation.objects.create(
                school=school,
                month=period.start,
                rows=rows,
                totals=totals,
                stocktake_note=stocktake_difference_note(school)[:300],
            )
    except IntegrityError:  # a concurrent run won
        return Reconciliation.objects.get(school=school, month=period.start), False
    return rec, True
