"""Demo safety records for `seed_demo`: two months of inspections, hazards in every state, drills,
visitors, fire equipment and checks, hazardous materials, the duty roster and the education calendar.
Idempotent: each block is skipped when the school already has its records."""

import datetime
from decimal import Decimal

from django.utils import timezone

from logistics.audit import record_creation
from logistics.choices import Role
from logistics.models import Membership

from . import services
from .choices import (
    DrillKind,
    DutyKind,
    EducationFormat,
    FireCheckResult,
    FireEquipmentKind,
    HazardStatus,
    HazmatKind,
    InspectionKind,
    ItemResult,
    RiskLevel,
)
from .models import (
    Drill,
    DutyShift,
    EducationEvent,
    FireEquipment,
    FirePreventionCheck,
    Hazard,
    HazardousMaterial,
    Inspection,
    PickupException,
    SafetySettings,
    Visitor,
)
from .validators import id_check_char


def _person(demo, role):
    m = Membership.objects.filter(school=demo.school, role=role, ended_on__isnull=True).select_related("user")
    m = m.order_by("pk").first()
    return m.user if m else None


def demo_id_number(seed: int) -> str:
    first17 = f"430102{1970 + seed % 30}{1 + seed % 12:02d}{1 + seed % 28:02d}{seed % 1000:03d}"
    return first17 + id_check_char(first17)


