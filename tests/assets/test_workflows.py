"""The assets workflows on the engine: one step writes the status, the app's history row and the change
log together; a refusal writes nothing and keeps its text; a service's refusal lands on its field."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assets import services
from assets.choices import AssetAction, AssetStatus, DisposalKind, StocktakeKind
from assets.models import AssetEvent, RepairEvent
from logistics.audit import history_for
from logistics.choices import ChangeAction
from logistics.models import ChangeLog
from tests.factories import RoomFactory


def test_it_writes_the_asset_event_and_the_change_log_of_one_step(asset, staff, school, room):
    music = RoomFactory(school=school, campus=room.campus, name="音乐室")
    services.asset_transfer(obj=asset, by=staff, room=music, comment="学期初调配")
    event = AssetEvent.objects.get(asset=asset, action=AssetAction.TRANSFER)
    assert (event.from_room, event.to_room, event.by, event.comment) == (room, music, staff, "学期初调配")
    assert event.from_status == event.to_status == AssetStatus.IN_USE
    log = history_for(asset).get(action=ChangeAction.TRANSITION)
    assert log.transition == AssetAction.TRANSFER and log.user == staff
    assert log.before["room"] == room.pk and log.after["room"] == music.pk


def test_it_dates_an_asset_leaving_the_books_and_moves_it_back_on_rejection(
    make_asset, staff, principal, room
):
    kept, scrapped = make_asset(room=room, units=2)
    req = services.asset_request_disposal(obj=kept, by=staff, kind=DisposalKind.SCRAP, reason="老旧")
    services.disposal_reject(obj=req, by=principal, comment="还能用")
    kept.refresh_from_db()
    assert kept.status == AssetStatus.IN_USE and kept.disposed_on is None
    req = services.asset_request_disposal(obj=scrapped, by=staff, kind=DisposalKind.SCRAP, reason="损坏")
    services.disposal_approve(obj=req, by=principal)
    scrapped.refresh_from_db()
    assert scrapped.status == AssetStatus.DISPOSED and scrapped.disposed_on == datetime.date.today()
    actions = list(
        AssetEvent.objects.filter(asset=scrapped).order_by("at", "id").values_list("action", flat=True)
    )
    assert actions == [AssetAction.REGISTER, AssetAction.REQUEST_DISPOSAL, AssetAction.APPROVE_DISPOSAL]


def test_it_refuses_approving_ones_own_disposal_and_writes_nothing(make_asset, principal, room):
    asset = make_asset(room=room)[0]
    req = services.asset_request_disposal(obj=asset, by=principal, kind=DisposalKind.SCRAP, reason="坏了")
    events, logs = AssetEvent.objects.count(), ChangeLog.objects.count()
    with pytest.raises(ValidationError, match="不能审批自己提交的申请"):
        services.disposal_approve(obj=req, by=principal)
    assert AssetEvent.objects.count() == events and ChangeLog.objects.count() == logs
    asset.refresh_from_db()
    assert asset.status == AssetStatus.PENDING_DISPOSAL


def test_it_keeps_each_stocktake_refusals_text(school, staff, director, principal):
    st = services.stocktake_open(school=school, by=staff, title="期末", kind=StocktakeKind.TERM_END)
    with pytest.raises(ValidationError, match="盘点须先提交，才能审批关闭"):
        services.stocktake_close(obj=st, by=principal)
    services.stocktake_submit(obj=st, by=director)
    with pytest.raises(ValidationError, match="盘点不在进行中"):
        services.stocktake_submit(obj=st, by=director)


def test_it_writes_a_repair_event_per_step_and_releases_the_asset(
    school, teacher, director, staff, room, asset
):
    repair = services.repair_raise(school=school, by=teacher, room=room, description="屏幕不亮", asset=asset)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.REPAIRING and repair.previous_asset_status == AssetStatus.IN_USE
    with pytest.raises(ValidationError, match="只有后勤管理人员可以派单"):
        services.repair_assign(obj=repair, by=teacher, assignee=staff)
    services.repair_assign(obj=repair, by=director, assignee=staff)
    with pytest.raises(ValidationError, match="只有维修人或后勤管理人员"):
        services.repair_complete(obj=repair, by=teacher, work_done="换灯")
    services.repair_complete(obj=repair, by=staff, work_done="更换电源", cost="80")
    with pytest.raises(ValidationError, match="只有报修人本人"):
        services.repair_accept(obj=repair, by=staff)
    services.repair_accept(obj=repair, by=teacher, comment="好了")
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_USE
    steps = list(RepairEvent.objects.filter(repair=repair).values_list("from_status", "to_status", "by"))
    assert steps == [
        ("", "submitted", teacher.pk),
        ("submitted", "assigned", director.pk),
        ("assigned", "done", staff.pk),
        ("done", "accepted", teacher.pk),
    ]
    released = AssetEvent.objects.get(asset=asset, action=AssetAction.REPAIRED)
    assert released.by == teacher and released.comment == "更换电源"


def test_it_records_damage_only_on_an_asset_still_on_the_books(school, staff, principal, make_asset, room):
    asset = make_asset(room=room)[0]
    req = services.asset_request_disposal(obj=asset, by=staff, kind=DisposalKind.SCRAP, reason="损坏")
    services.disposal_approve(obj=req, by=principal)
    with pytest.raises(ValidationError, match="不能损坏赔偿"):
        services.damage_record(
            school=school,
            by=staff,
            occurred_on=datetime.date.today(),
            description="摔坏",
            party_kind="student",
            party_name="小明",
            assessed_amount=Decimal("50"),
            asset=asset,
        )


def test_it_puts_a_service_refusal_on_its_form_field(as_staff, asset, room):
    r = as_staff.post(reverse("assets:asset_transfer", args=[asset.pk]), {"room": room.pk})
    assert r.status_code == 400
    assert r.context["form"].errors["room"] == ["调入房间与当前位置相同。"]
    assert not AssetEvent.objects.filter(action=AssetAction.TRANSFER).exists()


def test_it_shows_a_button_refusal_as_a_message_and_returns(as_principal, make_asset, staff, room):
    asset = make_asset(room=room)[0]
    req = services.asset_request_disposal(obj=asset, by=staff, kind=DisposalKind.SCRAP, reason="坏了")
    r = as_principal.post(
        reverse("assets:disposal_decide", args=[req.pk]), {"decision": "reject"}, follow=True
    )
    assert "驳回须填写原因。" in [str(m) for m in r.context["messages"]]
    r = as_principal.post(
        reverse("assets:disposal_decide", args=[req.pk]), {"decision": "maybe"}, follow=True
    )
    assert "请选择批准或驳回。" in [str(m) for m in r.context["messages"]]
    req.refresh_from_db()
    assert req.status == "pending"
