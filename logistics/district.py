"""District-scale data for `seed_district` and `make bench`.

N schools (kindergartens and primary schools alternate), each with campuses, about 80 rooms, about 60
members and, from each domain app that exists, a year of realistic records. Everything is written with
`bulk_create` in batches (no per-row services, one password hash for every account), so 60 schools take
minutes. Re-runnable: each step of each school is skipped when its rows are already there.

Accounts are named `b<NNN>_<role><n>` (e.g. `b001_director1`, `b002_canteen3`), the bureau account is
`bench_bureau`; all share BENCH_PASSWORD.
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
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

BENCH_PASSWORD = "Bench@2026"
DISTRICT_NAME = "基准测试区"
BUREAU_USERNAME = "bench_bureau"
BATCH = 5000
CONTROL_INDEX = 998  # BENCH-998: tiny control school
BIG_INDEX = 999  # BENCH-999: the school with the big asset register

# Members per school by role (60 in all).
ROLE_COUNTS = [
    (Role.PRINCIPAL, 1),
    (Role.DIRECTOR, 1),
    (Role.STAFF, 4),
    (Role.CANTEEN, 8),
    (Role.HEALTH, 2),
    (Role.ACCOUNTANT, 2),
    (Role.GUARD, 3),
    (Role.TEACHER, 39),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国春梅海燕晓红玉兵志文斌辉"
DEPARTMENTS = ["后勤部", "教务处", "办公室", "财务室", "食堂"]
KG_CLASSES = ["小{}班", "中{}班", "大{}班"]
PS_GRADES = ["一", "二", "三", "四", "五", "六"]
CN_NUM = "一二三四五六七八九十"


@dataclass
class Scale:
    """How much of everything; 1.0 is the issue's district (5,000 assets, 365 days of samples)."""

    assets: int = 5000
    days: int = 365


@dataclass
class SchoolData:
    """One seeded school and what the app steps need from it."""

    index: int
    school: School
    campuses: list = field(default_factory=list)
    rooms: list = field(default_factory=list)
    departments: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)  # role -> [users]
    scale: Scale = field(default_factory=Scale)
    rng: random.Random = field(default_factory=random.Random)
    today: datetime.date = field(default_factory=timezone.localdate)

    def one(self, role):
        return self.users[role][0]

    def any(self, role):
        return self.rng.choice(self.users[role])

    @property
    def all_users(self):
        return [u for us in self.users.values() for u in us]


def username(index: int, role: str, n: int) -> str:
    return f"b{index:03d}_{role}{n}"


def school_code(index: int) -> str:
    return f"BENCH-{index:03d}"


