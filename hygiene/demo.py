"""Demo records for hygiene, health, greening and utilities: two months of realistic data.

Idempotent: each part is seeded only when the school has none of it yet. Deterministic (no random).
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from logistics.choices import RoomType

from . import services
from .choices import (
    AbsenceStatus,
    CaseStatus,
    CheckAction,
    CheckSession,
    Disease,
    DisinfectionMethod,
    DisinfectionObject,
    Gender,
    GreeningFrequency,
    GreeningKind,
    MeterKind,
    ProblemStatus,
    Symptom,
)
from .models import (
    CheckFinding,
    Child,
    Disinfectant,
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
    ResponsibilityArea,
    SickAbsence,
    week_start,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["子涵", "欣怡", "梓萱", "浩宇", "宇轩", "一诺", "若汐", "沐阳", "思远", "佳怡", "俊熙", "可馨"]
CRITERIA = [
    ("地面", 20),
    ("门窗", 15),
    ("桌椅柜面", 15),
    ("墙角卫生死角", 15),
    ("水杯毛巾", 15),
    ("卫生间", 20),
]
PER_CLASS = 10


def _school_days(start, end):
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += datetime.timedelta(days=1)


def seed(demo):
    school = demo.school
    HygieneSettings.for_school(school)
    classes = [
        r for r in demo.rooms if r.room_type == RoomType.CLASSROOM and r.campus_id == demo.campuses[0].pk
    ]
    people = demo.people
    health = next(u for k, u in people.items() if k.endswith("health"))
    staff = next(u for k, u in people.items() if k.endswith("staff"))
    today = timezone.localdate()
    _children(school, [r for r in demo.rooms if r.room_type == RoomType.CLASSROOM])
    _checks(school, classes, health, today)
    _absences(school, classes, health, today)
    _hygiene(school, demo, classes, health, today)
    _disinfection(school, classes, health, today)
    _meters(school, demo, staff, today)
    _greening(school, demo, staff, today)


def _children(school, rooms):
    existing = set(Child.objects.filter(school=school).values_list("room_id", flat=True).distinct())
    rows = []
    for ri, room in enumerate(rooms):
        if room.pk in existing:
            continue
        for i in range(PER_CLASS):
            n = ri * PER_CLASS + i
            rows.append(
                Child(
                    school=school,
                    room=room,
                    name=SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7 + ri) % len(GIVEN)],
                    gender=Gender.MALE if i % 2 else Gender.FEMALE,
                    birth_date=datetime.date(2021 - (ri % 3), 1 + i, 5 + ri % 20),
                    guardian_phone=f"139{(n * 7919) % 100000000:08d}",
                )
            )
    Child.objects.bulk_create(rows)


def _checks(school, classes, health, today):
    if HealthCheck.objects.filter(school=school).exists() or not classes:
        return
    start = today - datetime.timedelta(days=60)
    checks = []
    for day in _school_days(start, today - datetime.timedelta(days=1)):
        for ci, room in enumerate(classes):
            absent = (0, 1, 0, 2, 1, 0)[(day.toordinal() + ci) % 6]  # about 93% attendance
            for session in (CheckSession.MORNING, CheckSession.NOON):
                checks.append(
                    HealthCheck(
                        school=school,
                        room=room,
                        date=day,
                        session=session,
                        enrolled=PER_CLASS,
                        present=PER_CLASS - absent,
                        checked_by=health,
                    )
                )
    HealthCheck.objects.bulk_create(checks, batch_size=500)
    children = {}
    for c in Child.objects.filter(school=school, room__in=classes).order_by("pk"):
        children.setdefault(c.room_id, []).append(c)
    symptoms = [Symptom.FEVER, Symptom.COUGH, Symptom.RASH, Symptom.HERPES]
    findings = []
    for n, check in enumerate(
        HealthCheck.objects.filter(school=school, session=CheckSession.MORNING).order_by("date", "room_id")
    ):
        if n % 9:
            continue
        child = children[check.room_id][n % PER_CLASS]
        symptom = symptoms[n % len(symptoms)]
        findings.append(
            CheckFinding(
                school=school,
                check_record=check,
                child=child,
                symptom=symptom,
                temperature=Decimal("37.8") if symptom == Symptom.FEVER else None,
                action=CheckAction.PARENT_PICKUP if symptom == Symptom.FEVER else CheckAction.OBSERVE,
            )
        )
    CheckFinding.objects.bulk_create(findings)


def _absences(school, classes, health, today):
    if SickAbsence.objects.filter(school=school).exists() or not classes:
        return
    kids = list(Child.objects.filter(school=school, room__in=classes).order_by("pk"))
    for i in range(12):
        child = kids[(i * 7) % len(kids)]
        start = today - datetime.timedelta(days=50 - i * 4)
        returned = i < 10
        absence = SickAbsence.objects.create(
            school=school,
            child=child,
            room=child.room,
            start_date=start,
            end_date=start + datetime.timedelta(days=3) if returned else None,
            status=AbsenceStatus.RETURNED if returned else AbsenceStatus.ABSENT,
            symptom=[Symptom.FEVER, Symptom.COUGH, Symptom.DIARRHEA][i % 3],
            diagnosis=["上呼吸道感染", "支气管炎", "急性胃肠炎"][i % 3],
            reported_by=health,
        )
        FollowUpCall.objects.create(
            school=school,
            absence=absence,
            called_by=health,
            called_at=timezone.make_aware(datetime.datetime.combine(start, datetime.time(10, 30))),
            condition="家长反映仍有低热，已就医" if returned else "在家休息，体温37.5℃",
        )
    # two hand-foot-mouth cases in one class within a week: the cluster alert fires once
    room = classes[min(2, len(classes) - 1)]
    pair = list(Child.objects.filter(room=room).order_by("pk")[:2])
    for j, child in enumerate(pair):
        onset = today - datetime.timedelta(days=12 - j * 3)
        case = InfectiousCase.objects.create(
            school=school,
            child=child,
            room=room,
            disease=Disease.HFMD,
            onset_date=onset,
            diagnosed_on=onset + datetime.timedelta(days=1),
            diagnosed_by="区妇幼保健院",
            isolation_until=onset + datetime.timedelta(days=10),
            class_measures="暂停与其他班级混班活动；班级终末消毒；加强晨午检和因病缺勤追踪。",
            status=CaseStatus.RETURNED if j == 0 else CaseStatus.ISOLATING,
            returned_on=onset + datetime.timedelta(days=10) if j == 0 else None,
            certificate="区妇幼保健院复课证明" if j == 0 else "",
            reported_by=health,
        )
        services.case_cluster_alert(case_id=case.pk)


def _hygiene(school, demo, classes, health, today):
    if not HygieneCriterion.objects.filter(school=school).exists():
        HygieneCriterion.objects.bulk_create(
            [
                HygieneCriterion(school=school, name=n, max_score=Decimal(m), order=i * 10)
                for i, (n, m) in enumerate(CRITERIA)
            ]
        )
    campus = demo.campuses[0]
    if not ResponsibilityArea.objects.filter(school=school).exists() and classes:
        guard = next(u for k, u in demo.people.items() if k.endswith("guard"))
        ResponsibilityArea.objects.bulk_create(
            [
                ResponsibilityArea(
                    school=school, campus=campus, name="操场东侧", description="滑梯至围墙", room=classes[0]
                ),
                ResponsibilityArea(
                    school=school, campus=campus, name="一楼楼梯", description="一楼至二楼", room=classes[-1]
                ),
                ResponsibilityArea(
                    school=school, campus=campus, name="大门口", description="门卫室前", person=guard
                ),
            ]
        )
    if HygieneInspection.objects.filter(school=school).exists():
        return
    criteria = list(HygieneCriterion.objects.filter(school=school, is_active=True))
    areas = list(ResponsibilityArea.objects.filter(school=school))
    targets = [("room", r) for r in classes] + [("area", a) for a in areas]
    this_week = week_start(today)
    for w in range(6, 0, -1):
        week = this_week - datetime.timedelta(days=7 * w)
        for ti, (kind, target) in enumerate(targets):
            scores = [(c, c.max_score - Decimal((ti + w + ci) % 4) / 2) for ci, c in enumerate(criteria)]
            inspection = HygieneInspection.objects.create(
                school=school,
                week=week,
                room=target if kind == "room" else None,
                area=target if kind == "area" else None,
                score=sum((s for _c, s in scores), Decimal(0)),
                max_score=sum((c.max_score for c in criteria), Decimal(0)),
                inspected_by=health,
                inspected_at=timezone.make_aware(
                    datetime.datetime.combine(week + datetime.timedelta(days=4), datetime.time(15))
                ),
            )
            HygieneScore.objects.bulk_create(
                [
                    HygieneScore(
                        school=school, inspection=inspection, criterion=c, max_score=c.max_score, score=s
                    )
                    for c, s in scores
                ]
            )
            if (ti + w) % 5 == 0:
                status = (
                    ProblemStatus.CLOSED
                    if w > 2
                    else (ProblemStatus.CORRECTED if w == 2 else ProblemStatus.OPEN)
                )
                HygieneProblem.objects.create(
                    school=school,
                    inspection=inspection,
                    description=["窗台积灰", "水杯架未消毒标识", "墙角有蛛网", "垃圾桶未加盖"][ti % 4],
                    deadline=week + datetime.timedelta(days=7),
                    status=status,
                )


def _disinfection(school, classes, health, today):
    chlorine, _ = Disinfectant.objects.get_or_create(
        school=school,
        name="含氯消毒液（日常）",
        defaults={"min_concentration": Decimal(250), "max_concentration": Decimal(500)},
    )
    Disinfectant.objects.get_or_create(
        school=school,
        name="含氯消毒液（终末/呕吐物）",
        defaults={"min_concentration": Decimal(1000), "max_concentration": Decimal(2000)},
    )
    if DisinfectionRecord.objects.filter(school=school).exists() or not classes:
        return
    rows = []
    plan = [
        (DisinfectionObject.TOYS, DisinfectionMethod.SOAK, True, 30),
        (DisinfectionObject.CUPS, DisinfectionMethod.CABINET, False, 20),
        (DisinfectionObject.TOWELS, DisinfectionMethod.STEAM, False, 20),
        (DisinfectionObject.ROOM, DisinfectionMethod.UV, False, 30),
        (DisinfectionObject.HANDRAIL, DisinfectionMethod.WIPE, True, 10),
    ]
    for n, day in enumerate(
        _school_days(today - datetime.timedelta(days=45), today - datetime.timedelta(days=1))
    ):
        target, method, chemical, minutes = plan[n % len(plan)]
        conc = None
        if chemical:
            conc = Decimal(180) if n == 7 else Decimal(300 + (n % 5) * 40)
        rows.append(
            DisinfectionRecord(
                school=school,
                target=target,
                room=classes[n % len(classes)],
                method=method,
                disinfectant=chlorine if chemical else None,
                concentration=conc,
                concentration_ok=None if conc is None else 250 <= conc <= 500,
                minutes=minutes,
                done_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(16, 30))),
                done_by=health,
                recorded_by=health,
            )
        )
    DisinfectionRecord.objects.bulk_create(rows)
    case = InfectiousCase.objects.filter(school=school, status=CaseStatus.RETURNED).first()
    if case:
        DisinfectionRecord.objects.create(
            school=school,
            target=DisinfectionObject.ROOM,
            room=case.room,
            method=DisinfectionMethod.SPRAY,
            disinfectant=Disinfectant.objects.get(school=school, name="含氯消毒液（终末/呕吐物）"),
            concentration=Decimal(1000),
            concentration_ok=True,
            minutes=60,
            done_at=timezone.make_aware(datetime.datetime.combine(case.diagnosed_on, datetime.time(17))),
            done_by=health,
            recorded_by=health,
            case=case,
            note="班级终末消毒",
        )


def _month_back(month, n):
    for _i in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def _meters(school, demo, staff, today):
    campus = demo.campuses[0]
    specs = [
        ("总水表", MeterKind.WATER, "", Decimal("4.2000"), Decimal("1800"), Decimal("210")),
        ("教学楼电表", MeterKind.ELECTRICITY, "教学楼", Decimal("0.6500"), Decimal("52000"), Decimal("4200")),
        ("综合楼电表", MeterKind.ELECTRICITY, "综合楼", Decimal("0.6500"), Decimal("31000"), Decimal("2600")),
        ("食堂燃气表", MeterKind.GAS, "食堂", Decimal("3.4500"), Decimal("9000"), Decimal("620")),
    ]
    this_month = today.replace(day=1)
    for name, kind, building, price, start_value, monthly in specs:
        meter, created = Meter.objects.get_or_create(
            school=school,
            campus=campus,
            name=name,
            defaults={"kind": kind, "building": building, "unit_price": price},
        )
        if not created or meter.readings.exists():
            continue
        value = start_value
        for back in range(13, 0, -1):
            month = _month_back(this_month, back)
            season = Decimal(1.25) if month.month in (1, 7, 8, 12) else Decimal(1)
            if month.month in (2, 8) and kind != MeterKind.WATER:
                season = Decimal("0.4")  # holidays
            usage = (monthly * season * (1 + Decimal((month.month * 7) % 5) / 50)).quantize(Decimal("1"))
            if kind == MeterKind.WATER and back == 1:
                usage = monthly * 2  # a leaking pipe last month: flagged
            value += usage
            services.meter_reading_record(
                meter=meter,
                by=staff,
                month=month,
                value=value,
                read_on=month.replace(day=25),
            )


def _greening(school, demo, staff, today):
    plans = [
        (
            "校园乔木修剪",
            GreeningKind.TREE_PRUNING,
            GreeningFrequency.MONTHLY,
            "3,11",
            "每年2次：春季萌芽前、秋季落叶后",
        ),
        (
            "绿篱修剪",
            GreeningKind.HEDGE_PRUNING,
            GreeningFrequency.MONTHLY,
            "3,5,9,11",
            "每学期2次，保持整齐",
        ),
        (
            "草坪花木浇水",
            GreeningKind.WATERING,
            GreeningFrequency.WEEKLY,
            "4,5,6,7,8,9,10,11",
            "晴天每周至少一次",
        ),
        (
            "病虫害防治",
            GreeningKind.PEST_CONTROL,
            GreeningFrequency.MONTHLY,
            "4,6,8,10",
            "选用低毒药剂，避开幼儿在园时间",
        ),
    ]
    for name, kind, freq, months, description in plans:
        GreeningPlan.objects.get_or_create(
            school=school,
            name=name,
            defaults={
                "kind": kind,
                "frequency": freq,
                "months": months,
                "description": description,
                "responsible": staff,
                "campus": demo.campuses[0],
            },
        )
    if GreeningTask.objects.filter(school=school).exists():
        return
    day = today - datetime.timedelta(days=63)
    while day <= today:
        services.greening_tasks_generate(today=day, school=school)
        day += datetime.timedelta(days=7)
    services.greening_tasks_generate(today=today, school=school)
    for task in GreeningTask.objects.filter(school=school, due_date__lt=today - datetime.timedelta(days=7)):
        services.greening_task_complete(
            obj=task,
            by=staff,
            done_by=staff,
            done_at=timezone.make_aware(datetime.datetime.combine(task.due_date, datetime.time(10))),
            note="已按要求完成",
        )
