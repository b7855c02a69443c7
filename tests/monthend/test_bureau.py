"""The bureau's cross-school view: side by side, fixed queries, zip of all packs, read-only click-through."""

import hashlib
import io
import zipfile

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from logistics.reports import Period
from monthend import hooks, services
from monthend.models import MonthPack
from tests.factories import CampusFactory, RoomFactory, SchoolFactory
from tests.helpers import assert_status

OCT = Period.month(2026, 10)


def _schools(district, n, start=0):
    made = []
    for i in range(start, start + n):
        s = SchoolFactory(district=district, name=f"第{i}小学", code=f"PSX{i:03d}")
        RoomFactory(school=s, campus=CampusFactory(school=s), floor=i)
        made.append(s)
    return made


def test_the_bureau_sees_its_schools_side_by_side_with_metrics(
    school, other_school, district, as_bureau, test_reports, metric_hook, room
):
    room.floor = 7
    room.save()
    pack, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    services.pack_build(pack_id=pack.pk)
    response = as_bureau.get(reverse("monthend:bureau"), {"month": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "阳光幼儿园" in html and "另一所小学" in html and "楼层合计" in html
    rows = {r["school"].pk: r for r in response.context["rows"]}
    assert rows[school.pk]["ready"].pk == pack.pk and rows[other_school.pk]["ready"] is None
    assert rows[school.pk]["metrics"] == [(7, "danger")]
    assert reverse("monthend:pack_download", args=[pack.pk, "xlsx"]) in html
    assert "未生成" in html
    assert reverse("monthend:bureau_zip", args=["2026-10"]) in html


def test_the_bureau_page_costs_the_same_queries_for_3_or_30_schools(
    district, school, as_bureau, test_reports, metric_hook, django_assert_num_queries
):
    _schools(district, 2)
    for s in list(district.schools.all()):
        MonthPack.objects.create(school=s, month="2026-10", version=1, trigger="scheduled")
    import django.db
    from django.test.utils import CaptureQueriesContext

    url = reverse("monthend:bureau")
    with CaptureQueriesContext(django.db.connection) as cold:
        assert as_bureau.get(url, {"month": "2026-10"}).status_code == 200
    with CaptureQueriesContext(django.db.connection) as warm:  # the metrics come from the cache
        assert as_bureau.get(url, {"month": "2026-10"}).status_code == 200
    assert len(warm.captured_queries) < len(cold.captured_queries)
    _schools(district, 27, start=100)
    # another set of schools is another cache entry: computed again, in as many queries
    with django_assert_num_queries(len(cold.captured_queries)):
        response = as_bureau.get(url, {"month": "2026-10"})
    assert len(response.context["rows"]) == 30
    assert all(len(r["metrics"]) == 1 for r in response.context["rows"])
    with django_assert_num_queries(len(warm.captured_queries)):
        response = as_bureau.get(url, {"month": "2026-10"})
    assert len(response.context["rows"]) == 30


def test_the_overview_keeps_its_metrics_a_while_and_says_since_when(
    school, as_bureau, test_reports, metric_hook, room, settings
):
    from monthend import views

    room.floor = 7
    room.save()
    url = reverse("monthend:bureau")
    first = as_bureau.get(url, {"month": "2026-10"})
    assert first.context["rows"][0]["metrics"] == [(7, "danger")]
    computed = timezone.localtime(first.context["computed_at"]).strftime("%H:%M")
    assert f"指标数据更新于 {computed}" in first.content.decode()
    room.floor = 3
    room.save()
    assert as_bureau.get(url, {"month": "2026-10"}).context["rows"][0]["metrics"] == [(7, "danger")]
    caches["pages"].clear()  # ... until the entry expires (OVERVIEW_SECONDS)
    assert as_bureau.get(url, {"month": "2026-10"}).context["rows"][0]["metrics"] == [(3, "ok")]
    assert views.OVERVIEW_CURRENT_MONTH_SECONDS < views.OVERVIEW_SECONDS <= 15 * 60


def test_the_overview_works_when_the_cache_is_down(school, as_bureau, test_reports, metric_hook, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    from logistics import usercache

    monkeypatch.setattr(caches["pages"], "get", down)
    monkeypatch.setattr(usercache, "_down_until", 0.0)  # restored after the test
    response = as_bureau.get(reverse("monthend:bureau"), {"month": "2026-10"})
    assert response.status_code == 200 and len(response.context["rows"]) == 1
    assert usercache.usable("pages") is None  # not asked again for a few seconds


def test_a_failing_metrics_hook_does_not_break_the_page(school, as_bureau, monkeypatch):
    def broken(schools, period):
        raise RuntimeError("boom")

    monkeypatch.setattr(hooks.registry, "functions", lambda *a: [])
    monkeypatch.setattr(hooks, "EXTRA_METRIC_HOOKS", [broken])
    response = as_bureau.get(reverse("monthend:bureau"))
    assert response.status_code == 200 and "部分指标暂时无法获取" in response.content.decode()


def test_the_bureau_downloads_every_ready_pack_of_a_month_as_one_zip(
    school, other_school, as_bureau, test_reports
):
    packs = []
    for s in (school, other_school):
        p, _ = services.pack_schedule(school=s, period=OCT, enqueue=False)
        packs.append(services.pack_build(pack_id=p.pk))
    response = as_bureau.get(reverse("monthend:bureau_zip", args=["2026-10"]))
    assert response.status_code == 200 and response.streaming
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert zf.testzip() is None
    names = set(zf.namelist())
    assert names == {
        "KG001-2026-10-月报-v1.xlsx",
        "KG001-2026-10-月报-v1.pdf",
        "PS999-2026-10-月报-v1.xlsx",
        "PS999-2026-10-月报-v1.pdf",
        "SHA256SUMS.txt",
    }
    for p in packs:
        assert hashlib.sha256(zf.read(p.download_name("pdf"))).hexdigest() == p.pdf_sha256
    assert packs[0].xlsx_sha256 in zf.read("SHA256SUMS.txt").decode()


def test_the_zip_is_404_without_packs_and_403_for_schools(school, as_bureau, as_director):
    assert_status(as_bureau, reverse("monthend:bureau_zip", args=["2026-10"]), 404)
    assert_status(as_bureau, reverse("monthend:bureau_zip", args=["2026-99"]), 404)
    assert_status(as_director, reverse("monthend:bureau_zip", args=["2026-10"]), 403)


def test_the_bureau_clicks_through_to_a_school_read_only(school, other_school, as_bureau):

    from monthend.models import Duty, DutyTask

    services.calendar_settings(other_school)
    duty = Duty.objects.get(school=other_school, title="消防设备自检")
    task = DutyTask.objects.create(
        school=other_school, duty=duty, title=duty.title, due_on=timezone.localdate()
    )
    response = as_bureau.post(
        reverse("switch_school"), {"school": other_school.pk, "next": reverse("dashboard")}
    )
    assert response.status_code == 302
    page = as_bureau.get(reverse("monthend:task_list"))
    assert page.status_code == 200 and page.wsgi_request.school == other_school
    html = page.content.decode()
    assert "消防设备自检" in html and 'data-testid="complete-' not in html
    assert_status(as_bureau, reverse("monthend:task_action", args=[task.pk, "complete"]), 403, method="post")
    # read-only: the middleware refuses the bureau's writes
    assert_status(as_bureau, reverse("monthend:duty_create"), 403, method="post", data={"title": "x"})


@pytest.mark.parametrize("month", ["2026-10", ""])
def test_the_month_picker_defaults_to_last_month(school, as_bureau, month):
    response = as_bureau.get(reverse("monthend:bureau"), {"month": month} if month else {})
    expected = OCT if month else Period.previous_month()
    assert response.context["period"] == expected
