from functools import cache

from django.db import models
from django.utils.translation import gettext_lazy as _

BADGE_CHOICES: list = []


class BadgeChoices(models.TextChoices):
    """TextChoices whose members carry their Bootstrap badge colour, as NetBox's ChoiceSet does.

    Declare `__colors__ = {"found": "danger", ...}` in the class body (a dunder name is not a
    member); a value without a colour is "secondary". Pages show a status with
    `{% badge obj "status" %}` (logistics_tags), never with colours keyed by strings in templates.
    The colour is a Bootstrap `text-bg-*` name: primary, secondary, success, danger, warning, info,
    light or dark.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        BADGE_CHOICES.append(cls)

    @property
    def color(self) -> str:
        return getattr(type(self), "__colors__", {}).get(self.value, "secondary")


@cache
def badge_choices_of(model, field_name):
    """The BadgeChoices class a model field's choices were made from, or None."""
    choices = list(model._meta.get_field(field_name).choices or ())
    matching = [cls for cls in BADGE_CHOICES if list(cls.choices) == choices]
    # two apps may declare equal choices (a task's 待完成/已完成): the model's own app's class wins
    own = [cls for cls in matching if cls.__module__.split(".")[0] == model._meta.app_label]
    return (own or matching or [None])[0]


class SchoolKind(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY = "primary", _("小学")
    SECONDARY = "secondary", _("中学")
    NINE_YEAR = "nine_year", _("九年一贯制学校")


class Role(models.TextChoices):
    PRINCIPAL = "principal", _("校长/园长")
    DIRECTOR = "director", _("后勤主任")
    STAFF = "staff", _("后勤人员")
    CANTEEN = "canteen", _("食堂人员")
    HEALTH = "health", _("保健老师")
    ACCOUNTANT = "accountant", _("会计/出纳")
    TEACHER = "teacher", _("教师/班主任")
    GUARD = "guard", _("保安/门卫")
    BUREAU = "bureau", _("教育局")


class RoomType(models.TextChoices):
    CLASSROOM = "class", _("班级")
    OFFICE = "office", _("办公室")
    FUNCTION = "function", _("功能室")
    WAREHOUSE = "warehouse", _("仓库")
    CANTEEN = "canteen", _("食堂")
    DORM = "dorm", _("宿舍")


class CertificateKind(models.TextChoices):
    HEALTH = "health", _("健康证")
    FOOD_SAFETY = "food_safety", _("食品安全管理员证")
    SAFETY_OFFICER = "safety_officer", _("安全员证")
    ELECTRICIAN = "electrician", _("电工证")
    FIRE = "fire", _("消防设施操作员证")
    NUTRITION = "nutrition", _("营养师证")
    CHILDCARE = "childcare", _("保育员证")
    OTHER = "other", _("其他")


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    CORRECT = "correct", _("更正")
    TRANSITION = "transition", _("状态变更")
    DELETE = "delete", _("删除")
