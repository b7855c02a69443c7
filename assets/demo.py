"""Demo records for assets, stores and repairs: about two months of a school's work.

Idempotent: nothing is added to a school that already has assets. Deterministic (no random).
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from logistics.choices import Role, RoomType
from logistics.models import Department, Membership
from logistics.reports.base import Period

from . import services
from .choices import AssetAction, AssetStatus, DisposalKind, Frequency, StocktakeKind, Urgency
from .models import (
    Asset,
    AssetCategory,
    AssetEvent,
    MaintenancePlan,
    RepairEvent,
    RepairRequest,
    StockMovement,
)

CLASS_ITEMS = [  # (name, spec, category code, price)
    ("液晶电视", "海信65英寸", "205", "4200.00"),
    ("空调", "格力1.5匹挂机", "204", "3200.00"),
    ("电子琴", "雅马哈KB-291", "302", "2300.00"),
    ("儿童床（套）", "实木", "601", "1250.00"),
]
OFFICE_ITEMS = [
    ("台式电脑", "联想启天M430", "201", "4800.00"),
    ("激光打印机", "HP M405d", "202", "2200.00"),
    ("文件柜", "钢制", "601", "1300.00"),
]
FUNCTION_ITEMS = [
    ("钢琴", "珠江118", "302", "16800.00"),
    ("投影仪", "爱普生CB-X06", "205", "3600.00"),
    ("图书（套）", "幼儿绘本", "501", "1200.00"),
]
STORE_ITEMS = [  # (name, unit, qty in, price, min level, durable)
    ("A4复印纸", "包", 120, "25.00", 20, False),
    ("白板笔", "盒", 30, "18.00", 5, False),
    ("洗手液", "瓶", 60, "12.50", 10, False),
    ("垃圾袋", "卷", 80, "3.00", 15, False),
    ("扫把", "把", 12, "15.00", 4, True),
    ("灯管", "支", 9, "22.00", 8, False),
]


def _user(school, role):
    m = Membership.objects.active().filter(school=school, role=role).select_related("user").first()
    return m.user if m else None


def _shift(model, pk, field, when):
    model.objects.filter(pk=pk).update(**{field: when})


def seed(demo):
    school = demo.school
    if Asset.objects.filter(school=school).exists():
        return
    staff = _user(school, Role.STAFF)
    teacher = _user(school, Role.TEACHER)
    principal = _user(school, Role.PRINCIPAL)
    director = _user(school, Role.DIRECTOR)
    if not (staff and teacher and principal and director):
        return
    services.ensure_standard_categories()  # a flushed database has lost the data migration's rows
    cats = {c.code: c for c in AssetCategory.objects.filter(school__isnull=True)}
    today = timezone.localdate()
    now = timezone.now()
    two_months_ago = now - datetime.timedelta(days=60)

    # the opening ledger (期初建账) in one go: codes from the school's counter, one history row each
    plan = []
    for n, room in enumerate(demo.rooms):
        if room.room_type == RoomType.CLASSROOM:
            items = CLASS_ITEMS
        elif room.room_type in (RoomType.OFFICE, RoomType.WAREHOUSE):
            items = OFFICE_ITEMS
        else:
            items = FUNCTION_ITEMS
        for k, item in enumerate(items):
            plan.append((room, item, today - datetime.timedelta(days=200 + 90 * ((n + k) % 12))))
    codes = services.next_codes(school, len(plan))
    registered = Asset.objects.bulk_create(
        [
            Asset(
                school=school,
                code=code,
                name=name,
                spec=spec,
                category=cats[cat],
                unit_price=Decimal(price),
                purchase_date=bought,
                room=room,
                custodian=room.responsible,
                status=AssetStatus.IN_USE,
                funding="公用经费",
                source_ref="期初建账",
            )
            for code, (room, (name, spec, cat, price), bought) in zip(codes, plan, strict=True)
        ]
    )
    AssetEvent.objects.bulk_create(
        [
            AssetEvent(
                school=school,
                asset=a,
                action=AssetAction.REGISTER,
                to_status=a.status,
                to_room=a.room,
                to_custodian=a.custodian,
                by=staff,
                comment="期初建账",
            )
            for a in registered
        ]
    )
    # registered two months ago, so last month's reconciliation has an opening balance
    ids = [a.pk for a in registered]
    Asset.objects.filter(pk__in=ids).update(created_at=two_months_ago)
    AssetEvent.objects.filter(asset_id__in=ids).update(at=two_months_ago)
    # a recent purchase this month
    office = next((r for r in demo.rooms if r.room_type == RoomType.OFFICE), demo.rooms[0])
    services.assets_register_from_purchase(
        school=school,
        by=staff,
        name="笔记本电脑",
        spec="ThinkPad E14",
        unit_price=Decimal("5600.00"),
        quantity=2,
        purchase_date=today,
        category=cats["201"],
        room=office,
        custodian=director,
        funding="专项资金",
        source_ref="CG-DEMO-001",
    )

    # lifecycle: a loan (one overdue), a transfer, a disposal waiting for the principal
    camera = registered[-1]
    loan = services.asset_lend(
        obj=camera, by=staff, borrower=teacher, due_on=today + datetime.timedelta(days=5), purpose="公开课"
    )
    services.asset_transfer(
        obj=registered[1], by=staff, room=demo.rooms[min(2, len(demo.rooms) - 1)], comment="学期初桌凳调配"
    )
    services.asset_request_disposal(
        obj=registered[2], by=staff, kind=DisposalKind.SCRAP, reason="超过使用年限，主板损坏无法修复"
    )
    del loan

    # repairs in every state
    classroom = next((r for r in demo.rooms if r.room_type == RoomType.CLASSROOM), demo.rooms[0])
    problems = [  # (what, urgency, how far it got, days ago, who raised it)
        ("灯管不亮", Urgency.NORMAL, "accept", 40, teacher),
        ("水龙头漏水", Urgency.URGENT, "accept", 25, teacher),
        ("门锁损坏", Urgency.NORMAL, "complete", 6, teacher),
        ("空调不制冷", Urgency.NORMAL, "assign", 4, teacher),
        ("窗户关不严", Urgency.LOW, None, 1, teacher),
        ("插座无电", Urgency.URGENT, "assign", 3, teacher),
        ("大门门禁刷卡失灵", Urgency.URGENT, "accept", 18, director),
        ("走廊应急灯不亮", Urgency.NORMAL, "assign", 2, staff),
    ]
    for text, urgency, upto, days_ago, requester in problems:
        repair = services.repair_raise(
            school=school,
            by=requester,
            room=classroom if requester == teacher else office,
            description=text,
            urgency=urgency,
        )
        if upto:
            services.repair_assign(obj=repair, by=director, assignee=staff)
            if upto in ("complete", "accept"):
                services.repair_complete(
                    obj=repair, by=staff, work_done="已修复：" + text, parts="", cost="35.00"
                )
            if upto == "accept":
                services.repair_accept(obj=repair, by=requester, comment="已修好")
        when = now - datetime.timedelta(days=days_ago)
        delta = when - repair.requested_at
        RepairRequest.objects.filter(pk=repair.pk).update(
            requested_at=when, respond_by=repair.respond_by + delta, due_by=repair.due_by + delta
        )
        RepairEvent.objects.filter(repair=repair).update(at=when)

    # stores
    dept = Department.objects.filter(school=school).order_by("name").first()
    for name, unit, qty, price, min_level, durable in STORE_ITEMS:
        m = services.stores_stock_in(
            school=school, by=staff, item_name=name, unit=unit, quantity=qty, unit_price=Decimal(price)
        )
        item = m.item
        item.min_level = Decimal(min_level)
        item.is_durable = durable
        item.save(update_fields=["min_level", "is_durable"])
        _shift(StockMovement, m.pk, "at", two_months_ago)
        for i, room in enumerate([r for r in demo.rooms if r.room_type == RoomType.CLASSROOM][:4]):
            out = services.stores_issue(
                item=item, by=staff, quantity=1 + i % 2, room=room, person=room.responsible
            )
            _shift(StockMovement, out.pk, "at", now - datetime.timedelta(days=35 - i * 7))
        if dept is not None:
            services.stores_issue(item=item, by=staff, quantity=2, department=dept)

    # maintenance plans from the work plans
    plans = [
        ("每日关门检查（水电门窗）", Frequency.DAILY, {}),
        ("每周电路、门窗检查", Frequency.WEEKLY, {"weekday": 1}),
        ("每月大型玩具、体育器材检查", Frequency.MONTHLY, {"day": 5}),
        ("空调清洗（入夏前）", Frequency.YEARLY, {"month": 5, "day": 10}),
        ("直饮水更换滤芯", Frequency.YEARLY, {"month": 8, "day": 20}),
    ]
    for title, freq, extra in plans:
        MaintenancePlan.objects.get_or_create(
            school=school, title=title, defaults={"frequency": freq, "assignee": staff, **extra}
        )
    for d in range(7):
        services.maintenance_generate(day=today - datetime.timedelta(days=d))

    # a damage case and a closed stocktake of one classroom last month
    services.damage_record(
        school=school,
        by=staff,
        occurred_on=today - datetime.timedelta(days=12),
        description="课间追逐撞倒，屏幕碎裂",
        party_kind="class",
        party_name=classroom.name,
        assessed_amount=Decimal("300.00"),
        asset=registered[0],
        repair=RepairRequest.objects.filter(school=school).order_by("pk").first(),
    )
    st = services.stocktake_open(
        school=school, by=staff, title="期中资产清点", kind=StocktakeKind.MID_TERM, rooms=[classroom]
    )
    for line in st.lines.all()[:3]:
        services.stocktake_scan(obj=st, by=staff, room=classroom, code=line.code)
    services.stocktake_submit(obj=st, by=director)
    services.stocktake_close(obj=st, by=principal, comment="个别资产待查")
    services.reconcile_month(school=school, period=Period.previous_month(today))
