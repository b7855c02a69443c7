"""Every write of the hygiene app (DESIGN.md rule 3): keyword-only, atomic, audited.

The state changes (sick absences, infectious cases, inspection problems, greening tasks) go through
the transition tables in hygiene/workflows.py. Who may record what comes from the person's membership
(`logistics.permissions.role_of`), never from the view: a class teacher records health data only for
the classes they are responsible for.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from logistics.audit import apply_correction, record_creation
from logistics.choices import Role, RoomType
from logistics.notifications import notify
from logistics.permissions import role_can, role_of
from logistics.validation import not_future

from . import selectors, workflows
from .choices import (
    AbsenceAction,
    AbsenceStatus,
    CaseAction,
    GreeningFrequency,
    ProblemAction,
    ProblemStatus,
    TaskAction,
)
from .models import (
    CheckFinding,
    Child,
    DisinfectionRecord,
    FollowUpCall,
    GreeningPlan,
    GreeningTask,
    HealthCheck,
    HygieneCriterion,
    HygieneInspection,
    HygieneProblem,
    HygieneScore,
    HygieneSettings,
    InfectiousCase,
    Meter,
    MeterReading,
    SickAbsence,
    week_start,
)


def may_record_for_room(*, user, role, room) -> bool:
    """A class teacher records health data only for the classes they are responsible for."""
    if room is None or room.room_type != RoomType.CLASSROOM:
        return False
    if role == Role.TEACHER:
        return room.responsible_id == user.pk
    return role_can(role, "health.record")


def _require_room(*, by, room, role=None):
    """`by` may record for `room`: their role in the room's school from their membership."""
    if role is None:
        role = role_of(room.school_id, by) if room is not None else None
    if not may_record_for_room(user=by, role=role, room=room):
        raise ValidationError(_("您只能为自己负责的班级登记。"))


def may_correct_problem(*, user, role, problem) -> bool:
    """A class teacher marks as corrected only the problems of their own class or of the area they
    are responsible for; the others who hold hygiene.record, any problem."""
    if role != Role.TEACHER:
        return True
    i = problem.inspection
    room = i.room or (i.area.room if i.area else None)
    person = i.area.person_id if i.area else None
    return (room is not None and room.responsible_id == user.pk) or person == user.pk


# --- health: morning and noon checks -----------------------------------------------------------------


def morning_check_record(*, school, by, room, date, session, present, note="", findings=()):
    """Record a class's 晨检/午检 with its abnormal children. Returns the HealthCheck."""
    if room.school_id != school.pk:
        raise ValidationError(_("班级不属于本校。"))
    _require_room(by=by, room=room)
    not_future(date, _("检查日期"))
    with transaction.atomic():
        enrolled = Child.objects.filter(school=school, room=room, is_active=True).count()
        if enrolled == 0:
            raise ValidationError(_("该班级没有在册幼儿，请先登记幼儿名单。"))
        if present is None or present < 0:
            raise ValidationError(_("实到人数不能为负数。"))
        if present > enrolled:
            raise ValidationError(
                _("实到人数（%(p)s）不能超过在册人数（%(e)s）。") % {"p": present, "e": enrolled}
            )
        if HealthCheck.objects.filter(room=room, date=date, session=session).exists():
            raise ValidationError(_("该班级当天的此次检查已登记，如需修改请更正。"))
        seen = set()
        for f in findings:
            child = f["child"]
            if child.room_id != room.pk or child.school_id != school.pk:
                raise ValidationError(_("幼儿「%(c)s」不在该班级。") % {"c": child.name})
            if child.pk in seen:
                raise ValidationError(_("幼儿「%(c)s」重复登记。") % {"c": child.name})
            seen.add(child.pk)
        try:
            with transaction.atomic():
                check = HealthCheck.objects.create(
                    school=school,
                    room=room,
                    date=date,
                    session=session,
                    enrolled=enrolled,
                    present=present,
                    note=note,
                    checked_by=by,
                )
        except IntegrityError as exc:
            raise ValidationError(_("该班级当天的此次检查已登记，如需修改请更正。")) from exc
        for f in findings:
            CheckFinding.objects.create(
                school=school,
                check_record=check,
                child=f["child"],
                symptom=f["symptom"],
                temperature=f.get("temperature"),
                action=f["action"],
                detail=f.get("detail", ""),
            )
        record_creation(obj=check, by=by)
    return check


