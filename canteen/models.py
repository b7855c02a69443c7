"""The canteen: food samples, suppliers and incoming inspection, pantry, menus and nutrition,
the meal-fee account and the daily logs (DOMAIN.md "Canteen")."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from logistics.models import SchoolOwned, SchoolSettings

from .choices import (
    Account,
    AgeGroup,
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
)

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class CanteenSettings(SchoolSettings, models.Model):
    """Per-school canteen rules; created with the national defaults on first use."""

    school = models.OneToOneField(
        "logistics.School", on_delete=models.CASCADE, related_name="canteen_settings"
    )
    sample_min_grams = models.PositiveSmallIntegerField(
        _("每样留样最少克数"), default=125, validators=[MinValueValidator(50), MaxValueValidator(1000)]
    )
    sample_retention_hours = models.PositiveSmallIntegerField(
        _("留样保存小时数"), default=48, validators=[MinValueValidator(48), MaxValueValidator(24 * 14)]
    )
    sample_photo_required = models.BooleanField(_("留样必须拍照"), default=True)
    fridge_min_temp = models.DecimalField(_("留样冰箱最低温度"), max_digits=4, decimal_places=1, default=0)
    fridge_max_temp = models.DecimalField(_("留样冰箱最高温度"), max_digits=4, decimal_places=1, default=8)
    breakfast_end = models.TimeField(_("早餐结束时间"), default=datetime.time(8, 30))
    lunch_end = models.TimeField(_("午餐结束时间"), default=datetime.time(12, 30))
    snack_end = models.TimeField(_("点心结束时间"), default=datetime.time(15, 30))
    dinner_end = models.TimeField(_("晚餐结束时间"), default=datetime.time(18, 30))
    menu_publish_weekday = models.PositiveSmallIntegerField(
        _("食谱发布日（0=周一）"), default=3, validators=[MaxValueValidator(6)]
    )
    daily_rate = models.DecimalField(_("每日伙食费标准（元）"), **MONEY, default=Decimal("12.00"))
    energy_target = models.DecimalField(
        _("每日能量目标（千卡）"), max_digits=7, decimal_places=1, default=1200
    )
    protein_target = models.DecimalField(
        _("每日蛋白质目标（克）"), max_digits=6, decimal_places=1, default=40
    )
    fat_target = models.DecimalField(_("每日脂肪目标（克）"), max_digits=6, decimal_places=1, default=40)
    carb_target = models.DecimalField(
        _("每日碳水化合物目标（克）"), max_digits=6, decimal_places=1, default=160
    )

    class Meta:
        verbose_name = _("食堂设置")
        verbose_name_plural = _("食堂设置")

    def __str__(self):
        return f"{self.school} 食堂设置"

    def meal_end(self, meal):
        return getattr(self, f"{meal}_end")

    @classmethod
    def for_school(cls, school):
        """The school's settings, read once per request: kept on the School object, which lives as
        long as the request (a sample page asks for them several times)."""
        obj = getattr(school, "_canteen_settings_cache", None)
        if obj is None:
            obj = school._canteen_settings_cache = super().for_school(school)
        return obj


class Fridge(SchoolOwned):
    name = models.CharField(_("名称"), max_length=50)
    campus = models.ForeignKey(
        "logistics.Campus", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("校区")
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("留样冰箱")
        verbose_name_plural = _("留样冰箱")
        ordering = ["school_id", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="canteen_uniq_fridge_name")]

    def __str__(self):
        return self.name


# --- menus and nutrition ----------------------------------------------------------------------
class Food(models.Model):
    """Composition per 100 g edible part. school=None: the built-in table; schools add their own."""

    school = models.ForeignKey(
        "logistics.School", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("学校")
    )
    name = models.CharField(_("食材"), max_length=50)
    category = models.CharField(_("类别"), max_length=20, blank=True)
    energy_kcal = models.DecimalField(
        _("能量（千卡）"), max_digits=6, decimal_places=1, validators=NON_NEGATIVE
    )
    protein_g = models.DecimalField(
        _("蛋白质（克）"), max_digits=5, decimal_places=1, validators=NON_NEGATIVE
    )
    fat_g = models.DecimalField(_("脂肪（克）"), max_digits=5, decimal_places=1, validators=NON_NEGATIVE)
    carb_g = models.DecimalField(
        _("碳水化合物（克）"), max_digits=5, decimal_places=1, validators=NON_NEGATIVE
    )

    class Meta:
        verbose_name = _("食物成分")
        verbose_name_plural = _("食物成分")
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="canteen_uniq_food_per_school"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(school__isnull=True), name="canteen_uniq_builtin_food"
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def visible_to(cls, school):
        return cls.objects.filter(models.Q(school__isnull=True) | models.Q(school=school))


class Menu(SchoolOwned):
    """每周带量食谱: one per school per week (week_start is a Monday)."""

    week_start = models.DateField(_("周一日期"))
    status = models.CharField(_("状态"), max_length=20, choices=MenuStatus.choices, default=MenuStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("每周食谱")
        verbose_name_plural = _("每周食谱")
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["school", "week_start"], name="canteen_uniq_menu_week")
        ]
        indexes = [models.Index(fields=["school", "status", "week_start"])]

    def __str__(self):
        return f"{self.week_start:%Y-%m-%d} 周食谱"

    @property
    def week_end(self):
        return self.week_start + datetime.timedelta(days=6)

    def days(self):
        return [self.week_start + datetime.timedelta(days=i) for i in range(7)]


class MenuDish(SchoolOwned):
    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="dishes")
    day = models.DateField(_("日期"))
    meal = models.CharField(_("餐次"), max_length=20, choices=Meal.choices)
    name = models.CharField(_("菜品"), max_length=50)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("菜品")
        verbose_name_plural = _("菜品")
        ordering = ["day", "meal", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["menu", "day", "meal", "name"], name="canteen_uniq_dish"),
        ]
        indexes = [models.Index(fields=["school", "day", "meal"])]

    def __str__(self):
        return self.name


class DishIngredient(SchoolOwned):
    dish = models.ForeignKey(MenuDish, on_delete=models.CASCADE, related_name="ingredients")
    food = models.ForeignKey(Food, on_delete=models.PROTECT, verbose_name=_("食材"))
    age_group = models.CharField(_("年龄段"), max_length=10, choices=AgeGroup.choices)
    grams = models.DecimalField(
        _("每人用量（克）"), max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )

    class Meta:
        verbose_name = _("菜品用料")
        verbose_name_plural = _("菜品用料")
        constraints = [
            models.UniqueConstraint(fields=["dish", "food", "age_group"], name="canteen_uniq_ingredient"),
        ]

    def __str__(self):
        return f"{self.food} {self.grams}g"


# --- food samples -----------------------------------------------------------------------------
class FoodSample(SchoolOwned):
    """食品留样: one dish of one meal, kept in a fridge for at least the retention time."""

    day = models.DateField(_("日期"))
    meal = models.CharField(_("餐次"), max_length=20, choices=Meal.choices)
    dish = models.ForeignKey(
        MenuDish,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="samples",
        verbose_name=_("菜品"),
    )
    dish_name = models.CharField(_("菜品名称"), max_length=50)
    quantity_g = models.DecimalField(_("留样量（克）"), max_digits=6, decimal_places=1)
    fridge = models.ForeignKey(Fridge, on_delete=models.PROTECT, verbose_name=_("留样冰箱"))
    fridge_temp = models.DecimalField(_("冰箱温度（℃）"), max_digits=4, decimal_places=1)
    photo = models.ForeignKey(
        "logistics.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("留样人"))
    taken_at = models.DateTimeField(_("留样时间"))
    discard_after = models.DateTimeField(_("可销毁时间"))
    status = models.CharField(
        _("状态"), max_length=20, choices=SampleStatus.choices, default=SampleStatus.KEPT
    )
    discarded_at = models.DateTimeField(_("销毁时间"), null=True, blank=True)
    discarded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("销毁人")
    )

    class Meta:
        verbose_name = _("食品留样")
        verbose_name_plural = _("食品留样")
        ordering = ["-day", "meal", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "day", "meal", "dish_name"], name="canteen_uniq_sample"
            ),
        ]
        indexes = [
            # list filters: month/day, meal, status; the due-for-discard check: status + discard_after
            models.Index(fields=["school", "day", "meal"], name="canteen_sample_day"),
            models.Index(fields=["school", "status", "discard_after"], name="canteen_sample_due"),
        ]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.get_meal_display()} {self.dish_name}"

    def is_due(self, now=None):
        return self.status == SampleStatus.KEPT and self.discard_after <= (now or timezone.now())


# --- suppliers, incoming inspection, pantry ----------------------------------------------------
class Supplier(SchoolOwned):
    name = models.CharField(_("供应商名称"), max_length=100)
    contact = models.CharField(_("联系人"), max_length=30, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    business_licence_no = models.CharField(_("营业执照号"), max_length=50)
    business_licence_expires = models.DateField(_("营业执照有效期至"), null=True, blank=True)
    food_licence_no = models.CharField(_("食品经营许可证号"), max_length=50)
    food_licence_expires = models.DateField(_("许可证有效期至"))
    is_designated = models.BooleanField(_("定点供应商"), default=False)
    contract_no = models.CharField(_("合同编号"), max_length=50, blank=True)
    contract_expires = models.DateField(_("合同有效期至"), null=True, blank=True)
    is_active = models.BooleanField(_("合作中"), default=True)

    class Meta:
        verbose_name = _("供应商")
        verbose_name_plural = _("供应商")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="canteen_uniq_supplier")]
        indexes = [models.Index(fields=["school", "food_licence_expires"], name="canteen_supplier_exp")]

    def __str__(self):
        return self.name

    def first_expiry(self):
        dates = [d for d in (self.food_licence_expires, self.business_licence_expires) if d]
        return min(dates) if dates else None

    def licence_valid_on(self, day):
        first = self.first_expiry()
        return first is None or first >= day


class Delivery(SchoolOwned):
    """进货查验: one delivery from one supplier, checked line by line."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, verbose_name=_("供应商"))
    delivered_on = models.DateField(_("到货日期"))
    account = models.CharField(
        _("记入账目"), max_length=20, choices=Account.choices, default=Account.CHILDREN
    )
    invoice_no = models.CharField(_("票据号"), max_length=50, blank=True)
    ticket = models.ForeignKey(
        "logistics.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    inspector = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("查验人"))
    inspected_at = models.DateTimeField(_("查验时间"), default=timezone.now)
    accepted_amount = models.DecimalField(_("验收金额"), **MONEY, default=0)
    retain_until = models.DateField(_("保存至"))
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("进货查验")
        verbose_name_plural = _("进货查验")
        ordering = ["-delivered_on", "-id"]
        indexes = [models.Index(fields=["school", "delivered_on"], name="canteen_delivery_day")]

    def __str__(self):
        return f"{self.delivered_on:%Y-%m-%d} {self.supplier}"


class PantryItem(SchoolOwned):
    name = models.CharField(_("品名"), max_length=50)
    unit = models.CharField(_("单位"), max_length=10)

    class Meta:
        verbose_name = _("库存品种")
        verbose_name_plural = _("库存品种")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "name", "unit"], name="canteen_uniq_item")]

    def __str__(self):
        return f"{self.name}（{self.unit}）"


