"""Demo canteen data for `seed_demo`: two months of menus, samples, deliveries, pantry, accounts and
daily logs, so every page and report has something to show. Idempotent and quick (bulk inserts)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from logistics.choices import Role

from .choices import (
    Account,
    CheckResult,
    DisinfectionMethod,
    EntryKind,
    InspectionResult,
    LabelCheck,
    Meal,
    MenuStatus,
    MovementKind,
    SampleStatus,
    SurveyGroup,
    age_groups_for,
)
from .models import (
    CanteenSettings,
    Delivery,
    DeliveryLine,
    DiningRecord,
    DishIngredient,
    DisinfectionLog,
    FeeEntry,
    Food,
    FoodSample,
    Fridge,
    Menu,
    MenuDish,
    MorningCheck,
    PantryBatch,
    PantryItem,
    PantryMovement,
    SatisfactionSurvey,
    Supplier,
    WasteLog,
)
from .services import retention_end, week_start_of

# (dish, [(food, grams for the oldest age group)]) ; younger groups get less.
LUNCHES = [
    [
        ("番茄炒蛋", [("番茄", 60), ("鸡蛋", 40)]),
        ("红烧鸡腿", [("鸡腿", 70)]),
        ("清炒油菜", [("油菜", 80)]),
        ("米饭", [("大米", 90)]),
    ],
    [
        ("土豆烧牛肉", [("牛肉（瘦）", 50), ("土豆", 50)]),
        ("西兰花炒虾仁", [("西兰花", 60), ("虾仁", 30)]),
        ("紫菜蛋花汤", [("紫菜", 3), ("鸡蛋", 15)]),
        ("米饭", [("大米", 90)]),
    ],
    [
        ("清蒸鲈鱼", [("鲈鱼", 60)]),
        ("肉末茄子", [("猪肉（瘦）", 25), ("茄子", 60)]),
        ("冬瓜排骨汤", [("冬瓜", 50), ("猪排骨", 30)]),
        ("二米饭", [("大米", 70), ("小米", 20)]),
    ],
    [
        ("香菇滑鸡", [("鸡肉", 55), ("香菇", 20)]),
        ("胡萝卜炒肉丝", [("胡萝卜", 50), ("猪肉（瘦）", 25)]),
        ("小白菜豆腐汤", [("小白菜", 50), ("豆腐", 30)]),
        ("米饭", [("大米", 90)]),
    ],
    [
        ("红烧带鱼", [("带鱼", 55)]),
        ("黄瓜炒蛋", [("黄瓜", 60), ("鸡蛋", 35)]),
        ("海带排骨汤", [("海带", 20), ("猪排骨", 30)]),
        ("南瓜饭", [("大米", 75), ("南瓜", 30)]),
    ],
]
SNACKS = [
    [("牛奶", [("牛奶", 200)]), ("香蕉", [("香蕉", 80)])],
    [("红豆沙包", [("面粉", 35), ("红豆", 10)]), ("苹果", [("苹果", 100)])],
    [("酸奶", [("酸奶", 150)]), ("小米粥", [("小米", 20)])],
    [("鸡蛋饼", [("面粉", 30), ("鸡蛋", 20)]), ("橙子", [("橙子", 100)])],
    [("燕麦粥", [("燕麦片", 25), ("牛奶", 100)]), ("梨", [("梨", 100)])],
]
PRODUCE = [
    ("大米", "千克", "5.20", 60, 365),
    ("鸡蛋", "千克", "11.00", 20, 30),
    ("猪肉（瘦）", "千克", "28.00", 15, 3),
    ("油菜", "千克", "4.50", 25, None),
    ("牛奶", "箱", "65.00", 6, 21),
    ("植物油", "桶", "89.00", 2, 540),
]


def _scale(group_index, groups):
    # oldest group: 100 %, the youngest about 70 %
    if len(groups) <= 1:
        return Decimal(1)
    return Decimal("0.7") + Decimal("0.3") * Decimal(group_index) / Decimal(len(groups) - 1)


def _builtin_foods():
    """The built-in composition table (data migration 0002); put back if a test flushed it."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("canteen.migrations.0002_builtin_foods")
    foods = {f.name: f for f in Food.objects.filter(school__isnull=True)}
    if len(foods) < len(migration.FOODS):
        migration.add_foods(apps, None)
        foods = {f.name: f for f in Food.objects.filter(school__isnull=True)}
    return foods