def morning_check_correct(*, obj, by, present, note, reason):
    with transaction.atomic():
        locked = HealthCheck.objects.select_for_update().get(pk=obj.pk)
        if present < 0 or present > locked.enrolled:
            raise ValidationError(_("实到人数应在 0 到 %(e)s 之间。") % {"e": locked.enrolled})
        apply_correction(obj=locked, by=by, changes={"present": present, "note": note}, reason=reason)
    return locked


# --- health: sick absence ----------------------------------------------------------------------------


def absence_record(*, school, by, child, start_date, symptom, diagnosis=""):
    if child.school_id != school.pk:
        raise ValidationError(_("幼儿不属于本校。"))
    _require_room(by=by, room=child.room)
    not_future(start_date, _("缺勤开始日期"))
    with transaction.atomic():
        Child.objects.select_for_update().get(pk=child.pk)
        if SickAbsence.objects.filter(child=child, status=AbsenceStatus.ABSENT).exists():
            raise ValidationError(_("该幼儿已有未返园的缺勤登记，请在原记录上随访。"))
        absence = SickAbsence.objects.create(
            school=school,
            child=child,
            room=child.room,
            start_date=start_date,
            symptom=symptom,
            diagnosis=diagnosis,
            reported_by=by,
        )
        record_creation(obj=absence, by=by)
    return absence


def absence_follow_up(*, obj, by, condition, called_at=None):
    called_at = called_at or timezone.now()
    if called_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError(_("随访时间不能晚于现在。"))
    if not (condition or "").strip():
        raise ValidationError(_("请填写随访情况。"))
    with transaction.atomic():
        locked = SickAbsence.objects.select_for_update(of=("self",)).select_related("room").get(pk=obj.pk)
        _require_room(by=by, room=locked.room)
        if locked.status != AbsenceStatus.ABSENT:
            raise ValidationError(_("幼儿已返园，无需再随访。"))
        call = FollowUpCall.objects.create(
            school_id=locked.school_id, absence=locked, called_at=called_at, called_by=by, condition=condition
        )
        record_creation(obj=call, by=by)
    return call


def absence_return(*, obj, by, end_date, comment=""):
    not_future(end_date, _("返园日期"))
    with workflows.ABSENCE.step(obj, AbsenceAction.RETURN, by=by, comment=comment) as step:
        absence = step.obj
        _require_room(by=by, role=step.role, room=absence.room)
        if end_date < absence.start_date:
            raise ValidationError(_("返园日期不能早于缺勤开始日期。"))
        step.set(end_date=end_date)
    return absence


# --- health: infectious disease ----------------------------------------------------------------------


def case_record(
    *,
    school,
    by,
    child,
    disease,
    onset_date,
    diagnosed_on,
    diagnosed_by,
    isolation_until,
    class_measures="",
    absence=None,
):
    if child.school_id != school.pk:
        raise ValidationError(_("幼儿不属于本校。"))
    if not role_can(role_of(school, by), "health.manage"):
        raise ValidationError(_("您的角色无权登记传染病例。"))
    not_future(onset_date, _("发病日期"))
    not_future(diagnosed_on, _("诊断日期"))
    if diagnosed_on < onset_date:
        raise ValidationError(_("诊断日期不能早于发病日期。"))
    if isolation_until < diagnosed_on:
        raise ValidationError(_("隔离截止日期不能早于诊断日期。"))
    with transaction.atomic():
        if absence is None:  # the child's open sick absence is the same illness
            absence = SickAbsence.objects.filter(child=child, status=AbsenceStatus.ABSENT).first()
        case = InfectiousCase.objects.create(
            school=school,
            child=child,
            room=child.room,
            disease=disease,
            onset_date=onset_date,
            diagnosed_on=diagnosed_on,
            diagnosed_by=diagnosed_by,
            isolation_until=isolation_until,
            class_measures=class_measures,
            absence=absence,
            reported_by=by,
        )
        record_creation(obj=case, by=by)
        transaction.on_commit(lambda: case_cluster_alert(case_id=case.pk))
    return case


