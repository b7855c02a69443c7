"""每周带量食谱: the week's dishes, their quantities per age group, and publishing."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_change, record_creation, snapshot
from logistics.choices import ChangeAction

from ..choices import Meal, MenuAction, MenuStatus, age_groups_for
from ..models import DishIngredient, Menu, MenuDish
from ..workflows import MENU
from .common import decimal_value


def week_start_of(day):
    return day - datetime.timedelta(days=day.weekday())


def menu_for_week(*, school, week_start, by=None):
    week_start = week_start_of(week_start)
    menu, created = Menu.objects.get_or_create(school=school, week_start=week_start)
    if created and by is not None:
        record_creation(obj=menu, by=by)
    return menu


def _editable(menu):
    if menu.status == MenuStatus.PUBLISHED:
        raise ValidationError(_("食谱已发布：请先撤回发布再修改。"))


def dish_add(*, menu, by, day, meal, name):
    _editable(menu)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写菜品名称。"))
    if not menu.week_start <= day <= menu.week_end:
        raise ValidationError(_("日期不在本周食谱范围内。"))
    if meal not in Meal.values:
        raise ValidationError(_("请选择餐次。"))
    try:
        with transaction.atomic():
            position = MenuDish.objects.filter(menu=menu, day=day, meal=meal).count()
            dish = MenuDish.objects.create(
                school=menu.school, menu=menu, day=day, meal=meal, name=name, position=position
            )
            record_creation(obj=dish, by=by)
    except IntegrityError as exc:
        raise ValidationError(_("这一餐已有「%(n)s」。") % {"n": name}) from exc
    return dish


def dish_remove(*, dish, by):
    _editable(dish.menu)
    with transaction.atomic():
        record_change(obj=dish, by=by, action=ChangeAction.DELETE, before=snapshot(dish))
        dish.delete()


def dish_set_ingredient(*, dish, by, food, grams_by_group: dict):
    """Quantity per child of one food in one dish, for each age group of the school."""
    _editable(dish.menu)
    if food.school_id not in (None, dish.school_id):
        raise ValidationError(_("请选择食物成分表中的食材。"))
    groups = {g.value for g in age_groups_for(dish.school)}
    values = {}
    for group, grams in grams_by_group.items():
        if group not in groups:
            raise ValidationError(_("年龄段不适用于本校。"))
        if grams in (None, ""):
            continue
        g = decimal_value(grams, _("用量"))
        if g <= 0 or g > 1000:
            raise ValidationError(_("每人用量应在 0.1～1000 克之间。"))
        values[group] = g
    if not values:
        raise ValidationError(_("请至少填写一个年龄段的用量。"))
    with transaction.atomic():
        for group, g in values.items():
            DishIngredient.objects.update_or_create(
                dish=dish, food=food, age_group=group, defaults={"grams": g, "school": dish.school}
            )
        record_change(
            obj=dish,
            by=by,
            action=ChangeAction.UPDATE,
            after={"food": food.name, **{k: str(v) for k, v in values.items()}},
        )


def menu_copy_previous(*, menu, by):
    """Copy last week's dishes and quantities into an empty menu."""
    _editable(menu)
    previous = Menu.objects.filter(
        school=menu.school, week_start=menu.week_start - datetime.timedelta(days=7)
    ).first()
    if previous is None or not previous.dishes.exists():
        raise ValidationError(_("上周没有食谱可复制。"))
    if menu.dishes.exists():
        raise ValidationError(_("本周食谱已有菜品：只能复制到空白食谱。"))
    shift = datetime.timedelta(days=7)
    with transaction.atomic():
        dishes = list(previous.dishes.prefetch_related("ingredients"))
        for d in dishes:
            new = MenuDish.objects.create(
                school=menu.school,
                menu=menu,
                day=d.day + shift,
                meal=d.meal,
                name=d.name,
                position=d.position,
            )
            DishIngredient.objects.bulk_create(
                [
                    DishIngredient(
                        school=menu.school, dish=new, food_id=i.food_id, age_group=i.age_group, grams=i.grams
                    )
                    for i in d.ingredients.all()
                ]
            )
        record_change(
            obj=menu,
            by=by,
            action=ChangeAction.UPDATE,
            after={"copied_from": previous.pk},
            reason=_("复制上周食谱"),
        )
    return len(dishes)


def menu_publish(*, menu, by):
    """Publish the week's menu (parents see only published menus); a menu with no dishes is not."""
    with MENU.step(menu, MenuAction.PUBLISH, by=by) as step:
        if not step.obj.dishes.exists():
            raise ValidationError(_("食谱还没有菜品，不能发布。"))
        step.set(published_at=timezone.now(), published_by=by)
    return step.obj


def menu_unpublish(*, menu, by, comment=""):
    """Take the menu back to a draft, to change it."""
    return MENU.apply(menu, MenuAction.UNPUBLISH, by=by, comment=comment)
