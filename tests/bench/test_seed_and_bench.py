"""seed_district at a tiny size, and the benchmark's in-process parts (query counts, load client)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from benchmarks import district
from benchmarks.loadgen import Result, Session, run_load
from benchmarks.pages import all_pages
from benchmarks.run import Context, measure_queries, parse_args
from logistics.models import Campus, Certificate, Membership, Room, School, StaffProfile

pytestmark = pytest.mark.django_db

TINY = {"schools": 2, "assets": 30, "days": 7, "control_school": True, "stdout": None}


def counts():
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_models() if not m._meta.proxy}


@pytest.fixture
def seeded(db):
    import io

    call_command("seed_district", **{**TINY, "stdout": io.StringIO()})


def test_it_seeds_schools_with_campuses_rooms_and_members(seeded):
    schools = School.objects.filter(code__startswith="BENCH-").order_by("code")
    assert [s.code for s in schools] == ["BENCH-001", "BENCH-002", "BENCH-998"]
    kg, ps = schools[0], schools[1]
    assert kg.is_kindergarten and not ps.is_kindergarten
    assert Campus.objects.filter(school=kg).count() == 3
    assert 75 <= Room.objects.filter(school=kg).count() <= 85
    assert 75 <= Room.objects.filter(school=ps).count() <= 85
    assert Membership.objects.filter(school=ps).count() == 60
    assert StaffProfile.objects.filter(school=ps).count() == 60
    assert Certificate.objects.filter(school=ps).exists()
    user = get_user_model().objects.get(username="b001_director1")
    assert user.check_password(district.BENCH_PASSWORD)
    assert Membership.objects.get(user=user).school == kg


def test_it_reruns_without_writing_anything_twice(seeded):
    import io

    before = counts()
    out = io.StringIO()
    call_command("seed_district", **{**TINY, "stdout": out})
    assert counts() == before
    assert "已存在，跳过" in out.getvalue()


def test_it_refuses_nonsense_sizes(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_district", schools=0)


def test_it_measures_fixed_query_counts_for_every_existing_page(seeded, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    ctx = Context(2)
    pages = [p for p in all_pages(ctx) if not p.missing]
    assert {"dashboard", "rooms"} <= {p.key for p in pages}
    rows = measure_queries(pages, ctx)
    for page in pages:
        row = rows[page.key]
        assert row["errors"] == [], (page.key, row["errors"])
        assert row["full"] and row["full"] > 0, page.key
        if row["control"] is not None:
            # the control school has almost no data: the same count means it does not grow with the data
            assert row["full"] == row["control"], (page.key, row["full"], row["control"])


def test_it_parses_quick_defaults():
    args = parse_args(["--quick"])
    assert args.schools == 2 and args.output is None
    assert [(lv.users, lv.think) for lv in args.levels] == [(1, 0), (3, 0.2), (3, 0)]
    full = parse_args([])
    assert full.schools == 60 and full.excel_rows == 100_000
    # one user back to back, twenty people with a think time, then twenty back to back (capacity)
    assert [(lv.users, lv.think, lv.duration) for lv in full.levels] == [(1, 0, 8), (20, 1, 20), (20, 0, 8)]
    assert [(lv.users, lv.think) for lv in parse_args(["--no-saturation"]).levels] == [(1, 0), (20, 1)]


def test_it_computes_percentiles_by_nearest_rank():
    r = Result(latencies=[i / 1000 for i in range(1, 101)], wall=2.0)
    assert r.pct(50) == pytest.approx(50)
    assert r.pct(95) == pytest.approx(95)
    assert r.pct(99) == pytest.approx(99)
    assert r.rps == 50


@pytest.mark.django_db(transaction=True)
def test_it_logs_in_over_http_and_drives_a_page(live_server, settings):
    import io

    call_command("seed_district", **{**TINY, "control_school": False, "stdout": io.StringIO()})
    port = int(live_server.url.rsplit(":", 1)[1])
    sessions = [Session(port).login("b001_director1", district.BENCH_PASSWORD) for _ in range(2)]
    res = run_load(sessions, lambda s, n: ("GET", "/", None), duration=5, max_requests=6)
    assert res.errors == []
    assert len(res.latencies) == 6
    # with a think time of 0.5 s (each pause 0.25–0.75 s), two users manage at most 2 × 1 s / 0.25 s
    # requests in one second, where back to back they would send dozens
    paced = run_load(sessions, lambda s, n: ("GET", "/", None), duration=1, max_requests=100, think=0.5)
    assert paced.errors == []
    assert 1 <= len(paced.latencies) <= 8
    bad = Session(port)
    with pytest.raises(Exception, match="登录失败"):
        bad.login("b001_director1", "wrong-password")
    assert connection.vendor in ("sqlite", "postgresql")


def test_it_tops_up_the_big_school_register_only(db):
    import io

    from assets.models import Asset

    call_command("seed_district", schools=1, assets=20, days=7, big_school_assets=50, stdout=io.StringIO())
    big = School.objects.get(code="BENCH-999")
    assert Asset.objects.filter(school=big).count() == 50
    call_command("seed_district", schools=1, assets=30, days=7, big_school_assets=80, stdout=io.StringIO())
    assert Asset.objects.filter(school=big).count() == 80
    assert Asset.objects.filter(school__code="BENCH-001").count() == 20  # regular schools are left alone
    assert Asset.objects.filter(school=big).values("code").distinct().count() == 80
