"""No 三无产品 at incoming inspection (进货查验 / 索证索票): every delivery line records how its label was
checked (标签齐全 / 散装农产品，已索证 / 标签不全); 标签不全 is only ever refused, by the form and by the
service; the check shows on the delivery, in the purchase ledger, and follows a line's correction."""

import datetime
import importlib
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from canteen import services
from canteen.choices import InspectionResult, LabelCheck
from canteen.models import Delivery, DeliveryLine, PantryBatch, PantryMovement
from logistics.audit import history_for
from logistics.choices import ChangeAction
from logistics.models import Attachment, ChangeLog
from tests.canteen.test_delivery_line_corrections import post_data, url_for
from tests.canteen.test_incoming import deliver, form_post, line
from tests.helpers import form_errors

TODAY = timezone.localdate


def loose(**kw):
    """Loose vegetables: no label, no dates; the origin certificate was asked for."""
    return line(
        name="油菜",
        unit_price=Decimal("4.50"),
        production_date=None,
        shelf_life_days=None,
        batch_no="",
        label_check=LabelCheck.BULK,
        **kw,
    )


def unlabelled(**kw):
    data = line(
        name="散装粉丝", production_date=None, shelf_life_days=None, label_check=LabelCheck.INCOMPLETE
    )
    data.update(kw)
    return data


def written():
    """What recording or correcting an inspection may write, to show that a refusal wrote nothing."""
    return (
        list(Delivery.objects.order_by("pk").values()),
        list(DeliveryLine.objects.order_by("pk").values()),
        list(PantryBatch.objects.order_by("pk").values()),
        PantryMovement.objects.count(),
        ChangeLog.objects.count(),
        Attachment.objects.count(),
    )


def line_errors(response):
    """The delivery form's line errors: {row index: {field: [messages]}}."""
    formset = response.context["formset"]
    return {i: dict(errors) for i, errors in enumerate(formset.errors) if errors}


# --- recording a delivery ----------------------------------------------------------------------------
def test_it_records_a_delivery_with_labels_complete_and_loose_produce(as_canteen, supplier):
    response = as_canteen.post(reverse("canteen:delivery_create"), form_post(supplier, [line(), loose()]))
    assert response.status_code == 302, form_errors(response)
    delivery = Delivery.objects.get()
    by_name = {ln.item.name: ln for ln in delivery.lines.select_related("item")}
    assert by_name["鸡蛋"].label_check == LabelCheck.COMPLETE
    assert by_name["油菜"].label_check == LabelCheck.BULK
    # both accepted, both in the pantry; the loose vegetables needed no production date
    assert {b.item.name for b in PantryBatch.objects.select_related("item")} == {"鸡蛋", "油菜"}
    assert delivery.accepted_amount == Decimal("220.00") + Decimal("90.00")
    detail = as_canteen.get(reverse("canteen:delivery_detail", args=[delivery.pk])).content.decode()
    assert "标签核验" in detail and "标签齐全" in detail and "散装农产品，已索证" in detail


def test_it_offers_the_label_check_with_nothing_chosen(as_canteen, supplier):
    page = as_canteen.get(reverse("canteen:delivery_create"))
    row = page.context["formset"].forms[0]
    assert row["label_check"].value() is None
    assert [v for v, _label in row.fields["label_check"].choices] == ["complete", "bulk", "incomplete"]
    html = page.content.decode()
    assert (
        'name="lines-0-label_check"' in html and "checked" not in html.split("lines-0-label_check")[1][:200]
    )
    assert "厂名厂址、生产日期、保质期/合格证" in html and "产地证明或检疫合格证明" in html


@pytest.mark.parametrize("value", [None, "", "not_recorded", "标签齐全", "complete\x00", "COMPLETE"])
def test_it_refuses_a_line_whose_label_was_not_checked(as_canteen, supplier, value):
    row = line()
    if value is None:
        del row["label_check"]
    else:
        row["label_check"] = value
    before = written()
    response = as_canteen.post(reverse("canteen:delivery_create"), form_post(supplier, [row]))
    assert response.status_code == 400
    if "\x00" not in (value or ""):  # NUL is refused before the form (logistics' request guard)
        assert line_errors(response)[0]["label_check"] == [
            "未核验标签：请选择标签齐全、散装农产品（已索证）或标签不全。"
        ]
    assert written() == before


