"""Today's work on the dashboard, assembled from each app's `dashboard.py` (logistics.registry).

An app's `dashboard.py` defines `cards(request) -> list[Card]`, returning only cards relevant to
request.role. Each card costs a fixed number of queries, whatever the data size.
"""

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections

from . import registry

OK, INFO, WARNING, DANGER = "ok", "info", "warning", "danger"


@dataclass
class Card:
    title: str
    value: str | int = ""
    url: str = ""
    level: str = INFO
    note: str = ""
    items: list = field(default_factory=list)  # (text, url) pairs
    order: int = 100


def counts(**querysets) -> dict:
    """COUNT(*) of each queryset, all in one SELECT: one round trip for all of an app's numbers.

    `counts(open=qs.filter(...), overdue=qs.filter(...))` -> {"open": 3, "overdue": 1}. A queryset
    may be a `.values(...).distinct()` one (its distinct rows are counted). The SQL is
    `SELECT (SELECT COUNT(*) FROM (<qs>) c0), (SELECT COUNT(*) FROM (<qs>) c1), ...`, so each number
    is computed exactly as `qs.count()` would, always fresh.
    """
    result, parts, params, names, db = {}, [], [], [], None
    for name, qs in querysets.items():
        qs = qs.order_by()
        if not qs.query.values_select:
            qs = qs.values("pk")
        try:
            sql, qs_params = qs.query.get_compiler(using=qs.db).as_sql()
        except EmptyResultSet:  # e.g. .none() or pk__in=[]
            result[name] = 0
            continue
        # the ORM's compiled SQL, its values still separate parameters
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) c{len(parts)})")  # noqa: S608
        params.extend(qs_params)
        names.append(name)
        db = qs.db
    if parts:
        with connections[db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            result.update(zip(names, cursor.fetchone(), strict=True))
    return result


def collect_cards(request):
    cards = []
    for _label, app_cards in registry.functions("dashboard", "cards"):
        cards.extend(app_cards(request))
    return sorted(cards, key=lambda c: c.order)


def cards(request):
    """The foundation's own cards: staff certificates about to expire, unread notifications."""
    import datetime

    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .models import Certificate
    from .notifications import unread_count
    from .permissions import can

    found = []
    unread = unread_count(request)
    if unread:
        found.append(Card(_("未读通知"), unread, reverse("notifications"), WARNING, order=1))
    if can(request, "staff.view"):
        today = timezone.localdate()
        expiring = (
            Certificate.objects.for_request(request)
            .filter(expires_on__lte=today + datetime.timedelta(days=30))
            .count()
        )
        found.append(
            Card(
                _("30天内到期或已过期的证件"),
                expiring,
                reverse("org:certificates_expiring"),
                DANGER if expiring else OK,
                order=90,
            )
        )
    return found
