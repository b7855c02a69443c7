"""Safety's month-end sheets (Excel and PDF through the report registry) and the pack's gaps."""

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


@register("safety.inspections", title=gettext_lazy("安全检查情况表"), order=300)
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
        title=_("安全检查情况表"),
        columns=[
            Column(_("检查类型"), width=18),
            Column(_("周期"), width=14),
            Column(_("检查人"), width=10),
            Column(_("状态"), width=8),
            Column(_("提交时间"), DATETIME, width=18),
            Column(_("合格"), INT, width=6, total=True),
            Column(_("不合格"), INT, width=7, total=True),
            Column(_("不适用"), INT, width=7, total=True),
            Column(_("未检"), INT, width=6, total=True),
            Column(_("小结"), width=30),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("safety.hazards", title=gettext_lazy("安全隐患台账"), order=310)
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
        title=_("安全隐患排查整改台账"),
        columns=[
            Column(_("发现日期"), DATE, width=13),
            Column(_("隐患内容"), width=28),
            Column(_("位置"), width=14),
            Column(_("风险"), width=6),
            Column(_("发现人"), width=9),
            Column(_("责任人"), width=9),
            Column(_("整改期限"), DATE, width=13),
            Column(_("整改措施"), width=24),
            Column(_("整改时间"), DATETIME, width=17),
            Column(_("验收人"), width=9),
            Column(_("状态"), width=12),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
        notes=[
            _(
                "含本月发现的隐患、此前发现尚未销号的隐患及本月验收销号或撤销的隐患。"
                "已撤销的隐患为误报，不计入未销号和已整改数。"
            )
        ],
    )


def _hazard_status(h, period):
    status = h.get_status_display()
    if h.status == HazardStatus.WITHDRAWN and h.withdraw_reason:
        return _("%(s)s（%(r)s）") % {"s": status, "r": h.withdraw_reason}
    if h.is_overdue(period.end):
        return _("%(s)s（逾期）") % {"s": status}
    return status


@register("safety.drills", title=gettext_lazy("应急疏散演练记录"), order=320)
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
                _("%(t)s（超过2分钟）") % {"t": d.evacuation_display} if d.too_slow else d.evacuation_display,
                "；".join(
                    _("%(role)s：%(who)s") % {"role": label, "who": value}
                    for label, value in (
                        (_("指挥"), d.commander),
                        (_("引导"), d.guides),
                        (_("搜救"), d.rescuers),
                        (_("救护"), d.medics),
                    )
                    if value
                ),
                d.reflection,
                d.follow_up,
            )

    return Report(
        title=_("应急疏散演练记录"),
        columns=[
            Column(_("类型"), width=10),
            Column(_("演练名称"), width=20),
            Column(_("日期"), DATE, width=13),
            Column(_("状态"), width=8),
            Column(_("人数"), INT, width=6, total=True),
            Column(_("楼层"), INT, width=5),
            Column(_("疏散用时"), width=12),
            Column(_("分工"), width=26),
            Column(_("查问题、找根源"), width=26),
            Column(_("整改跟进"), width=22),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("safety.visitors", title=gettext_lazy("来访登记汇总"), order=330)
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
        title=_("来访登记汇总"),
        columns=[
            Column(_("进校时间"), DATETIME, width=17),
            Column(_("姓名"), width=9),
            Column(_("身份证号"), width=20),
            Column(_("单位"), width=18),
            Column(_("事由"), width=18),
            Column(_("被访人"), width=9),
            Column(_("来访证"), width=8),
            Column(_("离校时间"), DATETIME, width=17),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
        notes=[_("身份证号已脱敏。")],
    )


@register("safety.fire_selfcheck", title=gettext_lazy("消防设备自检表"), order=340)
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
                i.get_result_display() if i.result else _("未检"),
                i.note,
                display_name(i.self_check.checked_by),
            )

    return Report(
        title=_("消防设备月度自检表"),
        columns=[
            Column(_("编号"), width=10),
            Column(_("器材"), width=14),
            Column(_("位置"), width=18),
            Column(_("有效期"), DATE, width=13),
            Column(_("下次检测"), DATE, width=13),
            Column(_("结果"), width=7),
            Column(_("说明"), width=22),
            Column(_("检查人"), width=9),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
        signatures=(_("检查人"), _("安全负责人"), _("校长")),
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
        (_("在用消防器材"), _("%(n)d 件（%(k)s）") % {"n": equipment["total"], "k": kinds or _("无")}),
        (_("已过有效期或本月到期"), _("%(n)d 件") % {"n": equipment["expired"]}),
        (_("需检测/压力检查"), _("%(n)d 件") % {"n": equipment["check_due"]}),
        (
            _("月度自检"),
            _("检查 %(n)d 件，正常 %(ok)d 件，异常/缺失 %(bad)d 件")
            % {"n": checks["total"], "ok": checks["ok"], "bad": checks["bad"]},
        ),
        (
            _("防火检查"),
            _("%(n)d 次，其中校长已签字 %(s)d 次") % {"n": prevention["total"], "s": prevention["signed"]},
        ),
        (_("消防疏散演练"), _("%(n)d 次") % {"n": fire_drills["n"]}),
    ]


@register("safety.fire_monthly", title=gettext_lazy("消防月报表"), order=345)
def fire_monthly_report(school, period):
    return Report(
        title=_("消防安全月报表"),
        columns=[Column(_("项目"), width=24), Column(_("情况"), width=60)],
        rows=_fire_summary_rows(school, period),
        school=school,
        period=period,
        signatures=(_("填报人"), _("消防安全管理人"), _("消防安全责任人（校长）")),
    )


@register("safety.building", title=gettext_lazy("校舍安全月报"), order=350)
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
    if monthly == InspectionStatus.SUBMITTED:
        monthly_state = _("已完成")
    else:
        monthly_state = _("未完成") if monthly else _("未开展")
    rows = [
        (_("每周安全检查"), _("应检 %(n)d 次，已完成 %(d)d 次") % {"n": len(mondays), "d": done}),
        (_("每月全面大检查"), monthly_state),
        (
            _("检查不合格项（按区域）"),
            "，".join(_("%(a)s %(n)d 项") % {"a": r["area"], "n": r["n"]} for r in failed) or _("无"),
        ),
        (_("本月发现隐患"), _("%(n)d 条") % {"n": hz["found"]}),
        (_("本月验收销号"), _("%(n)d 条") % {"n": hz["verified"]}),
        (_("本月撤销（误报）"), _("%(n)d 条") % {"n": hz["withdrawn"]}),
        (
            _("月末未销号隐患"),
            _("%(n)d 条（其中高风险/重大 %(m)d 条）") % {"n": hz["open"], "m": hz["major"]},
        ),
        (_("逾期未整改隐患"), _("%(n)d 条") % {"n": hz["overdue"]}),
    ]
    return Report(
        title=_("校舍安全月报"),
        columns=[Column(_("项目"), width=24), Column(_("情况"), width=60)],
        rows=rows,
        school=school,
        period=period,
        signatures=(_("填报人"), _("后勤主任"), _("校长")),
    )


@register("safety.hazmat", title=gettext_lazy("危险品出入库登记"), order=360)
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
        title=_("危险品及清洁消毒用品出入库登记"),
        columns=[
            Column(_("时间"), DATETIME, width=17),
            Column(_("名称"), width=14),
            Column(_("类型"), width=6),
            Column(_("数量"), TEXT, width=10),
            Column(_("结存"), TEXT, width=10),
            Column(_("用途/来源"), width=22),
            Column(_("领用人"), width=9),
            Column(_("经办人"), width=9),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
        signatures=(_("保管人"), _("后勤主任"), _("校长")),
    )


def month_gaps(school, period, today=None) -> list[str]:
    """Gaps for the month-pack cover: missed weekly inspections, overdue hazards, drills behind."""
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
            gaps.append(
                _("第%(w)d周安全检查未完成（%(m)d月%(d)d日起）")
                % {"w": monday.isocalendar().week, "m": monday.month, "d": monday.day}
            )
    as_of = min(today, period.end + datetime.timedelta(days=1))
    overdue = selectors.overdue_hazards(Hazard.objects.filter(school=school), as_of).order_by("deadline")
    for title, deadline in overdue.values_list("title", "deadline")[:20]:
        gaps.append(
            _("隐患「%(t)s」已逾期（整改期限%(m)d月%(d)d日）")
            % {"t": title, "m": deadline.month, "d": deadline.day}
        )
    last = selectors.last_drills([school.pk]).get(school.pk, {})
    settings = selectors.settings_for_schools([school])[school.pk]
    for kind in selectors.drill_behind(settings, last, min(today, period.end)):
        gaps.append(_("%(k)s演练滞后") % {"k": DrillKind(kind).label})
    return gaps
