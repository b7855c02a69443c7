"""Safety's figures for the bureau overview: a fixed number of aggregate queries for all schools."""

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from . import selectors
from .choices import DrillKind, HazardStatus
from .models import Hazard


def metrics(schools, period, today=None) -> dict:
    schools = list(schools)
    ids = [s.pk for s in schools]
    today = today or datetime.date.today()
    as_of = min(today, period.end)
    mondays = selectors.weekly_mondays(period, today=as_of)
    done = selectors.weekly_done(ids, mondays)
    hazards = {
        r["school_id"]: r
        for r in Hazard.objects.filter(school_id__in=ids)
        .values("school_id")
        .annotate(
            open=Count("pk", filter=Q(status__in=selectors.OPEN_HAZARD, found_on__lte=period.end)),
            overdue=Count(
                "pk",
                filter=Q(status__in=[HazardStatus.FOUND, HazardStatus.ASSIGNED], deadline__lt=as_of),
            ),
        )
    }
    last = selectors.last_drills(ids)
    all_settings = selectors.settings_for_schools(schools)
    found = {}
    for school in schools:
        n_done, n_due = done.get(school.pk, 0), len(mondays)
        h = hazards.get(school.pk, {"open": 0, "overdue": 0})
        behind = selectors.drill_behind(all_settings[school.pk], last.get(school.pk, {}), as_of)
        found[school.pk] = [
            (
                _("周检完成"),
                f"{n_done}/{n_due}",
                "ok" if n_done >= n_due else ("warning" if n_due - n_done == 1 else "danger"),
            ),
            (_("未整改隐患"), h["open"], "ok" if not h["open"] else "warning"),
            (_("逾期隐患"), h["overdue"], "danger" if h["overdue"] else "ok"),
            (
                _("演练滞后"),
                "、".join(str(DrillKind(k).label) for k in behind) or _("无"),
                "danger" if behind else "ok",
            ),
        ]
    return found
