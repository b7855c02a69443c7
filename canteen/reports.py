"""The canteen's month-end sheets (Excel + PDF via the report registry) and the month-pack gaps."""

from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import display_name
from logistics.reports import Agg, Column, Report, Summary, format_date, register
from logistics.reports.base import DATE, DATETIME, DECIMAL, INT, MONEY
from logistics.reports.summary import FLAGGED, JOIN, MAX, MIN

from . import selectors
from .choices import MEAL_ORDER, Account, Meal, age_groups_for
from .models import (
    DeliveryLine,
    DiningRecord,
    DisinfectionLog,
    FeeEntry,
    FoodSample,
    MenuDish,
    MorningCheck,
    Supplier,
    WasteLog,
)
from .selectors import supplier_licence_state

WEEKDAYS = "一二三四五六日"


def _meal_key(meal):
    return MEAL_ORDER.index(meal) if meal in MEAL_ORDER else 99


@register("canteen.samples", title="食品留样记录", order=300)
def sample_log(school, period):
    """Every sample of the month; a meal on the menu with no sample is a highlighted row."""
    samples = list(
        FoodSample.objects.filter(school=school, day__gte=period.start, day__lte=period.end)
        .select_related("taken_by", "discarded_by", "fridge")
        .order_by("day", "id")
    )
    last_day = min(period.end, timezone.localdate())
    gaps = selectors.missing_meals(school, period.start, last_day) if last_day >= period.start else []
    entries = [((s.day, _meal_key(s.meal), 0, s.id), s) for s in samples]
    entries += [((d, _meal_key(m), 1, 0), (d, m)) for d, m in gaps]
    entries.sort(key=lambda e: e[0])
    rows, highlight = [], set()
    for i, (_key, item) in enumerate(entries):
        if isinstance(item, tuple):
            day, meal = item
            rows.append((day, Meal(meal).label, _("（无留样记录）"), None, "", None, "", None, "", ""))
            highlight.add(i)
        else:
            s = item
            rows.append(
                (
                    s.day,
                    s.get_meal_display(),
                    s.dish_name,
                    s.quantity_g,
                    s.fridge.name,
                    s.fridge_temp,
                    display_name(s.taken_by),
                    s.taken_at,
                    format_date(s.discarded_at) if s.discarded_at else "",
                    display_name(s.discarded_by) if s.discarded_by_id else "",
                )
            )
    return Report(
        title=_("食品留样记录"),
        columns=[
            Column(_("日期"), DATE, 14),
            Column(_("餐次"), width=8),
            Column(_("菜品"), width=16),
            Column(_("留样量(克)"), DECIMAL, 10),
            Column(_("冰箱"), width=10),
            Column(_("温度(℃)"), DECIMAL, 8),
            Column(_("留样人"), width=10),
            Column(_("留样时间"), DATETIME, 18),
            Column(_("销毁时间"), width=18),
            Column(_("销毁人"), width=10),
        ],
        rows=rows,
        school=school,
        period=period,
        landscape=True,
        highlight=highlight,
        notes=[_("标红为食谱中有菜品但无留样记录的餐次，共 %(n)d 餐。") % {"n": len(gaps)}] if gaps else [],
        # the pack's PDF: one row per meal (complete or not); every sample stays in the workbook
        pdf_summary=Summary(
            by=[_("日期"), _("餐次")],
            columns=[
                Agg(_("留样份数"), of=_("留样量(克)")),
                Agg(_("最少留样量(克)"), MIN, of=_("留样量(克)")),
                Agg(_("最高温度(℃)"), MAX, of=_("温度(℃)")),
                Agg(_("已销毁份数"), of=_("销毁时间")),
            ],
            label=_("按餐次汇总"),
            unit=_("份"),
        ),
    )


