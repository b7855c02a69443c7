"""Demo organisation for `seed_demo`: one district, a kindergarten with three campuses and a
primary school, rooms, departments and one account per role. Idempotent: safe to run again."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from .choices import CertificateKind, Role, RoomType, SchoolKind
from .models import (
    BureauAccount,
    Campus,
    Certificate,
    Department,
    District,
    Membership,
    Room,
    School,
    StaffProfile,
)

DEMO_PASSWORD = "Demo@2026"

# (username, full name, role, post) per school; `director` belongs to both schools.
KINDERGARTEN_PEOPLE = [
    ("principal", "王园长", Role.PRINCIPAL, "园长"),
    ("director", "李主任", Role.DIRECTOR, "后勤主任"),
    ("staff", "张保管", Role.STAFF, "资产管理员"),
    ("canteen", "刘师傅", Role.CANTEEN, "食堂厨师长"),
    ("health", "陈保健", Role.HEALTH, "保健医"),
    ("accountant", "赵会计", Role.ACCOUNTANT, "会计"),
    ("teacher", "孙老师", Role.TEACHER, "大一班班主任"),
    ("guard", "周师傅", Role.GUARD, "门卫"),
]
PRIMARY_PEOPLE = [
    ("ps_principal", "吴校长", Role.PRINCIPAL, "校长"),
    ("director", "李主任", Role.DIRECTOR, "总务主任"),
    ("ps_staff", "郑保管", Role.STAFF, "保管员"),
    ("ps_canteen", "冯师傅", Role.CANTEEN, "炊事员"),
    ("ps_health", "何老师", Role.HEALTH, "校医"),
    ("ps_accountant", "许出纳", Role.ACCOUNTANT, "出纳"),
    ("ps_teacher", "马老师", Role.TEACHER, "三(2)班班主任"),
    ("ps_guard", "朱师傅", Role.GUARD, "保安"),
]
BUREAU_USER = ("bureau", "教育局 黄科长")

KINDERGARTEN_CAMPUSES = ["总部", "西区分部", "航星分部"]
KINDERGARTEN_CLASSES = ["小一班", "小二班", "中一班", "中二班", "大一班", "大二班"]
PRIMARY_CLASSES = ["一(1)班", "一(2)班", "二(1)班", "三(1)班", "三(2)班", "四(1)班", "五(1)班", "六(1)班"]
COMMON_ROOMS = [
    ("后勤办公室", RoomType.OFFICE),
    ("行政仓库", RoomType.WAREHOUSE),
    ("食堂", RoomType.CANTEEN),
    ("多功能厅", RoomType.FUNCTION),
    ("保健室", RoomType.FUNCTION),
]
DEPARTMENTS = ["后勤部", "教务处", "办公室", "财务室", "食堂"]


@dataclass
class DemoSchool:
    school: School
    people: dict = field(default_factory=dict)  # username -> user
    campuses: list = field(default_factory=list)
    rooms: list = field(default_factory=list)


def _user(username, full_name):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": full_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _school(district, code, name, kind, campuses, classes, people):
    school, _ = School.objects.get_or_create(
        code=code, defaults={"district": district, "name": name, "kind": kind}
    )
    demo = DemoSchool(school)
    for i, campus_name in enumerate(campuses):
        campus, _ = Campus.objects.get_or_create(
            school=school, name=campus_name, defaults={"is_main": i == 0}
        )
        demo.campuses.append(campus)
    departments = {n: Department.objects.get_or_create(school=school, name=n)[0] for n in DEPARTMENTS}
    today = timezone.localdate()
    for username, full_name, role, post in people:
        user = _user(username, full_name)
        demo.people[username] = user
        dept = (
            departments["后勤部"]
            if role in (Role.DIRECTOR, Role.STAFF)
            else (
                departments["食堂"]
                if role == Role.CANTEEN
                else departments["财务室"]
                if role == Role.ACCOUNTANT
                else departments["办公室"]
                if role == Role.PRINCIPAL
                else departments["教务处"]
            )
        )
        Membership.objects.get_or_create(
            school=school,
            user=user,
            ended_on=None,
            defaults={"role": role, "campus": demo.campuses[0], "department": dept},
        )
        profile, created = StaffProfile.objects.get_or_create(
            school=school,
            user=user,
            defaults={
                "post": post,
                "phone": f"1380000{sum(map(ord, username)) % 10000:04d}",
                "hire_date": datetime.date(2018, 9, 1),
            },
        )
        if created and role in (Role.CANTEEN, Role.HEALTH):
            # one certificate expiring soon so the 30-day list and the alert have something to show
            Certificate.objects.create(
                school=school,
                staff=profile,
                kind=CertificateKind.HEALTH,
                number=f"JK{today:%Y}{profile.pk:04d}",
                issued_on=today - datetime.timedelta(days=350),
                expires_on=today + datetime.timedelta(days=15),
                issuer="区疾病预防控制中心",
            )
    departments["后勤部"].head = demo.people["director"]
    departments["后勤部"].save(update_fields=["head"])
    teacher = next(demo.people[u] for u, _n, r, _p in people if r == Role.TEACHER)
    keeper = next(demo.people[u] for u, _n, r, _p in people if r == Role.STAFF)
    for campus in demo.campuses:
        for j, class_name in enumerate(classes):
            room, _ = Room.objects.get_or_create(
                school=school,
                campus=campus,
                name=class_name,
                defaults={
                    "room_type": RoomType.CLASSROOM,
                    "building": "教学楼",
                    "floor": 1 + j // 4,
                    "responsible": teacher,
                },
            )
            demo.rooms.append(room)
        for room_name, room_type in COMMON_ROOMS:
            room, _ = Room.objects.get_or_create(
                school=school,
                campus=campus,
                name=room_name,
                defaults={"room_type": room_type, "building": "综合楼", "floor": 1, "responsible": keeper},
            )
            demo.rooms.append(room)
    return demo


def seed_organisation():
    district, _ = District.objects.get_or_create(name="星城区", defaults={"bureau_name": "星城区教育局"})
    kindergarten = _school(
        district,
        "XC-KG-001",
        "星城区实验幼儿园",
        SchoolKind.KINDERGARTEN,
        KINDERGARTEN_CAMPUSES,
        KINDERGARTEN_CLASSES,
        KINDERGARTEN_PEOPLE,
    )
    primary = _school(
        district,
        "XC-PS-001",
        "星城区中心小学",
        SchoolKind.PRIMARY,
        ["本部", "村小"],
        PRIMARY_CLASSES,
        PRIMARY_PEOPLE,
    )
    bureau_user = _user(*BUREAU_USER)
    BureauAccount.objects.get_or_create(user=bureau_user, defaults={"district": district})
    return district, [kindergarten, primary]


def seed_all():
    """The organisation plus each domain app's demo records (<app>/demo.py: seed(demo_school))."""
    from . import registry

    district, schools = seed_organisation()
    for _label, seed in registry.functions("demo", "seed"):
        for demo in schools:
            seed(demo)
    return district, schools


def demo_accounts():
    """(username, name, what they are) for the README and the `make run` banner."""
    rows = [(u, n, f"星城区实验幼儿园 · {r.label}") for u, n, r, _p in KINDERGARTEN_PEOPLE]
    rows[1] = (rows[1][0], rows[1][1], "后勤主任（幼儿园与小学两校）")
    rows += [(u, n, f"星城区中心小学 · {r.label}") for u, n, r, _p in PRIMARY_PEOPLE if u != "director"]
    rows.append((BUREAU_USER[0], BUREAU_USER[1], "星城区教育局（只读）"))
    return rows
