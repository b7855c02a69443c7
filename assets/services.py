"""Every write of the assets app (DESIGN.md rule 3): keyword-only, atomic, locked, checked, logged.

Public functions other apps call (finance's stock-in after acceptance):
`fixed_asset_threshold`, `assets_register_from_purchase`, `stores_stock_in`.
The registration form and the Excel import warn through `capitalisation_rule`.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_change, record_creation, snapshot
from logistics.choices import ChangeAction, Role
from logistics.models import Membership, Room, display_name
from logistics.notifications import notify
from logistics.permissions import role_can

from .choices import (
    ON_BOOKS,
    AssetAction,
    AssetSource,
    AssetStatus,
    DamageStatus,
    DisposalKind,
    DisposalStatus,
    LineResult,
    LoanStatus,
    MovementKind,
    PartyKind,
    RepairStatus,
    StocktakeStatus,
    TaskStatus,
    Urgency,
)
from .models import (
    CENT,
    Asset,
    AssetCategory,
    AssetEvent,
    AssetLoan,
    AssetSettings,
    DamageCase,
    DisposalRequest,
    MaintenancePlan,
    MaintenanceTask,
    RepairEvent,
    RepairRequest,
    RoomListConfirmation,
    StockMovement,
    Stocktake,
    StocktakeLine,
    StoreItem,
)

MAX_MONEY = Decimal("99999999.99")
MAX_UNITS_PER_REGISTRATION = 1000
DEFAULT_CATEGORY_CODE = "2"  # 通用设备
SPECIAL_EQUIPMENT_CODE = "3"  # 专用设备: its own, higher fixed-asset threshold


# --- helpers ------------------------------------------------------------------------------------
def _role(school, user):
    if user is None:
        return None
    return Membership.objects.active().filter(school=school, user=user).values_list("role", flat=True).first()


def _require_role(school, user, action, message=None):
    role = _role(school, user)
    if role is None or not role_can(role, action):
        raise ValidationError(message or _("您没有执行此操作的权限。"))
    return role


def _is_member(school, user):
    return user is not None and Membership.objects.active().filter(school=school, user=user).exists()


def _money(value, field_label, *, allow_zero=True):
    try:
        value = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError(_("%(f)s不是有效的金额。") % {"f": field_label}) from exc
    if not value.is_finite():
        raise ValidationError(_("%(f)s不是有效的金额。") % {"f": field_label})
    if value < 0 or (not allow_zero and value == 0):
        raise ValidationError(_("%(f)s必须大于零。") % {"f": field_label})
    if value != value.quantize(CENT):
        raise ValidationError(_("%(f)s最多两位小数。") % {"f": field_label})
    if value > MAX_MONEY:
        raise ValidationError(_("%(f)s数值过大。") % {"f": field_label})
    return value.quantize(CENT)


def _quantity(value, label=None):
    label = label or _("数量")
    try:
        value = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError(_("%(f)s不是有效的数字。") % {"f": label}) from exc
    if not value.is_finite() or value <= 0:
        raise ValidationError(_("%(f)s必须大于零。") % {"f": label})
    if value != value.quantize(CENT):
        raise ValidationError(_("%(f)s最多两位小数。") % {"f": label})
    if value > Decimal("1000000"):
        raise ValidationError(_("%(f)s数值过大。") % {"f": label})
    return value


def _not_future(day, label):
    if day and day > timezone.localdate():
        raise ValidationError(_("%(f)s不能晚于今天。") % {"f": label})


def _check_room(school, room):
    if room is not None and room.school_id != school.pk:
        raise ValidationError(_("房间不属于本校。"))


def _check_member(school, user, label):
    if user is not None and not _is_member(school, user):
        raise ValidationError(_("%(f)s不是本校在岗人员。") % {"f": label})


def settings_for(school) -> AssetSettings:
    obj, _created = AssetSettings.objects.get_or_create(school=school)
    return obj


DEFAULT_THRESHOLD = Decimal("1000.00")
DEFAULT_SPECIAL_THRESHOLD = Decimal("1500.00")


def special_equipment_ids(school) -> frozenset:
    """Ids of the categories that count as 专用设备: the standard top-level class 3 (GB/T 14885) and
    every category under it, the seeded 301–305 and a school's own sub-categories alike. Follows the
    parent links, as the monthly reconciliation does, not code prefixes: a school's own code is free
    text (a "JX-01" under 301 is 专用设备; a "305a" under 2 is not). One query."""
    rows = list(AssetCategory.objects.for_school(school).values_list("pk", "parent_id", "code", "school_id"))
    parent = {pk: parent_id for pk, parent_id, _code, _school in rows}
    roots = {
        pk
        for pk, parent_id, code, school_id in rows
        if parent_id is None and school_id is None and code == SPECIAL_EQUIPMENT_CODE
    }
    found = set()
    for pk in parent:
        seen, cur = set(), pk
        while cur is not None and cur not in seen:  # `seen`: a parent loop made in the admin ends here
            if cur in roots:
                found.add(pk)
                break
            seen.add(cur)
            cur = parent.get(cur)
    return frozenset(found)


@dataclass(frozen=True)
class CapitalisationRule:
    """A school's two fixed-asset thresholds (固定资产起点): general, and 专用设备."""

    general: Decimal
    special: Decimal
    special_ids: frozenset

    def is_special(self, category) -> bool:
        return _category_id(category) in self.special_ids

    def threshold(self, category=None) -> Decimal:
        return self.special if self.is_special(category) else self.general

    def low_value_message(self, category, unit_price) -> str | None:
        """The warning when `unit_price` is below the threshold that applies to `category`, else None."""
        if unit_price is None or unit_price >= self.threshold(category):
            return None
        if self.is_special(category):
            return _("专用设备单价低于固定资产起点 %(t)s 元：一般应作为低值易耗品入库管理。") % {
                "t": self.special
            }
        return _("单价低于固定资产起点 %(t)s 元：一般应作为低值易耗品入库管理。") % {"t": self.general}


def _category_id(category):
    if category is None:
        return None
    return category if isinstance(category, int) else category.pk


def capitalisation_rule(school) -> CapitalisationRule:
    """The school's thresholds and its 专用设备 categories (two queries, no row created)."""
    found = (
        AssetSettings.objects.filter(school=school)
        .values_list("fixed_asset_threshold", "special_equipment_threshold")
        .first()
    )
    general, special = found if found is not None else (DEFAULT_THRESHOLD, DEFAULT_SPECIAL_THRESHOLD)
    return CapitalisationRule(general=general, special=special, special_ids=special_equipment_ids(school))


