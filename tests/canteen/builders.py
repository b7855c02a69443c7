"""Objects of the canteen workflows in a given state, for tests/logistics/test_declared_workflows.py.

Each builder is `build(school, state, *, owner, assignee)`; neither workflow has an owner or an
assignee, so `owner` is only the person who took the sample."""

import datetime
from decimal import Decimal

from django.utils import timezone

from canteen.choices import Meal
from canteen.models import FoodSample, Fridge, Menu

DAY = datetime.date(2026, 11, 2)  # a Monday


def sample(school, state, *, owner, assignee):
    fridge, _created = Fridge.objects.get_or_create(school=school, name="留样柜")
    taken = timezone.now() - datetime.timedelta(hours=72)
    return FoodSample.objects.create(
        school=school,
        day=timezone.localdate(taken),
        meal=Meal.LUNCH,
        dish_name=f"番茄炒蛋 {FoodSample.objects.count() + 1}",
        quantity_g=Decimal("150.0"),
        fridge=fridge,
        fridge_temp=Decimal("4.0"),
        taken_by=owner,
        taken_at=taken,
        discard_after=taken + datetime.timedelta(hours=48),
        status=state,
    )


def menu(school, state, *, owner, assignee):
    week = DAY + datetime.timedelta(days=7 * Menu.objects.filter(school=school).count())
    return Menu.objects.create(school=school, week_start=week, status=state)


BUILDERS = {
    "canteen.sample": sample,
    "canteen.menu": menu,
}