class DeliveryLine(SchoolOwned):
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(PantryItem, on_delete=models.PROTECT, verbose_name=_("品名"))
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(_("单价"), **MONEY)
    amount = models.DecimalField(_("金额"), **MONEY)
    production_date = models.DateField(_("生产日期"), null=True, blank=True)
    shelf_life_days = models.PositiveIntegerField(_("保质期（天）"), null=True, blank=True)
    expiry_date = models.DateField(_("到期日"), null=True, blank=True)
    batch_no = models.CharField(_("批号"), max_length=50, blank=True)
    # the 三无产品 check (see LabelCheck); rows from before it existed stay 未记录
    label_check = models.CharField(
        _("标签核验"), max_length=20, choices=LabelCheck.choices, default=LabelCheck.NOT_RECORDED
    )
    result = models.CharField(_("查验结果"), max_length=20, choices=InspectionResult.choices)
    reject_reason = models.CharField(_("拒收原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("查验明细")
        verbose_name_plural = _("查验明细")
        ordering = ["delivery_id", "id"]
        constraints = [
            # a 三无产品 never goes into the pantry (the services refuse it first, with a message)
            models.CheckConstraint(
                condition=~models.Q(label_check="incomplete", result="accepted"),
                name="canteen_line_no_unlabelled_accepted",
            )
        ]

    def __str__(self):
        return f"{self.item} {self.quantity}"


class PantryBatch(SchoolOwned):
    item = models.ForeignKey(
        PantryItem, on_delete=models.PROTECT, related_name="batches", verbose_name=_("品名")
    )
    line = models.OneToOneField(
        DeliveryLine, null=True, blank=True, on_delete=models.PROTECT, related_name="stock_batch"
    )
    batch_no = models.CharField(_("批号"), max_length=50, blank=True)
    received_on = models.DateField(_("入库日期"))
    expiry_date = models.DateField(_("到期日"), null=True, blank=True)
    quantity_in = models.DecimalField(_("入库数量"), max_digits=10, decimal_places=2)
    quantity_left = models.DecimalField(_("结存数量"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("库存批次")
        verbose_name_plural = _("库存批次")
        ordering = ["expiry_date", "id"]
        indexes = [
            models.Index(fields=["school", "expiry_date"], name="canteen_batch_expiry"),
            models.Index(fields=["school", "item"], name="canteen_batch_item"),
        ]

    def __str__(self):
        return f"{self.item.name} {self.batch_no}".strip()

    def is_expired(self, day=None):
        return self.expiry_date is not None and self.expiry_date < (day or timezone.localdate())


class PantryMovement(SchoolOwned):
    batch = models.ForeignKey(PantryBatch, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类型"), max_length=10, choices=MovementKind.choices)
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=2)
    day = models.DateField(_("日期"))
    purpose = models.CharField(_("用途/说明"), max_length=100, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("经手人"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["school", "day"], name="canteen_movement_day")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.batch} {self.quantity}"


class PantryCount(SchoolOwned):
    """Month-end count (月末盘点): one per school per month."""

    month = models.DateField(_("月份"))  # first day of the month
    counted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("盘点人"))
    counted_at = models.DateTimeField(_("盘点时间"), default=timezone.now)

    class Meta:
        verbose_name = _("月末盘点")
        verbose_name_plural = _("月末盘点")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["school", "month"], name="canteen_uniq_count")]

    def __str__(self):
        return f"{date_format(self.month, 'YEAR_MONTH_FORMAT')} {gettext('盘点')}"


class PantryCountLine(SchoolOwned):
    count = models.ForeignKey(PantryCount, on_delete=models.CASCADE, related_name="lines")
    batch = models.ForeignKey(PantryBatch, on_delete=models.PROTECT)
    expected = models.DecimalField(_("账面数量"), max_digits=10, decimal_places=2)
    counted = models.DecimalField(_("实盘数量"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["id"]

    @property
    def difference(self):
        return self.counted - self.expected


# --- meal-fee account ---------------------------------------------------------------------------
class FeeEntry(SchoolOwned):
    """伙食账: fees received, refunds for absence and other spending; food purchases come from
    the accepted incoming inspections. Children's and staff meals are separate accounts."""

    account = models.CharField(_("账目"), max_length=20, choices=Account.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=EntryKind.choices)
    day = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额"), **MONEY)
    description = models.CharField(_("摘要"), max_length=100)
    person_name = models.CharField(_("幼儿/学生姓名"), max_length=30, blank=True)
    class_name = models.CharField(_("班级"), max_length=30, blank=True)
    absence_days = models.PositiveSmallIntegerField(_("请假天数"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人")
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("伙食账目")
        verbose_name_plural = _("伙食账目")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["school", "account", "day"], name="canteen_fee_day")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()} {self.amount}"


# --- daily logs ---------------------------------------------------------------------------------
class DisinfectionLog(SchoolOwned):
    day = models.DateField(_("日期"), default=timezone.localdate)
    meal = models.CharField(_("餐次"), max_length=20, choices=Meal.choices)
    items = models.CharField(_("消毒餐具"), max_length=100, default="碗、盘、勺、杯")
    method = models.CharField(_("消毒方式"), max_length=20, choices=DisinfectionMethod.choices)
    minutes = models.PositiveSmallIntegerField(
        _("消毒时长（分钟）"), validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    done_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("消毒人"))
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("餐具消毒记录")
        verbose_name_plural = _("餐具消毒记录")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["school", "day"], name="canteen_disinf_day")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.get_meal_display()} {self.get_method_display()}"


class WasteLog(SchoolOwned):
    day = models.DateField(_("日期"), default=timezone.localdate)
    quantity_kg = models.DecimalField(
        _("数量（千克）"),
        max_digits=7,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("5000"))],
    )
    collector = models.CharField(_("收运单位/人"), max_length=50)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    notes = models.CharField(_("备注"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("餐厨废弃物登记")
        verbose_name_plural = _("餐厨废弃物登记")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["school", "day"], name="canteen_waste_day")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.quantity_kg}kg"


