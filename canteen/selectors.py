"""Reads that combine several tables: today's sampling board, gaps, nutrition, the fee statement.
Each costs a fixed number of queries whatever the data size."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.choices import CertificateKind, Role
from logistics.models import Certificate, Membership

from .choices import MEAL_ORDER, Account, EntryKind, Meal, SampleStatus, age_groups_for
from .models import CanteenSettings, Delivery, DishIngredient, FeeEntry, FoodSample, MenuDish

NUTRIENTS = [
    ("energy_kcal", _("能量"), _("千卡")),
    ("protein_g", _("蛋白质"), _("克")),
    ("fat_g", _("脂肪"), _("克")),
    ("carb_g", _("碳水化合物"), _("克")),
]


def current_meal(school, now=None) -> str:
    """The meal being served or next to end now, by the school's meal end times."""
    cfg = CanteenSettings.for_school(school)
    t = timezone.localtime(now or timezone.now()).time()
    ends = sorted((cfg.meal_end(m), m) for m in MEAL_ORDER)
    for end, meal in ends:
        if t <= (datetime.datetime.combine(datetime.date.today(), end) + datetime.timedelta(hours=1)).time():
            return meal
    return ends[-1][1]


def today_board(school, day):
    """Meals of `day` from the menu, each dish with its sample (or None); plus extra samples."""
    dishes = list(MenuDish.objects.filter(school=school, day=day).order_by("meal", "position", "id"))
    samples = list(FoodSample.objects.filter(school=school, day=day).select_related("taken_by", "fridge"))
    by_name = {(s.meal, s.dish_name): s for s in samples}
    meals = []
    for meal in MEAL_ORDER:
        items = [(d, by_name.pop((meal, d.name), None)) for d in dishes if d.meal == meal]
        extra = [s for (m, _n), s in list(by_name.items()) if m == meal]
        if items or extra:
            done = sum(1 for _d, s in items if s) + len(extra)
            meals.append(
                {
                    "meal": meal,
                    "label": Meal(meal).label,
                    "items": items,
                    "extra": extra,
                    "done": done,
                    "total": len(items),
                }
            )
    return meals


def expected_pairs(school_ids, start, end):
    """{school_id: {(day, meal), ...}} of meals on the menu between start and end (inclusive)."""
    found = defaultdict(set)
    for sid, day, meal in (
        MenuDish.objects.filter(school_id__in=school_ids, day__gte=start, day__lte=end)
        .order_by()
        .values_list("school_id", "day", "meal")
        .distinct()
    ):
        found[sid].add((day, meal))
    return found


def sampled_pairs(school_ids, start, end):
    found = defaultdict(set)
    for sid, day, meal in (
        FoodSample.objects.filter(school_id__in=school_ids, day__gte=start, day__lte=end)
        .order_by()
        .values_list("school_id", "day", "meal")
        .distinct()
    ):
        found[sid].add((day, meal))
    return found


def missing_meals(school, start, end, now=None):
    """(day, meal) pairs on the menu that have ended with no sample at all (sorted)."""
    return missing_meals_many([school], start, end, now).get(school.pk, [])


def missing_meals_many(schools, start, end, now=None):
    """{school_id: [(day, meal), ...]} for many schools in a fixed number of queries."""
    now = timezone.localtime(now or timezone.now())
    ids = [s.pk for s in schools]
    expected = expected_pairs(ids, start, end)
    if not expected:
        return {}
    sampled = sampled_pairs(list(expected), start, end)
    configs = {c.school_id: c for c in CanteenSettings.objects.filter(school_id__in=list(expected))}
    found = {}
    for school in schools:
        missing = expected.get(school.pk, set()) - sampled.get(school.pk, set())
        if not missing:
            continue
        cfg = configs.get(school.pk) or CanteenSettings(school_id=school.pk)  # defaults, not saved
        gaps = [
            (day, meal)
            for day, meal in missing
            if timezone.make_aware(datetime.datetime.combine(day, cfg.meal_end(meal))) <= now
        ]
        if gaps:
            found[school.pk] = sorted(gaps, key=lambda p: (p[0], MEAL_ORDER.index(p[1])))
    return found


def due_for_discard(queryset, now=None):
    return queryset.filter(status=SampleStatus.KEPT, discard_after__lte=now or timezone.now())


def nutrition_by_day(school, start, end):
    """{day: {age_group: {nutrient: Decimal}}} per child, from the menu's ingredients (one query)."""
    result = defaultdict(lambda: defaultdict(dict))
    rows = (
        # dish__school as well: it lets PostgreSQL find the month's dishes by the (school, day) index
        # instead of scanning every school's dishes of the month (EXPLAIN on the district data)
        DishIngredient.objects.filter(
            school=school, dish__school=school, dish__day__gte=start, dish__day__lte=end
        )
        .values("dish__day", "age_group")
        .annotate(
            **{
                key: Sum(
                    ExpressionWrapper(
                        F("grams") * F(f"food__{key}") * Decimal("0.01"),
                        output_field=DecimalField(max_digits=12, decimal_places=3),
                    )
                )
                for key, _l, _u in NUTRIENTS
            }
        )
    )
    for row in rows:
        result[row["dish__day"]][row["age_group"]] = {
            key: Decimal(row[key] or 0).quantize(Decimal("0.1")) for key, _l, _u in NUTRIENTS
        }
    return result


