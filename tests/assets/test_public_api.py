"""The functions finance calls: threshold, register from purchase, stock in."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assets import services
from assets.choices import AssetAction, AssetStatus, MovementKind
from assets.models import Asset, AssetEvent, AssetSettings, StockMovement, StoreItem


def test_it_defaults_the_threshold_to_1000(school):
    assert services.fixed_asset_threshold(school) == Decimal("1000.00")
    AssetSettings.objects.create(school=school, fixed_asset_threshold=Decimal("1500.00"))
    assert services.fixed_asset_threshold(school) == Decimal("1500.00")


def test_it_registers_one_asset_per_unit_from_a_purchase(school, accountant, room):
    created = services.assets_register_from_purchase(
        school=school,
        by=accountant,
        name="空调",
        unit_price=Decimal("3200.00"),
        quantity=3,
        purchase_date=datetime.date(2026, 3, 2),
        spec="格力 1.5匹",
        room=room,
        funding="公用经费",
        source_ref="CG-2026-007",
    )
    assert len(created) == 3
    codes = {a.code for a in created}
    assert len(codes) == 3
    assert all(a.status == AssetStatus.IN_USE and a.quantity == 1 for a in created)
    assert Asset.objects.filter(school=school, source_ref="CG-2026-007").count() == 3
    assert AssetEvent.objects.filter(asset__in=created, action=AssetAction.REGISTER).count() == 3
    assert created[0].category.code == "2"


def test_it_registers_without_a_place_as_idle_and_keeps_codes_unique_across_calls(school, accountant):
    a = services.assets_register_from_purchase(
        school=school,
        by=accountant,
        name="投影仪",
        unit_price=Decimal("2999"),
        quantity=2,
        purchase_date=datetime.date(2026, 1, 5),
    )
    b = services.assets_register_from_purchase(
        school=school,
        by=accountant,
        name="投影仪",
        unit_price=Decimal("2999"),
        quantity=2,
        purchase_date=datetime.date(2026, 1, 5),
    )
    assert {x.status for x in a + b} == {AssetStatus.IDLE}
    assert len({x.code for x in a + b}) == 4


@pytest.mark.parametrize(
    "price,qty,day,message",
    [
        ("-1", 1, datetime.date(2026, 1, 1), "单价"),
        ("1.234", 1, datetime.date(2026, 1, 1), "两位小数"),
        ("100000000", 1, datetime.date(2026, 1, 1), "过大"),
        ("100", 0, datetime.date(2026, 1, 1), "数量"),
        ("100", 1, datetime.date(2099, 1, 1), "不能晚于今天"),
    ],
)
def test_it_refuses_bad_purchase_registrations_and_writes_nothing(
    school, accountant, price, qty, day, message
):
    with pytest.raises(ValidationError) as exc:
        services.assets_register_from_purchase(
            school=school, by=accountant, name="x", unit_price=Decimal(price), quantity=qty, purchase_date=day
        )
    assert message in " ".join(exc.value.messages)
    assert not Asset.objects.exists()


def test_it_stocks_in_creating_the_item_by_name_then_adding(school, accountant):
    m1 = services.stores_stock_in(
        school=school,
        by=accountant,
        item_name="A4复印纸",
        unit="包",
        quantity=20,
        unit_price=Decimal("25.00"),
        source_ref="CG-1",
    )
    m2 = services.stores_stock_in(
        school=school,
        by=accountant,
        item_name="A4复印纸",
        unit="包",
        quantity=Decimal("5"),
        unit_price=Decimal("24.50"),
    )
    item = StoreItem.objects.get(school=school, name="A4复印纸")
    assert item.on_hand == Decimal("25")
    assert item.unit == "包"
    assert m1.kind == MovementKind.IN and m1.amount == Decimal("500.00")
    assert m2.balance_after == Decimal("25")
    assert StockMovement.objects.filter(item=item).count() == 2


@pytest.mark.parametrize("qty,price", [(0, "1"), (-3, "1"), (1, "-2"), ("abc", "1")])
def test_it_refuses_bad_stock_in(school, accountant, qty, price):
    with pytest.raises(ValidationError):
        services.stores_stock_in(
            school=school, by=accountant, item_name="墨盒", unit="个", quantity=qty, unit_price=price
        )
    assert not StoreItem.objects.exists()


def test_it_blocks_ending_a_membership_while_custodian_and_hands_over(
    school, director, staff, teacher, principal, make_asset, room
):
    from logistics.models import Membership
    from logistics.services import membership_end, membership_end_blockers

    assets = make_asset(custodian=teacher, room=room, units=2)
    membership = Membership.objects.get(school=school, user=teacher)
    blockers = membership_end_blockers(membership)
    assert any("2 件资产" in b for b in blockers)
    with pytest.raises(ValidationError):
        membership_end(membership=membership, by=director, ended_on=datetime.date.today(), reason="调离")
    n = services.assets_handover(school=school, by=staff, from_user=teacher, to_user=principal)
    assert n == 2
    assert set(Asset.objects.filter(pk__in=[a.pk for a in assets]).values_list("custodian", flat=True)) == {
        principal.pk
    }
    assert AssetEvent.objects.filter(action=AssetAction.HANDOVER, from_custodian=teacher).count() == 2
    assert membership_end_blockers(membership) == []
    membership_end(membership=membership, by=director, ended_on=datetime.date.today(), reason="调离")
