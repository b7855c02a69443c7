"""Month-end sheets of the hygiene app, the weekly ranking PDF and the month-pack gaps."""

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from logistics.asof import rewind
from logistics.models import Campus
from logistics.reports import Agg, Column, Period, Report, Summary, register
from logistics.reports.base import DATE, DATETIME, DECIMAL, INT, MONEY, TEXT
from logistics.reports.summary import MIN, RATIO, SUM

from . import selectors
from .choices import CheckSession, ProblemStatus, TaskStatus
from .models import (
    DisinfectionRecord,
    GreeningTask,
    HealthCheck,
    HygieneInspection,
    HygieneProblem,
    InfectiousCase,
    Meter,
    MeterReading,
    SickAbsence,
    week_start,
)


def _name(user):
    from logistics.models import display_name

    return display_name(user)


def _weeks_in(period):
    week = week_start(period.start)
    while week <= period.end:
        yield week
        week += datetime.timedelta(days=7)


def ranking_report(school, week):
    rows, personal = selectors.ranking(school, week)
    end = week + datetime.timedelta(days=6)
    body = [(r["rank"], r["room"].name, r["score"], r["max"], f"{r['percent']}%") for r in rows]
    body += [
        ("—", f"{i.area.name}（{_name(i.area.person)}）", i.score, i.max_score, f"{i.percent:.1f}%")
        for i in personal
    ]
    return Report(
        title=_("班级卫生评比公布"),
        subtitle=_("第%(n)d周") % {"n": week.isocalendar()[1]},
        columns=[
            Column(_("名次"), INT, 8),
            Column(_("班级/包干区"), TEXT, 24),
            Column(_("得分"), DECIMAL, 10),
            Column(_("满分"), DECIMAL, 10),
            Column(_("得分率"), TEXT, 10),
        ],
        rows=body,
        school=school,
        period=Period(week, end),
        empty_text=_("本周尚无检查记录"),
        highlight={i for i, r in enumerate(rows) if r["rank"] == 1},
    )


@register("hygiene.scores", title="班级卫生检查评分与评比", order=600)
def hygiene_scores(school, period):
    # classes of the same name on several campuses (小二班 at 总部 and at 西区分部) are told apart
    campuses = dict(Campus.objects.filter(school=school).values_list("pk", "name"))

    def rows():
        for week in _weeks_in(period):
            ranked, personal = selectors.ranking(school, week)
            for r in ranked:
                room = r["room"]
                campus = campuses.get(room.campus_id, "")
                yield (week, campus, room.name, r["score"], r["max"], f"{r['percent']}%", r["rank"])
            for i in personal:
                yield (
                    week,
                    "",
                    f"{i.area.name}（{_name(i.area.person)}）",
                    i.score,
                    i.max_score,
                    f"{i.percent:.1f}%",
                    None,
                )

    return Report(
        title=_("班级卫生检查评分与评比"),
        columns=[
            Column(_("周（周一）"), DATE, 16),
            Column(_("校区"), TEXT, 12),
            Column(_("班级/包干区"), TEXT, 24),
            Column(_("得分"), DECIMAL),
            Column(_("满分"), DECIMAL),
            Column(_("得分率"), TEXT, 10),
            Column(_("名次"), INT, 8),
        ],
        rows=rows(),
        school=school,
        period=period,
        # the pack's PDF: each class's month (weeks, score rate, best rank); the weekly rows stay in
        # the workbook
        pdf_summary=Summary(
            by=[_("校区"), _("班级/包干区")],
            sort=True,
            columns=[
                Agg(_("检查周数")),
                Agg(_("得分合计"), SUM, of=_("得分"), total=False),
                Agg(_("满分合计"), SUM, of=_("满分"), total=False),
                Agg(_("月得分率"), RATIO, of=_("得分"), per=_("满分")),
                Agg(_("最好名次"), MIN, of=_("名次")),
            ],
            label=_("按校区、班级/包干区汇总全月"),
        ),
    )