def case_cluster_alert(*, case_id) -> int:
    """Alert the health teacher and the principal when a class has a cluster; never twice per cluster."""
    case = InfectiousCase.objects.select_related("room", "school").get(pk=case_id)
    threshold = HygieneSettings.for_school(case.school).cluster_threshold
    cluster = list(selectors.case_cluster(case))
    if len(cluster) < threshold:
        return 0
    first = cluster[0]
    return notify(
        school=case.school,
        title=_("传染病聚集预警：%(room)s 一周内 %(n)s 例%(disease)s")
        % {"room": case.room.name, "n": len(cluster), "disease": case.get_disease_display()},
        body=_("请落实隔离、终末消毒、暂停混班活动，并按规定报告。"),
        url=reverse("hygiene:case_list") + f"?room={case.room_id}",
        roles=[Role.HEALTH, Role.PRINCIPAL],
        dedupe_key=f"hygiene-cluster:{case.room_id}:{case.disease}:{first.pk}",
    )


def case_return(*, obj, by, returned_on, certificate, comment="", photo=None):
    not_future(returned_on, _("复课日期"))
    if not (certificate or "").strip():
        raise ValidationError(_("复课须凭医院出具的复课证明，请填写证明信息。"))
    with workflows.CASE.step(obj, CaseAction.RETURN, by=by, comment=comment) as step:
        locked = step.obj
        if returned_on < locked.isolation_until:
            raise ValidationError(
                _("隔离期至 %(d)s，未满不能复课。") % {"d": f"{locked.isolation_until:%Y-%m-%d}"}
            )
        step.set(returned_on=returned_on, certificate=certificate)
        if photo is not None:  # the certificate's photo: validated and re-encoded, or nothing is saved
            from logistics.attachments import save_attachment

            save_attachment(school=locked.school, by=by, upload=photo, target=locked, images_only=True)
    return locked


# --- hygiene inspections ------------------------------------------------------------------------------


def inspection_record(*, school, by, week, room=None, area=None, scores: dict, problems=(), note=""):
    """Score one class or area for a week; every active criterion between 0 and its maximum."""
    if (room is None) == (area is None):
        raise ValidationError(_("请选择一个班级或一个包干区。"))
    target = room or area
    if target.school_id != school.pk:
        raise ValidationError(_("检查对象不属于本校。"))
    if room is not None and room.room_type != RoomType.CLASSROOM:
        raise ValidationError(_("只能检查班级或包干区。"))
    week = week_start(week)
    if week > timezone.localdate():
        raise ValidationError(_("不能登记未来的检查。"))
    criteria = list(HygieneCriterion.objects.filter(school=school, is_active=True))
    if not criteria:
        raise ValidationError(_("请先设置卫生评分标准。"))
    missing = [c.name for c in criteria if scores.get(c.pk) is None]
    if missing:
        raise ValidationError(_("以下项目未评分：%(m)s") % {"m": "、".join(missing)})
    for c in criteria:
        value = Decimal(scores[c.pk])
        if value < 0:
            raise ValidationError(_("「%(c)s」得分不能为负数。") % {"c": c.name})
        if value > c.max_score:
            raise ValidationError(
                _("「%(c)s」得分不能超过满分 %(m)s。") % {"c": c.name, "m": f"{c.max_score:g}"}
            )
    for _description, deadline in problems:
        if deadline < week:
            raise ValidationError(_("整改期限不能早于检查周。"))
    with transaction.atomic():
        lookup = {"room": room} if room else {"area": area}
        if HygieneInspection.objects.filter(week=week, **lookup).exists():
            raise ValidationError(_("该对象本周已检查，如需修改请更正。"))
        try:
            with transaction.atomic():
                inspection = HygieneInspection.objects.create(
                    school=school,
                    week=week,
                    room=room,
                    area=area,
                    score=sum((Decimal(scores[c.pk]) for c in criteria), Decimal(0)),
                    max_score=sum((c.max_score for c in criteria), Decimal(0)),
                    note=note,
                    inspected_by=by,
                )
        except IntegrityError as exc:
            raise ValidationError(_("该对象本周已检查，如需修改请更正。")) from exc
        HygieneScore.objects.bulk_create(
            [
                HygieneScore(
                    school=school,
                    inspection=inspection,
                    criterion=c,
                    max_score=c.max_score,
                    score=Decimal(scores[c.pk]),
                )
                for c in criteria
            ]
        )
        for description, deadline in problems:
            HygieneProblem.objects.create(
                school=school, inspection=inspection, description=description, deadline=deadline
            )
        record_creation(obj=inspection, by=by)
    return inspection