def test_it_leaves_blank_rows_out_as_a_browser_posts_them(as_canteen, supplier):
    """A blank row still posts its unit (千克) and the result select's 验收合格, never a label check."""
    data = form_post(
        supplier, [line(), {"unit": "千克", "result": "accepted"}, {"unit": "千克", "result": "accepted"}]
    )
    response = as_canteen.post(reverse("canteen:delivery_create"), data)
    assert response.status_code == 302, form_errors(response)
    assert DeliveryLine.objects.count() == 1


def test_it_refuses_an_unlabelled_line_marked_accepted_with_a_form_error(as_canteen, supplier):
    before = written()
    response = as_canteen.post(
        reverse("canteen:delivery_create"), form_post(supplier, [line(), unlabelled()])
    )
    assert response.status_code == 400
    errors = line_errors(response)
    assert list(errors) == [1]
    assert errors[1]["result"] == ["「散装粉丝」标签不全，属三无产品：不能验收入库，只能拒收并写明原因。"]
    assert "三无产品" in response.content.decode()
    assert written() == before


def test_it_asks_for_the_reason_when_an_unlabelled_line_is_refused_without_one(as_canteen, supplier):
    before = written()
    row = unlabelled(result=InspectionResult.REJECTED, reject_reason=" ")
    response = as_canteen.post(reverse("canteen:delivery_create"), form_post(supplier, [row]))
    assert response.status_code == 400
    assert line_errors(response)[0] == {"reject_reason": ["拒收必须填写原因。"]}
    assert written() == before


def test_it_saves_an_unlabelled_line_as_refused_with_its_reason_and_no_stock(as_canteen, supplier):
    row = unlabelled(result=InspectionResult.REJECTED, reject_reason="无厂名厂址、无生产日期")
    response = as_canteen.post(reverse("canteen:delivery_create"), form_post(supplier, [line(), row]))
    assert response.status_code == 302, form_errors(response)
    delivery = Delivery.objects.get()
    refused = delivery.lines.get(item__name="散装粉丝")
    assert (refused.label_check, refused.result) == (LabelCheck.INCOMPLETE, InspectionResult.REJECTED)
    assert refused.reject_reason == "无厂名厂址、无生产日期"
    assert not PantryBatch.objects.filter(line=refused).exists()
    assert [b.item.name for b in PantryBatch.objects.select_related("item")] == ["鸡蛋"]
    assert delivery.accepted_amount == Decimal("220.00")
    detail = as_canteen.get(reverse("canteen:delivery_detail", args=[delivery.pk])).content.decode()
    assert "标签不全（三无产品）" in detail and "无厂名厂址、无生产日期" in detail


def test_it_asks_for_the_production_date_when_the_label_is_complete(as_canteen, school, canteen, supplier):
    before = written()
    row = line(production_date=None, shelf_life_days=None, expiry_date=TODAY() + datetime.timedelta(days=30))
    response = as_canteen.post(reverse("canteen:delivery_create"), form_post(supplier, [row]))
    assert response.status_code == 400
    assert line_errors(response)[0] == {"production_date": ["标签齐全的货品请照标签填写生产日期。"]}
    with pytest.raises(ValidationError, match="标签齐全的货品请照标签填写生产日期"):
        deliver(school, canteen, supplier, [row])
    assert written() == before


# --- the service on its own ----------------------------------------------------------------------------
def test_it_refuses_an_unlabelled_accepted_line_in_the_service_without_the_form(school, canteen, supplier):
    before = written()
    with pytest.raises(ValidationError) as exc:
        deliver(school, canteen, supplier, [line(), unlabelled()])
    assert exc.value.message_dict == {
        "result": ["第 2 行：「散装粉丝」标签不全，属三无产品：不能验收入库，只能拒收并写明原因。"]
    }
    assert written() == before


