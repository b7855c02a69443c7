"""Reads that are more than one line: the filtered asset list, room lists, stocktake progress."""

from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from .choices import ON_BOOKS, AssetStatus, LineResult
from .models import Asset, AssetCategory, StocktakeLine

ASSET_FILTERS = ("category", "status", "room", "campus", "custodian", "q")


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
        qs = qs.filter(room__campus_id=campus)
    custodian = _int(params.get("custodian"))
    if custodian:
        qs = qs.filter(custodian_id=custodian)
    q = (params.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(Q(code=q) | Q(name__icontains=q) | Q(spec__icontains=q))
    return qs


def asset_list(request):
    qs = Asset.objects.for_request(request).select_related("category", "room__campus", "custodian")
    return filter_assets(qs, request.GET, request.school).order_by("-id")


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