@register("canteen.deliveries", title="进货查验记录（采购台账）", order=310)
def incoming_ledger(school, period):
    qs = (
        DeliveryLine.objects.filter(
            school=school, delivery__delivered_on__gte=period.start, delivery__delivered_on__lte=period.end
        )
        .select_related("delivery__supplier", "delivery__inspector", "item")
        .order_by("delivery__delivered_on", "delivery_id", "id")
    )

    def rows():
        for line in qs.iterator(chunk_size=500):
            d = line.delivery
            yield (
                d.delivered_on,
                d.supplier.name,
                line.item.name,
                line.quantity,
                line.item.unit,
                line.unit_price,
                line.amount,
                line.production_date,
                line.expiry_date,
                line.batch_no,
                line.get_label_check_display(),
                line.get_result_display() + (f"：{line.reject_reason}" if line.reject_reason else ""),
                display_name(d.inspector),
            )

    return Report(
        title=_("进货查验记录（采购台账）"),
        columns=[
            Column(_("到货日期"), DATE, 14),
            Column(_("供应商"), width=18),
            Column(_("品名"), width=12),
            Column(_("数量"), DECIMAL, 8),
            Column(_("单位"), width=6),
            Column(_("单价"), MONEY, 9),
            Column(_("金额"), MONEY, 10, total=True),
            Column(_("生产日期"), DATE, 14),
            Column(_("到期日"), DATE, 14),
            Column(_("批号"), width=10),
            Column(_("标签核验"), width=12),  # 三无产品 check; 未记录 for lines from before it
            Column(_("查验结果"), width=16),
            Column(_("查验人"), width=8),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("canteen.suppliers", title="供应商证照一览", order=320)
def supplier_report(school, period):
    today = timezone.localdate()
    states = {"ok": _("有效"), "expiring": _("30天内到期"), "expired": _("已过期")}

    def rows():
        for s in Supplier.objects.filter(school=school).order_by("name").iterator():
            yield (
                s.name,
                s.business_licence_no,
                s.business_licence_expires,
                s.food_licence_no,
                s.food_licence_expires,
                _("是") if s.is_designated else _("否"),
                s.contract_no,
                s.contract_expires,
                states[supplier_licence_state(s, today)] + ("" if s.is_active else _("（已停用）")),
            )

    return Report(
        title=_("供应商证照一览"),
        columns=[
            Column(_("供应商"), width=20),
            Column(_("营业执照号"), width=20),
            Column(_("执照有效期"), DATE, 14),
            Column(_("食品经营许可证号"), width=20),
            Column(_("许可证有效期"), DATE, 14),
            Column(_("定点"), width=6),
            Column(_("合同编号"), width=14),
            Column(_("合同有效期"), DATE, 14),
            Column(_("状态"), width=12),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


def _dishes_with_ingredients(school, start, end):
    from django.db.models import Prefetch

    from .models import DishIngredient

    return (
        MenuDish.objects.filter(school=school, day__gte=start, day__lte=end)
        .select_related("menu")
        .prefetch_related(Prefetch("ingredients", queryset=DishIngredient.objects.select_related("food")))
        .order_by("day", "meal", "position", "id")
    )


def _ingredient_text(dish, groups):
    labels = {g.value: g.label for g in groups}
    per_food = {}
    for ing in dish.ingredients.all():
        per_food.setdefault(ing.food.name, []).append(
            f"{labels.get(ing.age_group, ing.age_group)}{ing.grams:g}g"
        )
    return "；".join(f"{name} {'/'.join(q)}" for name, q in per_food.items())


@register("canteen.menus", title="每周带量食谱", order=330)
def menu_report(school, period):
    groups = age_groups_for(school)
    dishes = sorted(
        _dishes_with_ingredients(school, period.start, period.end),
        key=lambda d: (d.day, _meal_key(d.meal), d.position),
    )
    rows = [
        (
            d.day,
            _("周%(w)s") % {"w": WEEKDAYS[d.day.weekday()]},
            d.get_meal_display(),
            d.name,
            _ingredient_text(d, groups),
            d.menu.get_status_display(),
        )
        for d in dishes
    ]
    return Report(
        title=_("每周带量食谱"),
        columns=[
            Column(_("日期"), DATE, 14),
            Column(_("星期"), width=6),
            Column(_("餐次"), width=8),
            Column(_("菜品"), width=16),
            Column(_("用料（每人）"), width=50),
            Column(_("状态"), width=8),
        ],
        rows=rows,
        school=school,
        period=period,
        landscape=True,
        # the pack's PDF: the dishes of each meal on one line; quantities per dish stay in the workbook
        pdf_summary=Summary(
            by=[_("日期"), _("星期"), _("餐次")],
            columns=[
                Agg(_("菜品数")),
                Agg(_("菜品"), JOIN, of=_("菜品"), width=50),
                Agg(_("状态"), JOIN, of=_("状态")),
            ],
            label=_("按餐次汇总菜品"),
            unit=_("道菜"),
        ),
    )


def menu_notice(school, menu):
    """The notice-board sheet: meals down, weekdays across, A4 landscape."""
    grid = selectors.menu_grid(menu, school)
    days, groups = grid["days"], grid["groups"]
    rows = []
    for row in grid["rows"]:
        cells = [
            "\n".join(
                f"{d.name}（{_ingredient_text(d, groups)}）" if d.ingredient_rows else d.name for d in cell
            )
            for cell in row["cells"]
        ]
        rows.append((row["meal"], *cells))
    return Report(
        title=_("每周带量食谱（%(start)s—%(end)s）")
        % {"start": format_date(menu.week_start), "end": format_date(menu.week_end)},
        columns=[Column(_("餐次"), width=8)]
        + [
            Column(
                _("周%(w)s %(m)d月%(d)d日") % {"w": WEEKDAYS[d.weekday()], "m": d.month, "d": d.day}, width=24
            )
            for d in days
        ],
        rows=rows,
        school=school,
        landscape=True,
        signatures=(_("营养员"), _("食堂负责人"), _("园长/校长")),
        empty_text=_("本周食谱尚无菜品"),
    )


@register("canteen.nutrition", title="营养分析", order=340)
def nutrition_report(school, period):
    rows = []
    for r in selectors.nutrition_summary(school, period.start, period.end):
        for v in r["values"]:
            rows.append(
                (
                    r["group"].label,
                    r["days"],
                    f"{v['label']}（{v['unit']}）",
                    v["value"],
                    v["target"],
                    f"{v['percent']}%" if v["percent"] is not None else "",
                )
            )
    return Report(
        title=_("营养分析（每人每日平均摄入）"),
        columns=[
            Column(_("年龄段"), width=10),
            Column(_("统计天数"), INT, 8),
            Column(_("营养素"), width=16),
            Column(_("平均摄入"), DECIMAL, 10),
            Column(_("目标"), DECIMAL, 10),
            Column(_("达标率"), width=8),
        ],
        rows=rows,
        school=school,
        period=period,
        notes=[_("按带量食谱用料与食物成分表（每100克可食部）计算；目标值见食堂设置。")],
    )


def fee_publication(school, period, account):
    s = selectors.fee_statement(school, period, account)
    rows = [
        (_("上月结余"), s["opening"]),
        (_("本月伙食费收入"), s["income"]),
        (_("本月请假退费"), -s["refund"]),
        (_("本月食品采购支出（进货查验验收金额）"), -s["purchases"]),
        (_("本月其他支出"), -s["expense"]),
        (_("本月结余"), s["closing"]),
    ]
    return Report(
        title=_("伙食账目公布（%(a)s）") % {"a": Account(account).label},
        columns=[Column(_("项目"), width=40), Column(_("金额（元）"), MONEY, 16)],
        rows=rows,
        school=school,
        period=period,
        notes=[_("师生伙食严格分开，专款专用。")],
        signatures=(_("会计"), _("食堂负责人"), _("园长/校长")),
    )


@register("canteen.fees", title="伙食账目", order=350, permission="canteen.accounts")
def fee_report(school, period):
    rows = []
    for account in Account.values:
        s = selectors.fee_statement(school, period, account)
        label = Account(account).label
        rows.append((label, _("上月结余"), None, s["opening"]))
        rows.append((label, _("伙食费收入"), s["income"], None))
        rows.append((label, _("请假退费"), -s["refund"], None))
        rows.append((label, _("食品采购支出"), -s["purchases"], None))
        rows.append((label, _("其他支出"), -s["expense"], None))
        rows.append((label, _("本月结余"), None, s["closing"]))
    for e in (
        FeeEntry.objects.filter(school=school, day__gte=period.start, day__lte=period.end)
        .order_by("account", "day", "id")
        .iterator()
    ):
        sign = 1 if e.kind == "income" else -1
        rows.append(
            (
                e.get_account_display(),
                f"{format_date(e.day)} {e.get_kind_display()}：{e.description}",
                sign * e.amount,
                None,
            )
        )
    return Report(
        title=_("伙食账目"),
        columns=[
            Column(_("账目"), width=16),
            Column(_("项目"), width=40),
            Column(_("发生额"), MONEY, 14),
            Column(_("余额"), MONEY, 14),
        ],
        rows=rows,
        school=school,
        period=period,
    )


@register("canteen.disinfection", title="餐具消毒与餐厨废弃物记录", order=360)
def disinfection_report(school, period):
    rows = [
        (
            _("餐具消毒"),
            x.day,
            x.get_meal_display(),
            _("%(items)s，%(method)s %(minutes)s 分钟")
            % {"items": x.items, "method": x.get_method_display(), "minutes": x.minutes},
            display_name(x.done_by),
        )
        for x in DisinfectionLog.objects.filter(school=school, day__gte=period.start, day__lte=period.end)
        .select_related("done_by")
        .order_by("day", "id")
    ]
    rows += [
        (
            _("餐厨废弃物"),
            w.day,
            "",
            _("%(kg)s 千克，收运：%(collector)s") % {"kg": w.quantity_kg, "collector": w.collector}
            + (f"，{w.notes}" if w.notes else ""),
            display_name(w.recorded_by),
        )
        for w in WasteLog.objects.filter(school=school, day__gte=period.start, day__lte=period.end)
        .select_related("recorded_by")
        .order_by("day", "id")
    ]
    return Report(
        title=_("餐具消毒与餐厨废弃物记录"),
        columns=[
            Column(_("类别"), width=12),
            Column(_("日期"), DATE, 14),
            Column(_("餐次"), width=8),
            Column(_("内容"), width=44),
            Column(_("记录人"), width=10),
        ],
        rows=rows,
        school=school,
        period=period,
    )


@register("canteen.checks", title="从业人员晨检记录", order=370)
def morning_check_report(school, period):
    qs = (
        MorningCheck.objects.filter(school=school, day__gte=period.start, day__lte=period.end)
        .select_related("worker", "checked_by")
        .order_by("day", "worker_id")
    )
    rows, highlight = [], set()
    for i, c in enumerate(qs):
        rows.append(
            (
                c.day,
                display_name(c.worker),
                c.get_result_display(),
                c.reason,
                _("有效") if c.certificate_ok else _("无有效健康证"),
                display_name(c.checked_by),
            )
        )
        if not c.certificate_ok or c.result != "healthy":
            highlight.add(i)
    return Report(
        title=_("从业人员晨检记录"),
        columns=[
            Column(_("日期"), DATE, 14),
            Column(_("姓名"), width=10),
            Column(_("结果"), width=12),
            Column(_("原因"), width=20),
            Column(_("健康证"), width=14),
            Column(_("检查人"), width=10),
        ],
        rows=rows,
        school=school,
        period=period,
        highlight=highlight,
        # the pack's PDF: one row per worker; every day's check stays in the workbook
        pdf_summary=Summary(
            by=[_("姓名")],
            columns=[
                Agg(_("晨检天数")),
                Agg(_("异常或无证天数"), FLAGGED),
                Agg(_("异常原因"), JOIN, of=_("原因"), width=20),
                Agg(_("健康证"), JOIN, of=_("健康证")),
                Agg(_("检查人"), JOIN, of=_("检查人")),
            ],
            label=_("按人员汇总"),
            unit=_("条"),
        ),
    )


@register("canteen.dining", title="陪餐记录", order=380)
def dining_report(school, period):
    rows = [
        (d.day, d.get_meal_display(), display_name(d.leader), d.feedback, d.follow_up)
        for d in DiningRecord.objects.filter(school=school, day__gte=period.start, day__lte=period.end)
        .select_related("leader")
        .order_by("day", "id")
    ]
    return Report(
        title=_("陪餐记录"),
        columns=[
            Column(_("日期"), DATE, 14),
            Column(_("餐次"), width=8),
            Column(_("陪餐人"), width=10),
            Column(_("评价与意见"), width=40),
            Column(_("整改跟进"), width=30),
        ],
        rows=rows,
        school=school,
        period=period,
    )


def month_gaps(school, period) -> list[str]:
    """Sentences for the month-pack cover: meals with no samples, suppliers with expired licences."""
    last_day = min(period.end, timezone.localdate())
    found = []
    if last_day >= period.start:
        for day, meal in selectors.missing_meals(school, period.start, last_day):
            found.append(
                _("%(y)d年%(m)d月%(d)d日 %(meal)s无留样记录")
                % {"y": day.year, "m": day.month, "d": day.day, "meal": Meal(meal).label}
            )
    expired = Supplier.objects.filter(
        school=school, is_active=True, food_licence_expires__lt=period.end
    ).values_list("name", flat=True)
    found += [_("供应商「%(s)s」食品经营许可证已过期") % {"s": name} for name in expired]
    return found
