"""District-scale data for `seed_district` and `make bench` (benchmark data only: not part of the app).

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

from logistics.choices import CertificateKind, Role, RoomType, SchoolKind
from logistics.models import (
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


def days_back(d: SchoolData):
    """The record window: the last `scale.days` days up to today, oldest first."""
    return [d.today - datetime.timedelta(days=i) for i in range(d.scale.days - 1, -1, -1)]


def mondays(d: SchoolData):
    first = d.today - datetime.timedelta(days=d.scale.days - 1)
    monday = first - datetime.timedelta(days=first.weekday())
    out = []
    while monday <= d.today:
        out.append(monday)
        monday += datetime.timedelta(days=7)
    return out


def month_starts(d: SchoolData, extra_months=0):
    first = d.today - datetime.timedelta(days=d.scale.days - 1)
    y, m = first.year, first.month
    for _i in range(extra_months):
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    out = []
    while (y, m) <= (d.today.year, d.today.month):
        out.append(datetime.date(y, m, 1))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def classrooms(d: SchoolData):
    return [r for r in d.rooms if r.room_type == RoomType.CLASSROOM]


# --- assets (固定资产、报修、物资) --------------------------------------------------------------

ASSET_NAMES = {
    "201": [
        ("台式电脑", "联想启天M430", 4800),
        ("笔记本电脑", "ThinkPad E14", 5600),
        ("平板电脑", "华为MatePad", 2600),
    ],
    "202": [
        ("激光打印机", "HP M405d", 2200),
        ("复印机", "理光MP2014", 9800),
        ("扫描仪", "佳能DR-C225", 3200),
    ],
    "204": [("空调", "格力1.5匹挂机", 3200), ("柜式空调", "美的3匹", 7800), ("电热水器", "海尔60L", 1600)],
    "205": [("液晶电视", "海信65英寸", 4200), ("投影仪", "爱普生CB-X06", 3600), ("功放音响", "雅马哈", 2800)],
    "301": [("电子白板", "鸿合86英寸", 12800), ("实物展台", "良田", 1500), ("显微镜", "凤凰XSP", 1200)],
    "302": [("钢琴", "珠江118", 16800), ("电子琴", "雅马哈KB-291", 2300), ("篮球架", "移动式", 5600)],
    "303": [("留样冰箱", "海尔双门", 3800), ("消毒柜", "康宝RTP700", 4600), ("蒸饭车", "24盘", 6900)],
    "304": [("紫外线消毒车", "移动式", 2400), ("身高体重秤", "电子", 1800)],
    "305": [("组合滑梯", "大型户外", 26000), ("攀爬架", "户外", 8800), ("秋千", "双人", 3200)],
    "501": [("图书（套）", "幼儿绘本", 1200)],
    "601": [
        ("办公桌", "1.4米", 1100),
        ("文件柜", "钢制", 1300),
        ("课桌椅（套）", "可升降", 1050),
        ("儿童床", "实木", 1250),
    ],
    "602": [("窗帘（套）", "遮光", 1500), ("储物柜", "实木", 1800)],
}


@step("assets")
def seed_assets(d: SchoolData) -> int:
    Asset = model_or_none("assets.Asset")
    if Asset is None:
        return 0
    existing = Asset.objects.filter(school=d.school).count()
    if existing and (d.index != BIG_INDEX or existing >= d.scale.assets):
        return 0
    from assets.choices import (
        AssetAction,
        AssetSource,
        AssetStatus,
        DisposalKind,
        LoanStatus,
        RepairStatus,
        Urgency,
    )

    AssetCategory = model_or_none("assets.AssetCategory")
    AssetEvent = model_or_none("assets.AssetEvent")
    AssetSettings = model_or_none("assets.AssetSettings")
    rng, school, n_assets = d.rng, d.school, d.scale.assets
    cats = {c.code: c for c in AssetCategory.objects.filter(school__isnull=True, code__in=list(ASSET_NAMES))}
    kinds = [(code, item) for code, items in ASSET_NAMES.items() if code in cats for item in items]
    staff = d.users[Role.STAFF]
    rooms = d.rooms
    statuses = [
        (AssetStatus.IN_USE, 0.80),
        (AssetStatus.IDLE, 0.09),
        (AssetStatus.REPAIRING, 0.03),
        (AssetStatus.LENT, 0.02),
        (AssetStatus.PENDING_DISPOSAL, 0.02),
        (AssetStatus.DISPOSED, 0.04),
    ]
    weights = [w for _s, w in statuses]
    now = timezone.now()
    assets = []
    if existing:  # the big school asked for more than it has: top its register up, nothing else
        rng = random.Random(existing)
    for n in range(existing + 1, n_assets + 1):
        code, (name, spec, price) = rng.choice(kinds)
        room = rng.choice(rooms)
        bought = d.today - datetime.timedelta(days=rng.randint(30, 12 * 365))
        status = rng.choices([s for s, _w in statuses], weights)[0]
        assets.append(
            Asset(
                school=school,
                code=f"ZC{bought.year}-{n:06d}",
                name=name,
                category=cats[code],
                spec=spec,
                unit_price=Decimal(price) + money(rng, 0, 300),
                quantity=1,
                purchase_date=bought,
                source=AssetSource.PURCHASE if rng.random() < 0.93 else AssetSource.DONATION,
                funding="公用经费" if rng.random() < 0.7 else "专项资金",
                room=room,
                custodian=room.responsible,
                status=status,
                created_at=aware(bought, 10),
                disposed_on=(d.today - datetime.timedelta(days=rng.randint(1, 300)))
                if status == AssetStatus.DISPOSED
                else None,
                note="",
            )
        )
    assets = bulk(Asset, assets)
    settings_obj, _ = AssetSettings.objects.get_or_create(school=school)
    settings_obj.next_number = max(settings_obj.next_number, n_assets + 1)
    settings_obj.save(update_fields=["next_number"])
    events = [
        AssetEvent(
            school=school,
            asset=a,
            action=AssetAction.REGISTER,
            to_status=a.status,
            to_room=a.room,
            to_custodian=a.custodian,
            by=staff[i % len(staff)],
            at=a.created_at,
            comment="基准数据登记",
        )
        for i, a in enumerate(assets)
    ]
    written = len(assets) + len(bulk(AssetEvent, events))
    if existing:
        return written

    AssetLoan = model_or_none("assets.AssetLoan")
    loans = [
        AssetLoan(
            school=school,
            asset=a,
            borrower=d.any(Role.TEACHER),
            lent_by=staff[0],
            lent_on=d.today - datetime.timedelta(days=rng.randint(1, 40)),
            due_on=d.today + datetime.timedelta(days=rng.randint(-10, 20)),
            status=LoanStatus.OPEN,
            purpose="教学活动借用",
            previous_status=AssetStatus.IN_USE,
        )
        for a in assets
        if a.status == AssetStatus.LENT
    ]
    written += len(bulk(AssetLoan, loans))
    DisposalRequest = model_or_none("assets.DisposalRequest")
    disposals = [
        DisposalRequest(
            school=school,
            asset=a,
            kind=DisposalKind.SCRAP,
            reason="超过使用年限，无法修复",
            previous_status=AssetStatus.IN_USE,
            requested_by=staff[0],
            requested_at=now - datetime.timedelta(days=rng.randint(1, 20)),
        )
        for a in assets
        if a.status == AssetStatus.PENDING_DISPOSAL
    ]
    written += len(bulk(DisposalRequest, disposals))

    RepairRequest = model_or_none("assets.RepairRequest")
    repairs = []
    problems = [
        "灯管不亮",
        "水龙头漏水",
        "门锁损坏",
        "空调不制冷",
        "投影仪无信号",
        "桌椅松动",
        "窗户关不严",
        "插座无电",
    ]
    for day in days_back(d):
        for _k in range(1 if rng.random() < 0.8 else 0):
            at = aware(day, rng.randint(8, 16), rng.randint(0, 59))
            urgency = rng.choice([Urgency.URGENT, Urgency.NORMAL, Urgency.NORMAL, Urgency.LOW])
            age = (d.today - day).days
            status = (
                RepairStatus.ACCEPTED
                if age > 10
                else rng.choice(
                    [RepairStatus.SUBMITTED, RepairStatus.ASSIGNED, RepairStatus.DONE, RepairStatus.ACCEPTED]
                )
            )
            assigned = status != RepairStatus.SUBMITTED
            done = status in (RepairStatus.DONE, RepairStatus.ACCEPTED)
            room = rng.choice(rooms)
            repairs.append(
                RepairRequest(
                    school=school,
                    room=room,
                    description=f"{room.name}{rng.choice(problems)}",
                    urgency=urgency,
                    status=status,
                    requested_by=d.any(Role.TEACHER),
                    requested_at=at,
                    respond_by=at + datetime.timedelta(hours=4 if urgency == Urgency.URGENT else 24),
                    due_by=at + datetime.timedelta(days=1 if urgency == Urgency.URGENT else 3),
                    assignee=staff[1 % len(staff)] if assigned else None,
                    assigned_at=at + datetime.timedelta(hours=2) if assigned else None,
                    work_done="已修复" if done else "",
                    cost=money(rng, 0, 300) if done else Decimal("0.00"),
                    completed_at=at + datetime.timedelta(days=1) if done else None,
                    accepted_at=at + datetime.timedelta(days=2) if status == RepairStatus.ACCEPTED else None,
                )
            )
    written += len(bulk(RepairRequest, repairs))

    StoreItem = model_or_none("assets.StoreItem")
    StockMovement = model_or_none("assets.StockMovement")
    from assets.choices import MovementKind as StoreKind

    item_names = [
        ("A4复印纸", "包", 25),
        ("签字笔", "盒", 18),
        ("垃圾袋", "卷", 6),
        ("洗手液", "瓶", 12),
        ("抽纸", "提", 15),
        ("拖把", "把", 22),
        ("扫帚", "把", 15),
        ("84消毒液", "瓶", 9),
        ("灯管", "支", 16),
        ("电池", "板", 20),
        ("胶带", "卷", 4),
        ("文件夹", "个", 5),
        ("订书钉", "盒", 3),
        ("粉笔", "盒", 8),
        ("墨盒", "个", 160),
        ("硒鼓", "个", 260),
        ("抹布", "条", 3),
        ("水桶", "个", 15),
        ("消毒湿巾", "包", 9),
        ("一次性手套", "盒", 20),
    ]
    items = bulk(
        StoreItem,
        [
            StoreItem(
                school=school,
                name=name,
                unit=unit,
                min_level=Decimal(10),
                on_hand=Decimal(0),
                unit_price=Decimal(price),
                is_durable=name in ("拖把", "扫帚", "水桶"),
            )
            for name, unit, price in item_names
        ],
    )
    balance = {it.pk: Decimal(0) for it in items}
    movements = []
    depts = list(d.departments.values())
    for day in days_back(d):
        if day.weekday() >= 5:
            continue
        if day.weekday() == 0:  # Monday: stock in
            for it in rng.sample(items, 4):
                qty = Decimal(rng.randint(20, 60))
                balance[it.pk] += qty
                movements.append(
                    StockMovement(
                        school=school,
                        item=it,
                        kind=StoreKind.IN,
                        quantity=qty,
                        unit_price=it.unit_price,
                        amount=qty * it.unit_price,
                        balance_after=balance[it.pk],
                        by=staff[0],
                        at=aware(day, 9),
                        source_ref="采购入库",
                        note="",
                    )
                )
        for it in rng.sample(items, 3):
            qty = Decimal(min(balance[it.pk], rng.randint(1, 5)))
            if qty <= 0:
                continue
            balance[it.pk] -= qty
            movements.append(
                StockMovement(
                    school=school,
                    item=it,
                    kind=StoreKind.OUT,
                    quantity=-qty,
                    unit_price=it.unit_price,
                    amount=qty * it.unit_price,
                    balance_after=balance[it.pk],
                    department=rng.choice(depts),
                    person=d.any(Role.TEACHER),
                    by=staff[0],
                    at=aware(day, 14),
                    note="",
                )
            )
    written += len(bulk(StockMovement, movements))
    for it in items:
        it.on_hand = balance[it.pk]
    StoreItem.objects.bulk_update(items, ["on_hand"])
    return written + len(items)


# --- canteen (留样、进货查验、晨检、消毒) -------------------------------------------------------

DISHES = {
    "breakfast": ["小米粥", "鸡蛋", "肉包", "花卷", "豆浆", "凉拌黄瓜", "南瓜粥", "蒸红薯", "牛奶", "菜包"],
    "lunch": [
        "红烧鸡块",
        "番茄炒蛋",
        "清炒西兰花",
        "米饭",
        "紫菜蛋汤",
        "土豆烧牛肉",
        "醋溜白菜",
        "清蒸鱼",
        "冬瓜排骨汤",
        "蒜蓉菠菜",
    ],
    "snack": ["香蕉", "酸奶", "小蛋糕", "苹果", "银耳羹", "饼干", "橙子", "绿豆汤"],
    "dinner": ["青椒肉丝", "麻婆豆腐", "炒青菜", "米饭", "玉米排骨汤", "红烧茄子", "木耳炒蛋", "馒头"],
}
MEAL_HOURS = {"breakfast": 8, "lunch": 12, "snack": 15, "dinner": 18}


def meals_for(school):
    return ["breakfast", "lunch", "snack"] if school.is_kindergarten else ["breakfast", "lunch", "dinner"]


@step("canteen")
def seed_canteen(d: SchoolData) -> int:
    FoodSample = model_or_none("canteen.FoodSample")
    if FoodSample is None or FoodSample.objects.filter(school=d.school).exists():
        return 0
    from canteen.choices import (
        Account,
        CheckResult,
        DisinfectionMethod,
        InspectionResult,
        LabelCheck,
        MenuStatus,
        SampleStatus,
        age_groups_for,
    )

    M = {
        n: model_or_none(f"canteen.{n}")
        for n in (
            "CanteenSettings",
            "Fridge",
            "Menu",
            "MenuDish",
            "DishIngredient",
            "Supplier",
            "Delivery",
            "PantryItem",
            "DeliveryLine",
            "PantryBatch",
            "DisinfectionLog",
            "WasteLog",
            "MorningCheck",
            "DiningRecord",
            "Food",
        )
    }
    rng, school = d.rng, d.school
    M["CanteenSettings"].objects.get_or_create(school=school)
    cooks = d.users[Role.CANTEEN]
    health = d.one(Role.HEALTH)
    fridges = bulk(
        M["Fridge"], [M["Fridge"](school=school, name=f"{c.name}留样冰箱", campus=c) for c in d.campuses]
    )
    fridge = fridges[0]
    written = len(fridges)
    menus = bulk(
        M["Menu"],
        [
            M["Menu"](
                school=school,
                week_start=monday,
                status=MenuStatus.PUBLISHED,
                published_at=aware(monday - datetime.timedelta(days=4), 16),
                published_by=health,
            )
            for monday in mondays(d)
        ],
    )
    menu_of = {m.week_start: m for m in menus}
    meals = meals_for(school)
    dishes = []
    for day in days_back(d):
        menu = menu_of[day - datetime.timedelta(days=day.weekday())]
        for meal in meals:
            for pos, name in enumerate(rng.sample(DISHES[meal], 6)):
                dishes.append(
                    M["MenuDish"](school=school, menu=menu, day=day, meal=meal, name=name, position=pos)
                )
    dishes = bulk(M["MenuDish"], dishes)
    written += len(menus) + len(dishes)
    foods = list(M["Food"].objects.filter(school__isnull=True).order_by("pk")[:40])
    if foods:
        recent = d.today - datetime.timedelta(days=28)
        groups = age_groups_for(school)
        ingredients = [
            M["DishIngredient"](
                school=school, dish=dish, food=food, age_group=g, grams=Decimal(rng.randint(10, 80))
            )
            for dish in dishes
            if dish.day >= recent
            for food in rng.sample(foods, 2)
            for g in groups
        ]
        written += len(bulk(M["DishIngredient"], ingredients))
    now = timezone.now()
    samples = []
    skipped = set()
    for dish in dishes:
        key = (dish.day, dish.meal)
        if dish.position == 0 and rng.random() < 0.004 and dish.day < d.today:
            skipped.add(key)  # a meal with no samples: a gap the month pack should list
        if key in skipped:
            continue
        taken = aware(dish.day, MEAL_HOURS[dish.meal], 10 + dish.position)
        discard_after = taken + datetime.timedelta(hours=48)
        discarded = discard_after + datetime.timedelta(hours=2) < now
        samples.append(
            FoodSample(
                school=school,
                day=dish.day,
                meal=dish.meal,
                dish=dish,
                dish_name=dish.name,
                quantity_g=Decimal(rng.choice([125, 130, 150, 160])),
                fridge=fridge,
                fridge_temp=Decimal(rng.randint(20, 60)) / 10,
                taken_by=cooks[dish.position % len(cooks)],
                taken_at=taken,
                discard_after=discard_after,
                status=SampleStatus.DISCARDED if discarded else SampleStatus.KEPT,
                discarded_at=discard_after + datetime.timedelta(hours=1) if discarded else None,
                discarded_by=cooks[0] if discarded else None,
            )
        )
    written += len(bulk(FoodSample, samples))

    suppliers = bulk(
        M["Supplier"],
        [
            M["Supplier"](
                school=school,
                name=f"{name}（第{d.index}校）",
                contact=chinese_name(rng),
                phone=f"1370000{i:04d}",
                business_licence_no=f"91430100MA{d.index:04d}{i:04d}",
                food_licence_no=f"JY1430100{d.index:04d}{i:03d}",
                food_licence_expires=d.today + datetime.timedelta(days=rng.randint(-10, 700)),
                business_licence_expires=d.today + datetime.timedelta(days=rng.randint(200, 2000)),
                is_designated=i < 4,
                contract_no=f"HT-{d.index}-{i}" if i < 4 else "",
            )
            for i, name in enumerate(
                [
                    "绿源蔬菜配送",
                    "鲜达肉类",
                    "金穗粮油",
                    "清泉水产",
                    "宏达副食",
                    "晨光乳业",
                    "百果园",
                    "康源调味品",
                ]
            )
        ],
    )
    items = bulk(
        M["PantryItem"],
        [
            M["PantryItem"](school=school, name=n, unit=u)
            for n, u in [
                ("大米", "千克"),
                ("面粉", "千克"),
                ("食用油", "升"),
                ("鸡蛋", "千克"),
                ("猪肉", "千克"),
                ("鸡肉", "千克"),
                ("牛肉", "千克"),
                ("白菜", "千克"),
                ("西兰花", "千克"),
                ("番茄", "千克"),
                ("土豆", "千克"),
                ("牛奶", "盒"),
                ("豆腐", "千克"),
                ("鱼", "千克"),
                ("苹果", "千克"),
                ("香蕉", "千克"),
                ("酱油", "瓶"),
                ("食盐", "袋"),
            ]
        ],
    )
    written += len(suppliers) + len(items)
    deliveries, line_specs = [], []
    for day in days_back(d):
        if day.weekday() >= 5:
            continue
        sup = suppliers[day.toordinal() % len(suppliers)]
        deliveries.append(
            M["Delivery"](
                school=school,
                supplier=sup,
                delivered_on=day,
                account=Account.CHILDREN,
                invoice_no=f"FP{day:%Y%m%d}{d.index:03d}",
                inspector=cooks[0],
                inspected_at=aware(day, 7, 30),
                accepted_amount=Decimal(0),
                retain_until=day + datetime.timedelta(days=730),
            )
        )
        line_specs.append(
            [(rng.choice(items), Decimal(rng.randint(5, 40)), money(rng, 3, 40)) for _i in range(4)]
        )
    deliveries = bulk(M["Delivery"], deliveries)
    lines = []
    for delivery, specs in zip(deliveries, line_specs, strict=True):
        total = Decimal(0)
        for item, qty, price in specs:
            ok = rng.random() > 0.02
            amount = (qty * price).quantize(Decimal("0.01"))
            total += amount if ok else 0
            lines.append(
                M["DeliveryLine"](
                    school=school,
                    delivery=delivery,
                    item=item,
                    quantity=qty,
                    unit_price=price,
                    amount=amount,
                    production_date=delivery.delivered_on - datetime.timedelta(days=1),
                    shelf_life_days=7,
                    expiry_date=delivery.delivered_on + datetime.timedelta(days=6),
                    batch_no=f"B{delivery.delivered_on:%m%d}",
                    label_check=LabelCheck.COMPLETE,  # packaged: production date and shelf life above
                    result=InspectionResult.ACCEPTED if ok else InspectionResult.REJECTED,
                    reject_reason="" if ok else "感官检查不合格",
                )
            )
        delivery.accepted_amount = total
    lines = bulk(M["DeliveryLine"], lines)
    M["Delivery"].objects.bulk_update(deliveries, ["accepted_amount"], batch_size=BATCH)
    recent = d.today - datetime.timedelta(days=5)
    batches = [
        M["PantryBatch"](
            school=school,
            item=line.item,
            line=line,
            batch_no=line.batch_no,
            received_on=line.delivery.delivered_on,
            expiry_date=line.expiry_date,
            quantity_in=line.quantity,
            quantity_left=line.quantity / 2,
        )
        for line in lines
        if line.result == InspectionResult.ACCEPTED and line.delivery.delivered_on >= recent
    ]
    written += len(deliveries) + len(lines) + len(bulk(M["PantryBatch"], batches))

    logs, checks, waste, dining = [], [], [], []
    leaders = d.users[Role.PRINCIPAL] + d.users[Role.DIRECTOR]
    for day in days_back(d):
        for meal in meals:
            logs.append(
                M["DisinfectionLog"](
                    school=school,
                    day=day,
                    meal=meal,
                    method=DisinfectionMethod.values[0],
                    minutes=30,
                    done_by=rng.choice(cooks),
                    recorded_at=aware(day, MEAL_HOURS[meal] + 1),
                )
            )
        for worker in cooks:
            checks.append(
                M["MorningCheck"](
                    school=school,
                    day=day,
                    worker=worker,
                    result=CheckResult.values[0],
                    certificate_ok=True,
                    checked_by=health,
                )
            )
        waste.append(
            M["WasteLog"](
                school=school,
                day=day,
                quantity_kg=Decimal(rng.randint(80, 300)) / 10,
                collector="区餐厨垃圾收运公司",
                recorded_by=cooks[0],
            )
        )
        dining.append(
            M["DiningRecord"](
                school=school,
                day=day,
                meal="lunch",
                leader=rng.choice(leaders),
                feedback="饭菜温度适宜，口味清淡，孩子们吃得很好。",
            )
        )
    for model, rows in (
        ("DisinfectionLog", logs),
        ("MorningCheck", checks),
        ("WasteLog", waste),
        ("DiningRecord", dining),
    ):
        written += len(bulk(M[model], rows))
    return written


# --- safety (周检、隐患、演练、来访) -----------------------------------------------------------


@step("safety")
def seed_safety(d: SchoolData) -> int:
    Inspection = model_or_none("safety.Inspection")
    if Inspection is None or Inspection.objects.filter(school=d.school).exists():
        return 0
    from safety import defaults
    from safety.choices import (
        DrillKind,
        DrillStatus,
        HazardStatus,
        InspectionKind,
        InspectionStatus,
        ItemResult,
        RiskLevel,
    )
    from safety.models import SafetySettings

    SafetySettings.for_school(d.school)  # the settings row, so no first request has to create it
    InspectionItem = model_or_none("safety.InspectionItem")
    Hazard = model_or_none("safety.Hazard")
    rng, school = d.rng, d.school
    director, staff, guards = d.one(Role.DIRECTOR), d.users[Role.STAFF], d.users[Role.GUARD]
    inspections = []
    for monday in mondays(d):
        current = monday + datetime.timedelta(days=7) > d.today
        inspections.append(
            (InspectionKind.WEEKLY, monday, monday + datetime.timedelta(days=4), not current, staff[0])
        )
    for first in month_starts(d):
        current = first.year == d.today.year and first.month == d.today.month
        inspections.append(
            (InspectionKind.MONTHLY, first, first + datetime.timedelta(days=27), not current, director)
        )
    for day in days_back(d)[-60:]:
        inspections.append((InspectionKind.CLOSING, day, day, day < d.today, guards[0]))
    objs = bulk(
        Inspection,
        [
            Inspection(
                school=school,
                kind=kind,
                period_start=start,
                due_on=due,
                assigned_to=who,
                status=InspectionStatus.SUBMITTED if done else InspectionStatus.OPEN,
                summary="总体良好" if done else "",
                submitted_by=who if done else None,
                submitted_at=aware(due, 16) if done else None,
                signature=who.first_name if done else "",
                created_at=aware(start, 7),
            )
            for kind, start, due, done, who in inspections
        ],
    )
    items = []
    for insp in objs:
        done = insp.status == InspectionStatus.SUBMITTED
        for order, (area, text) in enumerate(defaults.default_items(insp.kind, school.is_kindergarten)):
            result = ""
            if done:
                result = ItemResult.FAIL if rng.random() < 0.03 else ItemResult.PASS
            items.append(
                InspectionItem(
                    school=school, inspection=insp, area=area, text=text, order=order, result=result
                )
            )
    items = bulk(InspectionItem, items)
    written = len(objs) + len(items)
    now = timezone.now()
    hazards = []
    by_inspection = {i.pk: i for i in objs}
    sources = [
        (it, by_inspection[it.inspection_id].period_start) for it in items if it.result == ItemResult.FAIL
    ]
    extra = [
        "二楼消防通道堆放杂物",
        "操场围栏松动",
        "楼梯扶手破损",
        "配电箱未上锁",
        "厨房地面湿滑",
        "应急灯不亮",
    ]
    for day in days_back(d)[:: max(1, 7)]:
        sources.append((None, day))
    for item, found in sources:
        age = (d.today - found).days
        status = (
            HazardStatus.VERIFIED
            if age > 21
            else rng.choice(
                [HazardStatus.FOUND, HazardStatus.ASSIGNED, HazardStatus.RECTIFIED, HazardStatus.VERIFIED]
            )
        )
        if age > 21 and rng.random() < 0.04:
            status = HazardStatus.ASSIGNED  # overdue
        assigned = status != HazardStatus.FOUND
        rectified = status in (HazardStatus.RECTIFIED, HazardStatus.VERIFIED)
        hazards.append(
            Hazard(
                school=school,
                title=(f"{item.area}：{item.text}"[:200] if item else rng.choice(extra)),
                room=rng.choice(d.rooms),
                risk_level=rng.choice([RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.MEDIUM, RiskLevel.HIGH]),
                status=status,
                found_on=found,
                found_by=staff[0],
                source_item=item,
                assignee=staff[1 % len(staff)] if assigned else None,
                deadline=found + datetime.timedelta(days=7) if assigned else None,
                assigned_by=director if assigned else None,
                rectification="已整改" if rectified else "",
                rectified_by=staff[1 % len(staff)] if rectified else None,
                rectified_at=aware(found + datetime.timedelta(days=3), 15) if rectified else None,
                verified_by=director if status == HazardStatus.VERIFIED else None,
                verified_at=aware(found + datetime.timedelta(days=4), 10)
                if status == HazardStatus.VERIFIED
                else None,
                created_at=min(now, aware(found, 11)),
            )
        )
    written += len(bulk(Hazard, hazards))

    Drill = model_or_none("safety.Drill")
    drills = []
    for first in month_starts(d):
        held = first + datetime.timedelta(days=14)
        if held > d.today:
            continue
        kind = [DrillKind.FIRE, DrillKind.EARTHQUAKE, DrillKind.ANTI_TERROR][first.month % 3]
        drills.append(
            Drill(
                school=school,
                kind=kind,
                title=f"{first.month}月{DrillKind(kind).label}演练",
                status=DrillStatus.DONE,
                planned_on=held,
                held_on=held,
                participants=rng.randint(200, 900),
                floors=3,
                evacuation_seconds=rng.randint(80, 130),
                commander=director.first_name,
                reflection="疏散有序。",
                recorded_by=director,
                created_by=director,
            )
        )
    written += len(bulk(Drill, drills))
    Visitor = model_or_none("safety.Visitor")
    visitors = []
    for day in days_back(d):
        if day.weekday() >= 5:
            continue
        for k in range(3):
            t_in = aware(day, 9 + k * 2, rng.randint(0, 59))
            visitors.append(
                Visitor(
                    school=school,
                    name=chinese_name(rng),
                    id_number=f"43010219{rng.randint(70, 99)}0101{rng.randint(1000, 9999)}",
                    organisation=rng.choice(["家长", "区教育局", "维修公司", "配送公司"]),
                    reason="办事",
                    host=director.first_name,
                    badge=f"{k + 1:03d}",
                    time_in=t_in,
                    time_out=t_in + datetime.timedelta(minutes=rng.randint(10, 90))
                    if day < d.today
                    else None,
                    registered_by=guards[k % len(guards)],
                )
            )
    written += len(bulk(Visitor, visitors))
    return written


# --- finance (请购审批) -------------------------------------------------------------------------


@step("finance")
def seed_finance(d: SchoolData) -> int:
    PurchaseRequest = model_or_none("finance.PurchaseRequest")
    if PurchaseRequest is None or PurchaseRequest.objects.filter(school=d.school).exists():
        return 0
    from finance.choices import BudgetCategory, FlowAction, RequestStatus, Semester

    BudgetLine = model_or_none("finance.BudgetLine")
    RequestLine = model_or_none("finance.RequestLine")
    FlowLog = model_or_none("finance.FlowLog")
    model_or_none("finance.FinanceSettings").objects.get_or_create(school=d.school)
    rng, school = d.rng, d.school
    years = sorted({d.today.year, (d.today - datetime.timedelta(days=d.scale.days)).year})
    budget = bulk(
        BudgetLine,
        [
            BudgetLine(
                school=school,
                year=y,
                semester=Semester.YEAR,
                category=c,
                name=f"{BudgetCategory(c).label}",
                amount=Decimal(rng.randint(50, 400) * 1000),
            )
            for y in years
            for c in BudgetCategory.values
        ],
    )
    lines_of_year = {}
    for b in budget:
        lines_of_year.setdefault(b.year, []).append(b)
    director, principal = d.one(Role.DIRECTOR), d.one(Role.PRINCIPAL)
    requesters = d.users[Role.TEACHER][:20] + d.users[Role.STAFF]
    reqs, specs = [], []
    goods = [
        ("A4复印纸", "箱", 180),
        ("打印机硒鼓", "个", 260),
        ("教具套装", "套", 420),
        ("儿童绘本", "套", 95),
        ("空调清洗", "次", 120),
        ("消毒液", "箱", 150),
        ("篮球", "个", 120),
        ("办公椅", "把", 380),
    ]
    n = 0
    for day in days_back(d):
        if day.weekday() >= 5:
            continue
        for _k in range(2):
            n += 1
            age = (d.today - day).days
            items = [(rng.choice(goods), rng.randint(1, 8)) for _i in range(rng.randint(1, 3))]
            total = sum(Decimal(p) * q for (_nm, _u, p), q in items)
            needs_principal = total > 500
            if age > 14:
                status = rng.choices(
                    [
                        RequestStatus.REIMBURSED,
                        RequestStatus.ACCEPTED,
                        RequestStatus.REJECTED,
                        RequestStatus.CANCELLED,
                    ],
                    [0.75, 0.1, 0.1, 0.05],
                )[0]
            else:
                status = rng.choice(
                    [
                        RequestStatus.PENDING_DIRECTOR,
                        RequestStatus.PENDING_PRINCIPAL if needs_principal else RequestStatus.APPROVED,
                        RequestStatus.APPROVED,
                        RequestStatus.PURCHASED,
                    ]
                )
            at = aware(day, rng.randint(8, 16), rng.randint(0, 59))
            decided = status not in (
                RequestStatus.PENDING_DIRECTOR,
                RequestStatus.PENDING_PRINCIPAL,
                RequestStatus.CANCELLED,
            )
            reqs.append(
                PurchaseRequest(
                    school=school,
                    number=f"QG{day:%Y}{d.index:03d}{n:05d}",
                    requester=rng.choice(requesters),
                    department=d.departments["后勤部"],
                    title=items[0][0][0] + ("等" if len(items) > 1 else ""),
                    reason="教学和办公需要",
                    budget_line=rng.choice(lines_of_year[day.year]),
                    needed_by=day + datetime.timedelta(days=14),
                    status=status,
                    estimated_total=total,
                    needs_principal=needs_principal,
                    created_at=at,
                    submitted_at=at,
                    decided_at=at + datetime.timedelta(days=1) if decided else None,
                )
            )
            specs.append(items)
    reqs = bulk(PurchaseRequest, reqs)
    lines, flows = [], []
    for req, items in zip(reqs, specs, strict=True):
        for pos, ((name, unit, price), qty) in enumerate(items):
            lines.append(
                RequestLine(
                    school=school,
                    request=req,
                    position=pos,
                    name=name,
                    unit=unit,
                    quantity=qty,
                    unit_price=Decimal(price),
                )
            )
        flows.append(
            FlowLog(
                school=school,
                request=req,
                action=FlowAction.SUBMIT,
                from_status="",
                to_status=RequestStatus.PENDING_DIRECTOR,
                by=req.requester,
                role=Role.TEACHER,
                at=req.submitted_at,
            )
        )
        if req.status not in (RequestStatus.PENDING_DIRECTOR, RequestStatus.CANCELLED):
            rejected = req.status == RequestStatus.REJECTED
            nxt = (
                RequestStatus.REJECTED
                if rejected
                else RequestStatus.PENDING_PRINCIPAL
                if req.needs_principal
                else RequestStatus.APPROVED
            )
            flows.append(
                FlowLog(
                    school=school,
                    request=req,
                    action=FlowAction.REJECT if rejected else FlowAction.APPROVE,
                    from_status=RequestStatus.PENDING_DIRECTOR,
                    to_status=nxt,
                    by=director,
                    role=Role.DIRECTOR,
                    at=req.submitted_at + datetime.timedelta(hours=3),
                    comment="同意" if not rejected else "预算不足",
                )
            )
            if nxt == RequestStatus.PENDING_PRINCIPAL and req.status != RequestStatus.PENDING_PRINCIPAL:
                flows.append(
                    FlowLog(
                        school=school,
                        request=req,
                        action=FlowAction.APPROVE,
                        from_status=RequestStatus.PENDING_PRINCIPAL,
                        to_status=RequestStatus.APPROVED,
                        by=principal,
                        role=Role.PRINCIPAL,
                        at=req.submitted_at + datetime.timedelta(hours=20),
                        comment="同意",
                    )
                )
    written = len(budget) + len(reqs) + len(bulk(RequestLine, lines)) + len(bulk(FlowLog, flows))
    return written


def add_pending_requests(school, count: int, *, for_principal: bool = True):
    """Top up requests waiting for the principal (or the director), for the approve benchmark."""
    from finance.choices import FlowAction, RequestStatus

    PurchaseRequest = model_or_none("finance.PurchaseRequest")
    RequestLine = model_or_none("finance.RequestLine")
    FlowLog = model_or_none("finance.FlowLog")
    teachers = list(
        Membership.objects.active()
        .filter(school=school, role=Role.TEACHER)
        .values_list("user_id", flat=True)[:10]
    )
    director = (
        Membership.objects.active()
        .filter(school=school, role=Role.DIRECTOR)
        .values_list("user_id", flat=True)[0]
    )
    now = timezone.now()
    status = RequestStatus.PENDING_PRINCIPAL if for_principal else RequestStatus.PENDING_DIRECTOR
    stamp = f"{now:%H%M%S%f}"
    with transaction.atomic():
        reqs = bulk(
            PurchaseRequest,
            [
                PurchaseRequest(
                    school=school,
                    number=f"QGB{stamp}{i:04d}",
                    requester_id=teachers[i % len(teachers)],
                    title="基准测试请购（教具）",
                    reason="基准测试：待审批",
                    needed_by=now.date() + datetime.timedelta(days=10),
                    status=status,
                    estimated_total=Decimal("1260.00"),
                    needs_principal=True,
                    submitted_at=now,
                    created_at=now,
                )
                for i in range(count)
            ],
        )
        bulk(
            RequestLine,
            [
                RequestLine(
                    school=school,
                    request=r,
                    name="教具套装",
                    unit="套",
                    quantity=3,
                    unit_price=Decimal("420.00"),
                )
                for r in reqs
            ],
        )
        flows = [
            FlowLog(
                school=school,
                request=r,
                action=FlowAction.SUBMIT,
                to_status=RequestStatus.PENDING_DIRECTOR,
                by_id=r.requester_id,
                role=Role.TEACHER,
                at=now,
            )
            for r in reqs
        ]
        if for_principal:
            flows += [
                FlowLog(
                    school=school,
                    request=r,
                    action=FlowAction.APPROVE,
                    from_status=RequestStatus.PENDING_DIRECTOR,
                    to_status=RequestStatus.PENDING_PRINCIPAL,
                    by_id=director,
                    role=Role.DIRECTOR,
                    at=now,
                )
                for r in reqs
            ]
        bulk(FlowLog, flows)
    return [r.pk for r in reqs]


# --- hygiene (卫生检查、消毒、抄表) ------------------------------------------------------------


@step("hygiene")
def seed_hygiene(d: SchoolData) -> int:
    HygieneInspection = model_or_none("hygiene.HygieneInspection")
    if HygieneInspection is None or HygieneInspection.objects.filter(school=d.school).exists():
        return 0
    from hygiene.choices import MeterKind

    M = {
        n: model_or_none(f"hygiene.{n}")
        for n in (
            "HygieneCriterion",
            "HygieneScore",
            "HygieneProblem",
            "Disinfectant",
            "DisinfectionRecord",
            "Meter",
            "MeterReading",
            "ResponsibilityArea",
        )
    }
    rng, school = d.rng, d.school
    model_or_none("hygiene.HygieneSettings").objects.get_or_create(school=school)
    health = d.one(Role.HEALTH)
    criteria = bulk(
        M["HygieneCriterion"],
        [
            M["HygieneCriterion"](school=school, name=n, max_score=Decimal(20), order=i)
            for i, n in enumerate(["地面整洁", "门窗明亮", "桌椅整齐", "卫生角", "水杯毛巾"])
        ],
    )
    rooms = classrooms(d)
    inspections = []
    for monday in mondays(d):
        if monday + datetime.timedelta(days=4) > d.today:
            continue
        for room in rooms:
            inspections.append(
                HygieneInspection(
                    school=school,
                    week=monday,
                    room=room,
                    score=Decimal(0),
                    max_score=Decimal(100),
                    inspected_by=health,
                    inspected_at=aware(monday + datetime.timedelta(days=4), 15),
                )
            )
    scores_per = []
    for insp in inspections:
        s = [Decimal(rng.randint(15, 20)) for _c in criteria]
        insp.score = sum(s)
        scores_per.append(s)
    inspections = bulk(HygieneInspection, inspections)
    scores = [
        M["HygieneScore"](school=school, inspection=insp, criterion=c, max_score=c.max_score, score=v)
        for insp, s in zip(inspections, scores_per, strict=True)
        for c, v in zip(criteria, s, strict=True)
    ]
    written = len(criteria) + len(inspections) + len(bulk(M["HygieneScore"], scores))
    problems = [
        M["HygieneProblem"](
            school=school,
            inspection=insp,
            description="卫生角杂物未清理",
            deadline=insp.week + datetime.timedelta(days=7),
        )
        for insp in inspections
        if insp.score < 80
    ]
    written += len(bulk(M["HygieneProblem"], problems))
    from hygiene.choices import DisinfectionMethod, DisinfectionObject

    agent = bulk(
        M["Disinfectant"],
        [
            M["Disinfectant"](
                school=school,
                name="含氯消毒液",
                min_concentration=Decimal(250),
                max_concentration=Decimal(500),
            )
        ],
    )[0]
    records = []
    for day in days_back(d):
        for k in range(2):
            conc = Decimal(rng.randint(230, 520))
            records.append(
                M["DisinfectionRecord"](
                    school=school,
                    target=DisinfectionObject.values[k % len(DisinfectionObject.values)],
                    room=rng.choice(rooms),
                    method=DisinfectionMethod.values[0],
                    disinfectant=agent,
                    concentration=conc,
                    concentration_ok=250 <= conc <= 500,
                    minutes=30,
                    done_at=aware(day, 16 + k),
                    done_by=health,
                    recorded_by=health,
                )
            )
    written += 1 + len(bulk(M["DisinfectionRecord"], records))
    meters = []
    for campus in d.campuses:
        for kind, price in (
            (MeterKind.WATER, "4.2000"),
            (MeterKind.ELECTRICITY, "0.6500"),
            (MeterKind.GAS, "3.4500"),
        ):
            if kind == MeterKind.GAS and not campus.is_main:
                continue
            meters.append(
                M["Meter"](
                    school=school,
                    campus=campus,
                    kind=kind,
                    name=f"{campus.name}{MeterKind(kind).label}",
                    number=f"{d.index:03d}{len(meters):03d}",
                    unit_price=Decimal(price),
                )
            )
    meters = bulk(M["Meter"], meters)
    readings = []
    staff = d.users[Role.STAFF][0]
    for meter in meters:
        value = Decimal(rng.randint(1000, 5000))
        history = []
        for first in month_starts(d, extra_months=12):
            used = Decimal(rng.randint(300, 900))
            value += used
            baseline = (sum(history[-3:]) / 3).quantize(Decimal("0.01")) if len(history) >= 3 else None
            history.append(used)
            readings.append(
                M["MeterReading"](
                    school=school,
                    meter=meter,
                    month=first,
                    value=value,
                    read_on=min(d.today, first + datetime.timedelta(days=27)),
                    consumption=used,
                    unit_price=meter.unit_price,
                    cost=(used * meter.unit_price).quantize(Decimal("0.01")),
                    flagged=bool(baseline and used > baseline * Decimal("1.5")),
                    baseline=baseline,
                    read_by=staff,
                )
            )
    written += len(meters) + len(bulk(M["MeterReading"], readings))
    return written


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
