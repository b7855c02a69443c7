"""Hygiene, health and utilities figures for the bureau's overview: a fixed number of aggregate
queries for all the given schools together."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum

from logistics.reports.base import format_money

from .choices import CheckSession, ProblemStatus
from .models import HealthCheck, HygieneProblem, InfectiousCase, MeterReading


def metrics(schools, period) -> dict:
    ids = [s.pk for s in schools]
    out = defaultdict(list)
    attendance = {
        r["school"]: r
        for r in HealthCheck.objects.filter(
            school_id__in=ids, session=CheckSession.MORNING, date__gte=period.start, date__lte=period.end
        )
        .values("school")
        .annotate(enrolled=Sum("enrolled"), present=Sum("present"))
    }
    cases = {
        r["school"]: r["n"]
        for r in InfectiousCase.objects.filter(
            school_id__in=ids, onset_date__gte=period.start, onset_date__lte=period.end
        )
        .values("school")
        .annotate(n=Count("id"))
    }
    utilities = {
        r["school"]: r
        for r in MeterReading.objects.filter(school_id__in=ids, month=period.start.replace(day=1))
        .values("school")
        .annotate(cost=Sum("cost"), flagged=Count("id", filter=Q(flagged=True)))
    }
    overdue = {
        r["school"]: r["n"]
        for r in HygieneProblem.objects.filter(
            school_id__in=ids, status=ProblemStatus.OPEN, deadline__lte=period.end
        )
        .values("school")
        .annotate(n=Count("id"))
    }
    for sid in ids:
        a = attendance.get(sid)
        if a and a["enrolled"]:
            pct = (Decimal(a["present"]) * 100 / Decimal(a["enrolled"])).quantize(Decimal("0.1"))
            level = "ok" if pct >= 90 else "warning" if pct >= 80 else "danger"
            out[sid].append(("出勤率", f"{pct}%", level))
        else:
            out[sid].append(("出勤率", "无晨检记录", "warning"))
        n = cases.get(sid, 0)
        out[sid].append(("传染病例", n, "warning" if n else "ok"))
        u = utilities.get(sid)
        if u:
            out[sid].append(("水电气费", f"{format_money(u['cost'] or 0)}元", "ok"))
            out[sid].append(("用量异常", u["flagged"], "danger" if u["flagged"] else "ok"))
        else:
            out[sid].append(("水电气费", "未抄表", "warning"))
        m = overdue.get(sid, 0)
        out[sid].append(("卫生问题未整改", m, "warning" if m else "ok"))
    return dict(out)