def fixed_asset_threshold(school, category=None) -> Decimal:
    """Unit price from which an item goes to the asset register: the 专用设备 threshold (default
    1500 元) for a category under GB/T 14885 class 3, the general one (default 1000 元) otherwise,
    and for no category (a purchase is registered under the default category, 2 通用设备)."""
    if category is None:
        found = (
            AssetSettings.objects.filter(school=school)
            .values_list("fixed_asset_threshold", flat=True)
            .first()
        )
        return found if found is not None else DEFAULT_THRESHOLD
    return capitalisation_rule(school).threshold(category)


def next_codes(school, count: int) -> list[str]:
    """Reserve `count` asset codes for the school (locked counter: no duplicates under concurrency)."""
    settings_for(school)
    with transaction.atomic():
        s = AssetSettings.objects.select_for_update().get(school=school)
        year = timezone.localdate().year
        codes: list[str] = []
        number = s.next_number
        while len(codes) < count:
            batch = []
            while len(codes) + len(batch) < count:
                batch.append(f"{s.code_prefix}{year}-{number:06d}")
                number += 1
            # skip codes the school typed by hand that collide with the sequence
            taken = set(Asset.objects.filter(school=school, code__in=batch).values_list("code", flat=True))
            codes += [c for c in batch if c not in taken]
        s.next_number = number
        s.save(update_fields=["next_number"])
    return codes


def ensure_standard_categories() -> int:
    """Create any missing GB/T 14885 category (the data migration seeds them; a flushed test database
    or a hand-deleted row gets them back). Returns how many were created."""
    from .categories import STANDARD_CATEGORIES

    existing = {c.code: c for c in AssetCategory.objects.filter(school__isnull=True)}
    created = 0
    for code, name, parent, years in STANDARD_CATEGORIES:
        if code not in existing:
            existing[code] = AssetCategory.objects.create(
                school=None, code=code, name=name, parent=existing.get(parent), useful_life_years=years
            )
            created += 1
    return created


def default_category():
    found = AssetCategory.objects.filter(school__isnull=True, code=DEFAULT_CATEGORY_CODE).first()
    if found is None:
        ensure_standard_categories()
        found = AssetCategory.objects.get(school__isnull=True, code=DEFAULT_CATEGORY_CODE)
    return found


# --- asset transitions table (DESIGN.md rule 2) ----------------------------------------------------
@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str | None  # None: keep the current status (or restore a recorded one)
    permission: str


S = AssetStatus
TRANSITIONS: dict[str, Transition] = {
    AssetAction.REGISTER: Transition(frozenset(), None, "assets.manage"),
    AssetAction.ISSUE: Transition(frozenset({S.IDLE, S.IN_USE}), S.IN_USE, "assets.manage"),
    AssetAction.LEND: Transition(frozenset({S.IDLE, S.IN_USE}), S.LENT, "assets.manage"),
    AssetAction.RETURN: Transition(frozenset({S.LENT}), None, "assets.manage"),
    AssetAction.TRANSFER: Transition(frozenset({S.IDLE, S.IN_USE}), None, "assets.manage"),
    AssetAction.REPAIR: Transition(frozenset({S.IDLE, S.IN_USE}), S.REPAIRING, "repairs.raise"),
    AssetAction.REPAIRED: Transition(frozenset({S.REPAIRING}), None, "repairs.raise"),
    AssetAction.REQUEST_DISPOSAL: Transition(
        frozenset({S.IDLE, S.IN_USE, S.REPAIRING}), S.PENDING_DISPOSAL, "assets.manage"
    ),
    AssetAction.APPROVE_DISPOSAL: Transition(frozenset({S.PENDING_DISPOSAL}), S.DISPOSED, "assets.approve"),
    AssetAction.APPROVE_TRANSFER_OUT: Transition(
        frozenset({S.PENDING_DISPOSAL}), S.TRANSFERRED_OUT, "assets.approve"
    ),
    AssetAction.REJECT_DISPOSAL: Transition(frozenset({S.PENDING_DISPOSAL}), None, "assets.approve"),
    AssetAction.HANDOVER: Transition(frozenset(ON_BOOKS), None, "assets.manage"),
    AssetAction.STOCKTAKE_MOVE: Transition(frozenset(ON_BOOKS), None, "assets.approve"),
    AssetAction.STOCKTAKE_MISSING: Transition(frozenset(ON_BOOKS), S.MISSING, "assets.approve"),
    AssetAction.DAMAGE: Transition(frozenset(ON_BOOKS), None, "assets.manage"),
}


def _lock_asset(asset) -> Asset:
    return Asset.objects.select_for_update().select_related("category").get(pk=asset.pk)


def _apply(
    asset,
    *,
    action,
    by,
    to_status=None,
    room=...,
    custodian=...,
    comment="",
    check_role=True,
) -> AssetEvent:
    """Check and apply one transition on a locked asset; write the history row."""
    t = TRANSITIONS[action]
    if t.sources and asset.status not in t.sources:
        raise ValidationError(
            _("资产「%(a)s」当前状态为「%(s)s」，不能%(act)s。")
            % {"a": asset, "s": asset.get_status_display(), "act": AssetAction(action).label}
        )
    if check_role:
        _require_role(asset.school, by, t.permission)
    new_status = to_status or t.target or asset.status
    event = AssetEvent(
        school_id=asset.school_id,
        asset=asset,
        action=action,
        from_status=asset.status,
        to_status=new_status,
        from_room_id=asset.room_id,
        to_room_id=asset.room_id,
        from_custodian_id=asset.custodian_id,
        to_custodian_id=asset.custodian_id,
        by=by,
        comment=(comment or "")[:300],
    )
    fields = ["status"]
    asset.status = new_status
    if room is not ...:
        _check_room(asset.school, room)
        asset.room = room
        event.to_room = room
        fields.append("room")
    if custodian is not ...:
        _check_member(asset.school, custodian, _("责任人"))
        asset.custodian = custodian
        event.to_custodian = custodian
        fields.append("custodian")
    if new_status in (S.DISPOSED, S.TRANSFERRED_OUT, S.MISSING):
        asset.disposed_on = timezone.localdate()
        fields.append("disposed_on")
    asset.save(update_fields=fields)
    event.save()
    return event


