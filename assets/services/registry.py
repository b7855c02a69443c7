"""The asset register (资产登记): codes, categories, and registering assets by hand, from an Excel
import or from finance's accepted purchase. Registering creates rows in their first state (在用 or
闲置) with one AssetEvent each: a creation, not a transition."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.validation import not_future

from ..choices import AssetAction, AssetSource, AssetStatus
from ..models import Asset, AssetCategory, AssetEvent, AssetSettings
from .common import amount, check_member, check_room, on_field, require

MAX_UNITS_PER_REGISTRATION = 1000
DEFAULT_CATEGORY_CODE = "2"  # 通用设备
S = AssetStatus


def next_codes(school, count: int) -> list[str]:
    """Reserve `count` asset codes for the school (locked counter: no duplicates under concurrency)."""
    AssetSettings.for_school(school)
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
    from ..categories import STANDARD_CATEGORIES

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


def _first_status(room, custodian) -> str:
    return S.IN_USE if (room is not None or custodian is not None) else S.IDLE


def _registered(assets, *, by, comment: str) -> list[AssetEvent]:
    """The register's history rows, one per new asset, in one INSERT."""
    return AssetEvent.objects.bulk_create(
        [
            AssetEvent(
                school_id=a.school_id,
                asset=a,
                action=AssetAction.REGISTER,
                from_status="",
                to_status=a.status,
                to_room_id=a.room_id,
                to_custodian_id=a.custodian_id,
                by=by,
                comment=comment[:300],
            )
            for a in assets
        ],
        batch_size=2000,
    )


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
    """Register `units` assets, one row per unit, each with its own code and a history row.

    `check_role=False` only for assets_register_from_purchase: finance checked its own permission."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写资产名称。")})
    unit_price = amount(unit_price, _("单价"), "unit_price")
    if purchase_date is None:
        raise ValidationError({"purchase_date": _("请填写购置日期。")})
    with on_field("purchase_date"):
        not_future(purchase_date, _("购置日期"))
    if purchase_date.year < 1950:
        raise ValidationError({"purchase_date": _("购置日期不合理。")})
    try:
        units = int(units)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"units": _("数量必须是整数。")}) from exc
    if not 1 <= units <= MAX_UNITS_PER_REGISTRATION:
        raise ValidationError({"units": _("数量应在 1 到 %(n)d 之间。") % {"n": MAX_UNITS_PER_REGISTRATION}})
    if useful_life_years is not None and not 0 <= int(useful_life_years) <= 100:
        raise ValidationError({"useful_life_years": _("折旧年限应在 0 到 100 年之间。")})
    category = category or default_category()
    if category.school_id not in (None, school.pk):
        raise ValidationError({"category": _("资产分类不属于本校。")})
    if source not in AssetSource.values:
        raise ValidationError({"source": _("来源不正确。")})
    check_room(school, room)
    check_member(school, custodian, _("责任人"), "custodian")
    if check_role:
        require(school, by, "assets.manage")
    status = status or _first_status(room, custodian)
    if status not in (S.IN_USE, S.IDLE):
        raise ValidationError(_("新登记的资产只能是在用或闲置。"))
    code = (code or "").strip()
    if code and units != 1:
        raise ValidationError({"code": _("指定资产编号时数量只能为 1。")})
    with transaction.atomic():
        if code:
            if Asset.objects.filter(school=school, code=code).exists():
                raise ValidationError({"code": _("资产编号「%(c)s」已存在。") % {"c": code}})
            codes = [code]
        else:
            codes = next_codes(school, units)
        created = [
            Asset.objects.create(
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
            for c in codes
        ]
        _registered(created, by=by, comment=source_ref or "")
    return created


def assets_bulk_register(*, school, by, items: list[dict], source_ref: str = "") -> int:
    """Register many already-validated rows (the Excel import) in one transaction: codes reserved once,
    rows and their history rows written in batches. Each item: the keyword arguments of asset_register
    (name, category, unit_price, purchase_date, units, spec, source, funding, room, custodian, code,
    status, note). All or nothing."""
    require(school, by, "assets.manage")
    with transaction.atomic():
        given = [i["code"] for i in items if i.get("code")]
        if given and Asset.objects.filter(school=school, code__in=given).exists():
            raise ValidationError(_("部分资产编号已存在，请重新导入。"))
        needed = sum(i.get("units", 1) for i in items if not i.get("code"))
        codes = iter(next_codes(school, needed)) if needed else iter(())
        rows = []
        for i in items:
            status = i.get("status") or _first_status(i.get("room"), i.get("custodian"))
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
        _registered(created, by=by, comment=source_ref)
    return len(created)


def assets_register_from_purchase(
    *,
    school,
    by,
    name: str,
    unit_price,
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
