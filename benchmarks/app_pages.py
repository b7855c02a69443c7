"""The domain apps' pages of the issue's list: asset list (filtered, page 1 and deep), asset detail, food
sample log and create, purchase approval queue and approve, hazard register, bureau overview.

Each is built only if its URL and model exist; otherwise it is reported as missing.
"""

from __future__ import annotations

import collections
import io
import itertools
import math
import threading
import time

from django.utils import timezone

from logistics.choices import Role

from .pages import WRITE_TARGET_MS, Page, missing, url

PER_PAGE = 50
_counter = itertools.count(1)
_stamp = time.strftime("%H%M%S")


def _model(label):
    from benchmarks.district import model_or_none

    return model_or_none(label)


def photo_jpeg() -> bytes:
    """A 1280x960 JPEG like a tablet camera's (after the browser's capture), made once."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1280, 960), (235, 228, 210))
    draw = ImageDraw.Draw(img)
    for i in range(0, 1280, 40):
        draw.rectangle([i, (i * 7) % 900, i + 30, (i * 7) % 900 + 60], fill=((i * 3) % 255, 120, 90))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def asset_pages(ctx) -> list[Page]:
    Asset = _model("assets.Asset")
    base = url("assets:asset_list")
    if Asset is None or base is None:
        why = "资产应用尚无资产列表（assets:asset_list）"
        return [
            missing("asset_list", "资产列表（筛选，第1页）", why),
            missing("asset_list_deep", "资产列表（筛选，深页）", why),
            missing("asset_detail", "资产详情", why),
        ]
    from assets.choices import AssetStatus

    Category = _model("assets.AssetCategory")
    general = Category.objects.filter(school__isnull=True, code="2").first()  # 通用设备 and its children
    status = AssetStatus.IN_USE
    first = f"{base}?status={status}" + (f"&category={general.pk}" if general else "")

    deep = {}
    details = {}
    for school in ctx.regular + ([ctx.big] if ctx.big else []) + ([ctx.control] if ctx.control else []):
        n = Asset.objects.filter(school=school, status=status).count()
        deep[school.pk] = max(1, math.ceil(n / PER_PAGE) * 9 // 10)
        ids = list(Asset.objects.filter(school=school).order_by("pk").values_list("pk", flat=True))
        details[school.pk] = ids[:: max(1, len(ids) // 200)] or [0]

    def deep_request(school_id, n):
        return ("GET", f"{base}?status={status}&page={deep[school_id]}", None)

    def detail_request(school_id, n):
        ids = details[school_id]
        return ("GET", url("assets:asset_detail", ids[n % len(ids)]), None)

    filters = [
        f"{base}?q=电脑",
        f"{base}?room={{room}}",
        f"{base}?campus={{campus}}",
        f"{base}?status=lent",
    ]
    pages = [
        Page(
            "asset_list",
            "资产列表（在用+通用设备，第1页）",
            request=lambda s, n: ("GET", first, None),
            filters=filters,
        ),
        Page("asset_list_deep", "资产列表（在用，深页≈90%）", request=deep_request),
        Page("asset_detail", "资产详情", request=detail_request),
    ]
    if ctx.big:
        pages += [
            Page(
                "asset_list_big",
                f"大校资产列表（{ctx.big.code}，第1页）",
                request=lambda s, n: ("GET", first, None),
                schools="big",
                filters=filters,
            ),
            Page(
                "asset_list_big_deep",
                f"大校资产列表（{ctx.big.code}，深页）",
                request=deep_request,
                schools="big",
            ),
        ]
    return pages


def canteen_pages(ctx) -> list[Page]:
    FoodSample = _model("canteen.FoodSample")
    log_url, create_url = url("canteen:sample_list"), url("canteen:sample_create")
    if FoodSample is None or log_url is None or create_url is None:
        why = "食堂应用尚无留样页（canteen:sample_list / sample_create）"
        return [
            missing("sample_log", "留样记录页", why, role=Role.CANTEEN),
            missing("sample_create", "新增留样", why, role=Role.CANTEEN, target_ms=WRITE_TARGET_MS),
        ]
    Fridge = _model("canteen.Fridge")
    fridges = {}
    for f in Fridge.objects.filter(school__code__startswith="BENCH-", is_active=True).order_by("pk"):
        fridges.setdefault(f.school_id, f.pk)
    month = f"{timezone.localdate():%Y-%m}"
    photo = photo_jpeg()

    def create(school_id, n):
        return (
            "POST",
            create_url,
            {
                "meal": "lunch",
                "dish_name": f"基准菜{_stamp}-{next(_counter)}",
                "quantity_g": "150",
                "fridge": fridges.get(school_id, ""),
                "fridge_temp": "4.0",
                "_files": {"photo": ("sample.jpg", photo, "image/jpeg")},
            },
        )

    seen = {"made": 0}

    def verify(page, ctx, started):
        made = FoodSample.objects.filter(
            dish_name__startswith=f"基准菜{_stamp}-", photo__isnull=False
        ).count()
        new, seen["made"] = made - seen["made"], made
        return f"数据库中新增 {new} 条带照片的留样"

    return [
        Page(
            "sample_log",
            "留样记录页（本月）",
            role=Role.CANTEEN,
            request=lambda s, n: ("GET", f"{log_url}?month={month}", None),
            filters=[f"{log_url}?month={month}&meal=lunch", f"{log_url}?month={month}&status=kept"],
        ),
        Page(
            "sample_create",
            "新增留样（含 1280×960 照片）",
            role=Role.CANTEEN,
            target_ms=WRITE_TARGET_MS,
            request=create,
            expect=(302,),
            verify=verify,
        ),
    ]


class PendingQueue:
    """Requests waiting for the principal, topped up in-process before each load level."""

    def __init__(self):
        self.queues = collections.defaultdict(collections.deque)
        self.used = []
        self.lock = threading.Lock()

    def prepare(self, schools, count_per_school):
        from benchmarks.district import add_pending_requests

        for school in schools:
            have = len(self.queues[school.pk])
            if have < count_per_school:
                self.queues[school.pk].extend(add_pending_requests(school, count_per_school - have))

    def discard(self):
        """Cancel what a level did not use, so the next run's queue is the same size."""
        from finance.choices import RequestStatus

        rest = [pk for q in self.queues.values() for pk in q]
        for q in self.queues.values():
            q.clear()
        if rest:
            _model("finance.PurchaseRequest").objects.filter(pk__in=rest).update(
                status=RequestStatus.CANCELLED
            )

    def pop(self, school_id):
        with self.lock:
            q = self.queues[school_id]
            if not q:
                return None
            pk = q.popleft()
            self.used.append(pk)
            return pk


