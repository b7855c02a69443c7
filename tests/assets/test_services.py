import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assets import selectors, services, workflows
from assets.choices import AssetAction, AssetStatus, DisposalKind, LineResult, StocktakeKind
from assets.models import (
    Asset,
    AssetEvent,
    MaintenancePlan,
    MaintenanceTask,
    Reconciliation,
    StockMovement,
    StocktakeLine,
    accumulated_depreciation,
    months_depreciated,
)
from logistics.models import Notification
from logistics.reports.base import Period
from tests.factories import DepartmentFactory, RoomFactory


def test_it_depreciates_straight_line_monthly_and_not_books(make_asset, books, room):
    pc = make_asset(price="7200.00", purchase_date=datetime.date(2025, 1, 15))[0]  # 6 years -> 100/month
    assert pc.accumulated_depreciation(datetime.date(2025, 1, 31)) == Decimal("100.00")
    assert pc.accumulated_depreciation(datetime.date(2025, 12, 31)) == Decimal("1200.00")
    assert pc.accumulated_depreciation(datetime.date(2031, 12, 31)) == Decimal("7200.00")
    assert pc.accumulated_depreciation(datetime.date(2024, 12, 31)) == Decimal("0.00")
    book = make_asset(name="百科全书", price="3000", category=books)[0]
    assert book.accumulated_depreciation(datetime.date(2030, 1, 31)) == 0
    assert months_depreciated(datetime.date(2025, 1, 15), datetime.date(2025, 3, 31)) == 3
    # rounding: the last month takes the remainder, never more than the value
    assert accumulated_depreciation(
        Decimal("1000.00"), 6, datetime.date(2020, 1, 1), datetime.date(2025, 12, 31)
    ) == Decimal("1000.00")


def test_it_checks_the_transitions_table(asset, staff, teacher, principal):
    with pytest.raises(ValidationError, match="当前状态为「在用」，不能归还"):
        workflows.ASSET.apply(asset, AssetAction.RETURN, by=staff, target=AssetStatus.IN_USE)
    services.asset_request_disposal(obj=asset, by=staff, kind=DisposalKind.SCRAP, reason="坏")
    with pytest.raises(ValidationError):
        services.asset_lend(obj=asset, by=staff, borrower=teacher, due_on=datetime.date.today())
    with pytest.raises(ValidationError):  # teacher lacks assets.manage
        services.asset_issue(obj=Asset.objects.get(pk=asset.pk), by=teacher, custodian=teacher)


