"""Bureau metrics for all given schools with a fixed number of aggregate queries."""

from django.db.models import Count, Q
from django.utils import timezone

from .choices import RepairStatus
from .models import RepairRequest


def metrics(schools, period) -> dict[int, list[tuple[str, object, str]]]:
    ids = [s.pk if hasattr(s, "pk") else s for s in schools]
    end = min(period.end_datetime(), timezone.now())
    open_q = Q(status__in=[RepairStatus.SUBMITTED, RepairStatus.ASSIGNED])
    rows = (
        RepairRequest.objects.filter(school_id__in=ids, requested_at__lt=period.end_datetime())
        .values("school_id")
        .annotate(
            overdue=Count("id", filter=open_q & Q(due_by__lt=end)),
            month=Count(
                "id",
                filter=Q(requested_at__gte=period.start_datetime(), requested_at__lt=period.end_datetime()),
            ),
        )
    )
    by_school = {r["school_id"]: r for r in rows}
    result = {}
    for pk in ids:
        r = by_school.get(pk, {"overdue": 0, "month": 0})
        overdue = r["overdue"]
        level = "ok" if overdue == 0 else ("warning" if overdue <= 3 else "danger")
        result[pk] = [("逾期报修", overdue, level), ("本月报修", r["month"], "ok")]
    return result
