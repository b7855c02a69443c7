"""Today's work on the dashboard, assembled from each app's `dashboard.py`.

An app's `dashboard.py` defines `cards(request) -> list[Card]`, returning only cards relevant to
request.role. Each card costs a fixed number of queries, whatever the data size.
"""

from dataclasses import dataclass, field
from importlib import import_module

from .navigation import APP_ORDER

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


def collect_cards(request):
    cards = []
    for app in APP_ORDER:
        try:
            module = import_module(f"{app}.dashboard")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.dashboard":
                raise
            continue
        cards.extend(module.cards(request))
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
    from .monthend.dashboard import cards as monthend_cards

    found.extend(monthend_cards(request))
    return found
