"""Reads that aggregate: attendance, weekly summaries, the hygiene ranking, meter series.

Each function costs a fixed number of queries whatever the number of classes or rows.
"""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum

from logistics.choices import Role, RoomType
from logistics.models import Room

from .choices import CheckSession
from .models import (
    CheckFinding,
    HealthCheck,
    HygieneInspection,
    InfectiousCase,
    MeterReading,
    SickAbsence,
)


def class_rooms(school):
    return Room.objects.filter(school=school, room_type=RoomType.CLASSROOM, is_active=True).select_related(
        "campus"
    )


def recordable_rooms(request):
    """Class rooms the current user may record health data for (a teacher: only their own)."""
    qs = class_rooms(request.school)
    if request.role == Role.TEACHER:
        qs = qs.filter(responsible=request.user)
    return qs


def rate(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _overlap_days(start, end, period_start, period_end):
    """School days (Mon–Fri) of [start, end] (end inclusive) inside the period."""
    lo, hi = max(start, period_start), min(end, period_end)
    days = 0
    day = lo
    while day <= hi:
        if day.weekday() < 5:
            days += 1
        day += datetime.timedelta(days=1)
    return days


def attendance(school, start, end, today=None):
    """Per class and for the school: morning-check attendance and sick-absence days in [start, end].

    Attendance rate = Σ present / Σ enrolled over the period's morning checks.
    """
    rooms = list(class_rooms(school))
    totals = {
        row["room"]: row
        for row in HealthCheck.objects.filter(
            school=school, session=CheckSession.MORNING, date__gte=start, date__lte=end
        )
        .values("room")
        .annotate(checks=Count("id"), enrolled=Sum("enrolled"), present=Sum("present"))
    }
    sick_days = Counter()
    sick_count = Counter()
    today = today or datetime.date.today()
    for a in (
        SickAbsence.objects.filter(school=school, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .values("room_id", "start_date", "end_date")
    ):
        last = (a["end_date"] - datetime.timedelta(days=1)) if a["end_date"] else min(end, today)
        sick_days[a["room_id"]] += _overlap_days(a["start_date"], last, start, end)
        if start <= a["start_date"] <= end:
            sick_count[a["room_id"]] += 1
    rows = []
    sums = {"checks": 0, "enrolled": 0, "present": 0, "sick_days": 0, "sick_count": 0}
    for room in rooms:
        t = totals.get(room.pk, {"checks": 0, "enrolled": 0, "present": 0})
        row = {
            "room": room,
            "checks": t["checks"],
            "enrolled": t["enrolled"] or 0,
            "present": t["present"] or 0,
            "sick_days": sick_days[room.pk],
            "sick_count": sick_count[room.pk],
        }
        row["rate"] = rate(row["present"], row["enrolled"])
        row["sick_rate"] = rate(row["sick_days"], row["enrolled"])
        rows.append(row)
        for k in sums:
            sums[k] += row[k]
    sums["rate"] = rate(sums["present"], sums["enrolled"])
    sums["sick_rate"] = rate(sums["sick_days"], sums["enrolled"])
    return rows, sums


def weekly_summary(school, week):
    """The week's summary: attendance per class, abnormal findings by symptom, absences, cases."""
    end = week + datetime.timedelta(days=6)
    rows, sums = attendance(school, week, end, today=end)
    findings = Counter()
    finding_rooms = Counter()
    for f in CheckFinding.objects.filter(
        school=school, check_record__date__gte=week, check_record__date__lte=end
    ).values("symptom", "check_record__room_id"):
        findings[f["symptom"]] += 1
        finding_rooms[f["check_record__room_id"]] += 1
    for row in rows:
        row["findings"] = finding_rooms[row["room"].pk]
    cases = list(
        InfectiousCase.objects.filter(
            school=school, onset_date__gte=week, onset_date__lte=end
        ).select_related("child", "room")
    )
    return {"rows": rows, "sums": sums, "findings": findings, "cases": cases, "start": week, "end": end}


def ranking(school, week):
    """评比: each class's score for the week (its own room plus the areas it looks after), ranked.

    Areas kept by a person are listed separately, not ranked.
    """
    inspections = list(
        HygieneInspection.objects.filter(school=school, week=week).select_related(
            "room", "area", "area__room"
        )
    )
    per_class = defaultdict(lambda: {"score": Decimal(0), "max": Decimal(0), "parts": []})
    personal = []
    for i in inspections:
        room = i.room or (i.area.room if i.area else None)
        if room is None:
            personal.append(i)
            continue
        entry = per_class[room.pk]
        entry["room"] = room
        entry["score"] += i.score
        entry["max"] += i.max_score
        entry["parts"].append(i)
    rows = sorted(
        per_class.values(), key=lambda e: (-(e["score"] / e["max"] if e["max"] else 0), e["room"].name)
    )
    rank = 0
    last = None
    for n, row in enumerate(rows, start=1):
        row["percent"] = (
            (row["score"] * 100 / row["max"]).quantize(Decimal("0.1")) if row["max"] else Decimal(0)
        )
        if row["percent"] != last:
            rank, last = n, row["percent"]
        row["rank"] = rank
    return rows, personal


def meter_series(meter, months=12):
    """The last `months` readings with consumption, oldest first."""
    readings = list(
        MeterReading.objects.filter(meter=meter, consumption__isnull=False).order_by("-month")[:months]
    )
    return list(reversed(readings))


def school_monthly_costs(school, months=12, end_month=None):
    """[(month, {kind: (consumption, cost)})] for the school's last `months` months, oldest first."""
    qs = MeterReading.objects.filter(school=school, consumption__isnull=False)
    if end_month is not None:
        qs = qs.filter(month__lte=end_month)
    data = defaultdict(dict)
    for row in (
        qs.values("month", "meter__kind")
        .annotate(c=Sum("consumption"), cost=Sum("cost"))
        .order_by("-month")[: months * 3]
    ):
        data[row["month"]][row["meter__kind"]] = (row["c"], row["cost"])
    return sorted(data.items())[-months:]


def case_cluster(case):
    """Cases of the same disease in the same class with onset within a week of this one."""
    window = datetime.timedelta(days=6)
    return InfectiousCase.objects.filter(
        school_id=case.school_id,
        room_id=case.room_id,
        disease=case.disease,
        onset_date__gte=case.onset_date - window,
        onset_date__lte=case.onset_date + window,
    ).order_by("onset_date", "pk")