def seed(demo):
    school = demo.school
    people = demo.people
    by_role = {}
    for user in people.values():
        for m in user.memberships.filter(school=school, ended_on__isnull=True):
            by_role.setdefault(m.role, user)
    cook = by_role.get(Role.CANTEEN)
    director = by_role.get(Role.DIRECTOR)
    principal = by_role.get(Role.PRINCIPAL)
    accountant = by_role.get(Role.ACCOUNTANT) or director
    # the canteen serves lunch and the afternoon snack: targets for those meals (about 2/3 of a day)
    CanteenSettings.objects.get_or_create(
        school=school,
        defaults={
            "energy_target": Decimal("650"),
            "protein_target": Decimal("28"),
            "fat_target": Decimal("18"),
            "carb_target": Decimal("95"),
        },
    )
    fridges = [
        Fridge.objects.get_or_create(school=school, name=f"{c.name}留样柜", defaults={"campus": c})[0]
        for c in demo.campuses[:2]
    ]
    if Menu.objects.filter(school=school).exists() or cook is None:
        return
    now = timezone.now()
    today = timezone.localdate()
    groups = age_groups_for(school)
    foods = _builtin_foods()

    suppliers = [
        Supplier.objects.create(
            school=school,
            name="星城粮油批发部",
            contact="黄经理",
            phone="13800001111",
            business_licence_no="91430100MA4L000001",
            business_licence_expires=today + datetime.timedelta(days=700),
            food_licence_no="JY14301000000001",
            food_licence_expires=today + datetime.timedelta(days=400),
            is_designated=True,
            contract_no="HT-2026-01",
            contract_expires=today + datetime.timedelta(days=300),
        ),
        Supplier.objects.create(
            school=school,
            name="绿源蔬菜配送中心",
            contact="陈师傅",
            phone="13800002222",
            business_licence_no="91430100MA4L000002",
            food_licence_no="JY14301000000002",
            food_licence_expires=today + datetime.timedelta(days=20),
            is_designated=True,
            contract_no="HT-2026-02",
        ),
        Supplier.objects.create(
            school=school,
            name="鲜达肉禽店",
            contact="李老板",
            phone="13800003333",
            business_licence_no="91430100MA4L000003",
            food_licence_no="JY14301000000003",
            food_licence_expires=today - datetime.timedelta(days=5),
            is_active=True,
        ),
    ]

    # menus: 8 weeks back to next week; published except next week
    this_week = week_start_of(today)
    dish_rows, ingredient_rows = [], []
    for w in range(-8, 2):
        start = this_week + datetime.timedelta(days=7 * w)
        menu = Menu.objects.create(
            school=school,
            week_start=start,
            status=MenuStatus.PUBLISHED if w <= 0 else MenuStatus.DRAFT,
            published_at=now if w <= 0 else None,
            published_by=director if w <= 0 else None,
        )
        for d in range(5):
            day = start + datetime.timedelta(days=d)
            for meal, plan in ((Meal.LUNCH, LUNCHES[(d + w) % 5]), (Meal.SNACK, SNACKS[(d + w) % 5])):
                for pos, (name, ings) in enumerate(plan):
                    dish = MenuDish(school=school, menu=menu, day=day, meal=meal, name=name, position=pos)
                    dish_rows.append(dish)
                    ingredient_rows.append((dish, ings))
    MenuDish.objects.bulk_create(dish_rows)
    DishIngredient.objects.bulk_create(
        [
            DishIngredient(
                school=school,
                dish=dish,
                food=foods[food],
                age_group=g.value,
                grams=(Decimal(grams) * _scale(i, groups)).quantize(Decimal("0.1")),
            )
            for dish, ings in ingredient_rows
            for food, grams in ings
            for i, g in enumerate(groups)
        ]
    )

    # samples for every past meal on the menu, but one lunch missed (so the gap shows)
    samples = []
    missed = None
    for dish in dish_rows:
        if dish.day > today or (dish.day == today and dish.meal == Meal.SNACK):
            continue
        if (
            dish.day == today - datetime.timedelta(days=9)
            and dish.meal == Meal.LUNCH
            and dish.day.weekday() < 5
        ):
            missed = dish.day
            continue
        hour = 11 if dish.meal == Meal.LUNCH else 15
        taken = timezone.make_aware(datetime.datetime.combine(dish.day, datetime.time(hour, 40)))
        discard_after = taken + datetime.timedelta(hours=48)
        old = discard_after < now - datetime.timedelta(hours=12)
        samples.append(
            FoodSample(
                school=school,
                day=dish.day,
                meal=dish.meal,
                dish=dish,
                dish_name=dish.name,
                quantity_g=Decimal(125 + (dish.position * 5)),
                fridge=fridges[0],
                fridge_temp=Decimal("4.0"),
                taken_by=cook,
                taken_at=taken,
                discard_after=discard_after,
                status=SampleStatus.DISCARDED if old else SampleStatus.KEPT,
                discarded_at=discard_after + datetime.timedelta(hours=2) if old else None,
                discarded_by=cook if old else None,
            )
        )
    FoodSample.objects.bulk_create(samples)
    del missed

    # deliveries twice a week for 8 weeks, with pantry batches
    for w in range(-8, 1):
        for offset in (0, 3):
            day = this_week + datetime.timedelta(days=7 * w + offset)
            if day > today:
                continue
            supplier = suppliers[0] if offset == 0 else suppliers[1]
            lines = PRODUCE[:4] if offset == 0 else PRODUCE[2:]
            expiries = [day + datetime.timedelta(days=s) if s else None for *_x, s in lines]
            delivery = Delivery.objects.create(
                school=school,
                supplier=supplier,
                delivered_on=day,
                account=Account.CHILDREN,
                invoice_no=f"NO{day:%Y%m%d}{offset}",
                inspector=cook,
                inspected_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(7, 30))),
                retain_until=retention_end(day, expiries),
            )
            total = Decimal(0)
            for (name, unit, price, qty, _shelf), expiry in zip(lines, expiries, strict=True):
                item, _c = PantryItem.objects.get_or_create(school=school, name=name, unit=unit)
                amount = Decimal(price) * qty
                rejected = name == "油菜" and w == -2
                # vegetables and fresh pork come loose, with origin / quarantine certificates
                loose = name in ("油菜", "猪肉（瘦）")
                line = DeliveryLine.objects.create(
                    school=school,
                    delivery=delivery,
                    item=item,
                    quantity=qty,
                    unit_price=Decimal(price),
                    amount=amount,
                    production_date=day - datetime.timedelta(days=1) if expiry else None,
                    shelf_life_days=_shelf,
                    expiry_date=expiry,
                    batch_no=f"B{day:%m%d}",
                    label_check=LabelCheck.BULK if loose else LabelCheck.COMPLETE,
                    result=InspectionResult.REJECTED if rejected else InspectionResult.ACCEPTED,
                    reject_reason="叶片发黄腐烂" if rejected else "",
                )
                if rejected:
                    continue
                total += amount
                left = Decimal(qty) if day >= today - datetime.timedelta(days=7) else Decimal(0)
                batch = PantryBatch.objects.create(
                    school=school,
                    item=item,
                    line=line,
                    batch_no=line.batch_no,
                    received_on=day,
                    expiry_date=expiry,
                    quantity_in=qty,
                    quantity_left=left,
                )
                PantryMovement.objects.create(
                    school=school,
                    batch=batch,
                    kind=MovementKind.IN,
                    quantity=qty,
                    day=day,
                    purpose="进货验收入库",
                    by=cook,
                )
                if left == 0:
                    PantryMovement.objects.create(
                        school=school,
                        batch=batch,
                        kind=MovementKind.OUT,
                        quantity=qty,
                        day=day + datetime.timedelta(days=1),
                        purpose="当日烹饪",
                        by=cook,
                    )
            delivery.accepted_amount = total
            delivery.save(update_fields=["accepted_amount"])

    # meal-fee account: fees at the start of each month, a few refunds, staff meals separately
    for months_back in (2, 1, 0):
        first = (today.replace(day=1) - datetime.timedelta(days=28 * months_back)).replace(day=1)
        FeeEntry.objects.bulk_create(
            [
                FeeEntry(
                    school=school,
                    account=Account.CHILDREN,
                    kind=EntryKind.INCOME,
                    day=first,
                    amount=Decimal("28600.00"),
                    description="本月幼儿伙食费收缴",
                    recorded_by=accountant,
                ),
                FeeEntry(
                    school=school,
                    account=Account.STAFF,
                    kind=EntryKind.INCOME,
                    day=first,
                    amount=Decimal("4200.00"),
                    description="本月教职工餐费",
                    recorded_by=accountant,
                ),
                FeeEntry(
                    school=school,
                    account=Account.CHILDREN,
                    kind=EntryKind.REFUND,
                    day=min(first + datetime.timedelta(days=20), today),
                    amount=Decimal("36.00"),
                    description="王小明 请假 3 天退伙食费",
                    person_name="王小明",
                    class_name="小一班",
                    absence_days=3,
                    recorded_by=accountant,
                ),
            ]
        )

    # daily logs for the last 30 days
    workers = [cook]
    logs_dis, logs_waste, checks, dining = [], [], [], []
    for back in range(30):
        day = today - datetime.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        logs_dis.append(
            DisinfectionLog(
                school=school,
                day=day,
                meal=Meal.LUNCH,
                method=DisinfectionMethod.STEAM,
                minutes=20,
                done_by=cook,
            )
        )
        logs_waste.append(
            WasteLog(
                school=school,
                day=day,
                quantity_kg=Decimal("12.5"),
                collector="城区餐厨垃圾收运公司",
                recorded_by=cook,
            )
        )
        for worker in workers:
            checks.append(
                MorningCheck(
                    school=school,
                    day=day,
                    worker=worker,
                    result=CheckResult.HEALTHY,
                    certificate_ok=True,
                    checked_by=director or worker,
                )
            )
        dining.append(
            DiningRecord(
                school=school,
                day=day,
                meal=Meal.LUNCH,
                leader=principal if back % 2 else director,
                feedback="饭菜温度适宜，口味清淡，幼儿进餐情况良好。",
                follow_up="" if back % 5 else "青菜略咸，已提醒厨师减盐。",
            )
        )
    DisinfectionLog.objects.bulk_create(logs_dis)
    WasteLog.objects.bulk_create(logs_waste)
    MorningCheck.objects.bulk_create(checks)
    DiningRecord.objects.bulk_create(dining)
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    SatisfactionSurvey.objects.bulk_create(
        [
            SatisfactionSurvey(
                school=school,
                month=last_month,
                group=SurveyGroup.PARENTS,
                respondents=180,
                satisfied=171,
                notes="希望增加粗粮和水果品种。",
            ),
            SatisfactionSurvey(
                school=school, month=last_month, group=SurveyGroup.STAFF, respondents=40, satisfied=38
            ),
        ]
    )