# --- register -----------------------------------------------------------------------------------
def asset_register(
    *,
    school,
    by,
    name: str,
    unit_price,
    purchase_date,
    category=None,
    units: int = 1,
    spec: str = "",
    source: str = AssetSource.PURCHASE,
    funding: str = "",
    room=None,
    custodian=None,
    code: str = "",
    status: str | None = None,
    useful_life_years=None,
    source_ref: str = "",
    note: str = "",
    check_role: bool = True,
) -> list:
    """Register `units` assets, one row per unit, each with its own code and a history row."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写资产名称。"))
    unit_price = _money(unit_price, _("单价"))
    if purchase_date is None:
        raise ValidationError(_("请填写购置日期。"))
    _not_future(purchase_date, _("购置日期"))
    if purchase_date.year < 1950:
        raise ValidationError(_("购置日期不合理。"))
    try:
        units = int(units)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("数量必须是整数。")) from exc
    if not 1 <= units <= MAX_UNITS_PER_REGISTRATION:
        raise ValidationError(_("数量应在 1 到 %(n)d 之间。") % {"n": MAX_UNITS_PER_REGISTRATION})
    if useful_life_years is not None and not 0 <= int(useful_life_years) <= 100:
        raise ValidationError(_("折旧年限应在 0 到 100 年之间。"))
    category = category or default_category()
    if category.school_id not in (None, school.pk):
        raise ValidationError(_("资产分类不属于本校。"))
    if source not in AssetSource.values:
        raise ValidationError(_("来源不正确。"))
    _check_room(school, room)
    _check_member(school, custodian, _("责任人"))
    if check_role:
        _require_role(school, by, "assets.manage")
    if status is None:
        status = S.IN_USE if (room is not None or custodian is not None) else S.IDLE
    if status not in (S.IN_USE, S.IDLE):
        raise ValidationError(_("新登记的资产只能是在用或闲置。"))
    code = (code or "").strip()
    if code and units != 1:
        raise ValidationError(_("指定资产编号时数量只能为 1。"))
    with transaction.atomic():
        if code:
            if Asset.objects.filter(school=school, code=code).exists():
                raise ValidationError(_("资产编号「%(c)s」已存在。") % {"c": code})
            codes = [code]
        else:
            codes = next_codes(school, units)
        created = []
        for c in codes:
            asset = Asset.objects.create(
                school=school,
                code=c,
                name=name[:100],
                category=category,
                spec=(spec or "")[:100],
                unit_price=unit_price,
                quantity=1,
                purchase_date=purchase_date,
                source=source,
                funding=(funding or "")[:60],
                room=room,
                custodian=custodian,
                status=status,
                useful_life_years=useful_life_years,
                source_ref=(source_ref or "")[:60],
                note=(note or "")[:200],
            )
            created.append(asset)
        AssetEvent.objects.bulk_create(
            [
                AssetEvent(
                    school=school,
                    asset=a,
                    action=AssetAction.REGISTER,
                    from_status="",
                    to_status=a.status,
                    to_room=room,
                    to_custodian=custodian,
                    by=by,
                    comment=(source_ref or "")[:300],
                )
                for a in created
            ]
        )
    return created


def assets_bulk_register(*, school, by, items: list[dict], source_ref: str = "") -> int:
    """Register many already-validated rows (the Excel import) in one transaction: codes reserved once,
    rows and their history rows written in batches. Each item: the keyword arguments of asset_register
    (name, category, unit_price, purchase_date, units, spec, source, funding, room, custodian, code,
    status, note). All or nothing."""
    _require_role(school, by, "assets.manage")
    with transaction.atomic():
        given = [i["code"] for i in items if i.get("code")]
        if given and Asset.objects.filter(school=school, code__in=given).exists():
            raise ValidationError(_("部分资产编号已存在，请重新导入。"))
        needed = sum(i.get("units", 1) for i in items if not i.get("code"))
        codes = iter(next_codes(school, needed)) if needed else iter(())
        rows = []
        for i in items:
            status = i.get("status") or (
                S.IN_USE if (i.get("room") is not None or i.get("custodian") is not None) else S.IDLE
            )
            for code in [i["code"]] if i.get("code") else [next(codes) for _n in range(i.get("units", 1))]:
                rows.append(
                    Asset(
                        school=school,
                        code=code,
                        name=i["name"][:100],
                        category=i["category"],
                        spec=(i.get("spec") or "")[:100],
                        unit_price=i["unit_price"],
                        purchase_date=i["purchase_date"],
                        source=i.get("source") or AssetSource.PURCHASE,
                        funding=(i.get("funding") or "")[:60],
                        room=i.get("room"),
                        custodian=i.get("custodian"),
                        status=status,
                        source_ref=source_ref[:60],
                        note=(i.get("note") or "")[:200],
                    )
                )
        created = Asset.objects.bulk_create(rows, batch_size=2000)
        AssetEvent.objects.bulk_create(
            [
                AssetEvent(
                    school=school,
                    asset=a,
                    action=AssetAction.REGISTER,
                    to_status=a.status,
                    to_room=a.room,
                    to_custodian=a.custodian,
                    by=by,
                    comment=source_ref[:300],
                )
                for a in created
            ],
            batch_size=2000,
        )
    return len(created)


def assets_register_from_purchase(
    *,
    school,
    by,
    name: str,
    unit_price: Decimal,
    quantity: int,
    purchase_date,
    spec: str = "",
    category=None,
    room=None,
    custodian=None,
    funding: str = "",
    source_ref: str = "",
) -> list:
    """Called by finance after a purchase is accepted: one asset row per unit (在用 or 闲置)."""
    return asset_register(
        school=school,
        by=by,
        name=name,
        unit_price=unit_price,
        purchase_date=purchase_date,
        category=category,
        units=quantity,
        spec=spec,
        source=AssetSource.PURCHASE,
        funding=funding,
        room=room,
        custodian=custodian,
        source_ref=source_ref,
        check_role=False,  # finance checked its own permission ("finance.purchase")
    )


# --- lifecycle ----------------------------------------------------------------------------------
def asset_issue(*, obj, by, room=None, custodian=None, comment: str = "") -> Asset:
    """领用: to a person and/or a room."""
    if room is None and custodian is None:
        raise ValidationError(_("请选择领用人或存放房间。"))
    with transaction.atomic():
        asset = _lock_asset(obj)
        kwargs = {}
        if room is not None:
            kwargs["room"] = room
        if custodian is not None:
            kwargs["custodian"] = custodian
        _apply(asset, action=AssetAction.ISSUE, by=by, comment=comment, **kwargs)
    return asset


def asset_lend(*, obj, by, borrower, due_on, purpose: str = "") -> AssetLoan:
    """借用 with a due date; 归还 via loan_return."""
    today = timezone.localdate()
    if due_on is None or due_on < today:
        raise ValidationError(_("应还日期不能早于今天。"))
    if due_on > today + datetime.timedelta(days=366):
        raise ValidationError(_("借用期限不能超过一年。"))
    with transaction.atomic():
        asset = _lock_asset(obj)
        _check_member(asset.school, borrower, _("借用人"))
        if borrower is None:
            raise ValidationError(_("请选择借用人。"))
        previous = asset.status
        _apply(
            asset,
            action=AssetAction.LEND,
            by=by,
            comment=_("借给 %(p)s，应还 %(d)s") % {"p": display_name(borrower), "d": due_on},
        )
        loan = AssetLoan.objects.create(
            school_id=asset.school_id,
            asset=asset,
            borrower=borrower,
            lent_by=by,
            due_on=due_on,
            purpose=(purpose or "")[:200],
            previous_status=previous,
        )
    return loan


def loan_return(*, obj, by, comment: str = "") -> AssetLoan:
    with transaction.atomic():
        loan = AssetLoan.objects.select_for_update().get(pk=obj.pk)
        if loan.status != LoanStatus.OPEN:
            raise ValidationError(_("该借用已归还。"))
        asset = _lock_asset(loan.asset)
        _apply(
            asset,
            action=AssetAction.RETURN,
            by=by,
            to_status=loan.previous_status or S.IN_USE,
            comment=comment or _("%(p)s 归还") % {"p": display_name(loan.borrower)},
        )
        loan.status = LoanStatus.RETURNED
        loan.returned_on = timezone.localdate()
        loan.save(update_fields=["status", "returned_on"])
    return loan


def asset_transfer(*, obj, by, room, custodian=None, comment: str = "") -> Asset:
    """调拨 between rooms (and so campuses)."""
    if room is None:
        raise ValidationError(_("请选择调入房间。"))
    with transaction.atomic():
        asset = _lock_asset(obj)
        if asset.room_id == room.pk and (custodian is None or custodian.pk == asset.custodian_id):
            raise ValidationError(_("调入房间与当前位置相同。"))
        kwargs = {"room": room}
        if custodian is not None:
            kwargs["custodian"] = custodian
        _apply(asset, action=AssetAction.TRANSFER, by=by, comment=comment, **kwargs)
    return asset


def asset_request_disposal(
    *, obj, by, kind: str, reason: str, recipient: str = "", proceeds=Decimal("0")
) -> DisposalRequest:
    """报废/转让 申请: the asset waits (待报废) for the principal's approval."""
    if kind not in DisposalKind.values:
        raise ValidationError(_("处置方式不正确。"))
    if not (reason or "").strip():
        raise ValidationError(_("请填写报废/转让原因。"))
    proceeds = _money(proceeds, _("处置收入"))
    if kind == DisposalKind.TRANSFER_OUT and not (recipient or "").strip():
        raise ValidationError(_("转让须填写受让方。"))
    with transaction.atomic():
        asset = _lock_asset(obj)
        previous = asset.status
        _apply(asset, action=AssetAction.REQUEST_DISPOSAL, by=by, comment=reason)
        req = DisposalRequest.objects.create(
            school_id=asset.school_id,
            asset=asset,
            kind=kind,
            reason=reason.strip()[:300],
            recipient=(recipient or "").strip()[:100],
            proceeds=proceeds,
            previous_status=previous,
            requested_by=by,
        )
        record_creation(obj=req, by=by)
        school = asset.school
        url = reverse("assets:disposal_list")
        transaction.on_commit(
            lambda: notify(
                school=school,
                title=_("待审批：%(k)s %(a)s") % {"k": req.get_kind_display(), "a": asset},
                url=url,
                roles=[Role.PRINCIPAL],
                dedupe_key=f"asset-disposal:{req.pk}",
            )
        )
    return req