@register("hygiene.disinfection", title="消毒记录", order=610)
def disinfection_log(school, period):
    qs = (
        DisinfectionRecord.objects.filter(
            school=school, done_at__gte=period.start_datetime(), done_at__lt=period.end_datetime()
        )
        .select_related("room", "disinfectant", "done_by", "case", "case__child")
        .order_by("done_at", "id")
    )

    def rows():
        for d in qs.iterator():
            flag = "" if d.concentration_ok is None else (_("合格") if d.concentration_ok else _("不合格"))
            yield (
                d.done_at,
                d.get_target_display() + (f" · {d.room.name}" if d.room else ""),
                d.get_method_display(),
                d.disinfectant.name if d.disinfectant else "",
                d.concentration,
                flag,
                d.minutes,
                _name(d.done_by),
                _("终末消毒（%(c)s %(d)s）") % {"c": d.case.child.name, "d": d.case.get_disease_display()}
                if d.case
                else d.note,
            )

    return Report(
        title=_("消毒记录"),
        columns=[
            Column(_("消毒时间"), DATETIME, 18),
            Column(_("对象"), TEXT, 18),
            Column(_("方式"), TEXT, 10),
            Column(_("消毒剂"), TEXT, 14),
            Column(_("测试浓度"), DECIMAL, 10),
            Column(_("浓度"), TEXT, 8),
            Column(_("作用分钟"), INT, 8),
            Column(_("消毒人"), TEXT, 10),
            Column(_("备注"), TEXT, 24),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("hygiene.checks", title="晨午检记录", order=620)
def health_checks(school, period):
    qs = (
        HealthCheck.objects.filter(school=school, date__gte=period.start, date__lte=period.end)
        .select_related("room", "checked_by")
        .annotate(n_findings=Count("findings"))
        .order_by("date", "room__name", "session")
    )

    def rows():
        for c in qs.iterator():
            yield (
                c.date,
                c.room.name,
                c.get_session_display(),
                c.enrolled,
                c.present,
                c.absent,
                c.n_findings,
                _name(c.checked_by),
            )

    return Report(
        title=_("晨午检记录"),
        columns=[
            Column(_("日期"), DATE, 16),
            Column(_("班级"), TEXT, 14),
            Column(_("检查"), TEXT, 8),
            Column(_("应到"), INT, 8, total=True),
            Column(_("实到"), INT, 8, total=True),
            Column(_("缺勤"), INT, 8, total=True),
            Column(_("异常人数"), INT, 8, total=True),
            Column(_("检查人"), TEXT, 10),
        ],
        rows=rows(),
        school=school,
        period=period,
    )


@register("hygiene.attendance", title="因病缺勤与出勤率", order=630)
def absence_attendance(school, period):
    class_rows, sums = selectors.attendance(school, period.start, period.end)
    absences = (
        SickAbsence.objects.filter(school=school, start_date__lte=period.end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.start))
        .select_related("child", "room")
        .annotate(n_calls=Count("calls"))
        .order_by("start_date", "id")
    )

    def rows():
        for r in class_rows:
            yield (
                _("出勤"),
                r["room"].name,
                "",
                f"{r['rate']}%" if r["rate"] is not None else "—",
                r["enrolled"],
                r["present"],
                r["sick_days"],
                None,
                "",
            )
        yield (
            _("出勤"),
            _("全校合计"),
            "",
            f"{sums['rate']}%" if sums["rate"] is not None else "—",
            sums["enrolled"],
            sums["present"],
            sums["sick_days"],
            None,
            "",
        )
        for a in absences.iterator():
            yield (
                _("因病缺勤"),
                a.room.name,
                a.child.name,
                a.get_symptom_display() + (f" {a.diagnosis}" if a.diagnosis else ""),
                None,
                None,
                None,
                a.n_calls,
                _("%(start)s 至 %(end)s") % {"start": f"{a.start_date:%m-%d}", "end": f"{a.end_date:%m-%d}"}
                if a.end_date
                else _("%(start)s 起，未返园") % {"start": f"{a.start_date:%m-%d}"},
            )

    return Report(
        title=_("因病缺勤与出勤率"),
        columns=[
            Column(_("类别"), TEXT, 10),
            Column(_("班级"), TEXT, 14),
            Column(_("幼儿"), TEXT, 10),
            Column(_("出勤率/症状"), TEXT, 16),
            Column(_("应到人次"), INT, 10),
            Column(_("实到人次"), INT, 10),
            Column(_("病假天数"), INT, 10),
            Column(_("随访次数"), INT, 8),
            Column(_("缺勤日期"), TEXT, 20),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("hygiene.infectious", title="传染病登记与追踪", order=640)
def infectious_cases(school, period):
    qs = (
        InfectiousCase.objects.filter(school=school, onset_date__lte=period.end)
        .filter(Q(returned_on__isnull=True) | Q(returned_on__gte=period.start))
        .select_related("child", "room")
        .annotate(n_terminal=Count("disinfections"))
        .order_by("onset_date", "id")
    )

    def rows():
        for c in qs.iterator():
            yield (
                c.child.name,
                c.room.name,
                c.get_disease_display(),
                c.onset_date,
                c.diagnosed_by,
                c.isolation_until,
                c.returned_on,
                c.certificate,
                _("已做") if c.n_terminal else _("未登记"),
                c.class_measures,
            )

    return Report(
        title=_("传染病登记与追踪"),
        columns=[
            Column(_("幼儿"), TEXT, 10),
            Column(_("班级"), TEXT, 12),
            Column(_("病种"), TEXT, 12),
            Column(_("发病日期"), DATE, 16),
            Column(_("诊断医院"), TEXT, 16),
            Column(_("隔离至"), DATE, 16),
            Column(_("复课日期"), DATE, 16),
            Column(_("复课证明"), TEXT, 16),
            Column(_("终末消毒"), TEXT, 8),
            Column(_("班级措施"), TEXT, 30),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("hygiene.greening", title="绿化养护任务", order=650)
def greening(school, period):
    """The month's tasks as they stood at its end: one finished in the next month is still 待完成."""
    qs = (
        GreeningTask.objects.filter(school=school, due_date__gte=period.start, due_date__lte=period.end)
        .select_related("plan", "done_by")
        .order_by("due_date", "id")
    )

    def rows():
        for t in rewind(qs, at=period.end_datetime()):
            yield (
                t.plan.name,
                t.plan.get_kind_display(),
                t.period,
                t.due_date,
                t.get_status_display(),
                _name(t.done_by),
                t.done_at,
                t.note,
            )

    return Report(
        title=_("绿化养护任务"),
        columns=[
            Column(_("养护项目"), TEXT, 18),
            Column(_("类别"), TEXT, 10),
            Column(_("周期"), TEXT, 10),
            Column(_("期限"), DATE, 16),
            Column(_("状态"), TEXT, 8),
            Column(_("完成人"), TEXT, 10),
            Column(_("完成时间"), DATETIME, 18),
            Column(_("完成情况"), TEXT, 24),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


@register("hygiene.utilities", title="水电气用量与费用", order=660)
def utilities(school, period):
    qs = (
        MeterReading.objects.filter(school=school, month=period.start.replace(day=1))
        .select_related("meter", "meter__campus", "read_by")
        .order_by("meter__kind", "meter__campus__name", "meter__name")
    )

    def rows():
        for r in qs.iterator():
            m = r.meter
            yield (
                m.get_kind_display(),
                f"{m.campus.name} {m.building}".strip(),
                m.name,
                r.value,
                r.consumption,
                m.unit,
                r.unit_price,
                r.cost,
                r.baseline,
                (_("用量异常，疑似跑冒滴漏") if r.flagged else "")
                + (_("；本月换表") if r.is_replacement else ""),
            )

    return Report(
        title=_("水电气用量与费用"),
        columns=[
            Column(_("类型"), TEXT, 8),
            Column(_("位置"), TEXT, 16),
            Column(_("计量表"), TEXT, 16),
            Column(_("读数"), DECIMAL, 12),
            Column(_("用量"), DECIMAL, 12),
            Column(_("单位"), TEXT, 8),
            Column(_("单价"), DECIMAL, 8),
            Column(_("费用(元)"), MONEY, 12, total=True),
            Column(_("前三月平均"), DECIMAL, 12),
            Column(_("说明"), TEXT, 20),
        ],
        rows=rows(),
        school=school,
        period=period,
        landscape=True,
    )


def month_gaps(school, period, today=None) -> list[str]:
    """Gaps for the month-pack cover: weeks without hygiene inspection, school days without morning
    checks, meters not read, overdue problems and greening tasks, cases without terminal disinfection.
    A fixed number of queries."""
    from django.utils import timezone

    today = today or timezone.localdate()
    last = min(period.end, today)
    gaps = []
    inspected = set(
        HygieneInspection.objects.filter(
            school=school, week__gte=week_start(period.start), week__lte=period.end
        )
        .values_list("week", flat=True)
        .distinct()
    )
    for week in _weeks_in(period):
        if week + datetime.timedelta(days=4) <= last and week not in inspected:
            gaps.append(_("第%(n)d周班级卫生检查未进行") % {"n": week.isocalendar()[1]})
    checked = set(
        HealthCheck.objects.filter(
            school=school, session=CheckSession.MORNING, date__gte=period.start, date__lte=last
        ).values_list("date", flat=True)
    )
    missing = []
    day = period.start
    while day <= last:
        if day.weekday() < 5 and day not in checked:
            missing.append(day)
        day += datetime.timedelta(days=1)
    if missing:
        shown = "、".join(_("%(m)d月%(d)d日") % {"m": d.month, "d": d.day} for d in missing[:5])
        more = _("等%(n)d天") % {"n": len(missing)} if len(missing) > 5 else ""
        gaps.append(_("%(days)s 无晨检记录") % {"days": shown + more})
    if period.start <= today:
        unread = (
            Meter.objects.filter(school=school, is_active=True)
            .exclude(readings__month=period.start)
            .values_list("name", flat=True)
        )
        for name in unread[:10]:
            gaps.append(_("计量表「%(m)s」%(p)s未抄表") % {"m": name, "p": period.label})
    for p in HygieneProblem.objects.filter(school=school, status=ProblemStatus.OPEN, deadline__lt=last)[:10]:
        gaps.append(_("卫生问题「%(p)s」已逾期未整改") % {"p": p.description})
    overdue_tasks = GreeningTask.objects.filter(
        school=school, status=TaskStatus.OPEN, due_date__lt=last
    ).count()
    if overdue_tasks:
        gaps.append(_("绿化养护任务逾期 %(n)d 项") % {"n": overdue_tasks})
    for c in InfectiousCase.objects.filter(
        school=school, onset_date__gte=period.start, onset_date__lte=period.end, disinfections__isnull=True
    ).select_related("child", "room")[:10]:
        gaps.append(
            _("%(room)s%(child)s（%(d)s）未登记终末消毒")
            % {"room": c.room.name, "child": c.child.name, "d": c.get_disease_display()}
        )
    return gaps
