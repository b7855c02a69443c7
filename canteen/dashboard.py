"""Canteen cards on the dashboard: three queries (today's menu, its samples, the counts)."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.dashboard import DANGER, OK, WARNING, Card, counts
from logistics.permissions import can

from . import selectors
from .models import FoodSample, Supplier


def cards(request):
    if not can(request, "canteen.record"):
        return []
    today = timezone.localdate()
    board = selectors.today_board(request.school, today)
    total = sum(m["total"] for m in board)
    done = sum(m["done"] for m in board)
    found = [
        Card(
            _("今日留样"),
            f"{done}/{total}" if total else _("无食谱"),
            reverse("canteen:sample_today"),
            OK if total and done >= total else WARNING,
            note=_("按本周食谱的菜品计"),
            items=[
                (
                    f"{m['label']} {m['done']}/{m['total']}",
                    reverse("canteen:sample_today") + f"?meal={m['meal']}",
                )
                for m in board
            ],
            order=20,
        )
    ]
    n = counts(
        due=selectors.due_for_discard(FoodSample.objects.for_request(request)),
        expiring=Supplier.objects.for_request(request).filter(
            is_active=True, food_licence_expires__lte=today + datetime.timedelta(days=30)
        ),
    )
    due, expiring = n["due"], n["expiring"]
    if due:
        found.append(Card(_("可销毁的留样"), due, reverse("canteen:sample_due"), WARNING, order=21))
    if expiring:
        found.append(
            Card(
                _("供应商证照30天内到期或已过期"),
                expiring,
                reverse("canteen:supplier_list"),
                DANGER,
                order=22,
            )
        )
    return found