def _decide_disposal(*, obj, by, approve: bool, comment: str):
    with transaction.atomic():
        req = DisposalRequest.objects.select_for_update().get(pk=obj.pk)
        if req.status != DisposalStatus.PENDING:
            raise ValidationError(_("该申请已处理。"))
        _require_role(req.school, by, "assets.approve", _("只有校长/园长可以审批报废和转让。"))
        if req.requested_by_id == by.pk:
            raise ValidationError(_("不能审批自己提交的申请。"))
        if not approve and not (comment or "").strip():
            raise ValidationError(_("驳回须填写原因。"))
        asset = _lock_asset(req.asset)
        before = snapshot(req)
        if approve:
            action = (
                AssetAction.APPROVE_DISPOSAL
                if req.kind == DisposalKind.SCRAP
                else AssetAction.APPROVE_TRANSFER_OUT
            )
            _apply(asset, action=action, by=by, comment=comment)
            req.status = DisposalStatus.APPROVED
        else:
            _apply(
                asset,
                action=AssetAction.REJECT_DISPOSAL,
                by=by,
                to_status=req.previous_status,
                comment=comment,
            )
            req.status = DisposalStatus.REJECTED
        req.decided_by = by
        req.decided_at = timezone.now()
        req.decision_comment = (comment or "")[:300]
        req.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        record_change(obj=req, by=by, action=ChangeAction.TRANSITION, before=before, reason=comment)
    return req


def disposal_approve(*, obj, by, comment: str = "") -> DisposalRequest:
    return _decide_disposal(obj=obj, by=by, approve=True, comment=comment)


def disposal_reject(*, obj, by, comment: str) -> DisposalRequest:
    return _decide_disposal(obj=obj, by=by, approve=False, comment=comment)


# --- hand-over (交接) ----------------------------------------------------------------------------
def custody_summary(school, user) -> tuple[int, int]:
    held = Asset.objects.filter(school=school, custodian=user, status__in=ON_BOOKS).count()
    loans = AssetLoan.objects.filter(school=school, borrower=user, status=LoanStatus.OPEN).count()
    return held, loans


def membership_end_check(membership) -> list[str]:
    """Registered in MEMBERSHIP_END_CHECKS: a member still holding assets cannot leave yet."""
    held, loans = custody_summary(membership.school, membership.user)
    messages = []
    if held:
        messages.append(
            _("仍是 %(n)d 件资产的责任人，请先在「校产与报修 → 资产交接」办理交接。") % {"n": held}
        )
    if loans:
        messages.append(_("有 %(n)d 件借用资产未归还，请先在「借用」页面办理归还。") % {"n": loans})
    return messages


