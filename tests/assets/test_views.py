"""Every page: anonymous -> login, wrong role -> 403, other school -> 404, valid -> done."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from assets import services
from assets.choices import AssetStatus, DisposalKind, StocktakeKind
from assets.models import Asset, AssetLoan, DamageCase, DisposalRequest, RepairRequest, StoreItem
from tests.helpers import assert_login_required, assert_status, form_errors


@pytest.fixture
def world(school, staff, teacher, room, make_asset, director):
    asset = make_asset(room=room, custodian=teacher)[0]
    item = services.stores_stock_in(
        school=school, by=staff, item_name="A4纸", unit="包", quantity=10, unit_price=Decimal("25")
    ).item
    repair = services.repair_raise(school=school, by=teacher, room=room, description="灯不亮")
    st = services.stocktake_open(school=school, by=staff, title="期末盘点", kind=StocktakeKind.TERM_END)
    loan_asset = make_asset(name="相机", room=room)[0]
    loan = services.asset_lend(
        obj=loan_asset, by=staff, borrower=teacher, due_on=datetime.date.today() + datetime.timedelta(days=3)
    )
    disp_asset = make_asset(name="旧电脑", room=room)[0]
    disposal = services.asset_request_disposal(
        obj=disp_asset, by=staff, kind=DisposalKind.SCRAP, reason="损坏"
    )
    damage = services.damage_record(
        school=school,
        by=staff,
        occurred_on=datetime.date.today(),
        description="摔坏",
        party_kind="student",
        party_name="小明",
        assessed_amount=Decimal("50"),
        asset=asset,
    )
    return {
        "asset": asset,
        "item": item,
        "repair": repair,
        "st": st,
        "room": room,
        "loan": loan,
        "disposal": disposal,
        "damage": damage,
    }


def pages(w):
    a, i, r, st, room = w["asset"], w["item"], w["repair"], w["st"], w["room"]
    return [
        # (url, permitted-role fixture, forbidden-role fixture or None)
        (reverse("assets:asset_list"), "as_teacher", None),
        (reverse("assets:asset_create"), "as_staff", "as_teacher"),
        (reverse("assets:asset_detail", args=[a.pk]), "as_teacher", None),
        (reverse("assets:asset_edit", args=[a.pk]), "as_staff", "as_teacher"),
        (reverse("assets:asset_issue", args=[a.pk]), "as_staff", "as_teacher"),
        (reverse("assets:asset_lend", args=[a.pk]), "as_staff", "as_canteen"),
        (reverse("assets:asset_transfer", args=[a.pk]), "as_director", "as_guard"),
        (reverse("assets:asset_dispose", args=[a.pk]), "as_staff", "as_accountant"),
        (reverse("assets:loan_list"), "as_staff", None),
        (reverse("assets:disposal_list"), "as_principal", None),
        (reverse("assets:handover"), "as_director", "as_teacher"),
        (reverse("assets:category_list"), "as_staff", None),
        (reverse("assets:category_create"), "as_staff", "as_teacher"),
        (reverse("assets:settings"), "as_director", "as_teacher"),
        (reverse("assets:import"), "as_staff", "as_teacher"),
        (reverse("assets:import_template"), "as_staff", "as_teacher"),
        (reverse("assets:room_index"), "as_teacher", None),
        (reverse("assets:room_sheet", args=[room.pk]), "as_teacher", None),
        (reverse("assets:room_sheet_export", args=[room.pk, "xlsx"]), "as_teacher", None),
        (reverse("assets:store_list"), "as_accountant", "as_teacher"),
        (reverse("assets:store_item_create"), "as_staff", "as_accountant"),
        (reverse("assets:store_item", args=[i.pk]), "as_staff", "as_teacher"),
        (reverse("assets:stock_in", args=[i.pk]), "as_staff", "as_accountant"),
        (reverse("assets:stock_out", args=[i.pk]), "as_staff", "as_teacher"),
        (reverse("assets:stock_count", args=[i.pk]), "as_staff", "as_teacher"),
        (reverse("assets:consumption"), "as_staff", "as_teacher"),
        (reverse("assets:repair_list"), "as_teacher", None),
        (reverse("assets:repair_create"), "as_teacher", None),
        (reverse("assets:repair_detail", args=[r.pk]), "as_teacher", "as_guard"),
        (reverse("assets:maintenance_list"), "as_staff", None),
        (reverse("assets:maintenance_plan_create"), "as_staff", "as_teacher"),
        (reverse("assets:stocktake_list"), "as_staff", None),
        (reverse("assets:stocktake_create"), "as_staff", "as_teacher"),
        (reverse("assets:stocktake_detail", args=[st.pk]), "as_staff", None),
        (reverse("assets:stocktake_room", args=[st.pk, room.pk]), "as_staff", "as_teacher"),
        (reverse("assets:stocktake_export", args=[st.pk, "xlsx"]), "as_staff", None),
        (reverse("assets:reconciliation_list"), "as_staff", None),
        (reverse("assets:damage_list"), "as_staff", None),
        (reverse("assets:damage_create"), "as_staff", "as_teacher"),
    ]


def test_it_serves_every_page_with_the_permission_matrix(world, request, as_outsider):
    for url, ok_client, forbidden in pages(world):
        assert_login_required(url)
        assert_status(request.getfixturevalue(ok_client), url, 200)
        if forbidden:
            assert_status(request.getfixturevalue(forbidden), url, 403)
        if any(ch.isdigit() for ch in url.split("/assets/")[1]):
            assert_status(as_outsider, url, 404)


def test_it_lets_the_bureau_read_but_not_write(world, as_bureau):
    assert_status(as_bureau, reverse("assets:asset_list"), 200)
    assert_status(as_bureau, reverse("assets:repair_list"), 200)
    r = as_bureau.post(reverse("assets:repair_create"), {"room": world["room"].pk, "description": "x"})
    assert r.status_code in (403, 405)
    assert RepairRequest.objects.count() == 1


def test_it_registers_an_asset_from_the_form(as_staff, school, room, computers):
    data = {
        "name": "笔记本电脑",
        "category": computers.pk,
        "unit_price": "5200.00",
        "units": 2,
        "purchase_date": "2026-03-01",
        "source": "purchase",
        "room": room.pk,
    }
    r = as_staff.post(reverse("assets:asset_create"), data)
    assert r.status_code == 302
    assert Asset.objects.filter(school=school, name="笔记本电脑").count() == 2


@pytest.mark.parametrize(
    "change,message",
    [
        ({"unit_price": "-5"}, ""),
        ({"unit_price": "1.234"}, ""),
        ({"purchase_date": "2099-01-01"}, "不能晚于今天"),
        ({"code": "DUP-1"}, "已存在"),
        ({"room": "999999"}, ""),
        ({"units": "0"}, ""),
    ],
)
def test_it_refuses_bad_asset_input_and_writes_nothing(
    as_staff, school, room, computers, make_asset, change, message
):
    make_asset(code="DUP-1")
    before = Asset.objects.count()
    data = {
        "name": "笔记本电脑",
        "category": computers.pk,
        "unit_price": "5200.00",
        "units": 1,
        "purchase_date": "2026-03-01",
        "source": "purchase",
        "room": room.pk,
        **change,
    }
    r = as_staff.post(reverse("assets:asset_create"), data)
    assert r.status_code == 400
    errors = form_errors(r)
    assert errors and (not message or any(message in str(e) for e in errors))
    assert Asset.objects.count() == before


def test_it_refuses_another_schools_room_in_a_form(as_staff, other_room, computers):
    r = as_staff.post(
        reverse("assets:asset_create"),
        {
            "name": "x",
            "category": computers.pk,
            "unit_price": "1",
            "units": 1,
            "purchase_date": "2026-01-01",
            "source": "purchase",
            "room": other_room.pk,
        },
    )
    assert r.status_code == 400 and form_errors(r)
    assert not Asset.objects.exists()


def test_it_pins_the_asset_list_query_count(
    as_staff, school, room, staff, django_assert_max_num_queries, computers
):
    def add(n, start):
        Asset.objects.bulk_create(
            [
                Asset(
                    school=school,
                    code=f"B{start + k:06d}",
                    name=f"椅子{k}",
                    category=computers,
                    unit_price=Decimal("1200"),
                    purchase_date=datetime.date(2024, 1, 1),
                    room=room,
                    custodian=staff,
                    status=AssetStatus.IN_USE,
                )
                for k in range(n)
            ]
        )

    add(5, 0)
    url = reverse("assets:asset_list") + f"?room={room.pk}&status=in_use&q=椅子&campus={room.campus_id}"
    with django_assert_max_num_queries(14) as few:
        assert as_staff.get(url).status_code == 200
    add(300, 1000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = as_staff.get(url)
    assert r.status_code == 200
    assert len(r.context["object_list"]) == 50


def test_it_filters_the_asset_list(as_staff, school, make_asset, room, other_room, teacher, books):
    make_asset(name="钢琴", room=room, custodian=teacher)
    make_asset(name="图书一批", price="1500", category=books)
    url = reverse("assets:asset_list")
    names = lambda r: [a.name for a in r.context["object_list"]]  # noqa: E731
    assert names(as_staff.get(url, {"q": "钢琴"})) == ["钢琴"]
    assert names(as_staff.get(url, {"category": books.parent_id})) == ["图书一批"]
    assert names(as_staff.get(url, {"custodian": teacher.pk})) == ["钢琴"]
    assert names(as_staff.get(url, {"status": "idle"})) == ["图书一批"]
    assert as_staff.get(url, {"room": "abc", "campus": "x"}).status_code == 200


def test_it_runs_the_lifecycle_from_the_pages(
    as_staff, as_principal, school, room, other_room, make_asset, teacher
):
    from tests.factories import RoomFactory

    asset = make_asset(room=room)[0]
    room2 = RoomFactory(school=school, campus=room.campus, name="音乐室")
    r = as_staff.post(
        reverse("assets:asset_transfer", args=[asset.pk]), {"room": room2.pk, "comment": "调整"}
    )
    assert r.status_code == 302
    asset.refresh_from_db()
    assert asset.room == room2
    r = as_staff.post(reverse("assets:asset_transfer", args=[asset.pk]), {"room": other_room.pk})
    assert r.status_code == 400 and form_errors(r)
    due = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
    as_staff.post(reverse("assets:asset_lend", args=[asset.pk]), {"borrower": teacher.pk, "due_on": due})
    loan = AssetLoan.objects.get(asset=asset)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.LENT
    as_staff.post(reverse("assets:loan_return", args=[loan.pk]))
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_USE
    as_staff.post(
        reverse("assets:asset_dispose", args=[asset.pk]),
        {"kind": "scrap", "reason": "主板烧坏", "proceeds": "0"},
    )
    req = DisposalRequest.objects.get(asset=asset)
    # staff cannot approve
    assert (
        as_staff.post(reverse("assets:disposal_decide", args=[req.pk]), {"decision": "approve"}).status_code
        == 403
    )
    as_principal.post(
        reverse("assets:disposal_decide", args=[req.pk]), {"decision": "approve", "comment": "同意"}
    )
    asset.refresh_from_db()
    assert asset.status == AssetStatus.DISPOSED and asset.disposed_on == datetime.date.today()
    r = as_staff.get(reverse("assets:asset_detail", args=[asset.pk]))
    assert "批准报废" in r.content.decode()


def test_it_raises_assigns_completes_and_accepts_a_repair(
    as_teacher, as_director, as_staff, client_for, school, room, staff, teacher, asset
):
    r = as_teacher.post(
        reverse("assets:repair_create"),
        {"room": room.pk, "asset_code": asset.code, "description": "屏幕不亮", "urgency": "urgent"},
    )
    assert r.status_code == 302
    repair = RepairRequest.objects.get()
    asset.refresh_from_db()
    assert asset.status == AssetStatus.REPAIRING
    url = lambda a: reverse("assets:repair_action", args=[repair.pk, a])  # noqa: E731
    assert as_teacher.post(url("assign"), {"assignee": staff.pk}).status_code == 403
    as_director.post(url("assign"), {"assignee": staff.pk})
    as_staff.post(url("complete"), {"work_done": "更换电源", "parts": "电源", "cost": "120.50"})
    repair.refresh_from_db()
    assert repair.status == "done" and repair.cost == Decimal("120.50")
    as_staff.post(url("accept"))  # not the requester: refused
    repair.refresh_from_db()
    assert repair.status == "done"
    as_teacher.post(url("send_back"), {"comment": "还是不亮"})
    repair.refresh_from_db()
    assert repair.status == "assigned"
    as_staff.post(url("complete"), {"work_done": "更换屏幕", "cost": "300"})
    as_teacher.post(url("accept"), {"comment": "好了"})
    repair.refresh_from_db()
    asset.refresh_from_db()
    assert repair.status == "accepted" and asset.status == AssetStatus.IN_USE
    assert repair.events.count() == 6


def test_it_refuses_a_bad_repair_and_writes_nothing(as_teacher, room, other_room):
    for data in (
        {"room": room.pk, "description": "", "urgency": "normal"},
        {"room": other_room.pk, "description": "坏了", "urgency": "normal"},
        {"room": room.pk, "description": "坏了", "urgency": "whenever"},
        {"room": room.pk, "description": "坏了", "urgency": "normal", "asset_code": "NOPE"},
    ):
        r = as_teacher.post(reverse("assets:repair_create"), data)
        assert r.status_code == 400 and form_errors(r)
    assert not RepairRequest.objects.exists()


def test_it_refuses_a_repair_photo_that_is_not_an_image(as_teacher, room):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    r = as_teacher.post(
        reverse("assets:repair_create"),
        {"room": room.pk, "description": "漏水", "urgency": "normal", "photo": fake},
    )
    assert r.status_code == 400 and form_errors(r)
    assert not RepairRequest.objects.exists()


def test_it_issues_from_stores_and_refuses_more_than_on_hand(as_staff, school, staff):
    item = services.stores_stock_in(
        school=school, by=staff, item_name="粉笔", unit="盒", quantity=3, unit_price=Decimal("5")
    ).item
    from tests.factories import DepartmentFactory

    dept = DepartmentFactory(school=school, name="教务处")
    r = as_staff.post(reverse("assets:stock_out", args=[item.pk]), {"quantity": "5", "department": dept.pk})
    assert r.status_code == 400 and any("库存不足" in str(e) for e in form_errors(r))
    r = as_staff.post(reverse("assets:stock_out", args=[item.pk]), {"quantity": "-1", "department": dept.pk})
    assert r.status_code == 400 and form_errors(r)
    r = as_staff.post(reverse("assets:stock_out", args=[item.pk]), {"quantity": "3", "department": dept.pk})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.on_hand == 0


def test_it_settles_damage(as_staff, world):
    case = world["damage"]
    r = as_staff.post(
        reverse("assets:damage_settle", args=[case.pk]), {"outcome": "waived", "waive_reason": ""}
    )
    case.refresh_from_db()
    assert case.status == "assessed"
    as_staff.post(reverse("assets:damage_settle", args=[case.pk]), {"outcome": "paid", "paid_amount": "50"})
    case.refresh_from_db()
    assert case.status == "paid" and case.paid_amount == Decimal("50")
    assert r.status_code == 302
    assert DamageCase.objects.count() == 1


def test_it_creates_store_items_and_refuses_duplicates(as_staff, school):
    data = {"name": "扫把", "unit": "把", "min_level": "2", "unit_price": "15", "is_durable": "on"}
    assert as_staff.post(reverse("assets:store_item_create"), data).status_code == 302
    r = as_staff.post(reverse("assets:store_item_create"), data)
    assert r.status_code == 400 and form_errors(r)
    assert StoreItem.objects.filter(school=school).count() == 1


def test_it_pins_the_stocktake_pages_query_counts(
    as_staff, school, room, staff, make_asset, django_assert_max_num_queries
):
    from assets.choices import StocktakeKind

    make_asset(room=room, units=3)
    st = services.stocktake_open(school=school, by=staff, title="盘点", kind=StocktakeKind.TERM_END)
    services.stocktake_scan(obj=st, by=staff, room=room, code="UNKNOWN-0")  # so the lists are not empty
    urls = [
        reverse("assets:stocktake_detail", args=[st.pk]),
        reverse("assets:stocktake_room", args=[st.pk, room.pk]),
    ]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(20) as q:
            assert as_staff.get(url).status_code == 200
        counts.append(len(q.captured_queries))
    more = make_asset(room=room, units=60)
    from assets.models import StocktakeLine

    StocktakeLine.objects.bulk_create(
        [StocktakeLine(school=school, stocktake=st, asset=a, code=a.code, expected_room=room) for a in more]
    )
    for code in [a.code for a in more[:30]] + ["UNKNOWN-1", "UNKNOWN-2"]:
        services.stocktake_scan(obj=st, by=staff, room=room, code=code)
    for url, n in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(n):
            assert as_staff.get(url).status_code == 200


def test_it_records_damage_linked_to_its_repair(as_staff, school, teacher, room, asset, other_school):
    repair = services.repair_raise(school=school, by=teacher, room=room, description="椅子腿断了")
    data = {
        "occurred_on": datetime.date.today().isoformat(),
        "asset_code": asset.code,
        "description": "课间摇晃椅子",
        "party_kind": "student",
        "party_name": "王小明",
        "assessed_amount": "80.00",
        "repair_number": repair.pk,
    }
    r = as_staff.post(reverse("assets:damage_create"), {**data, "repair_number": 999999})
    assert r.status_code == 400 and form_errors(r)
    r = as_staff.post(reverse("assets:damage_create"), {**data, "assessed_amount": "-3"})
    assert r.status_code == 400 and form_errors(r)
    assert not DamageCase.objects.exists()
    assert as_staff.post(reverse("assets:damage_create"), data).status_code == 302
    case = DamageCase.objects.get()
    assert case.repair == repair and case.asset == asset and case.room == room


def test_it_lists_a_leavers_assets_on_the_handover_page_and_hands_them_over(
    as_director, school, teacher, principal, room, make_asset
):
    make_asset(name="电子琴", room=room, custodian=teacher, units=2)
    r = as_director.get(reverse("assets:handover"), {"from_user": teacher.pk})
    assert r.content.decode().count("电子琴") == 2
    r = as_director.post(reverse("assets:handover"), {"from_user": teacher.pk, "to_user": teacher.pk})
    assert r.status_code == 400 and form_errors(r)
    r = as_director.post(reverse("assets:handover"), {"from_user": teacher.pk, "to_user": principal.pk})
    assert r.status_code == 302
    assert Asset.objects.filter(custodian=principal).count() == 2