def seed(demo):
    school = demo.school
    today = timezone.localdate()
    now = timezone.now()
    director = _person(demo, Role.DIRECTOR)
    principal = _person(demo, Role.PRINCIPAL)
    staff = _person(demo, Role.STAFF)
    guard = _person(demo, Role.GUARD)
    teacher = _person(demo, Role.TEACHER)
    SafetySettings.for_school(school)
    rooms = [r for r in demo.rooms if r.campus_id == demo.campuses[0].pk]

    # inspections: eight past weeks submitted (one week missed), this week open
    if not Inspection.objects.filter(school=school).exists():
        this_monday = services.week_start(today)
        for weeks_ago in range(8, -1, -1):
            monday = this_monday - datetime.timedelta(weeks=weeks_ago)
            inspection, _ = services.inspection_create(
                school=school, kind=InspectionKind.WEEKLY, day=monday, by=director
            )
            if weeks_ago == 0 or weeks_ago == 3:
                continue
            items = list(inspection.items.all())
            results = {i.pk: (ItemResult.PASS, "") for i in items}
            if weeks_ago in (1, 5, 7):
                bad = items[(weeks_ago * 3) % len(items)]
                results[bad.pk] = (ItemResult.FAIL, "现场发现问题，已拍照")
            services.inspection_save(obj=inspection, by=director, results=results)
            services.inspection_submit(
                obj=inspection, by=director, signature=director.first_name or director.username
            )
            Inspection.objects.filter(pk=inspection.pk).update(
                submitted_at=timezone.make_aware(datetime.datetime.combine(monday, datetime.time(15, 30)))
                + datetime.timedelta(days=2)
            )
        services.inspection_create(school=school, kind=InspectionKind.MONTHLY, day=today, by=director)
        last_month = today.replace(day=1) - datetime.timedelta(days=1)
        monthly, _ = services.inspection_create(
            school=school, kind=InspectionKind.MONTHLY, day=last_month, by=director
        )
        services.inspection_save(
            obj=monthly, by=director, results={i.pk: (ItemResult.PASS, "") for i in monthly.items.all()}
        )
        services.inspection_submit(
            obj=monthly, by=director, signature=director.first_name or director.username
        )

    # hazards: the inspection ones move along the workflow; two reported by hand
    if not Hazard.objects.filter(school=school, source_item__isnull=True).exists():
        auto = list(Hazard.objects.filter(school=school).select_related("source_item__inspection"))
        for h in auto:  # found on the day of their (past) inspection, not on the day the demo ran
            if h.source_item_id:
                h.found_on = min(today, h.source_item.inspection.period_start + datetime.timedelta(days=2))
                h.save(update_fields=["found_on"])
        for h in sorted(auto, key=lambda x: x.found_on):
            if h.status == HazardStatus.FOUND and h.found_on < today - datetime.timedelta(days=20):
                services.hazard_assign(
                    obj=h, by=director, assignee=staff, deadline=h.found_on + datetime.timedelta(days=7)
                )
                services.hazard_rectify(obj=h, by=staff, rectification="已更换损坏部件并复查。")
                services.hazard_verify(obj=h, by=director, note="复查合格。")
            elif h.status == HazardStatus.FOUND and h.found_on < today - datetime.timedelta(days=5):
                services.hazard_assign(
                    obj=h, by=director, assignee=staff, deadline=h.found_on + datetime.timedelta(days=3)
                )
        h = services.hazard_report(
            school=school,
            by=teacher,
            title="二楼消防通道堆放杂物",
            room=rooms[0] if rooms else None,
            location="二楼东侧楼梯口",
            risk_level=RiskLevel.HIGH,
            found_on=today - datetime.timedelta(days=2),
            description="纸箱、旧桌椅堆放在疏散通道，影响疏散。",
        )
        services.hazard_assign(
            obj=h, by=director, assignee=staff, deadline=today + datetime.timedelta(days=2)
        )
        services.hazard_report(
            school=school,
            by=guard,
            title="东门外路灯不亮",
            location="东门",
            risk_level=RiskLevel.LOW,
            found_on=today,
        )

    # drills
    if not Drill.objects.filter(school=school).exists():
        floors = 3
        plan = [
            (DrillKind.FIRE, "秋季消防疏散演练", 40, 105),
            (DrillKind.EARTHQUAKE, "防震减灾疏散演练", 75, 138),
            (DrillKind.FIRE, "午睡时段消防疏散演练", 12, 96),
        ]
        for kind, title, days_ago, seconds in plan:
            day = today - datetime.timedelta(days=days_ago)
            drill = services.drill_plan(
                school=school,
                by=director,
                kind=kind,
                title=title,
                planned_on=day,
                plan="按应急预案分工组织疏散。",
            )
            services.drill_record(
                obj=drill,
                by=director,
                held_on=day,
                participants=320 if not school.is_kindergarten else 180,
                floors=floors,
                evacuation_seconds=seconds,
                commander=principal.first_name if principal else "",
                guides="各班班主任",
                rescuers="后勤组",
                medics="保健医",
                reflection="二楼西侧楼梯口拥堵，个别班级未按路线疏散。" if seconds > 120 else "疏散有序。",
                follow_up="调整疏散路线，下次演练前重新培训引导员。" if seconds > 120 else "",
            )
        services.drill_plan(
            school=school,
            by=director,
            kind=DrillKind.ANTI_TERROR,
            title="防恐防暴演练",
            planned_on=today + datetime.timedelta(days=10),
            plan="门卫处置持械人员闯入，启用一键报警。",
        )

    # visitors and pick-up exceptions
    if not Visitor.objects.filter(school=school).exists():
        reasons = [
            ("区教育局", "检查指导", "王园长"),
            ("自来水公司", "水表检修", "李主任"),
            ("家长", "送药", "孙老师"),
        ]
        rows = []
        for i in range(40):
            org, reason, host = reasons[i % 3]
            time_in = now - datetime.timedelta(days=i * 1.4, hours=i % 5)
            rows.append(
                Visitor(
                    school=school,
                    name=["张伟", "王芳", "刘强", "陈静", "杨磊"][i % 5],
                    id_number=demo_id_number(i + school.pk * 100),
                    phone=f"139{i:08d}",
                    organisation=org,
                    reason=reason,
                    host=host,
                    badge=f"F{i % 20 + 1:02d}",
                    time_in=time_in,
                    time_out=None if i < 2 else time_in + datetime.timedelta(minutes=45),
                    registered_by=guard,
                )
            )
        Visitor.objects.bulk_create(rows)
        PickupException.objects.create(
            school=school,
            child_name="小明",
            class_name="大一班",
            picker_name="赵奶奶",
            relation="外婆",
            picker_id_number=demo_id_number(777 + school.pk),
            picker_phone="13700000000",
            situation="非登记接送人，电话联系家长确认后接走",
            parent_confirmed=True,
            recorded_by=guard,
        )

    # fire equipment, self-check, fire-prevention check
    if not FireEquipment.objects.filter(school=school).exists():
        kinds = [
            FireEquipmentKind.EXTINGUISHER,
            FireEquipmentKind.EXTINGUISHER,
            FireEquipmentKind.EMERGENCY_LIGHT,
            FireEquipmentKind.EXIT_SIGN,
            FireEquipmentKind.HYDRANT,
            FireEquipmentKind.ALARM,
        ]
        for i, room in enumerate(rooms[:8]):
            kind = kinds[i % len(kinds)]
            FireEquipment.objects.create(
                school=school,
                room=room,
                kind=kind,
                code=f"XF-{i + 1:03d}",
                spec="MFZ/ABC4" if kind == FireEquipmentKind.EXTINGUISHER else "",
                position="门口左侧",
                expires_on=today + datetime.timedelta(days=20 if i == 0 else 400 + i * 30),
                next_check_on=today + datetime.timedelta(days=15 + i * 20),
            )
        last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        check, _ = services.fire_selfcheck_start(school=school, by=staff, month=last_month)
        results = {i.pk: (FireCheckResult.OK, "") for i in check.items.all()}
        services.fire_selfcheck_save(obj=check, by=staff, results=results, submit=True)
        fire_check = FirePreventionCheck.objects.create(
            school=school,
            checked_on=last_month + datetime.timedelta(days=14),
            scope="教学楼、食堂、配电房",
            findings="配电房门口堆放杂物一处。",
            measures="当场清理。",
            inspector=director,
        )
        record_creation(obj=fire_check, by=director)
        services.fire_check_sign_inspector(obj=fire_check, by=director)
        signed = {"inspector_signed_at": now - datetime.timedelta(days=20)}
        if principal:
            services.fire_check_sign_principal(obj=fire_check, by=principal)
            signed["principal_signed_at"] = now - datetime.timedelta(days=19)
        FirePreventionCheck.objects.filter(pk=fire_check.pk).update(**signed)  # signed last month

    # hazardous materials
    if not HazardousMaterial.objects.filter(school=school).exists():
        for name, kind, unit, stock, limit in [
            ("84消毒液", HazmatKind.DISINFECTANT, "瓶", "24", "4"),
            ("75%酒精", HazmatKind.FLAMMABLE, "瓶", "12", "2"),
            ("除草剂", HazmatKind.TOXIC, "袋", "3", "1"),
        ]:
            material = HazardousMaterial.objects.create(
                school=school, name=name, kind=kind, unit=unit, keeper=staff, max_issue=Decimal(limit)
            )
            services.hazmat_receive(material=material, by=staff, quantity=Decimal(stock), purpose="采购入库")
            for j in range(3):
                services.hazmat_issue(
                    material=material,
                    by=staff,
                    quantity=Decimal("1"),
                    purpose="班级日常消毒" if kind == HazmatKind.DISINFECTANT else "后勤使用",
                    receiver=["孙老师", "保育员小王", "张保管"][j],
                )

    # duty roster this month and next (weekends and holidays included)
    if not DutyShift.objects.filter(school=school).exists():
        people = [p for p in (director, principal, staff, guard) if p]
        start = today.replace(day=1)
        rows = []
        for d in range(62):
            day = start + datetime.timedelta(days=d)
            holiday = day.weekday() >= 5
            rows.append(
                DutyShift(
                    school=school,
                    date=day,
                    kind=DutyKind.HOLIDAY if holiday else DutyKind.DAY,
                    person=people[d % len(people)],
                    is_holiday=holiday,
                    phone="13800000000",
                )
            )
            if not holiday and teacher:
                rows.append(DutyShift(school=school, date=day, kind=DutyKind.PATROL, person=teacher))
        DutyShift.objects.bulk_create(rows)

    # safety education calendar for the year
    if not EducationEvent.objects.filter(school=school).exists():
        topics = {
            3: ("开学安全第一课", EducationFormat.CLASS),
            4: ("防溺水安全教育", EducationFormat.CLASS),
            5: ("防震减灾日疏散演练", EducationFormat.PRACTICE),
            6: ("暑期安全教育", EducationFormat.ASSEMBLY),
            9: ("交通安全教育", EducationFormat.CLASS),
            11: ("119消防宣传月", EducationFormat.PRACTICE),
            12: ("冬季防火防滑", EducationFormat.CLASS),
        }
        for month, (topic, fmt) in topics.items():
            first = datetime.date(today.year, month, 1)
            EducationEvent.objects.create(
                school=school,
                month=first,
                topic=topic,
                audience="全体幼儿" if school.is_kindergarten else "全体学生",
                format=fmt,
                done_on=first + datetime.timedelta(days=10) if first < today.replace(day=1) else None,
            )