class MorningCheck(SchoolOwned):
    """晨检 of one canteen worker; `certificate_ok` is the health certificate state on that day."""

    day = models.DateField(_("日期"), default=timezone.localdate)
    worker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("从业人员"))
    result = models.CharField(_("结果"), max_length=20, choices=CheckResult.choices)
    reason = models.CharField(_("原因"), max_length=100, blank=True)
    certificate_ok = models.BooleanField(_("健康证有效"), default=False)
    checked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人"))

    class Meta:
        verbose_name = _("从业人员晨检")
        verbose_name_plural = _("从业人员晨检")
        ordering = ["-day", "worker_id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "day", "worker"], name="canteen_uniq_morning_check")
        ]
        indexes = [models.Index(fields=["school", "day"], name="canteen_check_day")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.worker}"


class DiningRecord(SchoolOwned):
    """陪餐记录: a school leader eats with the children and notes what they found."""

    day = models.DateField(_("日期"), default=timezone.localdate)
    meal = models.CharField(_("餐次"), max_length=20, choices=Meal.choices, default=Meal.LUNCH)
    leader = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("陪餐人"))
    feedback = models.TextField(_("评价与意见"))
    follow_up = models.TextField(_("整改跟进"), blank=True)

    class Meta:
        verbose_name = _("陪餐记录")
        verbose_name_plural = _("陪餐记录")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["school", "day"], name="canteen_dining_day")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.get_meal_display()}"


class SatisfactionSurvey(SchoolOwned):
    month = models.DateField(_("月份"))  # first day of the month
    group = models.CharField(_("对象"), max_length=20, choices=SurveyGroup.choices)
    respondents = models.PositiveIntegerField(_("参与人数"), validators=[MinValueValidator(1)])
    satisfied = models.PositiveIntegerField(_("满意人数"))
    notes = models.TextField(_("主要意见"), blank=True)

    class Meta:
        verbose_name = _("满意度测评")
        verbose_name_plural = _("满意度测评")
        ordering = ["-month", "group"]
        constraints = [
            models.UniqueConstraint(fields=["school", "month", "group"], name="canteen_uniq_survey")
        ]

    def __str__(self):
        return f"{date_format(self.month, 'YEAR_MONTH_FORMAT')} {self.get_group_display()}"

    @property
    def rate(self):
        return round(self.satisfied * 100 / self.respondents) if self.respondents else 0
