"""Month-end sheets of the assets app, declared once for Excel and PDF (DESIGN.md rule 7)."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import display_name
from logistics.reports.base import DATE, DATETIME, DECIMAL, INT, MONEY, TEXT, Column, Report
from logistics.reports.registry import register
from logistics.reports.summary import SUM, Agg, Summary

from .choices import ON_BOOKS, AssetAction, MovementKind, RepairStatus
from .models import Asset, AssetEvent, DamageCase, RepairRequest, StockMovement, StoreItem, months_depreciated


def _name(user):
    return display_name(user) if user else ""


@register("assets.register", title="固定资产明细账", order=100, permission="assets.view")
def asset_register_report(school, period):
    def rows():
        qs = (
            Asset.objects.filter(school=school, status__in=ON_BOOKS, purchase_date__lte=period.end)
            .select_related("category", "room", "custodian")
            .order_by("category__code", "code")
        )
        for a in qs.iterator(chunk_size=2000):
            acc = a.accumulated_depreciation(period.end)
            yield (
                a.code,
                a.name,
                a.category.name,
                a.spec,
                a.purchase_date,
                a.quantity,
                a.original_value,
                acc,
                a.original_value - acc,
                a.room.name if a.room else "",
                _name(a.custodian),
                a.get_status_display(),
            )

    return Report(
        title=_("固定资产明细账"),
        columns=[
            Column(_("资产编号"), TEXT, 16),
            Column(_("名称"), TEXT, 16),
            Column(_("分类"), TEXT, 12),
            Column(_("规格型号"), TEXT, 12),
            Column(_("购置日期"), DATE, 12),
            Column(_("数量"), INT, 6, total=True),
            Column(_("原值"), MONEY, 12, total=True),
            Column(_("累计折旧"), MONEY, 12, total=True),
            Column(_("净值"), MONEY, 12, total=True),
            Column(_("存放地点"), TEXT, 10),
            Column(_("责任人"), TEXT, 8),
            Column(_("状态"), TEXT, 8),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
        empty_text=_("无在账资产"),
        pdf_summary=Summary(
            by=[_("分类")],
            columns=[
                Agg(_("件数")),
                Agg(_("数量"), SUM, of=_("数量")),
                Agg(_("原值"), SUM, of=_("原值")),
                Agg(_("累计折旧"), SUM, of=_("累计折旧")),
                Agg(_("净值"), SUM, of=_("净值")),
            ],
            label=_("按分类汇总"),
            unit=_("件"),
        ),
    )


CHANGE_ACTIONS = [
    AssetAction.REGISTER,
    AssetAction.APPROVE_DISPOSAL,
    AssetAction.APPROVE_TRANSFER_OUT,
    AssetAction.STOCKTAKE_MISSING,
    AssetAction.TRANSFER,
    AssetAction.STOCKTAKE_MOVE,
]


@register("assets.changes", title="资产增减变动表", order=101, permission="assets.view")
def asset_changes_report(school, period):
    def rows():
        qs = (
            AssetEvent.objects.filter(
                school=school,
                action__in=CHANGE_ACTIONS,
                at__gte=period.start_datetime(),
                at__lt=period.end_datetime(),
            )
            .select_related("asset", "asset__category", "from_room", "to_room", "by")
            .order_by("at", "id")
        )
        for e in qs.iterator(chunk_size=2000):
            value = e.asset.original_value
            increase = value if e.action == AssetAction.REGISTER else None
            decrease = (
                value
                if e.action
                in (
                    AssetAction.APPROVE_DISPOSAL,
                    AssetAction.APPROVE_TRANSFER_OUT,
                    AssetAction.STOCKTAKE_MISSING,
                )
                else None
            )
            yield (
                e.at,
                e.get_action_display(),
                e.asset.code,
                e.asset.name,
                e.asset.category.name,
                increase,
                decrease,
                e.from_room.name if e.from_room else "",
                e.to_room.name if e.to_room else "",
                _name(e.by),
                e.comment,
            )

    return Report(
        title=_("资产增减变动表"),
        columns=[
            Column(_("时间"), DATETIME, 16),
            Column(_("变动类型"), TEXT, 10),
            Column(_("资产编号"), TEXT, 16),
            Column(_("名称"), TEXT, 14),
            Column(_("分类"), TEXT, 10),
            Column(_("增加"), MONEY, 12, total=True),
            Column(_("减少"), MONEY, 12, total=True),
            Column(_("原位置"), TEXT, 10),
            Column(_("新位置"), TEXT, 10),
            Column(_("经办人"), TEXT, 8),
            Column(_("说明"), TEXT, 16),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("assets.reconciliation", title="固定资产月度结账表", order=102, permission="assets.view")
def reconciliation_report(school, period):
    from .models import Reconciliation
    from .selectors import reconciliation_figures, stocktake_difference_note

    rec = Reconciliation.objects.filter(school=school, month=period.start).first()
    if rec is not None:
        data, totals, note = rec.rows, rec.totals, rec.stocktake_note
    else:  # not closed yet: show the figures as they stand now
        data, totals = reconciliation_figures(school, period)
        note = stocktake_difference_note(school) + _("（本月尚未结账，数据为即时计算）")

    def rows():
        for r in data:
            yield (
                f"{r['code']} {r['name']}",
                Decimal(r["opening"]),
                Decimal(r["additions"]),
                Decimal(r["disposals"]),
                Decimal(r["closing"]),
                Decimal(r["depreciation"]),
                Decimal(r["accumulated"]),
                Decimal(r["net"]),
            )

    return Report(
        title=_("固定资产月度结账表"),
        columns=[
            Column(_("分类"), TEXT, 20),
            Column(_("期初原值"), MONEY, 14, total=True),
            Column(_("本月增加"), MONEY, 14, total=True),
            Column(_("本月减少"), MONEY, 14, total=True),
            Column(_("期末原值"), MONEY, 14, total=True),
            Column(_("本月折旧"), MONEY, 14, total=True),
            Column(_("累计折旧"), MONEY, 14, total=True),
            Column(_("期末净值"), MONEY, 14, total=True),
        ],
        rows=rows(),
        school=school,
        period=period,
        notes=[note],
        landscape=True,
    )


@register("assets.depreciation", title="固定资产折旧明细表", order=103, permission="assets.view")
def depreciation_report(school, period):
    prev_end = period.start - timezone.timedelta(days=1)

    def rows():
        qs = (
            Asset.objects.filter(school=school, status__in=ON_BOOKS, purchase_date__lte=period.end)
            .select_related("category")
            .order_by("category__code", "code")
        )
        for a in qs.iterator(chunk_size=2000):
            life = a.life_years()
            if not life:
                continue
            acc = a.accumulated_depreciation(period.end)
            month = acc - a.accumulated_depreciation(prev_end)
            yield (
                a.code,
                a.name,
                a.category.name,
                a.original_value,
                life,
                min(months_depreciated(a.purchase_date, period.end), life * 12),
                month,
                acc,
                a.original_value - acc,
            )

    return Report(
        title=_("固定资产折旧明细表"),
        columns=[
            Column(_("资产编号"), TEXT, 16),
            Column(_("名称"), TEXT, 16),
            Column(_("分类"), TEXT, 12),
            Column(_("原值"), MONEY, 12, total=True),
            Column(_("年限"), INT, 6),
            Column(_("已提月数"), INT, 8),
            Column(_("本月折旧"), MONEY, 12, total=True),
            Column(_("累计折旧"), MONEY, 12, total=True),
            Column(_("净值"), MONEY, 12, total=True),
        ],
        rows=rows(),
        school=school,
        period=period,
        notes=[_("平均年限法按月计提，当月增加当月计提；图书、文物等不计提折旧。")],
        landscape=True,
        pdf_summary=Summary(
            by=[_("分类")],
            columns=[
                Agg(_("件数")),
                Agg(_("原值"), SUM, of=_("原值")),
                Agg(_("本月折旧"), SUM, of=_("本月折旧")),
                Agg(_("累计折旧"), SUM, of=_("累计折旧")),
                Agg(_("净值"), SUM, of=_("净值")),
            ],
            label=_("按分类汇总"),
            unit=_("件"),
        ),
    )


@register("assets.stores", title="库存物资收发存月报", order=110, permission="stores.view")
def stores_movement_report(school, period):
    start, end = period.start_datetime(), period.end_datetime()

    def rows():
        items = (
            StoreItem.objects.filter(school=school)
            .annotate(
                qin=Sum(
                    "movements__quantity",
                    filter=Q(movements__at__gte=start, movements__at__lt=end, movements__quantity__gt=0),
                ),
                qout=Sum(
                    "movements__quantity",
                    filter=Q(movements__at__gte=start, movements__at__lt=end, movements__quantity__lt=0),
                ),
                after=Sum("movements__quantity", filter=Q(movements__at__gte=end)),
            )
            .order_by("name")
        )
        for item in items.iterator(chunk_size=2000):
            qin = item.qin or Decimal(0)
            qout = -(item.qout or Decimal(0))
            closing = item.on_hand - (item.after or Decimal(0))
            opening = closing - qin + qout
            yield (
                item.name,
                item.unit,
                opening,
                qin,
                qout,
                closing,
                item.unit_price,
                closing * item.unit_price,
            )

    return Report(
        title=_("库存物资收发存月报"),
        columns=[
            Column(_("物品"), TEXT, 16),
            Column(_("单位"), TEXT, 6),
            Column(_("期初"), DECIMAL, 10),
            Column(_("本月入库"), DECIMAL, 10),
            Column(_("本月出库"), DECIMAL, 10),
            Column(_("期末结存"), DECIMAL, 10),
            Column(_("单价"), MONEY, 10),
            Column(_("结存金额"), MONEY, 12, total=True),
        ],
        rows=rows(),
        school=school,
        period=period,
    )


def consumption_rows(school, period):
    """Monthly consumption by department / class (班级日常用品消耗量): one aggregate query."""
    qs = (
        StockMovement.objects.filter(
            school=school,
            kind__in=[MovementKind.OUT, MovementKind.EXCHANGE],
            at__gte=period.start_datetime(),
            at__lt=period.end_datetime(),
        )
        .values("department__name", "room__name", "item__name", "item__unit")
        .annotate(qty=Sum("quantity"), amount=Sum("amount"), times=Count("id"))
        .order_by("department__name", "room__name", "item__name")
    )
    return [
        (
            r["department__name"] or "",
            r["room__name"] or "",
            r["item__name"],
            r["item__unit"],
            -(r["qty"] or 0),
            r["amount"] or Decimal(0),
            r["times"],
        )
        for r in qs
    ]


@register("assets.consumption", title="部门/班级物品领用汇总", order=111, permission="stores.view")
def consumption_report(school, period):
    return Report(
        title=_("部门/班级物品领用汇总"),
        columns=[
            Column(_("部门"), TEXT, 12),
            Column(_("班级/房间"), TEXT, 12),
            Column(_("物品"), TEXT, 16),
            Column(_("单位"), TEXT, 6),
            Column(_("数量"), DECIMAL, 10),
            Column(_("金额"), MONEY, 12, total=True),
            Column(_("次数"), INT, 6),
        ],
        rows=consumption_rows(school, period),
        school=school,
        period=period,
    )


@register("assets.repairs", title="报修维修台账", order=120, permission="repairs.view")
def repairs_report(school, period):
    def rows():
        qs = (
            RepairRequest.objects.filter(
                school=school,
                requested_at__gte=period.start_datetime(),
                requested_at__lt=period.end_datetime(),
            )
            .select_related("room", "asset", "requested_by", "assignee")
            .order_by("requested_at")
        )
        for r in qs.iterator(chunk_size=2000):
            overdue = _("逾期") if (r.completed_at or timezone.now()) > r.due_by else ""
            yield (
                r.pk,
                r.requested_at,
                r.room.name,
                r.asset.code if r.asset else "",
                r.description,
                r.get_urgency_display(),
                _name(r.requested_by),
                _name(r.assignee),
                r.parts,
                r.cost,
                r.get_status_display(),
                r.completed_at,
                overdue,
            )

    return Report(
        title=_("报修维修台账"),
        columns=[
            Column(_("单号"), INT, 6),
            Column(_("报修时间"), DATETIME, 16),
            Column(_("地点"), TEXT, 10),
            Column(_("资产编号"), TEXT, 14),
            Column(_("故障描述"), TEXT, 20),
            Column(_("紧急程度"), TEXT, 6),
            Column(_("报修人"), TEXT, 8),
            Column(_("维修人"), TEXT, 8),
            Column(_("配件"), TEXT, 12),
            Column(_("费用"), MONEY, 10, total=True),
            Column(_("状态"), TEXT, 8),
            Column(_("完成时间"), DATETIME, 16),
            Column(_("逾期"), TEXT, 6),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("assets.damage", title="公物损坏赔偿登记表", order=121, permission="assets.view")
def damage_report(school, period):
    def rows():
        qs = (
            DamageCase.objects.filter(
                school=school, occurred_on__gte=period.start, occurred_on__lte=period.end
            )
            .select_related("asset", "room", "repair")
            .order_by("occurred_on", "id")
        )
        for c in qs.iterator():
            yield (
                c.occurred_on,
                c.asset.code if c.asset else "",
                c.item_name,
                c.room.name if c.room else "",
                c.description,
                c.get_party_kind_display(),
                c.party_name,
                c.assessed_amount,
                c.paid_amount,
                c.get_status_display(),
                c.waive_reason,
                f"#{c.repair_id}" if c.repair_id else "",
            )

    return Report(
        title=_("公物损坏赔偿登记表"),
        columns=[
            Column(_("日期"), DATE, 12),
            Column(_("资产编号"), TEXT, 14),
            Column(_("物品"), TEXT, 12),
            Column(_("地点"), TEXT, 10),
            Column(_("经过"), TEXT, 18),
            Column(_("责任方"), TEXT, 6),
            Column(_("责任人/班级"), TEXT, 10),
            Column(_("核定金额"), MONEY, 10, total=True),
            Column(_("实收金额"), MONEY, 10, total=True),
            Column(_("状态"), TEXT, 6),
            Column(_("免赔原因"), TEXT, 12),
            Column(_("维修单"), TEXT, 6),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


def room_sheet_report(school, room):
    """班级/办公室/功能室财产登记表 for one room (not monthly: exported from the room page)."""
    from .selectors import room_assets

    def rows():
        for a in room_assets(school, room).iterator():
            yield (
                a.code,
                a.name,
                a.category.name,
                a.spec,
                a.quantity,
                a.unit_price,
                a.purchase_date,
                _name(a.custodian),
                a.get_status_display(),
            )

    return Report(
        title=_("%(campus)s%(room)s 财产登记表") % {"campus": room.campus.name, "room": room.name},
        columns=[
            Column(_("资产编号"), TEXT, 16),
            Column(_("名称"), TEXT, 16),
            Column(_("分类"), TEXT, 12),
            Column(_("规格型号"), TEXT, 12),
            Column(_("数量"), INT, 6, total=True),
            Column(_("单价"), MONEY, 10),
            Column(_("购置日期"), DATE, 12),
            Column(_("责任人"), TEXT, 8),
            Column(_("状态"), TEXT, 8),
        ],
        rows=rows(),
        school=school,
        subtitle=_("房间责任人：%(p)s") % {"p": _name(room.responsible)},
        signatures=(_("房间责任人"), _("资产管理员"), _("后勤主任")),
        empty_text=_("本房间暂无登记资产"),
    )


def month_gaps(school, period) -> list[str]:
    """For the month-pack cover: repairs overdue at month end (or still open and past due)."""
    end = min(period.end_datetime(), timezone.now())
    open_overdue = (
        RepairRequest.objects.filter(
            school=school,
            requested_at__lt=period.end_datetime(),
            due_by__lt=end,
        )
        .filter(Q(completed_at__isnull=True) | Q(completed_at__gt=end))
        .exclude(status=RepairStatus.CANCELLED)
    )
    found = []
    for r in open_overdue.select_related("room").order_by("due_by")[:10]:
        found.append(_("报修「%(r)s：%(d)s」已逾期未完成") % {"r": r.room.name, "d": r.description[:20]})
    total = open_overdue.count()
    if total > 10:
        found.append(_("另有 %(n)d 张报修单逾期") % {"n": total - 10})
    return found


def stocktake_report(stocktake):
    """The signed result of one stocktake: every difference (盘亏、位置不符、盘盈) and the totals."""
    from django.db.models import Count

    from .choices import LineResult
    from .models import StocktakeLine

    counts = dict(
        StocktakeLine.objects.filter(stocktake=stocktake)
        .values_list("result")
        .annotate(n=Count("id"))
        .values_list("result", "n")
    )

    def rows():
        qs = (
            StocktakeLine.objects.filter(stocktake=stocktake)
            .exclude(result=LineResult.FOUND)
            .select_related("asset", "expected_room", "found_room", "scanned_by")
            .order_by("result", "code")
        )
        for line in qs.iterator(chunk_size=2000):
            yield (
                line.code,
                line.asset.name if line.asset else "",
                line.asset.original_value if line.asset else None,
                line.expected_room.name if line.expected_room else "",
                line.found_room.name if line.found_room else "",
                line.get_result_display(),
                _name(line.scanned_by),
            )

    summary = "，".join(f"{label} {counts.get(value, 0)}" for value, label in LineResult.choices)
    return Report(
        title=_("资产盘点结果：%(t)s") % {"t": stocktake.title},
        columns=[
            Column(_("资产编号"), TEXT, 16),
            Column(_("名称"), TEXT, 16),
            Column(_("原值"), MONEY, 12, total=True),
            Column(_("账面位置"), TEXT, 12),
            Column(_("实盘位置"), TEXT, 12),
            Column(_("结果"), TEXT, 10),
            Column(_("盘点人"), TEXT, 8),
        ],
        rows=rows(),
        school=stocktake.school,
        subtitle=_("%(kind)s盘点 · %(status)s · %(summary)s")
        % {
            "kind": stocktake.get_kind_display(),
            "status": stocktake.get_status_display(),
            "summary": summary,
        },
        signatures=(_("盘点人"), _("审核人"), _("校长")),
        empty_text=_("账实相符，无差异"),
    )
