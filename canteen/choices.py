"""Statuses and kinds of the canteen (DESIGN.md rule 1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from logistics.choices import BadgeChoices, SchoolKind


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", _("早餐")
    LUNCH = "lunch", _("午餐")
    SNACK = "snack", _("点心")
    DINNER = "dinner", _("晚餐")


MEAL_ORDER = [Meal.BREAKFAST, Meal.LUNCH, Meal.SNACK, Meal.DINNER]


class SampleStatus(BadgeChoices):
    KEPT = "kept", _("留存中")
    DISCARDED = "discarded", _("已销毁")
    __colors__ = {"kept": "success", "discarded": "secondary"}


class SampleAction(models.TextChoices):
    DISCARD = "discard", _("销毁")


class MenuStatus(BadgeChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    __colors__ = {"draft": "secondary", "published": "success"}


class MenuAction(models.TextChoices):
    PUBLISH = "publish", _("发布")
    UNPUBLISH = "unpublish", _("撤回发布")


class InspectionResult(BadgeChoices):
    ACCEPTED = "accepted", _("验收合格")
    REJECTED = "rejected", _("拒收")
    __colors__ = {"accepted": "success", "rejected": "danger"}


class LabelCheck(models.TextChoices):
    """标签核验 of one delivery line: the check against 三无产品 (无厂名厂址、无生产日期、无质量合格证).

    A choice per line, not a flag on the pantry item: an item is only a name and a unit, and the same
    鸡蛋 or 猪肉 comes boxed and labelled from one supplier and loose from another, so whether a label
    is needed is seen on the delivery itself. Loose edible farm produce (散装蔬菜、鲜肉、鲜蛋) carries no
    label by law; for it the inspector asks for the origin certificate or the animal quarantine
    certificate (产地证明 / 动物检疫合格证明) instead, which is what 散装 asserts. 标签不全 is a 三无产品:
    it is only ever refused (拒收). Rows recorded before the check existed are 未记录: nobody claims
    a check that was not made, and a new record cannot be 未记录.
    """

    COMPLETE = "complete", _("标签齐全")
    BULK = "bulk", _("散装农产品，已索证")
    INCOMPLETE = "incomplete", _("标签不全")
    NOT_RECORDED = "not_recorded", _("未记录")


# What the inspector chooses between (未记录 is only what older rows say).
LABEL_CHECKED = [LabelCheck.COMPLETE, LabelCheck.BULK, LabelCheck.INCOMPLETE]
LABEL_CHECK_HINTS = {
    LabelCheck.COMPLETE: _("厂名厂址、生产日期、保质期/合格证都有"),
    LabelCheck.BULK: _("散装蔬菜、鲜肉等无需标签：已索取产地证明或检疫合格证明"),
    LabelCheck.INCOMPLETE: _("三无产品：只能拒收，并写明原因"),
}


class MovementKind(models.TextChoices):
    IN = "in", _("入库")
    OUT = "out", _("出库")
    ADJUST = "adjust", _("盘点调整")
    CORRECT = "correct", _("查验更正")  # an incoming-inspection line corrected after stock-in


class Account(models.TextChoices):
    CHILDREN = "children", _("幼儿/学生伙食")
    STAFF = "staff", _("教职工伙食")


class EntryKind(models.TextChoices):
    INCOME = "income", _("伙食费收入")
    REFUND = "refund", _("请假退费")
    EXPENSE = "expense", _("其他支出")


class AgeGroup(models.TextChoices):
    SMALL = "small", _("小班")
    MIDDLE = "middle", _("中班")
    LARGE = "large", _("大班")
    G1 = "g1", _("一年级")
    G2 = "g2", _("二年级")
    G3 = "g3", _("三年级")
    G4 = "g4", _("四年级")
    G5 = "g5", _("五年级")
    G6 = "g6", _("六年级")
    G7 = "g7", _("七年级")
    G8 = "g8", _("八年级")
    G9 = "g9", _("九年级")
    G10 = "g10", _("高一")
    G11 = "g11", _("高二")
    G12 = "g12", _("高三")


def age_groups_for(school):
    """The age groups a school's menu quantities are given for."""
    kind = school.kind
    if kind == SchoolKind.KINDERGARTEN:
        codes = ["small", "middle", "large"]
    elif kind == SchoolKind.PRIMARY:
        codes = [f"g{i}" for i in range(1, 7)]
    elif kind == SchoolKind.SECONDARY:
        codes = [f"g{i}" for i in range(7, 13)]
    else:
        codes = [f"g{i}" for i in range(1, 10)]
    return [AgeGroup(c) for c in codes]


class DisinfectionMethod(models.TextChoices):
    STEAM = "steam", _("蒸汽消毒")
    BOILING = "boiling", _("煮沸消毒")
    CABINET = "cabinet", _("消毒柜（红外/臭氧）")
    CHEMICAL = "chemical", _("化学药物浸泡")


class CheckResult(models.TextChoices):
    HEALTHY = "healthy", _("健康，可上岗")
    EXCLUDED = "excluded", _("暂停上岗")


class SurveyGroup(models.TextChoices):
    PARENTS = "parents", _("家长")
    STAFF = "staff", _("教职工")
    STUDENTS = "students", _("学生")
