"""What the education bureau sees of each school's canteen (fixed number of aggregate queries)."""

from django.utils import timezone

from . import selectors
from .models import Supplier


def metrics(schools, period) -> dict[int, list[tuple[str, object, str]]]:
    ids = [s.pk for s in schools]
    last_day = min(period.end, timezone.localdate())
    expected = selectors.expected_pairs(ids, period.start, last_day) if last_day >= period.start else {}
    sampled = selectors.sampled_pairs(ids, period.start, last_day) if last_day >= period.start else {}
    expired = dict.fromkeys(ids, 0)
    for sid in Supplier.objects.filter(
        school_id__in=ids, is_active=True, food_licence_expires__lt=last_day
    ).values_list("school_id", flat=True):
        expired[sid] += 1
    result = {}
    for sid in ids:
        want = expected.get(sid, set())
        have = sampled.get(sid, set()) & want
        if not want:
            rate = ("留样完整率", "无食谱", "warning")
        else:
            pct = len(have) * 100 // len(want)
            level = "ok" if pct == 100 else "warning" if pct >= 90 else "danger"
            rate = ("留样完整率", f"{pct}%", level)
        result[sid] = [rate, ("证照过期供应商", expired[sid], "danger" if expired[sid] else "ok")]
    return result