def finance_pages(ctx) -> list[Page]:
    PurchaseRequest = _model("finance.PurchaseRequest")
    queue_url = url("finance:approvals")
    if PurchaseRequest is None or queue_url is None or url("finance:request_decide", 1) is None:
        why = "财务应用尚无审批页（finance:approvals / request_decide）"
        return [
            missing("approval_queue", "采购审批队列", why, role=Role.PRINCIPAL),
            missing("approve", "审批通过", why, role=Role.PRINCIPAL, target_ms=WRITE_TARGET_MS),
        ]
    from finance.choices import RequestStatus

    pending = PendingQueue()

    def approve(school_id, n):
        pk = pending.pop(school_id)
        if pk is None:
            return None
        return (
            "POST",
            url("finance:request_decide", pk),
            {
                "decision": "approve",
                "comment": "同意（基准测试）",
                "seen_status": RequestStatus.PENDING_PRINCIPAL,
            },
        )

    def prepare(schools, expected_requests):
        pending.prepare(schools, max(5, math.ceil(expected_requests / max(1, len(schools)))) + 5)

    def ensure_queue(schools, expected_requests):
        """At least 20 requests waiting for the principal in each school (a real morning's queue)."""
        from benchmarks.district import add_pending_requests

        for school in schools:
            have = PurchaseRequest.objects.filter(
                school=school, status=RequestStatus.PENDING_PRINCIPAL
            ).count()
            if have < 20:
                add_pending_requests(school, 20 - have)

    def verify(page, ctx, started):
        pending.discard()
        used = list(pending.used)
        done = PurchaseRequest.objects.filter(pk__in=used, status=RequestStatus.APPROVED).count()
        if done != len(used):
            return f"错误：提交 {len(used)} 次批准，只有 {done} 张请购单变为已批准"
        return f"{done} 张请购单已批准（逐一核对状态）"

    return [
        Page(
            "approval_queue",
            "采购审批队列（校长）",
            role=Role.PRINCIPAL,
            request=lambda s, n: ("GET", queue_url, None),
            prepare=ensure_queue,
        ),
        Page(
            "approve",
            "审批通过（校长）",
            role=Role.PRINCIPAL,
            target_ms=WRITE_TARGET_MS,
            request=approve,
            expect=(302,),
            prepare=prepare,
            verify=verify,
        ),
    ]


def safety_pages(ctx) -> list[Page]:
    Hazard = _model("safety.Hazard")
    base = url("safety:hazard_list")
    if Hazard is None or base is None:
        return [missing("hazards", "隐患台账", "安全应用尚无隐患台账（safety:hazard_list）")]
    return [
        Page(
            "hazards",
            "隐患台账（未整改）",
            request=lambda s, n: ("GET", f"{base}?status=open", None),
            filters=[
                f"{base}?risk=high",
                f"{base}?room={{room}}",
                f"{base}?month={{month}}",
                f"{base}?overdue=1",
                f"{base}?status=verified&page=3",
            ],
        )
    ]


def bureau_pages(ctx) -> list[Page]:
    base = url("monthend:bureau")
    if base is None:
        return [missing("bureau", "教育局总览", "尚无教育局总览页（monthend:bureau）", role=Role.BUREAU)]
    from logistics.reports import Period

    month = Period.previous_month().key
    return [
        Page(
            "bureau",
            f"教育局总览（{len(ctx.regular) + 2} 校，上月）",
            role=Role.BUREAU,
            request=lambda s, n: ("GET", f"{base}?month={month}", None),
        )
    ]


def pages(ctx):
    return asset_pages(ctx) + canteen_pages(ctx) + finance_pages(ctx) + safety_pages(ctx) + bureau_pages(ctx)
