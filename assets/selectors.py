"""Reads that are more than one line: the filtered asset list, room lists, stocktake progress."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum

from logistics.models import Room

from .choices import ON_BOOKS, AssetStatus, LineResult
from .models import Asset, AssetCategory, StocktakeLine

ASSET_FILTERS = ("category", "status", "room", "campus", "custodian", "q")
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
