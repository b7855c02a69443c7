"""The asset register list: two-step paging, keyword search, campus filter, fixed query count.

The pages are checked against an oracle written in plain Python (all of the school's assets, newest
first, filtered by hand), so they show the same rows in the same order as the single OFFSET query
they replace.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from assets import selectors
from assets.choices import AssetStatus
from assets.models import Asset
from tests.factories import CampusFactory, RoomFactory

URL = reverse("assets:asset_list")
PER_PAGE = 50
NAMES = [
    ("台式电脑", "联想启天M430"),
    ("课桌椅（套）", "可升降"),
    ("投影仪", "爱普生CB-X06"),
    ("笔记本电脑", "ThinkPad E14"),
]
STATUSES = [
    AssetStatus.IN_USE,
    AssetStatus.IN_USE,
    AssetStatus.IDLE,
    AssetStatus.REPAIRING,
    AssetStatus.DISPOSED,
]


@pytest.fixture
def rooms(school, campus):
    """Two rooms on the main campus, one on the second campus."""
    west = school.campus_set.exclude(pk=campus.pk).get()
    return [
        RoomFactory(school=school, campus=campus, name="大一班"),
        RoomFactory(school=school, campus=campus, name="大二班"),
        RoomFactory(school=school, campus=west, name="西区美术室"),
    ]


def add_assets(school, rooms, category, custodian, n, start=0):
    Asset.objects.bulk_create(
        [
            Asset(
                school=school,
                code=f"ZC{start + k:06d}",
                name=NAMES[k % len(NAMES)][0],
                spec=NAMES[k % len(NAMES)][1],
                category=category,
                unit_price=Decimal("1200"),
                purchase_date=datetime.date(2024, 1, 1),
                room=rooms[k % len(rooms)] if k % 7 else None,
                custodian=custodian if k % 2 else None,
                status=STATUSES[k % len(STATUSES)],
            )
            for k in range(n)
        ]
    )


@pytest.fixture
def register(school, rooms, computers, teacher, other_school, other_room):
    """260 assets in our school (six pages), and a few in another school with the same names."""
    add_assets(school, rooms, computers, teacher, 260)
    add_assets(other_school, [other_room], computers, None, 8, start=900)
    return school


def oracle(school, status=None, campus=None, q=None):
    rows = Asset.objects.filter(school=school).select_related("room").order_by("-id")
    out = []
    for a in rows:
        if status and a.status != status:
            continue
        if campus and (a.room is None or a.room.campus_id != campus):
            continue
        if q and not (a.code == q or q.upper() in a.name.upper() or q.upper() in a.spec.upper()):
            continue
        out.append(a.pk)
    return out


def page_ids(response):
    return [a.pk for a in response.context["object_list"]]


@pytest.mark.parametrize(
    "filters",
    [{}, {"status": "in_use"}, {"campus": "main"}, {"q": "电脑"}, {"status": "in_use", "campus": "main"}],
    ids=["all", "status", "campus", "q", "status+campus"],
)
def test_it_pages_the_same_rows_in_the_same_order(as_director, register, campus, filters):
    params = {k: (campus.pk if v == "main" else v) for k, v in filters.items()}
    expected = oracle(register, **params)
    assert len(expected) > PER_PAGE  # at least two pages, so the deep page is really an OFFSET
    pages = -(-len(expected) // PER_PAGE)
    for number in range(1, pages + 1):
        r = as_director.get(URL, {**params, "page": number})
        assert r.status_code == 200
        assert r.context["paginator"].count == len(expected)
        assert r.context["page_obj"].number == number
        assert page_ids(r) == expected[(number - 1) * PER_PAGE : number * PER_PAGE]
    last = as_director.get(URL, {**params, "page": pages})
    assert len(page_ids(last)) == len(expected) - (pages - 1) * PER_PAGE
    assert not last.context["page_obj"].has_next()


def test_it_shows_the_last_page_for_a_page_past_the_end_and_the_first_for_nonsense(as_director, register):
    expected = oracle(register)
    last = as_director.get(URL, {"page": 999})
    assert last.context["page_obj"].number == 6
    assert page_ids(last) == expected[250:]
    for junk in ("abc", ""):  # Django's get_page: not a number -> the first page
        assert page_ids(as_director.get(URL, {"page": junk})) == expected[:50]
    for out_of_range in ("0", "-1"):  # below 1, like past the end -> the last page
        assert page_ids(as_director.get(URL, {"page": out_of_range})) == expected[250:]


def test_it_renders_rows_with_their_room_campus_category_and_custodian(as_director, register):
    r = as_director.get(URL, {"page": 2})
    html = r.content.decode()
    for a in r.context["object_list"]:
        assert a.code in html
        assert a.category.name in html
        if a.room:
            assert f"{a.room.campus.name}·{a.room.name}" in html


def test_it_shows_an_empty_list_when_nothing_matches(as_director, register):
    r = as_director.get(URL, {"q": "无此物品", "page": 4})
    assert r.status_code == 200
    assert page_ids(r) == [] and r.context["paginator"].count == 0
    assert "暂无资产" in r.content.decode()


@pytest.mark.parametrize(
    "q",
    [
        "电脑",
        "桌",
        "投影仪",
        "thinkpad",
        "THINKPAD e14",
        "cb-x06",
        "M430",
        "ZC000007",
        "zc000007",
        "100%",
        "_",
    ],
)
def test_it_searches_code_exactly_and_name_or_spec_ignoring_case(as_director, register, q):
    expected = oracle(register, q=q)
    r = as_director.get(URL, {"q": q})
    assert r.context["paginator"].count == len(expected)
    assert page_ids(r) == expected[:PER_PAGE]


def test_it_finds_each_kind_of_keyword(as_director, register, other_school):
    count = lambda **p: as_director.get(URL, p).context["paginator"].count  # noqa: E731
    assert count(q="桌") == 65  # one name in four, this school only
    assert count(q="电脑") == 130  # 台式电脑 and 笔记本电脑
    assert count(q="thinkpad") == 65  # spec, any case
    assert count(q="ZC000007") == 1  # code: exact, case as written
    assert count(q="zc000007") == 0
    assert count(q="ZC00000") == 0  # no partial codes
    assert count(q="100%") == 0 and count(q="_") == 0  # LIKE wildcards are literal
    ours = set(Asset.objects.filter(school=register).values_list("pk", flat=True))
    assert set(page_ids(as_director.get(URL, {"q": "投影仪"}))) <= ours


def test_it_filters_by_campus_through_the_campus_rooms(as_director, register, campus, rooms, other_school):
    west = rooms[2].campus
    main_ids = oracle(register, campus=campus.pk)
    west_ids = oracle(register, campus=west.pk)
    assert main_ids and west_ids and not set(main_ids) & set(west_ids)
    r = as_director.get(URL, {"campus": west.pk})
    assert r.context["paginator"].count == len(west_ids)
    assert page_ids(r) == west_ids[:PER_PAGE]
    assert all(a.room.campus_id == west.pk for a in r.context["object_list"])
    # another school's campus, a campus without rooms and junk all give an empty list, never a 500
    foreign = other_school.campus_set.get()
    empty = CampusFactory(school=register, name="新校区")
    for value in (foreign.pk, empty.pk, 99999):
        r = as_director.get(URL, {"campus": value})
        assert r.status_code == 200 and r.context["paginator"].count == 0
    assert as_director.get(URL, {"campus": "x"}).context["paginator"].count == len(oracle(register))


def test_it_pins_the_query_count_whatever_the_data_and_the_page(
    as_director, register, school, rooms, computers, teacher, campus, django_assert_num_queries
):
    """Three queries read assets: the count, the page's ids, the page's rows with their joins (the
    campus filter adds one for the campus's room ids). The rest (session, membership, the shell and
    the filter form's choices) is the page's own and belongs to other code, so it is pinned at what
    the first request does: neither may grow with the data or the page's depth."""

    def asset_queries(captured):
        return [q["sql"] for q in captured if '"assets_asset"' in q["sql"]]

    urls = [
        (URL, 3),
        (URL + "?page=5", 3),
        (URL + f"?status=in_use&q=电脑&campus={campus.pk}&page=2", 3),
        (URL + "?q=投影仪&category=" + str(computers.pk), 3),
    ]
    pinned = []
    for url, n in urls:
        as_director.get(url)  # the first request of a session may write it
        with django_assert_num_queries(14, exact=False) as captured:
            assert as_director.get(url).status_code == 200
        assert len(asset_queries(captured)) == n, asset_queries(captured)
        pinned.append(len(captured))
    add_assets(school, rooms, computers, teacher, 400, start=5000)
    more_rooms = [RoomFactory(school=school, campus=campus) for _ in range(5)]
    add_assets(school, more_rooms, computers, teacher, 100, start=9000)
    for (url, n), total in zip(urls, pinned, strict=True):
        with django_assert_num_queries(total) as captured:
            r = as_director.get(url)
        assert len(asset_queries(captured)) == n
        assert 0 < len(r.context["object_list"]) <= PER_PAGE


def test_it_reads_a_page_in_two_steps(register, school, django_assert_num_queries):
    """count, ids, rows: the rows query fetches by primary key, so it has no OFFSET."""
    qs = Asset.objects.filter(school=school).order_by("-id")
    with django_assert_num_queries(3) as captured:
        page = selectors.asset_page(qs, 3)
        rows = list(page.object_list)
        assert [a.room.campus.name for a in rows if a.room]  # joined, no further queries
    sqls = [q["sql"] for q in captured.captured_queries]
    assert "COUNT(*)" in sqls[0]
    assert "OFFSET 100" in sqls[1] and " JOIN " not in sqls[1]
    assert "OFFSET" not in sqls[2] and " JOIN " in sqls[2]
    assert [a.pk for a in rows] == list(qs.values_list("pk", flat=True)[100:150])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm indexes exist on PostgreSQL only")
def test_it_serves_keyword_search_from_the_trigram_indexes(register, school):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'assets_asset'")
        names = {row[0] for row in cursor.fetchall()}
        assert {"asset_name_trgm", "asset_spec_trgm", "asset_school_id_status"} <= names
        # the test table is tiny, so make the planner take an index whenever one fits the query
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    for q in ("投影仪", "ThinkPad", "无此物品"):
        # the keyword condition alone (the list adds the school): a bitmap plan for an OR needs an
        # index for every arm, so this fails if the indexes' expression stops matching the lookup's
        plan = Asset.objects.filter(selectors.keyword_filter(q, school)).explain()
        assert "asset_name_trgm" in plan and "asset_spec_trgm" in plan, plan


def test_it_uses_plain_like_for_short_keywords_without_case(school):
    """1-2 characters have no trigram to look up, so the school's rows are read either way; without
    cased letters, LIKE without UPPER() finds the same rows in half the time."""
    lookups = lambda q: repr(selectors.keyword_filter(q, school))  # noqa: E731
    for q in ("桌", "电脑", "12"):
        assert "'name__contains'" in lookups(q) and "'spec__contains'" in lookups(q)
    for q in ("hp", "投影仪", "M430"):
        assert "'name__icontains'" in lookups(q) and "'spec__icontains'" in lookups(q)
