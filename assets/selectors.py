"""The assets app's reads: the filtered asset list, room lists, stocktake progress, the capitalisation
thresholds (finance reads them through `assets.services.fixed_asset_threshold`), what a member still
holds, and the monthly reconciliation's figures."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from logistics.models import Room

from .choices import ON_BOOKS, AssetStatus, LineResult, LoanStatus, StocktakeStatus
from .models import CENT, Asset, AssetCategory, AssetLoan, AssetSettings, Stocktake, StocktakeLine

LIST_RELATED = ("category", "room__campus", "custodian")
# pg_trgm indexes (migration 0004) need three characters; "%电脑%" and "%桌%" give no trigram at all.
TRIGRAM_MIN = 3


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def filter_assets(qs, params, school):
    """Apply the asset list's filters; unknown or malformed values are ignored (never a 500)."""
    category = _int(params.get("category"))
    if category:
        ids = list(
            AssetCategory.objects.for_school(school)
            .filter(Q(pk=category) | Q(parent_id=category))
            .values_list("pk", flat=True)
        )
        qs = qs.filter(category_id__in=ids)
    status = params.get("status")
    if status in AssetStatus.values:
        qs = qs.filter(status=status)
    elif status == "on_books":
        qs = qs.filter(status__in=ON_BOOKS)
    room = _int(params.get("room"))
    if room:
        qs = qs.filter(room_id=room)
    campus = _int(params.get("campus"))
    if campus:
        # The campus's room ids as a list, not a join through rooms: with literal ids PostgreSQL
        # estimates each room from its statistics and walks the (school, room, id) index; through the
        # join it guessed ~20 assets a room (1,300 in a big school) and sorted the whole campus.
        rooms = Room.objects.filter(school=school, campus_id=campus).values_list("pk", flat=True)
        qs = qs.filter(room_id__in=list(rooms))
    custodian = _int(params.get("custodian"))
    if custodian:
        qs = qs.filter(custodian_id=custodian)
    q = (params.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(keyword_filter(q, school))
    return qs


def keyword_filter(q, school):
    """Code exactly, or name or spec containing q, ignoring case.

    On PostgreSQL `icontains` is `UPPER(name) LIKE UPPER('%q%')`, which the trigram indexes on
    UPPER(name) and UPPER(spec) serve once q has three characters. The code arm names the school so
    the (school, code) index can join the other two in a BitmapOr. A shorter q (most Chinese keywords:
    电脑, 桌) has no trigram, so the school's rows are read one by one whatever the index; when it has
    no letters with case either, plain `contains` gives the same rows without calling UPPER() on
    every name and spec, which halves that scan."""
    lookup = "contains" if len(q) < TRIGRAM_MIN and q.upper() == q.lower() else "icontains"
    return Q(school=school, code=q) | Q(**{f"name__{lookup}": q}) | Q(**{f"spec__{lookup}": q})


def asset_list(request):
    """The register's filtered rows, newest first, without joins: `asset_page` adds them per page."""
    qs = Asset.objects.for_request(request)
    return filter_assets(qs, request.GET, request.school).order_by("-id")


def asset_page(qs, number, per_page=50):
    """One page of `qs` in two steps: the page's ids, then those rows with their joins.

    OFFSET over the full query made PostgreSQL join and sort every row before the page (168 ms for
    page 1,513 of a big school's 84,000 assets in use). The ids alone come from an index-only scan
    of (school, status, id), (school, room, id), ... or (school, id) INCLUDE (status); the 50 rows
    are then fetched by primary key and put back in the ids' order. Page numbers and the count stay
    as they were."""
    page = Paginator(qs.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = Asset.objects.select_related(*LIST_RELATED).in_bulk(ids)
    page.object_list = [rows[pk] for pk in ids if pk in rows]  # a row deleted in between is left out
    return page


def room_assets(school, room):
    return (
        Asset.objects.filter(school=school, room=room, status__in=ON_BOOKS)
        .select_related("category", "custodian")
        .order_by("category__code", "name", "code")
    )


def totals(qs):
    agg = qs.aggregate(n=Count("id"), v=Sum(F("unit_price") * F("quantity")))
    return agg["n"] or 0, agg["v"] or Decimal("0.00")


def stocktake_counts(stocktake, room=None):
    qs = StocktakeLine.objects.filter(stocktake=stocktake)
    if room is not None:
        qs = qs.filter(Q(expected_room=room) | Q(found_room=room))
    rows = qs.values("result").annotate(n=Count("id"))
    counts = {r: 0 for r in LineResult.values}
    for row in rows:
        counts[row["result"]] = row["n"]
    return counts


# --- capitalisation thresholds (固定资产起点) ---------------------------------------------------------
DEFAULT_THRESHOLD = Decimal("1000.00")
DEFAULT_SPECIAL_THRESHOLD = Decimal("1500.00")
SPECIAL_EQUIPMENT_CODE = "3"  # 专用设备: its own, higher fixed-asset threshold


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


# --- people and assets --------------------------------------------------------------------------
def custody_summary(school, user) -> tuple[int, int]:
    """(on-book assets `user` is custodian of, open loans `user` has) in the school."""
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