def assets_handover(*, school, by, from_user, to_user, comment: str = "") -> int:
    """交接: every on-book asset held by from_user passes to to_user, one history row each."""
    if to_user is None or from_user is None:
        raise ValidationError(_("请选择交接人和接收人。"))
    if from_user.pk == to_user.pk:
        raise ValidationError(_("接收人不能是交接人本人。"))
    _check_member(school, to_user, _("接收人"))
    _require_role(school, by, "assets.manage")
    with transaction.atomic():
        assets = list(
            Asset.objects.select_for_update()
            .filter(school=school, custodian=from_user, status__in=ON_BOOKS)
            .order_by("pk")
        )
        if not assets:
            raise ValidationError(_("此人名下没有需要交接的资产。"))
        text = comment or _("%(a)s 交接给 %(b)s") % {"a": display_name(from_user), "b": display_name(to_user)}
        Asset.objects.filter(pk__in=[a.pk for a in assets]).update(custodian=to_user)
        AssetEvent.objects.bulk_create(
            [
                AssetEvent(
                    school=school,
                    asset=a,
                    action=AssetAction.HANDOVER,
                    from_status=a.status,
                    to_status=a.status,
                    from_room_id=a.room_id,
                    to_room_id=a.room_id,
                    from_custodian=from_user,
                    to_custodian=to_user,
                    by=by,
                    comment=text[:300],
                )
                for a in assets
            ]
        )
        url = reverse("assets:asset_list") + f"?custodian={to_user.pk}"
        transaction.on_commit(
            lambda: notify(
                school=school,
                title=_("您已接收 %(n)d 件资产（交接）") % {"n": len(assets)},
                url=url,
                users=[to_user],
            )
        )
    return len(assets)


# --- stores -------------------------------------------------------------------------------------
def _notify_low_stock(item):
    if item.on_hand <= item.min_level:
        notify(
            school=item.school,
            title=_("库存不足：%(n)s 仅剩 %(q)s%(u)s")
            % {"n": item.name, "q": item.on_hand.normalize(), "u": item.unit},
            url=reverse("assets:store_item", args=[item.pk]),
            roles=[Role.DIRECTOR, Role.STAFF],
            dedupe_key=f"store-low:{item.pk}:{timezone.localdate():%Y-%m-%d}",
        )


def stores_item_create(
    *, school, by, name, unit, spec="", min_level=0, unit_price=0, is_durable=False
) -> StoreItem:
    name = (name or "").strip()
    unit = (unit or "").strip()
    if not name or not unit:
        raise ValidationError(_("请填写物品名称和单位。"))
    if StoreItem.objects.filter(school=school, name=name).exists():
        raise ValidationError(_("物品「%(n)s」已存在。") % {"n": name})
    min_level = Decimal(str(min_level or 0))
    if min_level < 0:
        raise ValidationError(_("最低库存不能为负数。"))
    with transaction.atomic():
        item = StoreItem.objects.create(
            school=school,
            name=name[:100],
            unit=unit[:10],
            spec=(spec or "")[:100],
            min_level=min_level,
            unit_price=_money(unit_price, _("单价")),
            is_durable=is_durable,
        )
        record_creation(obj=item, by=by)
    return item


def stores_stock_in(
    *,
    school,
    by,
    item_name: str,
    unit: str,
    quantity,
    unit_price: Decimal,
    source_ref: str = "",
    note: str = "",
) -> StockMovement:
    """入库: finds or creates the store item by name and adds stock (finance calls this too)."""
    item_name = (item_name or "").strip()
    if not item_name:
        raise ValidationError(_("请填写物品名称。"))
    quantity = _quantity(quantity)
    unit_price = _money(unit_price, _("单价"))
    with transaction.atomic():
        item, created = StoreItem.objects.get_or_create(
            school=school, name=item_name[:100], defaults={"unit": (unit or "件").strip()[:10] or "件"}
        )
        item = StoreItem.objects.select_for_update().get(pk=item.pk)
        item.on_hand = item.on_hand + quantity
        if unit_price:
            item.unit_price = unit_price
        item.save(update_fields=["on_hand", "unit_price"])
        movement = StockMovement.objects.create(
            school=school,
            item=item,
            kind=MovementKind.IN,
            quantity=quantity,
            unit_price=unit_price,
            amount=(quantity * unit_price).quantize(CENT),
            balance_after=item.on_hand,
            by=by,
            source_ref=(source_ref or "")[:60],
            note=(note or "")[:200],
        )
    return movement


def stores_issue(
    *,
    item,
    by,
    quantity,
    department=None,
    room=None,
    person=None,
    exchange: bool = False,
    note: str = "",
) -> StockMovement:
    """领用出库 (or 以旧换新): never below zero, even with two clerks issuing the last units at once."""
    quantity = _quantity(quantity)
    if department is None and room is None and person is None:
        raise ValidationError(_("请选择领用部门、班级或领用人。"))
    school = item.school
    if department is not None and department.school_id != school.pk:
        raise ValidationError(_("部门不属于本校。"))
    _check_room(school, room)
    _check_member(school, person, _("领用人"))
    with transaction.atomic():
        locked = StoreItem.objects.select_for_update().get(pk=item.pk)
        if exchange and not locked.is_durable:
            raise ValidationError(_("「%(n)s」不是耐用品，不能以旧换新。") % {"n": locked.name})
        if locked.on_hand < quantity:
            raise ValidationError(
                _("库存不足：「%(n)s」现有 %(q)s%(u)s，不能领用 %(w)s%(u)s。")
                % {
                    "n": locked.name,
                    "q": locked.on_hand.normalize(),
                    "u": locked.unit,
                    "w": quantity.normalize(),
                }
            )
        # conditional update as a second guard (and the CHECK constraint as a third)
        updated = StoreItem.objects.filter(pk=locked.pk, on_hand__gte=quantity).update(
            on_hand=F("on_hand") - quantity
        )
        if not updated:
            raise ValidationError(_("库存不足。"))
        locked.refresh_from_db(fields=["on_hand"])
        movement = StockMovement.objects.create(
            school=school,
            item=locked,
            kind=MovementKind.EXCHANGE if exchange else MovementKind.OUT,
            quantity=-quantity,
            unit_price=locked.unit_price,
            amount=(quantity * locked.unit_price).quantize(CENT),
            balance_after=locked.on_hand,
            department=department,
            room=room,
            person=person,
            by=by,
            note=(note or "")[:200],
        )
        transaction.on_commit(lambda: _notify_low_stock(locked))
    return movement


