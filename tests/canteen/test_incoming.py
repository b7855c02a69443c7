"""Suppliers and licences, incoming inspection (进货查验), the pantry and the month-end count."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from canteen import services
from canteen.choices import InspectionResult, LabelCheck, MovementKind
from canteen.models import Delivery, DeliveryLine, PantryBatch, PantryCount, PantryMovement, Supplier
from logistics.models import Notification
from tests.canteen.conftest import make_photo
from tests.helpers import assert_login_required, assert_status, form_errors

TODAY = timezone.localdate


def line(**kw):
    data = {
        "name": "鸡蛋",
        "unit": "千克",
        "quantity": Decimal("20"),
        "unit_price": Decimal("11.00"),
        "production_date": TODAY() - datetime.timedelta(days=1),
        "shelf_life_days": 30,
        "expiry_date": None,
        "batch_no": "B1",
        "label_check": LabelCheck.COMPLETE,
        "result": InspectionResult.ACCEPTED,
        "reject_reason": "",
    }
    data.update(kw)
    return data


def deliver(school, user, supplier, lines, **kw):
    return services.delivery_record(
        school=school,
        by=user,
        supplier=supplier,
        delivered_on=kw.pop("delivered_on", TODAY()),
        lines=lines,
        **kw,
    )


def form_post(supplier, lines):
    data = {
        "supplier": supplier.pk,
        "delivered_on": TODAY().isoformat(),
        "account": "children",
        "invoice_no": "NO1",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "40",
    }
    for i, ln in enumerate(lines):
        for k, v in ln.items():
            data[f"lines-{i}-{k}"] = "" if v is None else str(v)
    return data


# --- suppliers --------------------------------------------------------------------------------
def test_it_requires_login_and_the_canteen_role_for_suppliers(as_teacher, as_canteen, supplier):
    assert_login_required(reverse("canteen:supplier_list"))
    assert_status(as_teacher, reverse("canteen:supplier_list"), 403)
    assert_status(as_teacher, reverse("canteen:supplier_create"), 403)
    response = assert_status(as_canteen, reverse("canteen:supplier_list"), 200)
    assert "绿源蔬菜配送中心" in response.content.decode()


def test_it_adds_a_supplier_and_requires_a_contract_for_a_designated_one(as_canteen, school):
    data = {
        "name": "星城粮油",
        "business_licence_no": "9143",
        "food_licence_no": "JY1",
        "food_licence_expires": (TODAY() + datetime.timedelta(days=100)).isoformat(),
        "is_designated": "on",
        "is_active": "on",
    }
    response = as_canteen.post(reverse("canteen:supplier_create"), data)
    assert response.status_code == 200 and any("合同" in e for e in form_errors(response))
    assert not Supplier.objects.exists()
    data["contract_no"] = "HT-1"
    assert as_canteen.post(reverse("canteen:supplier_create"), data).status_code == 302
    assert Supplier.objects.get().school == school


def test_it_hides_another_schools_supplier(as_outsider, supplier):
    assert_status(as_outsider, reverse("canteen:supplier_update", args=[supplier.pk]), 404)


def test_it_marks_licences_expiring_within_30_days(as_canteen, supplier):
    Supplier.objects.filter(pk=supplier.pk).update(food_licence_expires=TODAY() + datetime.timedelta(days=10))
    html = as_canteen.get(reverse("canteen:supplier_list")).content.decode()
    assert "30天内到期" in html


def test_it_alerts_30_days_before_a_licence_expires_once(school, supplier, canteen, director):
    from canteen.tasks import supplier_licence_alerts

    Supplier.objects.filter(pk=supplier.pk).update(food_licence_expires=TODAY() + datetime.timedelta(days=30))
    assert supplier_licence_alerts() == 2
    assert supplier_licence_alerts() == 0
    assert {n.user for n in Notification.objects.all()} == {canteen, director}
    Supplier.objects.filter(pk=supplier.pk).update(food_licence_expires=TODAY() + datetime.timedelta(days=31))
    Notification.objects.all().delete()
    assert supplier_licence_alerts() == 0


# --- incoming inspection ----------------------------------------------------------------------
def test_it_records_a_delivery_and_puts_accepted_goods_into_the_pantry(as_canteen, canteen, supplier, school):
    lines = [
        line(),
        line(
            name="油菜",
            shelf_life_days=None,
            production_date=None,
            label_check=LabelCheck.BULK,
            result="rejected",
            reject_reason="叶片发黄",
        ),
    ]
    data = form_post(supplier, lines)
    data["ticket"] = make_photo("ticket.jpg")
    response = as_canteen.post(reverse("canteen:delivery_create"), data)
    assert response.status_code == 302, form_errors(response)
    delivery = Delivery.objects.get()
    assert delivery.inspector == canteen and delivery.ticket is not None
    assert delivery.accepted_amount == Decimal("220.00")
    assert DeliveryLine.objects.filter(result="rejected").get().reject_reason == "叶片发黄"
    batch = PantryBatch.objects.get()
    assert batch.item.name == "鸡蛋" and batch.quantity_left == 20
    assert batch.expiry_date == TODAY() - datetime.timedelta(days=1) + datetime.timedelta(days=30)
    assert PantryMovement.objects.get().kind == MovementKind.IN
    # a line without shelf life keeps the record two years
    assert delivery.retain_until == services.add_months(TODAY(), 24)
    detail = as_canteen.get(reverse("canteen:delivery_detail", args=[delivery.pk])).content.decode()
    assert "叶片发黄" in detail


def test_it_refuses_a_delivery_from_a_supplier_with_an_expired_licence(as_canteen, expired_supplier):
    response = as_canteen.post(reverse("canteen:delivery_create"), form_post(expired_supplier, [line()]))
    assert response.status_code == 400
    assert any("证照已于" in e and "过期" in e for e in response.context["form"].non_field_errors())
    assert not Delivery.objects.exists() and not PantryBatch.objects.exists()


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"result": "rejected", "reject_reason": ""}, "拒收必须填写原因"),
        ({"expiry_date": TODAY() - datetime.timedelta(days=1), "shelf_life_days": None}, "已过保质期"),
        ({"quantity": Decimal("0")}, "数量必须大于 0"),
        ({"production_date": TODAY() + datetime.timedelta(days=2)}, "生产日期不能晚于到货日期"),
        ({"shelf_life_days": 10, "production_date": None}, "必须填写生产日期"),
    ],
)
def test_it_refuses_bad_lines_and_writes_nothing(school, canteen, supplier, bad, message):
    with pytest.raises(ValidationError) as exc:
        deliver(school, canteen, supplier, [line(), line(**bad)])
    assert message in str(exc.value)
    assert (
        not Delivery.objects.exists()
        and not DeliveryLine.objects.exists()
        and not PantryBatch.objects.exists()
    )


def test_it_refuses_a_future_delivery_date(school, canteen, supplier):
    with pytest.raises(ValidationError):
        deliver(school, canteen, supplier, [line()], delivered_on=TODAY() + datetime.timedelta(days=1))


def test_it_blocks_deletion_until_the_retention_ends(school, canteen, supplier):
    delivery = deliver(school, canteen, supplier, [line(shelf_life_days=10)])
    expiry = TODAY() - datetime.timedelta(days=1) + datetime.timedelta(days=10)
    assert delivery.retain_until == services.add_months(expiry, 6)
    with pytest.raises(ValidationError) as exc:
        services.delivery_delete(obj=delivery, by=canteen)
    assert "保存期内不能删除" in str(exc.value)
    services.delivery_delete(obj=delivery, by=canteen, today=delivery.retain_until)
    assert not Delivery.objects.exists()


def test_it_blocks_deletion_in_the_admin_during_retention(school, canteen, supplier, rf):
    from django.contrib.admin.sites import site

    delivery = deliver(school, canteen, supplier, [line()])
    admin = site._registry[Delivery]
    assert admin.has_delete_permission(rf.get("/"), delivery) is False


def test_it_pins_the_delivery_list_query_count(
    as_canteen, school, canteen, supplier, django_assert_max_num_queries
):
    for _ in range(55):
        deliver(school, canteen, supplier, [line(), line(name="大米")])
    with django_assert_max_num_queries(12):
        response = as_canteen.get(reverse("canteen:delivery_list"))
    assert len(response.context["object_list"]) == 50


def test_it_shows_another_schools_delivery_as_404(as_outsider, school, canteen, supplier):
    delivery = deliver(school, canteen, supplier, [line()])
    assert_status(as_outsider, reverse("canteen:delivery_detail", args=[delivery.pk]), 404)


# --- pantry ---------------------------------------------------------------------------------------
def test_it_issues_stock_and_refuses_more_than_is_left(as_canteen, school, canteen, supplier):
    deliver(school, canteen, supplier, [line()])
    batch = PantryBatch.objects.get()
    url = reverse("canteen:pantry_issue", args=[batch.pk])
    assert as_canteen.post(url, {"quantity": "5", "purpose": "午餐"}).status_code == 302
    batch.refresh_from_db()
    assert batch.quantity_left == 15
    response = as_canteen.post(url, {"quantity": "16", "purpose": "午餐"})
    assert response.status_code == 400 and any("库存不足" in e for e in form_errors(response))
    batch.refresh_from_db()
    assert batch.quantity_left == 15
    assert PantryMovement.objects.filter(kind=MovementKind.OUT).count() == 1


def test_it_refuses_to_issue_expired_stock(school, canteen, supplier):
    deliver(
        school,
        canteen,
        supplier,
        [line(shelf_life_days=3, production_date=TODAY() - datetime.timedelta(days=2))],
    )
    batch = PantryBatch.objects.get()
    with pytest.raises(ValidationError) as exc:
        services.pantry_issue(batch=batch, by=canteen, quantity=1, day=TODAY() + datetime.timedelta(days=2))
    assert "过期" in str(exc.value)
    batch.refresh_from_db()
    assert batch.quantity_left == 20


def test_it_lists_items_expiring_within_3_days(as_canteen, school, canteen, supplier):
    deliver(school, canteen, supplier, [line(name="牛奶", shelf_life_days=3, production_date=TODAY())])
    deliver(school, canteen, supplier, [line(name="大米", shelf_life_days=300)])
    response = as_canteen.get(reverse("canteen:pantry") + "?expiring=1")
    assert [b.item.name for b in response.context["object_list"]] == ["牛奶"]


def test_it_records_the_month_end_count_once(as_canteen, school, canteen, supplier):
    deliver(school, canteen, supplier, [line()])
    batch = PantryBatch.objects.get()
    response = as_canteen.post(reverse("canteen:pantry_count"), {f"b{batch.pk}": "18.5"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.quantity_left == Decimal("18.5")
    count = PantryCount.objects.get()
    assert count.lines.get().difference == Decimal("-1.5")
    assert PantryMovement.objects.filter(kind=MovementKind.ADJUST).get().quantity == Decimal("-1.5")
    with pytest.raises(ValidationError):
        services.pantry_count(school=school, by=canteen, month=TODAY(), counts={batch.pk: 1})


def test_it_refuses_a_negative_count(school, canteen, supplier):
    deliver(school, canteen, supplier, [line()])
    batch = PantryBatch.objects.get()
    with pytest.raises(ValidationError):
        services.pantry_count(school=school, by=canteen, month=TODAY(), counts={batch.pk: "-1"})
    assert not PantryCount.objects.exists()


def test_it_keeps_the_pantry_to_the_school(as_outsider, as_teacher, school, canteen, supplier):
    deliver(school, canteen, supplier, [line()])
    batch = PantryBatch.objects.get()
    assert_status(as_outsider, reverse("canteen:pantry_issue", args=[batch.pk]), 404)
    assert_status(as_teacher, reverse("canteen:pantry"), 403)
    assert as_outsider.get(reverse("canteen:pantry")).context["paginator"].count == 0


def test_it_pins_the_pantry_query_count(as_canteen, school, canteen, supplier, django_assert_max_num_queries):
    for i in range(30):
        deliver(school, canteen, supplier, [line(name=f"货{i}"), line(name=f"货{i}b")])
    with django_assert_max_num_queries(10):
        response = as_canteen.get(reverse("canteen:pantry"))
    assert len(response.context["object_list"]) == 50


def test_it_corrects_a_delivery_header_only_with_a_reason(
    as_canteen, as_teacher, as_outsider, school, canteen, supplier
):
    from logistics.audit import history_for
    from logistics.choices import ChangeAction

    delivery = deliver(school, canteen, supplier, [line()], invoice_no="NO1")
    url = reverse("canteen:delivery_correct", args=[delivery.pk])
    assert_status(as_teacher, url, 403)
    assert_status(as_outsider, url, 404)
    data = {"invoice_no": "NO2", "account": "children", "notes": "", "reason": ""}
    assert as_canteen.post(url, data).status_code == 400
    delivery.refresh_from_db()
    assert delivery.invoice_no == "NO1"
    assert as_canteen.post(url, {**data, "reason": "票据号抄错"}).status_code == 302
    delivery.refresh_from_db()
    assert delivery.invoice_no == "NO2"
    log = history_for(delivery).get(action=ChangeAction.CORRECT)
    assert log.before == {"invoice_no": "NO1"} and log.reason == "票据号抄错"
    with pytest.raises(ValidationError):
        services.delivery_correct(obj=delivery, by=canteen, changes={"accepted_amount": 1}, reason="x")


def test_it_edits_settings_and_fridges_by_role(as_director, as_canteen, school, campus):
    from canteen.models import CanteenSettings, Fridge

    assert_status(as_canteen, reverse("canteen:settings"), 403)
    data = {
        "sample_min_grams": "200",
        "sample_retention_hours": "72",
        "sample_photo_required": "on",
        "fridge_min_temp": "0",
        "fridge_max_temp": "8",
        "breakfast_end": "08:30",
        "lunch_end": "12:30",
        "snack_end": "15:30",
        "dinner_end": "18:30",
        "menu_publish_weekday": "3",
        "daily_rate": "12.00",
        "energy_target": "1200",
        "protein_target": "40",
        "fat_target": "40",
        "carb_target": "160",
    }
    bad = as_director.post(reverse("canteen:settings"), {**data, "sample_retention_hours": "24"})
    assert bad.status_code == 400
    assert CanteenSettings.for_school(school).sample_retention_hours == 48
    assert as_director.post(reverse("canteen:settings"), data).status_code == 302
    cfg = CanteenSettings.objects.get(school=school)
    assert cfg.sample_min_grams == 200 and cfg.sample_retention_hours == 72
    response = as_canteen.post(
        reverse("canteen:fridge_create"), {"name": "3号留样柜", "campus": campus.pk, "is_active": "on"}
    )
    assert response.status_code == 302 and Fridge.objects.get().school == school