@pytest.mark.parametrize("value", [None, "", LabelCheck.NOT_RECORDED, "yes"])
def test_it_refuses_a_line_without_a_label_check_in_the_service(school, canteen, supplier, value):
    row = line()
    if value is None:
        del row["label_check"]
    else:
        row["label_check"] = value
    before = written()
    with pytest.raises(ValidationError, match="第 1 行：未核验标签"):
        deliver(school, canteen, supplier, [row])
    assert written() == before


def test_it_keeps_the_database_from_holding_an_accepted_unlabelled_line(school, canteen, supplier):
    from django.db import IntegrityError, transaction

    ln = deliver(school, canteen, supplier, [line()]).lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        DeliveryLine.objects.filter(pk=ln.pk).update(label_check=LabelCheck.INCOMPLETE)


# --- corrections ---------------------------------------------------------------------------------------
@pytest.fixture
def egg(school, canteen, supplier):
    return deliver(school, canteen, supplier, [line()]).lines.get()


def test_it_refuses_correcting_an_accepted_line_to_unlabelled_while_it_stays_accepted(
    as_canteen, canteen, egg
):
    before = written()
    response = as_canteen.post(url_for(egg), post_data(egg, label_check="incomplete"))
    assert response.status_code == 400
    assert response.context["form"].errors["result"] == [
        "「鸡蛋」标签不全，属三无产品：不能验收入库，只能拒收并写明原因。"
    ]
    with pytest.raises(ValidationError, match="属三无产品"):
        services.delivery_line_correct(
            obj=egg, by=canteen, changes={"label_check": LabelCheck.INCOMPLETE}, reason="复核发现无厂名"
        )
    # refused also without a reason for the refusal
    response = as_canteen.post(
        url_for(egg), post_data(egg, label_check="incomplete", result="rejected", reject_reason="")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reject_reason"] == ["拒收必须填写原因。"]
    assert written() == before


def test_it_corrects_a_line_to_unlabelled_and_refused_taking_its_stock_back_out(as_canteen, egg):
    response = as_canteen.post(
        url_for(egg),
        post_data(
            egg,
            label_check="incomplete",
            result="rejected",
            reject_reason="复核：无厂名厂址",
            reason="复核标签",
        ),
    )
    assert response.status_code == 302, form_errors(response)
    egg.refresh_from_db()
    assert (egg.label_check, egg.result, egg.reject_reason) == ("incomplete", "rejected", "复核：无厂名厂址")
    batch = PantryBatch.objects.get(line=egg)
    assert batch.quantity_in == 0 and batch.quantity_left == 0
    assert egg.delivery.__class__.objects.get(pk=egg.delivery_id).accepted_amount == 0
    # the delivery's history names the change in the users' words
    entry = history_for(egg.delivery).get(action=ChangeAction.CORRECT)
    assert entry.before["第1行「鸡蛋」标签核验"] == "标签齐全"
    assert entry.after["第1行「鸡蛋」标签核验"] == "标签不全"
    assert entry.after["第1行「鸡蛋」查验结果"] == "拒收"
    detail = as_canteen.get(reverse("canteen:delivery_detail", args=[egg.delivery_id])).content.decode()
    assert "标签不全（三无产品）" in detail


def test_it_corrects_a_mistaken_unlabelled_refusal_into_the_pantry(school, canteen, supplier):
    row = unlabelled(
        name="挂面", production_date=TODAY(), result=InspectionResult.REJECTED, reject_reason="看错"
    )
    ln = deliver(school, canteen, supplier, [row]).lines.get()
    assert not PantryBatch.objects.exists()
    services.delivery_line_correct(
        obj=ln,
        by=canteen,
        changes={"label_check": LabelCheck.COMPLETE, "result": InspectionResult.ACCEPTED},
        reason="标签在外箱侧面，复核齐全",
    )
    ln.refresh_from_db()
    assert (ln.label_check, ln.result, ln.reject_reason) == ("complete", "accepted", "")
    assert PantryBatch.objects.get(line=ln).quantity_left == 20


def test_it_keeps_an_older_line_unrecorded_but_never_makes_a_checked_one_so(as_canteen, canteen, egg):
    # a line from before the check (as the migration leaves it)
    DeliveryLine.objects.filter(pk=egg.pk).update(label_check=LabelCheck.NOT_RECORDED)
    egg.refresh_from_db()
    page = as_canteen.get(url_for(egg))
    assert "not_recorded" in [v for v, _label in page.context["form"].fields["label_check"].choices]
    assert page.context["form"]["label_check"].value() == "not_recorded"
    response = as_canteen.post(url_for(egg), post_data(egg, quantity="18", reason="数量抄错"))
    assert response.status_code == 302, form_errors(response)
    egg.refresh_from_db()
    assert (egg.quantity, egg.label_check) == (Decimal("18.00"), LabelCheck.NOT_RECORDED)

    # once recorded, it is not taken back to 未记录 (nor offered)
    services.delivery_line_correct(
        obj=egg, by=canteen, changes={"label_check": LabelCheck.COMPLETE}, reason="补录：标签齐全"
    )
    egg.refresh_from_db()
    page = as_canteen.get(url_for(egg))
    assert "not_recorded" not in [v for v, _label in page.context["form"].fields["label_check"].choices]
    before = written()
    with pytest.raises(ValidationError, match="未核验标签"):
        services.delivery_line_correct(
            obj=egg, by=canteen, changes={"label_check": LabelCheck.NOT_RECORDED}, reason="撤回"
        )
    response = as_canteen.post(url_for(egg), post_data(egg, label_check="not_recorded"))
    assert response.status_code == 400 and "label_check" in response.context["form"].errors
    assert written() == before


def test_it_asks_for_the_label_check_when_an_older_refused_line_is_accepted_after_all(
    school, canteen, supplier
):
    ln = deliver(school, canteen, supplier, [loose(result="rejected", reject_reason="发黄")]).lines.get()
    DeliveryLine.objects.filter(pk=ln.pk).update(label_check=LabelCheck.NOT_RECORDED)
    ln.refresh_from_db()
    before = written()
    with pytest.raises(ValidationError, match="未核验标签"):
        services.delivery_line_correct(
            obj=ln, by=canteen, changes={"result": InspectionResult.ACCEPTED}, reason="误点拒收"
        )
    assert written() == before
    services.delivery_line_correct(
        obj=ln,
        by=canteen,
        changes={"result": InspectionResult.ACCEPTED, "label_check": LabelCheck.BULK},
        reason="误点拒收，已索取产地证明",
    )
    assert PantryBatch.objects.get(line=ln).quantity_left == 20


# --- existing rows and the ledger ------------------------------------------------------------------------
def test_it_migrates_existing_lines_to_unrecorded():
    migration = importlib.import_module("canteen.migrations.0004_line_label_check").Migration
    add = next(op for op in migration.operations if getattr(op, "name", "") == "label_check")
    assert add.field.default == LabelCheck.NOT_RECORDED
    assert DeliveryLine._meta.get_field("label_check").default == LabelCheck.NOT_RECORDED


def test_it_shows_the_label_check_in_the_purchase_ledger(as_director, school, canteen, supplier):
    deliver(
        school,
        canteen,
        supplier,
        [line(), loose(), unlabelled(result=InspectionResult.REJECTED, reject_reason="无生产日期")],
    )
    old = deliver(school, canteen, supplier, [line(name="大米")]).lines.get()
    DeliveryLine.objects.filter(pk=old.pk).update(label_check=LabelCheck.NOT_RECORDED)

    month = f"{TODAY():%Y-%m}"
    response = as_director.get(
        reverse("reports:download", args=["canteen.deliveries", "xlsx"]) + f"?month={month}"
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(row) for row in wb.worksheets[0].iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(rows) if "标签核验" in row)
    header = rows[header_at]
    col, item, result = header.index("标签核验"), header.index("品名"), header.index("查验结果")
    assert header.index("批号") < col < result  # next to the inspection result
    found = {
        row[item]: (row[col], row[result]) for row in rows[header_at + 1 :] if len(row) > result and row[item]
    }
    assert found["鸡蛋"] == ("标签齐全", "验收合格")
    assert found["油菜"] == ("散装农产品，已索证", "验收合格")
    assert found["散装粉丝"] == ("标签不全", "拒收：无生产日期")
    assert found["大米"] == ("未记录", "验收合格")
