"""Purchase (supplier, actual prices) and acceptance (验收) item by item by someone other than the buyer;
accepted items go into stores or the asset register through the assets app's services."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assets.models import Asset, StockMovement, StoreItem
from finance import services
from finance.choices import Destination, FlowAction, RequestStatus
from tests.finance.conftest import page_errors

pytestmark = pytest.mark.django_db


def _prices(req, *values):
    return {ln.pk: Decimal(v) for ln, v in zip(req.lines.order_by("position"), values, strict=True)}


def test_the_purchase_records_supplier_and_actual_prices(as_staff, approved_request, staff, today):
    req = approved_request
    lines = list(req.lines.order_by("position"))
    data = {"supplier": "文具批发部", "purchased_on": today.isoformat()}
    data[f"price_{lines[0].pk}"] = "1580.00"
    data[f"price_{lines[1].pk}"] = "145.50"
    response = as_staff.post(reverse("finance:request_purchase", args=[req.pk]), data)
    assert response.status_code == 302, page_errors(response)
    req.refresh_from_db()
    assert req.status == RequestStatus.PURCHASED and req.buyer == staff and req.supplier == "文具批发部"
    assert req.actual_total == Decimal("1580.00") + Decimal("291.00")


@pytest.mark.parametrize(
    "price, future, message",
    [("-1.00", False, "大于或等于"), ("12.345", False, "小数不超过 2 位"), ("10.00", True, "不能晚于今天")],
)
def test_the_purchase_refuses_bad_prices_and_future_dates(
    as_staff, approved_request, today, price, future, message
):
    req = approved_request
    day = today + datetime.timedelta(days=1) if future else today
    data = {"supplier": "文具批发部", "purchased_on": day.isoformat()}
    for ln in req.lines.all():
        data[f"price_{ln.pk}"] = price
    response = as_staff.post(reverse("finance:request_purchase", args=[req.pk]), data)
    assert response.status_code == 400 and message in page_errors(response)
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.actual_total is None


def test_a_request_not_yet_approved_cannot_be_purchased(make_request, teacher, staff, today):
    req = make_request(teacher)
    with pytest.raises(ValidationError, match="不能执行「采购」"):
        services.purchase_request_purchase(obj=req, by=staff, supplier="x", purchased_on=today, prices={})


def test_acceptance_sends_cheap_items_to_stores_and_dear_ones_to_the_asset_register(
    approved_request, staff, director, room, today
):
    req = services.purchase_request_purchase(
        obj=approved_request,
        by=staff,
        supplier="星城教育装备公司",
        purchased_on=today,
        prices=_prices(approved_request, "1580.00", "145.00"),
    )
    board, paper = req.lines.order_by("position")
    with pytest.raises(ValidationError, match="验收人不能是采购人本人"):
        services.purchase_request_accept(obj=req, by=staff, accepted={board.pk: 1, paper.pk: 2})
    with pytest.raises(ValidationError, match="请在验收意见中说明原因"):
        services.purchase_request_accept(obj=req, by=director, accepted={board.pk: 1, paper.pk: 1})
    with pytest.raises(ValidationError, match="验收数量应在0到2之间"):
        services.purchase_request_accept(obj=req, by=director, accepted={board.pk: 1, paper.pk: 3})
    assert not StockMovement.objects.exists() and not Asset.objects.exists()

    req = services.purchase_request_accept(
        obj=req, by=director, accepted={board.pk: 1, paper.pk: 2}, note="数量规格相符", room=room
    )
    assert req.status == RequestStatus.ACCEPTED and req.accepted_by == director
    board.refresh_from_db()
    paper.refresh_from_db()
    assert board.destination == Destination.ASSET and paper.destination == Destination.STORES
    asset = Asset.objects.get()
    assert asset.name == "白板" and asset.unit_price == Decimal("1580.00") and asset.room == room
    assert req.number in asset.source_ref
    item = StoreItem.objects.get(school=req.school)
    assert item.on_hand == Decimal("2") and item.name.startswith("复印纸")
    assert req.history.filter(action=FlowAction.ACCEPT, by=director).exists()


def test_the_threshold_comes_from_the_assets_app(approved_request, staff, director, school, today):
    from assets.models import AssetSettings

    cfg = AssetSettings.for_school(school)
    cfg.fixed_asset_threshold = Decimal("100.00")
    cfg.save()
    req = services.purchase_request_purchase(
        obj=approved_request,
        by=staff,
        supplier="甲",
        purchased_on=today,
        prices=_prices(approved_request, "600.00", "150.00"),
    )
    board, paper = req.lines.order_by("position")
    services.purchase_request_accept(obj=req, by=director, accepted={board.pk: 1, paper.pk: 2})
    assert Asset.objects.count() == 3  # one asset per unit, both lines at or above 100 元
    assert not StockMovement.objects.exists()


def test_the_accept_view_is_done_item_by_item(as_director, approved_request, staff, today):
    req = services.purchase_request_purchase(
        obj=approved_request,
        by=staff,
        supplier="甲",
        purchased_on=today,
        prices=_prices(approved_request, "580.00", "150.00"),
    )
    board, paper = req.lines.order_by("position")
    url = reverse("finance:request_accept", args=[req.pk])
    page = as_director.get(url)
    assert page.status_code == 200 and "入库" in page.content.decode()
    response = as_director.post(url, {f"qty_{board.pk}": "1", f"qty_{paper.pk}": "2", "note": ""})
    assert response.status_code == 302, page_errors(response)
    assert StoreItem.objects.filter(school=req.school).count() == 2


def test_the_buyer_is_refused_in_the_accept_view(as_staff, approved_request, staff, today):
    req = services.purchase_request_purchase(
        obj=approved_request,
        by=staff,
        supplier="甲",
        purchased_on=today,
        prices=_prices(approved_request, "580.00", "150.00"),
    )
    board, paper = req.lines.order_by("position")
    response = as_staff.post(
        reverse("finance:request_accept", args=[req.pk]), {f"qty_{board.pk}": "1", f"qty_{paper.pk}": "2"}
    )
    assert response.status_code == 400 and "验收人不能是采购人本人" in page_errors(response)
    req.refresh_from_db()
    assert req.status == RequestStatus.PURCHASED


def test_the_quote_view_adds_a_quote_and_refuses_bad_input(as_teacher, make_request, teacher, today):
    from finance.models import Quote

    req = make_request(teacher)
    url = reverse("finance:quote_add", args=[req.pk])
    response = as_teacher.post(url, {"supplier": "甲公司", "amount": "-3", "quoted_on": today.isoformat()})
    assert response.status_code == 400 and "大于或等于" in page_errors(response)
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    response = as_teacher.post(url, {"supplier": "甲公司", "amount": "30", "quoted_on": tomorrow})
    assert "报价日期不能晚于今天。" in page_errors(response)
    assert not Quote.objects.exists()
    response = as_teacher.post(
        url, {"supplier": "甲公司", "amount": "300.00", "quoted_on": today.isoformat()}
    )
    assert response.status_code == 302
    assert Quote.objects.get().added_by == teacher


def test_a_purchase_record_is_corrected_with_a_reason_and_logged(as_director, approved_request, staff, today):
    from logistics.choices import ChangeAction
    from logistics.models import ChangeLog

    req = services.purchase_request_purchase(
        obj=approved_request,
        by=staff,
        supplier="星城文具批发部",
        purchased_on=today,
        prices=_prices(approved_request, "580.00", "150.00"),
    )
    url = reverse("finance:request_correct", args=[req.pk])
    data = {"supplier": "星城文具批发部（北门店）", "purchased_on": today.isoformat(), "acceptance_note": ""}
    response = as_director.post(url, {**data, "reason": " "})
    assert response.status_code == 400
    req.refresh_from_db()
    assert req.supplier == "星城文具批发部"
    response = as_director.post(url, {**data, "reason": "发票显示为北门店"})
    assert response.status_code == 302, page_errors(response)
    req.refresh_from_db()
    assert req.supplier == "星城文具批发部（北门店）"
    log = ChangeLog.objects.get(object_id=str(req.pk), action=ChangeAction.CORRECT)
    assert log.before == {"supplier": "星城文具批发部"} and log.reason == "发票显示为北门店"
    with pytest.raises(ValidationError, match="不能更正"):
        services.purchase_request_correct(obj=req, by=staff, changes={"actual_total": 1}, reason="x")