def inspection_correct(*, obj, by, criterion, score, reason):
    """Correct one criterion's score (with a reason); the inspection total follows."""
    with transaction.atomic():
        inspection = HygieneInspection.objects.select_for_update().get(pk=obj.pk)
        row = HygieneScore.objects.select_for_update().get(inspection=inspection, criterion=criterion)
        if score < 0 or score > row.max_score:
            raise ValidationError(_("得分应在 0 到 %(m)s 之间。") % {"m": f"{row.max_score:g}"})
        apply_correction(obj=row, by=by, changes={"score": score}, reason=reason)
        total = sum((s.score for s in HygieneScore.objects.filter(inspection=inspection)), Decimal(0))
        apply_correction(obj=inspection, by=by, changes={"score": total}, reason=reason)
    return inspection


def problem_correct(*, obj, by, comment=""):
    with workflows.PROBLEM.step(obj, ProblemAction.CORRECT, by=by, comment=comment) as step:
        if not may_correct_problem(user=by, role=step.role, problem=step.obj):
            raise ValidationError(_("您只能登记自己负责的班级或包干区的整改。"))
        step.set(corrected_at=timezone.now(), corrected_by=by)
    return step.obj


def problem_recheck(*, obj, by, passed: bool, comment=""):
    if not passed and not (comment or "").strip():
        raise ValidationError(_("复查不合格请说明原因。"))
    with workflows.PROBLEM.step(obj, ProblemAction.RECHECK, by=by, comment=comment) as step:
        step.go_to(ProblemStatus.CLOSED if passed else ProblemStatus.OPEN)
        step.set(rechecked_at=timezone.now(), rechecked_by=by)
    return step.obj


# --- disinfection ------------------------------------------------------------------------------------


def disinfection_record(
    *,
    school,
    by,
    target,
    method,
    done_at,
    done_by,
    room=None,
    disinfectant=None,
    concentration=None,
    minutes=None,
    case=None,
    note="",
):
    if done_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError(_("消毒时间不能晚于现在。"))
    for obj in (room, disinfectant, case):
        if obj is not None and obj.school_id != school.pk:
            raise ValidationError(_("所选对象不属于本校。"))
    if disinfectant is not None and concentration is None:
        raise ValidationError(_("使用消毒剂时必须填写测试浓度（消毒液浓度测试）。"))
    if disinfectant is None and concentration is not None:
        raise ValidationError(_("填写了浓度，请选择对应的消毒剂。"))
    if concentration is not None and concentration < 0:
        raise ValidationError(_("浓度不能为负数。"))
    ok = None
    if disinfectant is not None:
        ok = disinfectant.min_concentration <= concentration <= disinfectant.max_concentration
    with transaction.atomic():
        record = DisinfectionRecord.objects.create(
            school=school,
            target=target,
            room=room,
            method=method,
            disinfectant=disinfectant,
            concentration=concentration,
            concentration_ok=ok,
            minutes=minutes,
            done_at=done_at,
            done_by=done_by,
            case=case,
            note=note,
            recorded_by=by,
        )
        record_creation(obj=record, by=by)
        if ok is False:
            transaction.on_commit(
                lambda: notify(
                    school=school,
                    title=_("消毒液浓度不合格：%(d)s 测得 %(c)s %(u)s")
                    % {"d": disinfectant.name, "c": f"{concentration:g}", "u": disinfectant.unit},
                    url=reverse("hygiene:disinfection_list") + "?flagged=1",
                    roles=[Role.HEALTH],
                    dedupe_key=f"hygiene-disinfect-conc:{record.pk}",
                )
            )
    return record