def nutrition_summary(school, start, end):
    """Average per child per day for each age group over the days that have a menu, vs targets."""
    cfg = CanteenSettings.for_school(school)
    per_day = nutrition_by_day(school, start, end)
    targets = {
        "energy_kcal": cfg.energy_target,
        "protein_g": cfg.protein_target,
        "fat_g": cfg.fat_target,
        "carb_g": cfg.carb_target,
    }
    rows = []
    for group in age_groups_for(school):
        days = [d for d in per_day.values() if group.value in d]
        if not days:
            continue
        averages = {}
        for key, _label, _unit in NUTRIENTS:
            avg = sum((d[group.value][key] for d in days), Decimal(0)) / len(days)
            averages[key] = avg.quantize(Decimal("0.1"))
        rows.append(
            {
                "group": group,
                "days": len(days),
                "values": [
                    {
                        "key": key,
                        "label": label,
                        "unit": unit,
                        "value": averages[key],
                        "target": targets[key],
                        "percent": round(averages[key] * 100 / targets[key]) if targets[key] else None,
                    }
                    for key, label, unit in NUTRIENTS
                ],
            }
        )
    return rows


def fee_statement(school, period, account):
    """Opening balance, income, refunds, purchases (accepted incoming inspections), other spending,
    closing balance of one account for one month."""
    start, end = period.start, period.end

    def entry_sums(q):
        data = FeeEntry.objects.filter(q, school=school, account=account).aggregate(
            income=Sum("amount", filter=Q(kind=EntryKind.INCOME)),
            refund=Sum("amount", filter=Q(kind=EntryKind.REFUND)),
            expense=Sum("amount", filter=Q(kind=EntryKind.EXPENSE)),
        )
        return {k: v or Decimal(0) for k, v in data.items()}

    def purchases(q):
        return Delivery.objects.filter(q, school=school, account=account).aggregate(s=Sum("accepted_amount"))[
            "s"
        ] or Decimal(0)

    before = entry_sums(Q(day__lt=start))
    opening = before["income"] - before["refund"] - before["expense"] - purchases(Q(delivered_on__lt=start))
    month = entry_sums(Q(day__gte=start, day__lte=end))
    bought = purchases(Q(delivered_on__gte=start, delivered_on__lte=end))
    closing = opening + month["income"] - month["refund"] - month["expense"] - bought
    return {
        "account": Account(account),
        "opening": opening,
        "income": month["income"],
        "refund": month["refund"],
        "purchases": bought,
        "expense": month["expense"],
        "closing": closing,
    }


def menu_grid(menu, school):
    """A week's menu as meals x days (only the days that have dishes, Monday-Friday at least),
    each dish with `ingredient_rows` [(food, [grams per age group])]; and the same by day for phones."""
    from django.db.models import Prefetch

    from .models import DishIngredient

    dishes = list(
        menu.dishes.order_by("day", "position", "id").prefetch_related(
            Prefetch(
                "ingredients",
                queryset=DishIngredient.objects.select_related("food").order_by("food__name", "age_group"),
            )
        )
    )
    groups = age_groups_for(school)
    for d in dishes:
        by_food = {}
        for ing in d.ingredients.all():
            by_food.setdefault(ing.food.name, {})[ing.age_group] = ing.grams
        d.ingredient_rows = [(name, [q.get(g.value) for g in groups]) for name, q in by_food.items()]
    used = {d.day for d in dishes}
    days = [day for i, day in enumerate(menu.days()) if i < 5 or day in used]
    rows = []
    for meal in MEAL_ORDER:
        cells = [[d for d in dishes if d.day == day and d.meal == meal] for day in days]
        if any(cells):
            rows.append({"meal": Meal(meal).label, "cells": cells})
    by_day = []
    for day in days:
        meals = [
            (Meal(meal).label, [d for d in dishes if d.day == day and d.meal == meal]) for meal in MEAL_ORDER
        ]
        meals = [(label, items) for label, items in meals if items]
        if meals:
            by_day.append((day, meals))
    return {"rows": rows, "days": days, "groups": groups, "by_day": by_day}


# --- suppliers and the staff's morning check ------------------------------------------------------
def supplier_licence_state(supplier, today=None):
    today = today or timezone.localdate()
    first = supplier.first_expiry()
    if first is None:
        return "ok"
    if first < today:
        return "expired"
    if first <= today + datetime.timedelta(days=30):
        return "expiring"
    return "ok"


def valid_health_certificate_users(school, day):
    """ids of users of the school holding a health certificate valid on `day` (one query)."""
    return set(
        Certificate.objects.filter(school=school, kind=CertificateKind.HEALTH)
        .exclude(expires_on__lt=day)
        .values_list("staff__user_id", flat=True)
    )


def canteen_workers(school):
    """The school's canteen staff (食堂从业人员), the people the morning check is for."""
    return (
        get_user_model()
        .objects.filter(
            pk__in=Membership.objects.active().filter(school=school, role=Role.CANTEEN).values("user_id")
        )
        .order_by("first_name", "username")
    )