def model_or_none(label: str):
    """An app's model if it exists yet (the apps are written in parallel), else None."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def bulk(model, objs, batch=BATCH):
    """bulk_create in batches; returns the created objects (with pks on PostgreSQL and SQLite)."""
    out = []
    for start in range(0, len(objs), batch):
        out.extend(model.objects.bulk_create(objs[start : start + batch], batch_size=batch))
    return out


def aware(day: datetime.date, hour: int, minute: int = 0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


# --- the organisation (foundation) -------------------------------------------------------------


def ensure_district():
    district, _ = District.objects.get_or_create(
        name=DISTRICT_NAME, defaults={"bureau_name": f"{DISTRICT_NAME}教育局"}
    )
    user, created = get_user_model().objects.get_or_create(
        username=BUREAU_USERNAME, defaults={"first_name": "教育局 基准科长"}
    )
    if created:
        user.set_password(BENCH_PASSWORD)
        user.save(update_fields=["password"])
    BureauAccount.objects.get_or_create(user=user, defaults={"district": district})
    return district


def school_name(index: int, kind: str) -> str:
    return f"{DISTRICT_NAME}第{index}{'幼儿园' if kind == SchoolKind.KINDERGARTEN else '小学'}"


def room_plan(kind: str, campuses: int) -> list[list[tuple[str, str, str, int]]]:
    """Per campus: (name, room_type, building, floor); about 80 rooms per school."""
    plans = []
    per_campus_classes = 18 if kind == SchoolKind.KINDERGARTEN else 30
    for _c in range(campuses):
        rooms = []
        for i in range(per_campus_classes):
            if kind == SchoolKind.KINDERGARTEN:
                name = KG_CLASSES[i % 3].format(CN_NUM[i // 3])
            else:
                name = f"{PS_GRADES[i % 6]}({i // 6 + 1})班"
            rooms.append((name, RoomType.CLASSROOM, "教学楼", 1 + (i % 4)))
        for i in range(4):
            rooms.append((f"办公室{i + 1}", RoomType.OFFICE, "综合楼", 2))
        for name in ("多功能厅", "美术室", "音乐室", "保健室")[: 3 if kind == SchoolKind.KINDERGARTEN else 4]:
            rooms.append((name, RoomType.FUNCTION, "综合楼", 3))
        rooms.append(("行政仓库", RoomType.WAREHOUSE, "综合楼", 1))
        rooms.append(("食堂", RoomType.CANTEEN, "食堂楼", 1))
        if kind != SchoolKind.KINDERGARTEN:
            rooms.append(("体育器材室", RoomType.FUNCTION, "风雨操场", 1))
        plans.append(rooms)
    return plans


def seed_organisation(district, index: int, password_hash: str, scale: Scale, *, kind=None) -> SchoolData:
    kind = kind or (SchoolKind.KINDERGARTEN if index % 2 else SchoolKind.PRIMARY)
    school, _ = School.objects.get_or_create(
        code=school_code(index),
        defaults={
            "district": district,
            "name": school_name(index, kind),
            "kind": kind,
            "address": f"{DISTRICT_NAME}建设路{index}号",
            "phone": f"0731-8{index:07d}",
        },
    )
    data = SchoolData(index=index, school=school, scale=scale, rng=random.Random(index))
    with transaction.atomic():
        if not Campus.objects.filter(school=school).exists():
            names = ["总部", "西区分部", "航星分部"] if school.is_kindergarten else ["本部", "村小"]
            Campus.objects.bulk_create(
                [Campus(school=school, name=n, is_main=i == 0) for i, n in enumerate(names)]
            )
        data.campuses = list(Campus.objects.filter(school=school).order_by("-is_main", "pk"))
        if not Department.objects.filter(school=school).exists():
            Department.objects.bulk_create([Department(school=school, name=n) for n in DEPARTMENTS])
        data.departments = {d.name: d for d in Department.objects.filter(school=school)}
        if not Membership.objects.filter(school=school).exists():
            _seed_people(data, password_hash)
        data.users = _load_people(school)
        if not Room.objects.filter(school=school).exists():
            _seed_rooms(data, kind)
        data.rooms = list(Room.objects.filter(school=school).order_by("pk"))
    return data


def _seed_people(data: SchoolData, password_hash: str):
    User = get_user_model()
    rng, school = data.rng, data.school
    wanted = []
    for role, count in ROLE_COUNTS:
        for n in range(1, count + 1):
            wanted.append((username(data.index, role, n), role))
    existing = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
    new_users = [
        User(username=name, first_name=chinese_name(rng), password=password_hash, is_active=True)
        for name, _role in wanted
        if name not in existing
    ]
    for u in bulk(User, new_users):
        existing[u.username] = u
    if any(u.pk is None for u in existing.values()):  # backends that return no pks
        existing = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
    dept_for = {
        Role.PRINCIPAL: "办公室",
        Role.DIRECTOR: "后勤部",
        Role.STAFF: "后勤部",
        Role.CANTEEN: "食堂",
        Role.ACCOUNTANT: "财务室",
    }
    memberships, profiles = [], []
    for i, (name, role) in enumerate(wanted):
        user = existing[name]
        memberships.append(
            Membership(
                school=school,
                user=user,
                role=role,
                campus=data.campuses[i % len(data.campuses)],
                department=data.departments[dept_for.get(role, "教务处")],
                started_on=datetime.date(2018, 9, 1),
            )
        )
        profiles.append(
            StaffProfile(
                school=school,
                user=user,
                post=str(Role(role).label),
                phone=f"139{data.index:04d}{i:04d}",
                hire_date=datetime.date(2010 + i % 15, 9, 1),
            )
        )
    bulk(Membership, memberships)
    profiles = bulk(StaffProfile, profiles)
    certs = []
    today = data.today
    for i, (profile, (_name, role)) in enumerate(zip(profiles, wanted, strict=True)):
        if role in (Role.CANTEEN, Role.HEALTH, Role.TEACHER):
            issued = today - datetime.timedelta(days=30 + (i * 17) % 330)
            certs.append(
                Certificate(
                    school=school,
                    staff=profile,
                    kind=CertificateKind.HEALTH,
                    number=f"JK{data.index:03d}{i:05d}",
                    issued_on=issued,
                    expires_on=issued + datetime.timedelta(days=365),
                    issuer="区疾病预防控制中心",
                )
            )
    bulk(Certificate, certs)
    head = data.departments["后勤部"]
    head.head = existing[username(data.index, Role.DIRECTOR, 1)]
    head.save(update_fields=["head"])


def _load_people(school) -> dict:
    users: dict = {}
    for m in (
        Membership.objects.active().filter(school=school).select_related("user").order_by("user__username")
    ):
        users.setdefault(m.role, []).append(m.user)
    return users


def _seed_rooms(data: SchoolData, kind: str):
    rooms = []
    teachers = data.users.get(Role.TEACHER, [])
    keepers = data.users.get(Role.STAFF, [])
    for c, plan in enumerate(room_plan(kind, len(data.campuses))):
        campus = data.campuses[c]
        for j, (name, room_type, building, floor) in enumerate(plan):
            responsible = (
                teachers[(c * 40 + j) % len(teachers)]
                if room_type == RoomType.CLASSROOM and teachers
                else (keepers[j % len(keepers)] if keepers else None)
            )
            rooms.append(
                Room(
                    school=data.school,
                    campus=campus,
                    name=name,
                    code=f"{c + 1}{j + 1:03d}",
                    room_type=room_type,
                    building=building,
                    floor=floor,
                    responsible=responsible,
                )
            )
    bulk(Room, rooms)


# --- the domain apps ---------------------------------------------------------------------------
# Each step: step(data) -> number of rows written (0 when skipped because they are there already).
# Steps are registered by the app they read; an app whose models do not exist yet is skipped.

STEPS: list[tuple[str, callable]] = []


def step(name):
    def decorator(fn):
        STEPS.append((name, fn))
        return fn

    return decorator


def money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


# --- driver ------------------------------------------------------------------------------------


def seed(
    schools: int,
    *,
    scale: Scale | None = None,
    big_school_assets: int = 0,
    control_school: bool = False,
    only: set | None = None,
    log=print,
) -> dict:
    """Seed `schools` schools (and, with big_school_assets, one extra school holding that many assets).

    Returns {"seconds": ..., "rows": {step: n}, "schools": [SchoolData]}."""
    scale = scale or Scale()
    started = time.monotonic()
    password_hash = make_password(BENCH_PASSWORD)  # once: every account shares it
    district = ensure_district()
    rows: dict = {}
    seeded = []
    targets = [(i, scale, None) for i in range(1, schools + 1)]
    if control_school:  # a tiny school: the bench compares query counts against it
        targets.append((CONTROL_INDEX, Scale(assets=40, days=14), SchoolKind.KINDERGARTEN))
    if big_school_assets:
        targets.append((BIG_INDEX, Scale(assets=big_school_assets, days=scale.days), SchoolKind.PRIMARY))
    for index, sc, kind in targets:
        t0 = time.monotonic()
        data = seed_organisation(district, index, password_hash, sc, kind=kind)
        written = {}
        for name, fn in STEPS:
            if only and name.split(".")[0] not in only:
                continue
            with transaction.atomic():
                n = fn(data)
            if n:
                written[name] = n
                rows[name] = rows.get(name, 0) + n
        seeded.append(data)
        detail = ", ".join(f"{k} {v:,}" for k, v in written.items()) or "已存在，跳过"
        log(f"  {data.school.code} {data.school.name}: {detail} ({time.monotonic() - t0:.1f} s)")
    return {"seconds": time.monotonic() - started, "rows": rows, "schools": seeded}


def bench_school(index: int = 1) -> School:
    return School.objects.get(code=school_code(index))