def stores_count(*, item, by, counted, note: str = "") -> StockMovement | None:
    """年终盘点: set the stock to what was counted; the difference is an adjustment movement."""
    try:
        counted = Decimal(str(counted))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError(_("实盘数量不是有效的数字。")) from exc
    if not counted.is_finite() or counted < 0 or counted > Decimal("1000000"):
        raise ValidationError(_("实盘数量不能为负数或过大。"))
    if counted != counted.quantize(CENT):
        raise ValidationError(_("实盘数量最多两位小数。"))
    with transaction.atomic():
        locked = StoreItem.objects.select_for_update().get(pk=item.pk)
        diff = counted - locked.on_hand
        if diff == 0:
            return None
        locked.on_hand = counted
        locked.save(update_fields=["on_hand"])
        return StockMovement.objects.create(
            school_id=locked.school_id,
            item=locked,
            kind=MovementKind.ADJUST,
            quantity=diff,
            unit_price=locked.unit_price,
            amount=(abs(diff) * locked.unit_price).quantize(CENT),
            balance_after=counted,
            by=by,
            note=(note or _("盘点差异"))[:200],
        )


# --- repairs ------------------------------------------------------------------------------------
DEADLINES = {  # urgency -> (respond within, complete within)
    Urgency.URGENT: (datetime.timedelta(hours=2), datetime.timedelta(hours=24)),
    Urgency.NORMAL: (datetime.timedelta(hours=24), datetime.timedelta(days=3)),
    Urgency.LOW: (datetime.timedelta(days=3), datetime.timedelta(days=7)),
}

R = RepairStatus
# action -> (from statuses, to status, who: "manager" | "assignee" | "requester")
REPAIR_TRANSITIONS = {
    "assign": (frozenset({R.SUBMITTED, R.ASSIGNED}), R.ASSIGNED, "manager"),
    "complete": (frozenset({R.ASSIGNED}), R.DONE, "assignee"),
    "accept": (frozenset({R.DONE}), R.ACCEPTED, "requester"),
    "send_back": (frozenset({R.DONE}), R.ASSIGNED, "requester"),
    "cancel": (frozenset({R.SUBMITTED}), R.CANCELLED, "requester"),
}


def _repair_step(repair, *, action, by, comment="") -> RepairEvent:
    sources, target, who = REPAIR_TRANSITIONS[action]
    if repair.status not in sources:
        raise ValidationError(
            _("报修单当前状态为「%(s)s」，不能执行此操作。") % {"s": repair.get_status_display()}
        )
    is_manager = (r := _role(repair.school, by)) is not None and role_can(r, "repairs.manage")
    if who == "manager" and not is_manager:
        raise ValidationError(_("只有后勤管理人员可以派单。"))
    if who == "assignee" and not (is_manager or by.pk == repair.assignee_id):
        raise ValidationError(_("只有维修人或后勤管理人员可以登记维修结果。"))
    if who == "requester" and by.pk != repair.requested_by_id and not (action == "cancel" and is_manager):
        raise ValidationError(_("只有报修人本人可以验收或退回。"))
    event = RepairEvent.objects.create(
        school_id=repair.school_id,
        repair=repair,
        from_status=repair.status,
        to_status=target,
        by=by,
        comment=(comment or "")[:500],
    )
    repair.status = target
    return event


def repair_raise(
    *, school, by, room, description: str, urgency: str = Urgency.NORMAL, asset=None, photo=None
):
    """Anyone in the school raises a repair (room, asset, description, photo, urgency)."""
    from logistics.attachments import save_attachment

    description = (description or "").strip()
    if len(description) < 2:
        raise ValidationError(_("请描述故障情况。"))
    if room is None:
        raise ValidationError(_("请选择报修地点。"))
    _check_room(school, room)
    if urgency not in Urgency.values:
        raise ValidationError(_("紧急程度不正确。"))
    if asset is not None and asset.school_id != school.pk:
        raise ValidationError(_("资产不属于本校。"))
    _require_role(school, by, "repairs.raise")
    now = timezone.now()
    respond, complete = DEADLINES[urgency]
    with transaction.atomic():
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
        )
        RepairEvent.objects.create(school=school, repair=repair, from_status="", to_status=R.SUBMITTED, by=by)
        if asset is not None:
            locked = _lock_asset(asset)
            if locked.status in TRANSITIONS[AssetAction.REPAIR].sources:
                repair.previous_asset_status = locked.status
                repair.save(update_fields=["previous_asset_status"])
                _apply(locked, action=AssetAction.REPAIR, by=by, comment=description, check_role=False)
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
        raise ValidationError(_("请选择维修人。"))
    _check_member(obj.school, assignee, _("维修人"))
    with transaction.atomic():
        repair = RepairRequest.objects.select_for_update().get(pk=obj.pk)
        _repair_step(repair, action="assign", by=by, comment=comment or display_name(assignee))
        repair.assignee = assignee
        repair.assigned_at = timezone.now()
        repair.save(update_fields=["status", "assignee", "assigned_at"])
        url = reverse("assets:repair_detail", args=[repair.pk])
        school = repair.school
        transaction.on_commit(
            lambda: notify(
                school=school,
                title=_("派单：%(r)s") % {"r": repair},
                url=url,
                users=[assignee],
            )
        )
    return repair


def repair_complete(*, obj, by, work_done: str, parts: str = "", cost=Decimal("0")) -> RepairRequest:
    work_done = (work_done or "").strip()
    if not work_done:
        raise ValidationError(_("请填写维修情况。"))
    cost = _money(cost, _("维修费用"))
    if cost > Decimal("1000000"):
        raise ValidationError(_("维修费用数值过大。"))
    with transaction.atomic():
        repair = RepairRequest.objects.select_for_update().get(pk=obj.pk)
        _repair_step(repair, action="complete", by=by, comment=work_done)
        repair.work_done = work_done[:500]
        repair.parts = (parts or "")[:300]
        repair.cost = cost
        repair.completed_at = timezone.now()
        repair.save(update_fields=["status", "work_done", "parts", "cost", "completed_at"])
        url = reverse("assets:repair_detail", args=[repair.pk])
        school, requester = repair.school, repair.requested_by
        transaction.on_commit(
            lambda: notify(
                school=school, title=_("维修完成，请验收：%(r)s") % {"r": repair}, url=url, users=[requester]
            )
        )
    return repair


def repair_accept(*, obj, by, comment: str = "") -> RepairRequest:
    """报修人验收: the asset returns to the status it had before."""
    with transaction.atomic():
        repair = RepairRequest.objects.select_for_update().get(pk=obj.pk)
        _repair_step(repair, action="accept", by=by, comment=comment)
        repair.accepted_at = timezone.now()
        repair.save(update_fields=["status", "accepted_at"])
        if repair.asset_id:
            asset = _lock_asset(repair.asset)
            if asset.status == S.REPAIRING:
                _apply(
                    asset,
                    action=AssetAction.REPAIRED,
                    by=by,
                    to_status=repair.previous_asset_status or S.IN_USE,
                    comment=repair.work_done,
                    check_role=False,
                )
    return repair