def test_it_needs_the_principal_for_disposal_and_rejection_restores(
    asset, staff, director, principal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        req = services.asset_request_disposal(
            obj=asset,
            by=staff,
            kind=DisposalKind.TRANSFER_OUT,
            reason="闲置",
            recipient="兄弟学校",
            proceeds="100",
        )
    with pytest.raises(ValidationError, match="校长"):
        services.disposal_approve(obj=req, by=director)
    with pytest.raises(ValidationError, match="原因"):
        services.disposal_reject(obj=req, by=principal, comment="")
    services.disposal_reject(obj=req, by=principal, comment="仍可用")
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_USE
    req2 = services.asset_request_disposal(
        obj=asset, by=staff, kind=DisposalKind.TRANSFER_OUT, reason="闲置", recipient="兄弟学校"
    )
    services.disposal_approve(obj=req2, by=principal)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.TRANSFERRED_OUT
    assert Notification.objects.filter(user=principal, title__contains="待审批").exists()


def test_it_reminds_overdue_loans_once_a_day(asset, staff, teacher):
    loan = services.asset_lend(obj=asset, by=staff, borrower=teacher, due_on=datetime.date.today())
    later = datetime.date.today() + datetime.timedelta(days=2)
    assert services.loans_notify_overdue(today=later) == 2  # borrower and keeper
    assert services.loans_notify_overdue(today=later) == 0
    assert Notification.objects.filter(user=teacher, title__contains="逾期").count() == 1
    assert loan.is_overdue is False


def test_it_refuses_a_loan_due_in_the_past(asset, staff, teacher):
    with pytest.raises(ValidationError):
        services.asset_lend(
            obj=asset, by=staff, borrower=teacher, due_on=datetime.date.today() - datetime.timedelta(days=1)
        )
    assert not AssetEvent.objects.filter(action=AssetAction.LEND).exists()


def test_it_keeps_stock_from_going_negative_and_notifies_low_stock(
    school, staff, director, room, django_capture_on_commit_callbacks
):
    item = services.stores_stock_in(
        school=school, by=staff, item_name="洗手液", unit="瓶", quantity=5, unit_price=Decimal("12")
    ).item
    item.min_level = Decimal("2")
    item.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.stores_issue(item=item, by=staff, quantity=4, room=room)
    with pytest.raises(ValidationError, match="库存不足"):
        services.stores_issue(item=item, by=staff, quantity=2, room=room)
    item.refresh_from_db()
    assert item.on_hand == 1
    assert Notification.objects.filter(user=director, title__contains="库存不足").exists()
    with pytest.raises(ValidationError, match="耐用品"):
        services.stores_issue(item=item, by=staff, quantity=1, room=room, exchange=True)


def test_it_counts_stores_at_year_end(school, staff):
    item = services.stores_stock_in(
        school=school, by=staff, item_name="垃圾袋", unit="卷", quantity=10, unit_price=Decimal("3")
    ).item
    m = services.stores_count(item=item, by=staff, counted=8)
    assert m.quantity == Decimal("-2") and m.kind == "adjust"
    assert services.stores_count(item=item, by=staff, counted=8) is None
    with pytest.raises(ValidationError):
        services.stores_count(item=item, by=staff, counted=-1)


def test_it_summarises_consumption_by_department_and_class(school, staff, room):
    from assets.reports import consumption_rows

    dept = DepartmentFactory(school=school, name="教务处")
    item = services.stores_stock_in(
        school=school, by=staff, item_name="A4纸", unit="包", quantity=50, unit_price=Decimal("25")
    ).item
    services.stores_issue(item=item, by=staff, quantity=3, department=dept)
    services.stores_issue(item=item, by=staff, quantity=2, department=dept)
    services.stores_issue(item=item, by=staff, quantity=1, room=room)
    rows = consumption_rows(school, Period.current_month())
    assert ("教务处", "", "A4纸", "包", Decimal("5"), Decimal("125.00"), 2) in rows
    assert ("", room.name, "A4纸", "包", Decimal("1"), Decimal("25.00"), 1) in rows


def test_it_runs_a_stocktake_of_one_room(school, staff, principal, director, room, make_asset):
    room2 = RoomFactory(school=school, campus=room.campus, name="美工室")
    a1, a2, a3 = make_asset(room=room, units=3)
    b1 = make_asset(room=room2)[0]
    st = services.stocktake_open(
        school=school, by=staff, title="期末", kind=StocktakeKind.TERM_END, rooms=[room]
    )
    assert StocktakeLine.objects.filter(stocktake=st).count() == 3
    assert services.stocktake_scan(obj=st, by=staff, room=room, code=a1.code).result == LineResult.FOUND
    assert (
        services.stocktake_scan(obj=st, by=staff, room=room, code=f" {a2.code} ").result == LineResult.FOUND
    )
    assert services.stocktake_scan(obj=st, by=staff, room=room, code=b1.code).result == LineResult.WRONG_ROOM
    assert services.stocktake_scan(obj=st, by=staff, room=room, code="XYZ-404").result == LineResult.UNKNOWN
    with pytest.raises(ValidationError):
        services.stocktake_scan(obj=st, by=staff, room=room, code="")
    with pytest.raises(ValidationError, match="须先提交"):
        services.stocktake_close(obj=st, by=principal)
    services.stocktake_submit(obj=st, by=director)
    assert StocktakeLine.objects.get(stocktake=st, asset=a3).result == LineResult.MISSING
    with pytest.raises(ValidationError):
        services.stocktake_scan(obj=st, by=staff, room=room, code=a3.code)
    with pytest.raises(ValidationError, match="校长"):
        services.stocktake_close(obj=st, by=director)
    with pytest.raises(ValidationError, match="审批意见"):
        services.stocktake_close(obj=st, by=principal, write_off_missing=True)
    services.stocktake_close(obj=st, by=principal, write_off_missing=True, comment="核实丢失")
    b1.refresh_from_db()
    a3.refresh_from_db()
    assert b1.room == room
    assert a3.status == AssetStatus.MISSING
    assert "盘亏 1" in selectors.stocktake_difference_note(school)
    from assets.reports import stocktake_report

    report = stocktake_report(st)
    rows = list(report.rows)
    assert {r[5] for r in rows} == {"盘亏", "位置不符", "盘盈（未登记）"}
    assert "相符 2" in report.subtitle


def test_it_reconciles_a_month_once(school, staff, make_asset, principal):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    period = Period.previous_month(today)
    a = make_asset(price="7200.00", purchase_date=dt.date(2024, 1, 1))[0]
    Asset.objects.filter(pk=a.pk).update(created_at=timezone.make_aware(dt.datetime(2024, 1, 2)))
    b = make_asset(price="1200.00", purchase_date=period.start)[0]
    Asset.objects.filter(pk=b.pk).update(created_at=period.start_datetime() + dt.timedelta(hours=10))
    rec, created = services.reconcile_month(school=school, period=period)
    assert created
    row = rec.rows[0]
    assert row["code"] == "2"
    assert Decimal(row["opening"]) == Decimal("7200.00")
    assert Decimal(row["additions"]) == Decimal("1200.00")
    assert Decimal(row["closing"]) == Decimal("8400.00")
    assert Decimal(row["depreciation"]) == Decimal("100.00") + Decimal("16.67")
    again, created2 = services.reconcile_month(school=school, period=period)
    assert not created2 and again.pk == rec.pk
    from assets.tasks import monthly_reconciliation

    assert monthly_reconciliation.delay().get() == 0
    assert Reconciliation.objects.filter(school=school).count() == 1


def test_it_creates_maintenance_tasks_on_schedule_idempotently(school, staff, room):
    MaintenancePlan.objects.create(school=school, title="每日关门检查", frequency="daily", assignee=staff)
    MaintenancePlan.objects.create(school=school, title="每周电路检查", frequency="weekly", weekday=1)
    MaintenancePlan.objects.create(school=school, title="空调清洗", frequency="yearly", month=5, day=10)
    monday = datetime.date(2026, 11, 16)
    assert services.maintenance_generate(day=monday) == 2
    assert services.maintenance_generate(day=monday) == 0
    assert services.maintenance_generate(day=datetime.date(2026, 5, 10)) == 2
    task = MaintenanceTask.objects.filter(plan__title="每日关门检查").first()
    services.maintenance_task_done(obj=task, by=staff, note="正常")
    with pytest.raises(ValidationError):
        services.maintenance_task_done(obj=task, by=staff)


def test_it_notifies_overdue_repairs_once(school, teacher, director, room):
    from django.utils import timezone

    r = services.repair_raise(school=school, by=teacher, room=room, description="水管漏水", urgency="urgent")
    assert services.repairs_notify_overdue() == 0
    later = timezone.now() + datetime.timedelta(days=2)
    assert services.repairs_notify_overdue(now=later) == 1
    assert services.repairs_notify_overdue(now=later) == 0
    assert Notification.objects.filter(user=director, title__contains="逾期").exists()
    assert r.due_by - r.requested_at == datetime.timedelta(hours=24)


def test_it_lets_only_the_responsible_person_confirm_a_room_list(school, room, teacher, staff, make_asset):
    room.responsible = teacher
    room.save()
    make_asset(room=room, units=2)
    with pytest.raises(ValidationError):
        services.room_list_confirm(room=room, by=staff)
    c = services.room_list_confirm(room=room, by=teacher, note="一致")
    assert c.asset_count == 2 and c.total_value == Decimal("9000.00")


def test_it_records_damage_and_refuses_bad_input(school, staff, asset):
    with pytest.raises(ValidationError):
        services.damage_record(
            school=school,
            by=staff,
            occurred_on=datetime.date(2099, 1, 1),
            description="x",
            party_kind="student",
            party_name="a",
            assessed_amount="1",
            asset=asset,
        )
    with pytest.raises(ValidationError):
        services.damage_record(
            school=school,
            by=staff,
            occurred_on=datetime.date.today(),
            description="x",
            party_kind="student",
            party_name="a",
            assessed_amount="-1",
            asset=asset,
        )
    case = services.damage_record(
        school=school,
        by=staff,
        occurred_on=datetime.date.today(),
        description="踢坏",
        party_kind="class",
        party_name="大一班",
        assessed_amount="80",
        asset=asset,
    )
    with pytest.raises(ValidationError, match="不能超过"):
        services.damage_settle(obj=case, by=staff, paid=True, paid_amount="100")
    services.damage_settle(obj=case, by=staff, paid=False, waive_reason="家庭困难")
    case.refresh_from_db()
    assert case.status == "waived"


def test_it_counts_no_movement_twice(school, staff):
    services.stores_stock_in(school=school, by=staff, item_name="拖把", unit="把", quantity=1, unit_price=1)
    assert StockMovement.objects.count() == 1