def disinfection_correct(*, obj, by, concentration, note, reason):
    """Correct a disinfection record's tested concentration or note; the flag follows."""
    with transaction.atomic():
        locked = (
            DisinfectionRecord.objects.select_for_update(of=("self",))
            .select_related("disinfectant")
            .get(pk=obj.pk)
        )
        changes = {"note": note}
        if locked.disinfectant is not None:
            if concentration is None or concentration < 0:
                raise ValidationError(_("请填写正确的测试浓度。"))
            d = locked.disinfectant
            changes["concentration"] = concentration
            changes["concentration_ok"] = d.min_concentration <= concentration <= d.max_concentration
        apply_correction(obj=locked, by=by, changes=changes, reason=reason)
    return locked


# --- utilities ---------------------------------------------------------------------------------------


def meter_reading_record(
    *, meter, by, month, value, read_on=None, is_replacement=False, old_final=None, new_start=None
):
    """A month's reading. Lower than the last one is refused unless it is a meter replacement.

    Consumption = value - previous; with a replacement = (old meter's final - previous) + (value - new
    meter's start). A month over `spike_factor` × the average of the last three is flagged and notified.
    """
    month = month.replace(day=1)
    today = timezone.localdate()
    read_on = read_on or today
    if month > today.replace(day=1):
        raise ValidationError(_("不能登记未来月份的读数。"))
    not_future(read_on, _("抄表日期"))
    if value is None or value < 0:
        raise ValidationError(_("读数不能为负数。"))
    with transaction.atomic():
        meter = Meter.objects.select_for_update().get(pk=meter.pk)
        if not meter.is_active:
            raise ValidationError(_("该表已停用。"))
        if MeterReading.objects.filter(meter=meter, month=month).exists():
            raise ValidationError(_("该表本月已抄表，如需修改请更正。"))
        if MeterReading.objects.filter(meter=meter, month__gt=month).exists():
            raise ValidationError(_("已有更晚月份的读数，不能补录更早的月份。"))
        previous = MeterReading.objects.filter(meter=meter, month__lt=month).order_by("-month").first()
        consumption = None
        if is_replacement:
            if new_start is None or new_start < 0:
                raise ValidationError(_("换表时请填写新表起始读数。"))
            if value < new_start:
                raise ValidationError(_("本月读数不能低于新表起始读数。"))
            if previous is not None:
                if old_final is None:
                    raise ValidationError(_("换表时请填写旧表拆除时的读数。"))
                if old_final < previous.value:
                    raise ValidationError(
                        _("旧表拆除读数不能低于上次读数 %(v)s。") % {"v": f"{previous.value:g}"}
                    )
                consumption = (old_final - previous.value) + (value - new_start)
            else:
                consumption = value - new_start
        else:
            old_final = new_start = None
            if previous is not None:
                if value < previous.value:
                    raise ValidationError(
                        _("读数 %(v)s 低于上次读数 %(p)s；如本月换了表，请勾选“本月换表”。")
                        % {"v": f"{value:g}", "p": f"{previous.value:g}"}
                    )
                consumption = value - previous.value
        baseline = None
        flagged = False
        if consumption is not None:
            history = list(
                MeterReading.objects.filter(meter=meter, month__lt=month, consumption__isnull=False)
                .order_by("-month")
                .values_list("consumption", flat=True)[:3]
            )
            if len(history) == 3:
                baseline = (sum(history, Decimal(0)) / 3).quantize(Decimal("0.01"))
                factor = HygieneSettings.for_school(meter.school).spike_factor
                flagged = baseline > 0 and consumption > baseline * factor
        cost = (consumption * meter.unit_price).quantize(Decimal("0.01")) if consumption is not None else None
        reading = MeterReading.objects.create(
            school_id=meter.school_id,
            meter=meter,
            month=month,
            value=value,
            read_on=read_on,
            is_replacement=is_replacement,
            old_final=old_final,
            new_start=new_start,
            consumption=consumption,
            unit_price=meter.unit_price,
            cost=cost,
            flagged=flagged,
            baseline=baseline,
            read_by=by,
        )
        record_creation(obj=reading, by=by)
        if flagged:
            transaction.on_commit(lambda: meter_spike_alert(reading_id=reading.pk))
    return reading