def repair_send_back(*, obj, by, comment: str) -> RepairRequest:
    if not (comment or "").strip():
        raise ValidationError(_("退回须说明原因。"))
    with transaction.atomic():
        repair = RepairRequest.objects.select_for_update().get(pk=obj.pk)
        _repair_step(repair, action="send_back", by=by, comment=comment)
        repair.completed_at = None
        repair.save(update_fields=["status", "completed_at"])
        url = reverse("assets:repair_detail", args=[repair.pk])
        school, assignee = repair.school, repair.assignee
        if assignee is not None:
            transaction.on_commit(
                lambda: notify(
                    school=school,
                    title=_("报修人退回：%(r)s") % {"r": repair},
                    body=comment,
                    url=url,
                    users=[assignee],
                )
            )
    return repair


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
            url=reverse("assets:repair_detail", args=[repair.pk]),
            users=users,
            roles=[Role.DIRECTOR],
            dedupe_key=f"repair-overdue:{repair.pk}",
        )
    return sent


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
    with transaction.atomic():
        task = MaintenanceTask.objects.select_for_update().get(pk=obj.pk)
        if task.status != TaskStatus.OPEN:
            raise ValidationError(_("该任务已完成。"))
        _require_role(task.school, by, "repairs.manage")
        task.status = TaskStatus.DONE
        task.done_by = by
        task.done_at = timezone.now()
        task.note = (note or "")[:300]
        task.save(update_fields=["status", "done_by", "done_at", "note"])
        record_change(obj=task, by=by, action=ChangeAction.TRANSITION, reason=note)
    return task


# --- room lists ---------------------------------------------------------------------------------
def room_list_confirm(*, room, by, note: str = "") -> RoomListConfirmation:
    """The room's responsible person confirms its asset list (物表一致)."""
    from django.db.models import Count, Sum

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


# --- stocktake ----------------------------------------------------------------------------------
def stocktake_open(*, school, by, title: str, kind: str, rooms=None, note: str = "") -> Stocktake:
    """盘点: every on-book asset in scope becomes a line to find (whole school, or some rooms)."""
    _require_role(school, by, "assets.manage")
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("请填写盘点名称。"))
    rooms = list(rooms or [])
    for r in rooms:
        _check_room(school, r)
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
        _check_room(st.school, room)
        _require_role(st.school, by, "assets.manage")
        line = StocktakeLine.objects.filter(stocktake=st, code=code).first()
        now = timezone.now()
        if line is None:
            asset = Asset.objects.filter(school=st.school, code=code).first()
            line = StocktakeLine(school=st.school, stocktake=st, code=code, asset=asset)
            line.expected_room_id = asset.room_id if asset else None
        line.found_room = room
        line.scanned_by = by
        line.scanned_at = now
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
    with transaction.atomic():
        st = Stocktake.objects.select_for_update().get(pk=obj.pk)
        if st.status != StocktakeStatus.OPEN:
            raise ValidationError(_("盘点不在进行中。"))
        _require_role(st.school, by, "assets.manage")
        before = snapshot(st)
        st.lines.filter(result=LineResult.PENDING).update(result=LineResult.MISSING)
        st.status = StocktakeStatus.SUBMITTED
        st.submitted_by = by
        st.submitted_at = timezone.now()
        st.save(update_fields=["status", "submitted_by", "submitted_at"])
        record_change(obj=st, by=by, action=ChangeAction.TRANSITION, before=before)
        school = st.school
        url = reverse("assets:stocktake_detail", args=[st.pk])
        transaction.on_commit(
            lambda: notify(
                school=school,
                title=_("盘点待审批：%(t)s") % {"t": st.title},
                url=url,
                roles=[Role.PRINCIPAL],
                dedupe_key=f"stocktake-submitted:{st.pk}",
            )
        )
    return st


def stocktake_close(
    *, obj, by, move_wrong_room: bool = True, write_off_missing: bool = False, comment: str = ""
) -> Stocktake:
    """Approve and close (signed): optionally move wrong-room assets and write off missing ones."""
    with transaction.atomic():
        st = Stocktake.objects.select_for_update().get(pk=obj.pk)
        if st.status != StocktakeStatus.SUBMITTED:
            raise ValidationError(_("盘点须先提交，才能审批关闭。"))
        _require_role(st.school, by, "assets.approve", _("只有校长/园长可以审批盘点结果。"))
        if write_off_missing and not (comment or "").strip():
            raise ValidationError(_("核销盘亏资产须填写审批意见。"))
        before = snapshot(st)
        if move_wrong_room:
            for line in st.lines.filter(result=LineResult.WRONG_ROOM, asset__isnull=False).select_related(
                "found_room"
            ):
                asset = _lock_asset(line.asset)
                if asset.status in ON_BOOKS and asset.room_id != line.found_room_id:
                    _apply(
                        asset,
                        action=AssetAction.STOCKTAKE_MOVE,
                        by=by,
                        room=line.found_room,
                        comment=st.title,
                        check_role=False,
                    )
        if write_off_missing:
            for line in st.lines.filter(result=LineResult.MISSING, asset__isnull=False):
                asset = _lock_asset(line.asset)
                if asset.status in ON_BOOKS:
                    _apply(
                        asset, action=AssetAction.STOCKTAKE_MISSING, by=by, comment=comment, check_role=False
                    )
        st.status = StocktakeStatus.CLOSED
        st.closed_by = by
        st.closed_at = timezone.now()
        st.save(update_fields=["status", "closed_by", "closed_at"])
        record_change(obj=st, by=by, action=ChangeAction.TRANSITION, before=before, reason=comment)
    return st


