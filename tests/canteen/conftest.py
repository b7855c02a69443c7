"""Canteen fixtures: a fridge, today's menu, a photo upload, a supplier."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from canteen.choices import Meal
from canteen.models import Fridge, Menu, MenuDish, Supplier
from canteen.services import week_start_of


def ensure_builtin_foods():
    """Transactional tests flush the database, data migrations included: put the table back."""
    import importlib

    from canteen.models import Food

    migration = importlib.import_module("canteen.migrations.0002_builtin_foods")
    if Food.objects.filter(school__isnull=True).count() < len(migration.FOODS):
        from django.apps import apps

        migration.add_foods(apps, None)


@pytest.fixture(autouse=True)
def _builtin_foods(db):
    ensure_builtin_foods()


def make_photo(name="sample.jpg", color=(200, 120, 40)):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def photo():
    return make_photo()


@pytest.fixture
def fridge(school, campus):
    return Fridge.objects.create(school=school, name="1号留样柜", campus=campus)


@pytest.fixture
def other_fridge(other_school):
    return Fridge.objects.create(school=other_school, name="外校留样柜")


def menu_with(school, day, dishes):
    """dishes: {meal: [names]} on `day`; returns {name: MenuDish}."""
    menu, _ = Menu.objects.get_or_create(school=school, week_start=week_start_of(day))
    found = {}
    for meal, names in dishes.items():
        for i, name in enumerate(names):
            found[name] = MenuDish.objects.create(
                school=school, menu=menu, day=day, meal=meal, name=name, position=i
            )
    return found


@pytest.fixture
def lunch(school):
    return menu_with(school, timezone.localdate(), {Meal.LUNCH: ["番茄炒蛋", "红烧鸡腿", "清炒油菜", "米饭"]})


@pytest.fixture
def supplier(school):
    today = timezone.localdate()
    return Supplier.objects.create(
        school=school,
        name="绿源蔬菜配送中心",
        business_licence_no="91430100MA4L000002",
        food_licence_no="JY14301000000002",
        food_licence_expires=today + datetime.timedelta(days=200),
    )


@pytest.fixture
def expired_supplier(school):
    today = timezone.localdate()
    return Supplier.objects.create(
        school=school,
        name="过期肉禽店",
        business_licence_no="91430100MA4L000003",
        food_licence_no="JY14301000000003",
        food_licence_expires=today - datetime.timedelta(days=1),
    )