def meter_reading_correct(*, obj, by, value, reason):
    """Correct a mistyped reading. Only a meter's latest reading can be corrected (a later month was
    computed from it); consumption, cost and the flag are recomputed."""
    with transaction.atomic():
        meter = Meter.objects.select_for_update().get(pk=obj.meter_id)
        reading = MeterReading.objects.select_for_update().get(pk=obj.pk)
        if MeterReading.objects.filter(meter=meter, month__gt=reading.month).exists():
            raise ValidationError(_("只能更正该表最近一次的读数。"))
        if value is None or value < 0:
            raise ValidationError(_("读数不能为负数。"))
        previous = (
            MeterReading.objects.filter(meter=meter, month__lt=reading.month).order_by("-month").first()
        )
        consumption = reading.consumption
        if reading.is_replacement:
            if value < reading.new_start:
                raise ValidationError(_("本月读数不能低于新表起始读数。"))
            base = (reading.old_final - previous.value) if previous is not None else Decimal(0)
            consumption = base + (value - reading.new_start)
        elif previous is not None:
            if value < previous.value:
                raise ValidationError(
                    _("读数 %(v)s 低于上次读数 %(p)s。") % {"v": f"{value:g}", "p": f"{previous.value:g}"}
                )
            consumption = value - previous.value
        changes = {"value": value, "consumption": consumption}
        if consumption is not None:
            changes["cost"] = (consumption * reading.unit_price).quantize(Decimal("0.01"))
            if reading.baseline is not None:
                factor = HygieneSettings.for_school(meter.school).spike_factor
                changes["flagged"] = reading.baseline > 0 and consumption > reading.baseline * factor
        apply_correction(obj=reading, by=by, changes=changes, reason=reason)
    return reading


def meter_spike_alert(*, reading_id) -> int:
    reading = MeterReading.objects.select_related("meter", "school").get(pk=reading_id)
    meter = reading.meter
    return notify(
        school=reading.school,
        title=_("用量异常：%(m)s %(month)s 用量 %(c)s%(u)s，超过前三月平均 %(b)s%(u)s 的 %(f)s 倍")
        % {
            "m": meter.name,
            "month": date_format(reading.month, "YEAR_MONTH_FORMAT"),
            "c": f"{reading.consumption:g}",
            "b": f"{reading.baseline:g}",
            "u": meter.unit,
            "f": f"{HygieneSettings.for_school(reading.school).spike_factor.normalize():f}",
        },
        body=_("可能存在跑冒滴漏或浪费（长明灯、长流水），请检查。"),
        url=reverse("hygiene:meter_detail", args=[meter.pk]),
        roles=[Role.DIRECTOR, Role.STAFF],
        dedupe_key=f"hygiene-meter-spike:{reading.pk}",
    )


# --- greening ----------------------------------------------------------------------------------------


def greening_period(plan, day: datetime.date):
    """The (period key, due date) the plan has for `day`, or None when nothing is due this time."""
    if day.month not in plan.month_list():
        return None
    if plan.frequency == GreeningFrequency.WEEKLY:
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}", week_start(day) + datetime.timedelta(days=4)
    next_month = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return f"{day:%Y-%m}", next_month - datetime.timedelta(days=1)


def greening_tasks_generate(*, today=None, school=None) -> int:
    """Create this period's task for every active plan. Idempotent: the unique (plan, period) holds."""
    today = today or timezone.localdate()
    plans = GreeningPlan.objects.filter(is_active=True)
    if school is not None:
        plans = plans.filter(school=school)
    due = [(plan, period) for plan in plans if (period := greening_period(plan, today)) is not None]
    existing = set(
        GreeningTask.objects.filter(
            plan__in=[p for p, _x in due], period__in={period[0] for _p, period in due}
        ).values_list("plan_id", "period")
    )
    created = 0
    for plan, (key, due_date) in due:
        if (plan.pk, key) in existing:
            continue
        try:
            with transaction.atomic():
                GreeningTask.objects.create(
                    school_id=plan.school_id, plan=plan, period=key, due_date=due_date
                )
            created += 1
        except IntegrityError:  # a concurrent run created it
            continue
    return created


def greening_task_complete(*, obj, by, done_by, done_at, note=""):
    if done_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError(_("完成时间不能晚于现在。"))
    with workflows.GREENING_TASK.step(obj, TaskAction.COMPLETE, by=by, comment=note) as step:
        if done_by is None:
            raise ValidationError(_("请选择完成人。"))
        step.set(done_by=done_by, done_at=done_at, note=note)
    return step.obj
