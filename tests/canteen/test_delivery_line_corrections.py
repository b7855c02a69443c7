"""Correcting one line of an incoming inspection (进货查验明细更正): the line, the delivery's accepted
amount and retention, the pantry batch and the change log move together, or nothing moves."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from canteen import selectors, services
from canteen.choices import InspectionResult, MovementKind
from canteen.models import Delivery, DeliveryLine, PantryBatch, PantryMovement, Supplier
from logistics.audit import history_for
from logistics.choices import ChangeAction
from logistics.models import ChangeLog
from logistics.reports import Period
from tests.canteen.test_incoming import deliver, line
from tests.helpers import assert_login_required, assert_status, form_errors

TODAY = timezone.localdate


def url_for(ln):
    return reverse("canteen:delivery_line_correct", args=[ln.delivery_id, ln.pk])


def post_data(ln, **kw):
    """The form as the page shows it (the line's current values), with `kw` changed."""
    data = {
        "quantity": str(ln.quantity),
        "unit_price": str(ln.unit_price),
        "production_date": ln.production_date.isoformat() if ln.production_date else "",
        "shelf_life_days": "" if ln.shelf_life_days is None else str(ln.shelf_life_days),
        "expiry_date": ln.expiry_date.isoformat() if ln.expiry_date else "",
        "batch_no": ln.batch_no,
        "label_check": ln.label_check,
        "result": ln.result,
        "reject_reason": ln.reject_reason,
        "reason": "送货单数量抄错",
    }
    data.update({k: str(v) for k, v in kw.items()})
    return data


def state():
    """Everything a line correction may write, to show that a refused one wrote nothing."""
    return (
        list(DeliveryLine.objects.order_by("pk").values()),
        list(Delivery.objects.order_by("pk").values()),
        list(PantryBatch.objects.order_by("pk").values()),
        PantryMovement.objects.count(),
        ChangeLog.objects.count(),
    )


@pytest.fixture
def delivery(school, canteen, supplier):
    return deliver(school, canteen, supplier, [line(), line(name="大米", unit_price=Decimal("5.00"))])


@pytest.fixture
def egg_line(delivery):
    return delivery.lines.get(item__name="鸡蛋")


# --- who may -----------------------------------------------------------------------------------
def test_it_sends_an_anonymous_visitor_to_login(egg_line):
    assert_login_required(url_for(egg_line))
    assert_login_required(url_for(egg_line), method="post", data=post_data(egg_line))


def test_it_refuses_a_role_without_canteen_manage_with_403(as_teacher, as_accountant, egg_line):
    before = state()
    assert_status(as_teacher, url_for(egg_line), 403)
    assert_status(as_accountant, url_for(egg_line), 403)
    assert_status(as_teacher, url_for(egg_line), 403, method="post", data=post_data(egg_line, quantity=1))
    assert state() == before


def test_it_answers_404_for_another_schools_line(as_outsider, as_canteen, egg_line, other_school, outsider):
    before = state()
    assert_status(as_outsider, url_for(egg_line), 404)
    assert_status(as_outsider, url_for(egg_line), 404, method="post", data=post_data(egg_line, quantity=1))
    assert state() == before
    # and our canteen staff cannot reach the other school's line either
    theirs = Supplier.objects.create(
        school=other_school,
        name="外校供应商",
        business_licence_no="9143",
        food_licence_no="JY9",
        food_licence_expires=TODAY() + datetime.timedelta(days=100),
    )
    other_line = deliver(other_school, outsider, theirs, [line()]).lines.get()
    assert_status(as_canteen, url_for(other_line), 404)


def test_it_answers_404_for_a_line_of_another_delivery(as_canteen, school, canteen, supplier, egg_line):
    second = deliver(school, canteen, supplier, [line(name="牛奶")])
    wrong = reverse("canteen:delivery_line_correct", args=[second.pk, egg_line.pk])
    assert_status(as_canteen, wrong, 404)
    assert_status(as_canteen, wrong, 404, method="post", data=post_data(egg_line, quantity=1))


# --- valid corrections ---------------------------------------------------------------------------
def test_it_shows_a_correct_link_per_line_and_the_form_filled_in(as_canteen, delivery, egg_line):
    detail = as_canteen.get(reverse("canteen:delivery_detail", args=[delivery.pk])).content.decode()
    for ln in delivery.lines.all():
        assert url_for(ln) in detail
    page = assert_status(as_canteen, url_for(egg_line), 200)
    form = page.context["form"]
    assert form["quantity"].value() == Decimal("20") and form["unit_price"].value() == Decimal("11.00")
    assert "更正原因" in page.content.decode()


def test_it_corrects_quantity_and_price_and_keeps_the_pantry_and_the_totals_consistent(
    as_canteen, canteen, delivery, egg_line
):
    batch = PantryBatch.objects.get(line=egg_line)
    services.pantry_issue(batch=batch, by=canteen, quantity=5, purpose="午餐")
    assert delivery.accepted_amount == Decimal("320.00")  # 20 x 11 + 20 x 5

    response = as_canteen.post(url_for(egg_line), post_data(egg_line, quantity="18", unit_price="10.50"))
    assert response.status_code == 302, form_errors(response)

    egg_line.refresh_from_db()
    assert (egg_line.quantity, egg_line.unit_price, egg_line.amount) == (
        Decimal("18"),
        Decimal("10.50"),
        Decimal("189.00"),
    )
    delivery.refresh_from_db()
    assert delivery.accepted_amount == Decimal("289.00")  # 189 + 100
    # the meal-fee account's purchases read the corrected total
    statement = selectors.fee_statement(delivery.school, Period.current_month(), delivery.account)
    assert statement["purchases"] == Decimal("289.00")
    # the pantry: 2 fewer came in, 5 were issued, 13 are left; the stock-in movement is kept
    batch.refresh_from_db()
    assert (batch.quantity_in, batch.quantity_left) == (Decimal("18"), Decimal("13"))
    moves = {m.kind: m.quantity for m in batch.movements.all()}
    assert moves == {MovementKind.IN: 20, MovementKind.OUT: 5, MovementKind.CORRECT: -2}
    assert "送货单数量抄错" in batch.movements.get(kind=MovementKind.CORRECT).purpose

    # the line's own change log: before/after and why, by whom
    log = history_for(egg_line).get(action=ChangeAction.CORRECT)
    assert log.user == canteen and log.reason == "送货单数量抄错"
    assert log.before == {"quantity": "20.00", "unit_price": "11.00", "amount": "220.00"}
    assert log.after == {"quantity": "18.00", "unit_price": "10.50", "amount": "189.00"}
    # ... and the delivery's history shows it with the totals that followed
    entry = history_for(delivery).get(action=ChangeAction.CORRECT)
    assert entry.reason == "送货单数量抄错"
    assert entry.before["第1行「鸡蛋」数量"] == "20.00" and entry.after["第1行「鸡蛋」数量"] == "18.00"
    assert (entry.before["accepted_amount"], entry.after["accepted_amount"]) == ("320.00", "289.00")
    ct = ContentType.objects.get_for_model(Delivery)
    page = as_canteen.get(reverse("object_history", args=[ct.pk, delivery.pk])).content.decode()
    assert "送货单数量抄错" in page and "第1行「鸡蛋」数量" in page


def test_it_allows_exactly_what_was_issued(canteen, delivery, egg_line):
    batch = PantryBatch.objects.get(line=egg_line)
    services.pantry_issue(batch=batch, by=canteen, quantity=15)
    services.delivery_line_correct(obj=egg_line, by=canteen, changes={"quantity": 15}, reason="实收 15 千克")
    batch.refresh_from_db()
    assert (batch.quantity_in, batch.quantity_left) == (15, 0)


def test_it_derives_the_expiry_again_and_never_shortens_the_retention(canteen, delivery, egg_line):
    old_retain = delivery.retain_until
    services.delivery_line_correct(
        obj=egg_line, by=canteen, changes={"shelf_life_days": 10}, reason="保质期看错"
    )
    egg_line.refresh_from_db()
    expiry = egg_line.production_date + datetime.timedelta(days=10)
    assert egg_line.expiry_date == expiry
    assert PantryBatch.objects.get(line=egg_line).expiry_date == expiry
    delivery.refresh_from_db()
    assert delivery.retain_until == old_retain  # 6 months after the old, later expiry
    services.delivery_line_correct(obj=egg_line, by=canteen, changes={"shelf_life_days": 90}, reason="再核对")
    egg_line.refresh_from_db()
    assert egg_line.expiry_date == egg_line.production_date + datetime.timedelta(days=90)
    delivery.refresh_from_db()
    assert delivery.retain_until == services.add_months(egg_line.expiry_date, 6)


def test_it_corrects_a_rejected_line_without_touching_the_pantry(school, canteen, supplier):
    delivery = deliver(
        school, canteen, supplier, [line(), line(name="油菜", result="rejected", reject_reason="发黄")]
    )
    rejected = delivery.lines.get(item__name="油菜")
    moves = PantryMovement.objects.count()
    services.delivery_line_correct(
        obj=rejected,
        by=canteen,
        changes={"quantity": Decimal("8"), "unit_price": Decimal("3")},
        reason="抄错",
    )
    rejected.refresh_from_db()
    assert rejected.amount == Decimal("24.00")
    assert not PantryBatch.objects.filter(line=rejected).exists()
    assert PantryMovement.objects.count() == moves
    delivery.refresh_from_db()
    assert delivery.accepted_amount == Decimal("220.00")  # a rejected line is not bought


def test_it_stocks_a_rejected_line_turned_accepted_and_takes_it_back_out(school, canteen, supplier):
    delivery = deliver(
        school, canteen, supplier, [line(name="油菜", result="rejected", reject_reason="发黄")]
    )
    ln = delivery.lines.get()
    services.delivery_line_correct(
        obj=ln, by=canteen, changes={"result": InspectionResult.ACCEPTED}, reason="误点拒收"
    )
    ln.refresh_from_db()
    assert ln.reject_reason == ""
    batch = PantryBatch.objects.get(line=ln)
    assert (batch.quantity_in, batch.quantity_left) == (20, 20)
    delivery.refresh_from_db()
    assert delivery.accepted_amount == Decimal("220.00")
    services.delivery_line_correct(
        obj=ln,
        by=canteen,
        changes={"result": InspectionResult.REJECTED, "reject_reason": "确属发黄"},
        reason="复核后拒收",
    )
    batch.refresh_from_db()
    assert (batch.quantity_in, batch.quantity_left) == (0, 0)
    delivery.refresh_from_db()
    assert delivery.accepted_amount == 0
    assert [m.quantity for m in batch.movements.order_by("id")] == [20, -20]


# --- refused corrections -------------------------------------------------------------------------
def test_it_refuses_a_correction_without_a_reason_and_writes_nothing(as_canteen, canteen, egg_line):
    before = state()
    response = as_canteen.post(url_for(egg_line), post_data(egg_line, quantity="18", reason=""))
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["更正记录必须填写原因。"]
    response = as_canteen.post(url_for(egg_line), post_data(egg_line, quantity="18", reason="   "))
    assert response.status_code == 400 and "更正记录必须填写原因。" in form_errors(response)
    with pytest.raises(ValidationError):
        services.delivery_line_correct(obj=egg_line, by=canteen, changes={"quantity": 18}, reason="")
    assert state() == before


def test_it_refuses_a_quantity_below_what_was_issued_and_writes_nothing(as_canteen, canteen, egg_line):
    batch = PantryBatch.objects.get(line=egg_line)
    services.pantry_issue(batch=batch, by=canteen, quantity=15, purpose="午餐")
    before = state()
    response = as_canteen.post(url_for(egg_line), post_data(egg_line, quantity="10"))
    assert response.status_code == 400
    errors = response.context["form"].errors["quantity"]
    assert errors == ["「鸡蛋」本批已出库 15千克，现结存 5千克：数量不能更正为少于 15千克。"]
    # turning the line to 拒收 after some was used is refused too
    response = as_canteen.post(
        url_for(egg_line), post_data(egg_line, result="rejected", reject_reason="坏蛋")
    )
    assert response.status_code == 400
    assert "不能改为拒收" in response.context["form"].errors["result"][0]
    assert state() == before


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"quantity": "0"}, "数量必须大于 0。"),
        ({"quantity": "-3"}, "数量必须大于 0。"),
        ({"unit_price": "10.555"}, "单价最多保留两位小数（元、角、分）。"),
        ({"quantity": "1.001"}, "数量最多保留两位小数。"),
        ({"unit_price": "abc"}, "单价必须是数字。"),
        ({"result": "rejected", "reject_reason": ""}, "拒收必须填写原因。"),
        (
            {"expiry_date": (TODAY() - datetime.timedelta(days=1)).isoformat(), "shelf_life_days": ""},
            "已过保质期",
        ),
        ({"production_date": (TODAY() + datetime.timedelta(days=1)).isoformat()}, "生产日期不能晚于到货日期"),
        ({"expiry_date": "9999-12-31", "shelf_life_days": ""}, "到期日不合理"),
    ],
)
def test_it_refuses_bad_values_in_chinese_and_writes_nothing(as_canteen, egg_line, changes, message):
    before = state()
    response = as_canteen.post(url_for(egg_line), post_data(egg_line, **changes))
    assert response.status_code == 400
    assert any(message in e for e in form_errors(response)), form_errors(response)
    assert state() == before


def test_it_refuses_an_unchanged_line_and_unknown_fields(canteen, egg_line):
    with pytest.raises(ValidationError, match="没有需要更正的内容"):
        services.delivery_line_correct(obj=egg_line, by=canteen, changes={"quantity": 20}, reason="x")
    with pytest.raises(ValidationError, match="不能更正"):
        services.delivery_line_correct(obj=egg_line, by=canteen, changes={"item": 1}, reason="x")
