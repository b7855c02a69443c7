"""Safety's month-end sheets (Excel and PDF through the report registry) and the pack's gaps."""

import datetime

from django.db.models import Count, Q

from logistics.models import display_name
from logistics.reports import Column, Report, register
from logistics.reports.base import DATE, DATETIME, INT, TEXT
from logistics.templatetags.logistics_tags import mask_id

from . import selectors
from .choices import (
    DrillKind,
    DrillStatus,
    FireCheckResult,
    FireEquipmentKind,
    FirePreventionStatus,
    HazardStatus,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    RiskLevel,
)
from .models import (
    Drill,
    FireEquipment,
    FirePreventionCheck,
    FireSelfCheckItem,
    Hazard,
    HazmatMovement,
    Inspection,
    InspectionItem,
    Visitor,
)


def _in_month(period, field):
    return {f"{field}__gte": period.start, f"{field}__lte": period.end}


def _in_month_dt(period, field):
    return {f"{field}__gte": period.start_datetime(), f"{field}__lt": period.end_datetime()}


@register("safety.inspections", title="安全检查情况表", order=300)
def inspections_report(school, period):
    qs = (
        Inspection.objects.filter(school=school, **_in_month(period, "period_start"))
        .select_related("assigned_to", "submitted_by")
        .annotate(
            n_pass=Count("items", filter=Q(items__result=ItemResult.PASS)),
            n_fail=Count("items", filter=Q(items__result=ItemResult.FAIL)),
            n_na=Count("items", filter=Q(items__result=ItemResult.NA)),
            n_blank=Count("items", filter=Q(items__result="")),
        )
        .order_by("period_start", "kind")
    )

    def rows():
        for i in qs.iterator():
            yield (
                i.get_kind_display(),
                i.period_label,
                display_name(i.assigned_to),
                i.get_status_display(),
                i.submitted_at,
                i.n_pass,
                i.n_fail,
                i.n_na,
                i.n_blank,
                i.summary,
            )

    return Report(
        title="安全检查情况表",
        columns=[
            Column("检查类型", width=18),
            Column("周期", width=14),
            Column("检查人", width=10),
            Column("状态", width=8),
            Column("提交时间", DATETIME, width=18),
            Column("合格", INT, width=6, total=True),
            Column("不合格", INT, width=7, total=True),
            Column("不适用", INT, width=7, total=True),
            Column("未检", INT, width=6, total=True),
            Column("小结", width=30),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("safety.hazards", title="安全隐患台账", order=310)
def hazards_report(school, period):
    qs = (
        Hazard.objects.filter(school=school)
        .filter(
            Q(**_in_month(period, "found_on"))
            | Q(found_on__lt=period.start, status__in=selectors.OPEN_HAZARD)
            | Q(found_on__lt=period.start, **_in_month_dt(period, "verified_at"))
            | Q(
                found_on__lt=period.start,
                status=HazardStatus.WITHDRAWN,
                **_in_month_dt(period, "withdrawn_at"),
            )
        )
        .select_related("room", "found_by", "assignee", "rectified_by", "verified_by")
        .order_by("found_on", "pk")
    )

    def rows():
        for h in qs.iterator():
            yield (
                h.found_on,
                h.title,
                h.where,
                h.get_risk_level_display(),
                display_name(h.found_by),
                display_name(h.assignee),
                h.deadline,
                h.rectification,
                h.rectified_at,
                display_name(h.verified_by),
                _hazard_status(h, period),
            )

    return Report(
        title="安全隐患排查整改台账",
        columns=[
            Column("发现日期", DATE, width=13),
            Column("隐患内容", width=28),
            Column("位置", width=14),
            Column("风险", width=6),
            Column("发现人", width=9),
            Column("责任人", width=9),
            Column("整改期限", DATE, width=13),
            Column("整改措施", width=24),
            Column("整改时间", DATETIME, width=17),
            Column("验收人", width=9),
            Column("状态", width=12),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
        notes=[
            "含本月发现的隐患、此前发现尚未销号的隐患及本月验收销号或撤销的隐患。"
            "已撤销的隐患为误报，不计入未销号和已整改数。"
        ],
    )


def _hazard_status(h, period):
    if h.status == HazardStatus.WITHDRAWN:
        return (
            f"{h.get_status_display()}（{h.withdraw_reason}）"
            if h.withdraw_reason
            else h.get_status_display()
        )
    return h.get_status_display() + ("（逾期）" if h.is_overdue(period.end) else "")


@register("safety.drills", title="应急疏散演练记录", order=320)
def drills_report(school, period):
    qs = Drill.objects.filter(school=school).filter(
        Q(**_in_month(period, "held_on")) | Q(status=DrillStatus.PLANNED, **_in_month(period, "planned_on"))
    )
    qs = qs.select_related("recorded_by").order_by("planned_on", "pk")

    def rows():
        for d in qs.iterator():
            yield (
                d.get_kind_display(),
                d.title,
                d.held_on or d.planned_on,
                d.get_status_display(),
                d.participants,
                d.floors,
                d.evacuation_display + ("（超过2分钟）" if d.too_slow else ""),
                "；".join(
                    f"{label}：{value}"
                    for label, value in (
                        ("指挥", d.commander),
                        ("引导", d.guides),
                        ("搜救", d.rescuers),
                        ("救护", d.medics),
                    )
                    if value
                ),
                d.reflection,
                d.follow_up,
            )

    return Report(
        title="应急疏散演练记录",
        columns=[
            Column("类型", width=10),
            Column("演练名称", width=20),
            Column("日期", DATE, width=13),
            Column("状态", width=8),
            Column("人数", INT, width=6, total=True),
            Column("楼层", INT, width=5),
            Column("疏散用时", width=12),
            Column("分工", width=26),
            Column("查问题、找根源", width=26),
            Column("整改跟进", width=22),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("safety.visitors", title="来访登记汇总", order=330)
def visitors_report(school, period):
    qs = Visitor.objects.filter(school=school, **_in_month_dt(period, "time_in")).order_by("time_in", "pk")

    def rows():
        for v in qs.iterator():
            yield (
                v.time_in,
                v.name,
                mask_id(v.id_number),
                v.organisation,
                v.reason,
                v.host,
                v.badge,
                v.time_out,
            )

    return Report(
        title="来访登记汇总",
        columns=[
            Column("进校时间", DATETIME, width=17),
            Column("姓名", width=9),
            Column("身份证号", width=20),
            Column("单位", width=18),
            Column("事由", width=18),
            Column("被访人", width=9),
            Column("来访证", width=8),
            Column("离校时间", DATETIME, width=17),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
        notes=["身份证号已脱敏。"],
    )


@register("safety.fire_selfcheck", title="消防设备自检表", order=340)
def fire_selfcheck_report(school, period):
    qs = (
        FireSelfCheckItem.objects.filter(school=school, self_check__month=period.start)
        .select_related("equipment__room", "self_check__checked_by")
        .order_by("equipment__room__name", "equipment__code")
    )

    def rows():
        for i in qs.iterator():
            e = i.equipment
            yield (
                e.code,
                e.get_kind_display(),
                f"{e.room.name} {e.position}".strip(),
                e.expires_on,
                e.next_check_on,
                i.get_result_display() if i.result else "未检",
                i.note,
                display_name(i.self_check.checked_by),
            )

    return Report(
        title="消防设备月度自检表",
        columns=[
            Column("编号", width=10),
            Column("器材", width=14),
            Column("位置", width=18),
            Column("有效期", DATE, width=13),
            Column("下次检测", DATE, width=13),
            Column("结果", width=7),
            Column("说明", width=22),
            Column("检查人", width=9),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
        signatures=("检查人", "安全负责人", "校长"),
    )


def _fire_summary_rows(school, period):
    equipment = FireEquipment.objects.filter(school=school, is_active=True).aggregate(
        total=Count("pk"),
        **{k: Count("pk", filter=Q(kind=k)) for k in FireEquipmentKind.values},
        expired=Count("pk", filter=Q(expires_on__lte=period.end)),
        check_due=Count("pk", filter=Q(next_check_on__lte=period.end)),
    )
    checks = FireSelfCheckItem.objects.filter(school=school, self_check__month=period.start).aggregate(
        total=Count("pk"),
        ok=Count("pk", filter=Q(result=FireCheckResult.OK)),
        bad=Count("pk", filter=Q(result__in=[FireCheckResult.FAULT, FireCheckResult.MISSING])),
    )
    prevention = FirePreventionCheck.objects.filter(
        school=school, **_in_month(period, "checked_on")
    ).aggregate(total=Count("pk"), signed=Count("pk", filter=Q(status=FirePreventionStatus.SIGNED)))
    fire_drills = Drill.objects.filter(
        school=school, kind=DrillKind.FIRE, status=DrillStatus.DONE, **_in_month(period, "held_on")
    ).aggregate(n=Count("pk"), people=Count("participants"))
    kinds = "，".join(
        f"{FireEquipmentKind(k).label}{equipment[k]}" for k in FireEquipmentKind.values if equipment[k]
    )
    return [
        ("在用消防器材", f"{equipment['total']} 件（{kinds or '无'}）"),
        ("已过有效期或本月到期", f"{equipment['expired']} 件"),
        ("需检测/压力检查", f"{equipment['check_due']} 件"),
        ("月度自检", f"检查 {checks['total']} 件，正常 {checks['ok']} 件，异常/缺失 {checks['bad']} 件"),
        ("防火检查", f"{prevention['total']} 次，其中校长已签字 {prevention['signed']} 次"),
        ("消防疏散演练", f"{fire_drills['n']} 次"),
    ]


@register("safety.fire_monthly", title="消防月报表", order=345)
def fire_monthly_report(school, period):
    return Report(
        title="消防安全月报表",
        columns=[Column("项目", width=24), Column("情况", width=60)],
        rows=_fire_summary_rows(school, period),
        school=school,
        period=period,
        signatures=("填报人", "消防安全管理人", "消防安全责任人（校长）"),
    )


@register("safety.building", title="校舍安全月报", order=350)
def building_report(school, period):
    mondays = selectors.weekly_mondays(period, today=period.end)
    done = selectors.weekly_done([school.pk], mondays).get(school.pk, 0)
    monthly = (
        Inspection.objects.filter(school=school, kind=InspectionKind.MONTHLY, period_start=period.start)
        .values_list("status", flat=True)
        .first()
    )
    failed = (
        InspectionItem.objects.filter(
            school=school,
            inspection__period_start__gte=period.start,
            inspection__period_start__lte=period.end,
            result=ItemResult.FAIL,
        )
        .values("area")
        .annotate(n=Count("pk"))
        .order_by("-n", "area")
    )
    hz = Hazard.objects.filter(school=school).aggregate(
        # a withdrawn hazard (误报) was not a hazard: counted on its own line, not as found
        found=Count("pk", filter=Q(**_in_month(period, "found_on")) & ~Q(status=HazardStatus.WITHDRAWN)),
        withdrawn=Count(
            "pk", filter=Q(status=HazardStatus.WITHDRAWN, **_in_month_dt(period, "withdrawn_at"))
        ),
        verified=Count("pk", filter=Q(**_in_month_dt(period, "verified_at"))),
        open=Count("pk", filter=Q(status__in=selectors.OPEN_HAZARD, found_on__lte=period.end)),
        overdue=Count(
            "pk",
            filter=Q(status__in=[HazardStatus.FOUND, HazardStatus.ASSIGNED], deadline__lt=period.end),
        ),
        major=Count(
            "pk",
            filter=Q(status__in=selectors.OPEN_HAZARD, risk_level__in=[RiskLevel.HIGH, RiskLevel.MAJOR]),
        ),
    )
    rows = [
        ("每周安全检查", f"应检 {len(mondays)} 次，已完成 {done} 次"),
        (
            "每月全面大检查",
            "已完成" if monthly == InspectionStatus.SUBMITTED else ("未完成" if monthly else "未开展"),
        ),
        ("检查不合格项（按区域）", "，".join(f"{r['area']} {r['n']} 项" for r in failed) or "无"),
        ("本月发现隐患", f"{hz['found']} 条"),
        ("本月验收销号", f"{hz['verified']} 条"),
        ("本月撤销（误报）", f"{hz['withdrawn']} 条"),
        ("月末未销号隐患", f"{hz['open']} 条（其中高风险/重大 {hz['major']} 条）"),
        ("逾期未整改隐患", f"{hz['overdue']} 条"),
    ]
    return Report(
        title="校舍安全月报",
        columns=[Column("项目", width=24), Column("情况", width=60)],
        rows=rows,
        school=school,
        period=period,
        signatures=("填报人", "后勤主任", "校长"),
    )


@register("safety.hazmat", title="危险品出入库登记", order=360)
def hazmat_report(school, period):
    qs = (
        HazmatMovement.objects.filter(school=school, **_in_month_dt(period, "at"))
        .select_related("material", "by")
        .order_by("at", "pk")
    )

    def rows():
        for m in qs.iterator():
            yield (
                m.at,
                m.material.name,
                m.get_kind_display(),
                f"{m.quantity} {m.material.unit}",
                f"{m.balance} {m.material.unit}",
                m.purpose,
                m.receiver,
                display_name(m.by),
            )

    return Report(
        title="危险品及清洁消毒用品出入库登记",
        columns=[
            Column("时间", DATETIME, width=17),
            Column("名称", width=14),
            Column("类型", width=6),
            Column("数量", TEXT, width=10),
            Column("结存", TEXT, width=10),
            Column("用途/来源", width=22),
            Column("领用人", width=9),
            Column("经办人", width=9),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
        signatures=("保管人", "后勤主任", "校长"),
    )


def month_gaps(school, period, today=None) -> list[str]:
    """Gaps for the month-pack cover: missed weekly inspections, overdue hazards, drills behind."""
    from .services import drill_behind, settings_for_schools

    today = today or datetime.date.today()
    gaps = []
    mondays = selectors.weekly_mondays(period, today=min(today, period.end))
    submitted = set(
        Inspection.objects.filter(
            school=school,
            kind=InspectionKind.WEEKLY,
            status=InspectionStatus.SUBMITTED,
            period_start__in=mondays,
        ).values_list("period_start", flat=True)
    )
    for monday in mondays:
        if monday not in submitted:
            gaps.append(f"第{monday.isocalendar().week}周安全检查未完成（{monday.month}月{monday.day}日起）")
    as_of = min(today, period.end + datetime.timedelta(days=1))
    overdue = selectors.overdue_hazards(Hazard.objects.filter(school=school), as_of).order_by("deadline")
    for title, deadline in overdue.values_list("title", "deadline")[:20]:
        gaps.append(f"隐患「{title}」已逾期（整改期限{deadline.month}月{deadline.day}日）")
    last = selectors.last_drills([school.pk]).get(school.pk, {})
    for kind in drill_behind(settings_for_schools([school])[school.pk], last, min(today, period.end)):
        gaps.append(f"{DrillKind(kind).label}演练滞后")
    return gaps