# --- damage compensation ------------------------------------------------------------------------
def damage_record(
    *,
    school,
    by,
    occurred_on,
    description: str,
    party_kind: str,
    party_name: str,
    assessed_amount,
    asset=None,
    item_name: str = "",
    room=None,
    repair=None,
) -> DamageCase:
    _require_role(school, by, "assets.manage")
    if occurred_on is None:
        raise ValidationError(_("请填写发生日期。"))
    _not_future(occurred_on, _("发生日期"))
    if party_kind not in PartyKind.values:
        raise ValidationError(_("责任方类型不正确。"))
    if not (party_name or "").strip() or not (description or "").strip():
        raise ValidationError(_("请填写经过和责任人。"))
    if asset is None and not (item_name or "").strip():
        raise ValidationError(_("请选择资产或填写物品名称。"))
    amount = _money(assessed_amount, _("核定赔偿金额"))
    if asset is not None and asset.school_id != school.pk:
        raise ValidationError(_("资产不属于本校。"))
    _check_room(school, room)
    if repair is not None and repair.school_id != school.pk:
        raise ValidationError(_("报修单不属于本校。"))
    with transaction.atomic():
        case = DamageCase.objects.create(
            school=school,
            occurred_on=occurred_on,
            asset=asset,
            item_name=(item_name or (asset.name if asset else ""))[:100],
            room=room or (asset.room if asset else None),
            description=description.strip()[:500],
            party_kind=party_kind,
            party_name=party_name.strip()[:60],
            assessed_amount=amount,
            repair=repair,
            recorded_by=by,
        )
        record_creation(obj=case, by=by)
        if asset is not None:
            AssetEvent.objects.create(
                school=school,
                asset=asset,
                action=AssetAction.DAMAGE,
                from_status=asset.status,
                to_status=asset.status,
                from_room_id=asset.room_id,
                to_room_id=asset.room_id,
                by=by,
                comment=_("损坏赔偿：%(p)s，核定 %(a)s 元") % {"p": case.party_name, "a": amount},
            )
    return case


def damage_settle(*, obj, by, paid: bool, paid_amount=None, waive_reason: str = "", settled_on=None):
    """Paid (with the amount received) or waived (with a reason)."""
    with transaction.atomic():
        case = DamageCase.objects.select_for_update().get(pk=obj.pk)
        if case.status != DamageStatus.ASSESSED:
            raise ValidationError(_("该赔偿已处理。"))
        _require_role(case.school, by, "assets.manage")
        settled_on = settled_on or timezone.localdate()
        _not_future(settled_on, _("处理日期"))
        before = snapshot(case)
        if paid:
            amount = _money(paid_amount if paid_amount is not None else case.assessed_amount, _("实收金额"))
            if amount > case.assessed_amount:
                raise ValidationError(_("实收金额不能超过核定金额。"))
            case.status = DamageStatus.PAID
            case.paid_amount = amount
        else:
            if not (waive_reason or "").strip():
                raise ValidationError(_("免赔须填写原因。"))
            case.status = DamageStatus.WAIVED
            case.waive_reason = waive_reason.strip()[:300]
        case.settled_on = settled_on
        case.save(update_fields=["status", "paid_amount", "waive_reason", "settled_on"])
        record_change(obj=case, by=by, action=ChangeAction.TRANSITION, before=before, reason=waive_reason)
    return case


def rooms_of(school):
    return Room.objects.filter(school=school, is_active=True).select_related("campus")


def school_custodians(school):
    from logistics.forms import school_users

    return school_users(school)


def monthly_for(asset) -> Decimal:
    from .models import monthly_depreciation

    return monthly_depreciation(asset.original_value, asset.life_years())


# --- monthly reconciliation (每月结账) -------------------------------------------------------------
def reconciliation_figures(school, period) -> tuple[list, dict]:
    """Ledger by top-level category: opening, additions, disposals, closing, depreciation, net value."""
    from .models import accumulated_depreciation

    prev_end = period.start - datetime.timedelta(days=1)
    start_dt, end_dt = period.start_datetime(), period.end_datetime()
    cats = {c.pk: c for c in AssetCategory.objects.for_school(school).select_related("parent")}

    def top(cat):
        while cat.parent_id:
            cat = cats.get(cat.parent_id, cat.parent)
        return cat

    keys = ("opening", "additions", "disposals", "closing", "depreciation", "accumulated", "net")
    zero = Decimal("0.00")
    by_cat: dict[int, dict] = {}
    rows = Asset.objects.filter(school=school, created_at__lt=end_dt).values_list(
        "category_id",
        "unit_price",
        "quantity",
        "purchase_date",
        "useful_life_years",
        "created_at",
        "disposed_on",
    )
    for cat_id, price, qty, bought, own_life, created, disposed in rows.iterator(chunk_size=5000):
        cat = cats[cat_id]
        life = own_life if own_life is not None else cat.useful_life_years
        value = (price * qty).quantize(CENT)
        t = top(cat)
        acc = by_cat.setdefault(t.pk, {"code": t.code, "name": t.name, **{k: zero for k in keys}})
        existed_at_start = created < start_dt and (disposed is None or disposed >= period.start)
        if existed_at_start:
            acc["opening"] += value
        elif created >= start_dt:
            acc["additions"] += value
        else:
            continue  # disposed before this month
        if disposed is not None and period.start <= disposed <= period.end:
            acc["disposals"] += value
            continue  # 当月减少的当月不再计提
        month = accumulated_depreciation(value, life, bought, period.end) - accumulated_depreciation(
            value, life, bought, prev_end
        )
        acc["depreciation"] += month
        acc["accumulated"] += accumulated_depreciation(value, life, bought, period.end)
    result = []
    totals = {k: zero for k in keys}
    for _pk, acc in sorted(by_cat.items(), key=lambda kv: kv[1]["code"]):
        acc["closing"] = acc["opening"] + acc["additions"] - acc["disposals"]
        acc["net"] = acc["closing"] - acc["accumulated"]
        for k in keys:
            totals[k] += acc[k]
        result.append({k: (str(v) if isinstance(v, Decimal) else v) for k, v in acc.items()})
    return result, {k: str(v) for k, v in totals.items()}


def stocktake_difference_note(school) -> str:
    from django.db.models import Count

    last = (
        Stocktake.objects.filter(
            school=school, status__in=[StocktakeStatus.SUBMITTED, StocktakeStatus.CLOSED]
        )
        .order_by("-submitted_at", "-pk")
        .first()
    )
    if last is None:
        return _("尚无已完成的盘点。")
    counts = dict(last.lines.values_list("result").annotate(n=Count("id")).values_list("result", "n"))
    return _("最近盘点「%(t)s」：相符 %(f)d，盘亏 %(m)d，位置不符 %(w)d，盘盈 %(u)d。") % {
        "t": last.title,
        "f": counts.get(LineResult.FOUND, 0),
        "m": counts.get(LineResult.MISSING, 0),
        "w": counts.get(LineResult.WRONG_ROOM, 0),
        "u": counts.get(LineResult.UNKNOWN, 0),
    }


def reconcile_month(*, school, period):
    """Idempotent: the first run computes and stores the month; later runs return it unchanged."""
    from django.db import IntegrityError

    from .models import Reconciliation

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
