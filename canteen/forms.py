import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.forms import DateInput, SchoolScopedForm, UserChoiceField

from .choices import (
    LABEL_CHECK_HINTS,
    LABEL_CHECKED,
    Account,
    CheckResult,
    EntryKind,
    InspectionResult,
    LabelCheck,
    Meal,
    age_groups_for,
)
from .models import (
    CanteenSettings,
    DiningRecord,
    DisinfectionLog,
    Food,
    Fridge,
    SatisfactionSurvey,
    Supplier,
    WasteLog,
)

TOUCH = {"class": "form-control form-control-lg"}


class NotFutureMixin:
    """Refuse a `day` in the future: a log records what happened."""

    def clean_day(self):
        day = self.cleaned_data.get("day")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return day


class SampleForm(forms.Form):
    meal = forms.ChoiceField(label=_("餐次"), choices=Meal.choices)
    dish = forms.IntegerField(required=False, widget=forms.HiddenInput)
    dish_name = forms.CharField(label=_("菜品"), max_length=50, widget=forms.TextInput(attrs=TOUCH))
    quantity_g = forms.DecimalField(
        label=_("留样量（克）"),
        max_digits=6,
        decimal_places=1,
        widget=forms.NumberInput(attrs={**TOUCH, "inputmode": "decimal", "step": "1"}),
    )
    fridge = forms.ModelChoiceField(
        label=_("留样冰箱"),
        queryset=Fridge.objects.none(),
        empty_label=None,
        error_messages={"required": _("请选择留样冰箱。"), "invalid_choice": _("请选择在用的留样冰箱。")},
    )
    fridge_temp = forms.DecimalField(
        label=_("冰箱温度（℃）"),
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={**TOUCH, "inputmode": "decimal", "step": "0.1"}),
    )
    photo = forms.FileField(
        label=_("留样照片"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*", "capture": "environment", "class": "form-control form-control-lg"}
        ),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fridge"].queryset = Fridge.objects.filter(school=school, is_active=True)
        self.fields["fridge"].widget = forms.RadioSelect()
        self.fields["fridge"].widget.choices = self.fields["fridge"].choices
        self.fields["meal"].widget = forms.RadioSelect(choices=Meal.choices)


class SampleCorrectionForm(forms.Form):
    dish_name = forms.CharField(label=_("菜品名称"), max_length=50, required=False)
    quantity_g = forms.DecimalField(label=_("留样量（克）"), max_digits=6, decimal_places=1, required=False)
    fridge_temp = forms.DecimalField(label=_("冰箱温度（℃）"), max_digits=4, decimal_places=1, required=False)
    reason = forms.CharField(label=_("更正原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))

    def changes(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "reason" and v not in (None, "")}


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("说明"), max_length=200, required=False)


class CanteenSettingsForm(forms.ModelForm):
    class Meta:
        model = CanteenSettings
        fields = [
            "sample_min_grams",
            "sample_retention_hours",
            "sample_photo_required",
            "fridge_min_temp",
            "fridge_max_temp",
            "breakfast_end",
            "lunch_end",
            "snack_end",
            "dinner_end",
            "menu_publish_weekday",
            "daily_rate",
            "energy_target",
            "protein_target",
            "fat_target",
            "carb_target",
        ]
        widgets = {
            f: forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            for f in ("breakfast_end", "lunch_end", "snack_end", "dinner_end")
        }

    def clean(self):
        data = super().clean()
        lo, hi = data.get("fridge_min_temp"), data.get("fridge_max_temp")
        if lo is not None and hi is not None and not (-5 <= lo < hi <= 10):
            self.add_error("fridge_max_temp", _("冰箱温度范围应在 -5～10℃ 之内，且最低低于最高。"))
        return data


class FridgeForm(SchoolScopedForm):
    class Meta:
        model = Fridge
        fields = ["name", "campus", "is_active"]


class SupplierForm(SchoolScopedForm):
    class Meta:
        model = Supplier
        fields = [
            "name",
            "contact",
            "phone",
            "business_licence_no",
            "business_licence_expires",
            "food_licence_no",
            "food_licence_expires",
            "is_designated",
            "contract_no",
            "contract_expires",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        if data.get("is_designated") and not data.get("contract_no"):
            self.add_error("contract_no", _("定点供应商须填写采购合同编号。"))
        return data


class DeliveryForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("供应商"), queryset=Supplier.objects.none())
    delivered_on = forms.DateField(label=_("到货日期"), widget=DateInput(), initial=timezone.localdate)
    account = forms.ChoiceField(label=_("记入账目"), choices=Account.choices)
    invoice_no = forms.CharField(label=_("票据号"), max_length=50, required=False)
    ticket = forms.FileField(
        label=_("票据/送货单照片"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*,application/pdf", "capture": "environment"}
        ),
    )
    notes = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.filter(school=school, is_active=True)


class DeliveryCorrectionForm(forms.Form):
    invoice_no = forms.CharField(label=_("票据号"), max_length=50, required=False)
    account = forms.ChoiceField(label=_("记入账目"), choices=Account.choices)
    notes = forms.CharField(label=_("备注"), max_length=200, required=False)
    reason = forms.CharField(label=_("更正原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


def label_check_field(*, unrecorded=False):
    """标签核验 as radio buttons with nothing chosen: the inspector looks at the label and says what
    they saw; there is no default to pass over. 未记录 is offered only to keep a line from before the
    check as it is (when correcting it)."""
    codes = [*LABEL_CHECKED, *([LabelCheck.NOT_RECORDED] if unrecorded else [])]
    return forms.ChoiceField(
        label=_("标签核验"),
        choices=[(c.value, c.label) for c in codes],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("未核验标签：请选择标签齐全、散装农产品（已索证）或标签不全。"),
            "invalid_choice": _("未核验标签：请选择标签齐全、散装农产品（已索证）或标签不全。"),
        },
    )


class LabelCheckMixin:
    """The 三无产品 rules (services.check_label) as field errors, before the service sees the line."""

    item_name = ""

    def label_options(self):
        """(radio, what it means) for the page: the choice as a big button with its hint."""
        return [(radio, LABEL_CHECK_HINTS.get(radio.data["value"], "")) for radio in self["label_check"]]

    def clean(self):
        from .services import check_label

        data = super().clean()
        result = data.get("result")
        if result == InspectionResult.REJECTED and not (data.get("reject_reason") or "").strip():
            self.add_error("reject_reason", _("拒收必须填写原因。"))
        if "label_check" in data and result and "production_date" not in self.errors:
            try:
                check_label(
                    data["label_check"],
                    result=result,
                    production_date=data.get("production_date"),
                    name=data.get("name") or self.item_name or _("本行货品"),
                    unrecorded_ok=self.fields["label_check"].valid_value(LabelCheck.NOT_RECORDED),
                )
            except forms.ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data


class DeliveryLineCorrectionForm(LabelCheckMixin, forms.Form):
    """The corrected values of one inspected line, shown filled with the current ones."""

    quantity = forms.DecimalField(
        label=_("数量"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages={
            "required": _("请填写数量。"),
            "invalid": _("数量必须是数字。"),
            "max_decimal_places": _("数量最多保留两位小数。"),
            "max_digits": _("数量不能超过 100000。"),
            "max_whole_digits": _("数量不能超过 100000。"),
        },
    )
    unit_price = forms.DecimalField(
        label=_("单价（元）"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages={
            "required": _("请填写单价。"),
            "invalid": _("单价必须是数字。"),
            "max_decimal_places": _("单价最多保留两位小数（元、角、分）。"),
            "max_digits": _("单价不能超过 100000 元。"),
            "max_whole_digits": _("单价不能超过 100000 元。"),
        },
    )
    production_date = forms.DateField(label=_("生产日期"), required=False, widget=DateInput())
    shelf_life_days = forms.IntegerField(
        label=_("保质期（天）"),
        required=False,
        min_value=0,
        max_value=3650,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("改了生产日期或保质期而不改到期日时，到期日按生产日期加保质期重新计算。"),
    )
    expiry_date = forms.DateField(label=_("到期日"), required=False, widget=DateInput())
    batch_no = forms.CharField(label=_("批号"), max_length=50, required=False)
    label_check = label_check_field()
    result = forms.ChoiceField(label=_("查验结果"), choices=InspectionResult.choices)
    reject_reason = forms.CharField(label=_("拒收原因"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("更正原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("更正记录必须填写原因。")},
    )

    def __init__(self, *args, line=None, **kwargs):
        super().__init__(*args, **kwargs)
        if line is not None:
            self.item_name = line.item.name
            if line.label_check == LabelCheck.NOT_RECORDED:
                self.fields["label_check"] = label_check_field(unrecorded=True)
                self.fields["label_check"].help_text = _(
                    "本行登记于标签核验上线之前：可保持“未记录”；由拒收改为验收合格时须核验标签。"
                )

    def clean_quantity(self):
        q = self.cleaned_data["quantity"]
        if q <= 0:
            raise forms.ValidationError(_("数量必须大于 0。"))
        if q > 100000:
            raise forms.ValidationError(_("数量不能超过 100000。"))
        return q

    def clean_unit_price(self):
        price = self.cleaned_data["unit_price"]
        if price < 0:
            raise forms.ValidationError(_("单价不能为负数。"))
        if price > 100000:
            raise forms.ValidationError(_("单价不能超过 100000 元。"))
        return price

    def changes(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}


class DeliveryLineForm(LabelCheckMixin, forms.Form):
    name = forms.CharField(
        label=_("品名"), max_length=50, widget=forms.TextInput(attrs={"list": "pantry-items"})
    )
    unit = forms.CharField(label=_("单位"), max_length=10, initial="千克")
    quantity = forms.DecimalField(label=_("数量"), max_digits=10, decimal_places=2, min_value=0)
    unit_price = forms.DecimalField(label=_("单价"), max_digits=12, decimal_places=2, min_value=0)
    production_date = forms.DateField(label=_("生产日期"), required=False, widget=DateInput())
    shelf_life_days = forms.IntegerField(label=_("保质期（天）"), required=False, min_value=0, max_value=3650)
    expiry_date = forms.DateField(label=_("到期日"), required=False, widget=DateInput())
    batch_no = forms.CharField(label=_("批号"), max_length=50, required=False)
    label_check = label_check_field()
    # initial: what the select shows anyway, so a row left blank is not "changed" by it
    result = forms.ChoiceField(
        label=_("查验结果"), choices=InspectionResult.choices, initial=InspectionResult.ACCEPTED
    )
    reject_reason = forms.CharField(label=_("拒收原因"), max_length=200, required=False)


# absolute_max: a tampered TOTAL_FORMS builds at most max_num forms (Django's default is max_num + 1000)
DeliveryLineFormSet = forms.formset_factory(
    DeliveryLineForm, extra=4, max_num=40, validate_max=True, absolute_max=40
)


class IssueForm(forms.Form):
    quantity = forms.DecimalField(label=_("出库数量"), max_digits=10, decimal_places=2)
    purpose = forms.CharField(label=_("用途"), max_length=100, initial=_("当日烹饪"))


class DishForm(forms.Form):
    day = forms.TypedChoiceField(
        label=_("日期"),
        coerce=datetime.date.fromisoformat,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    meal = forms.ChoiceField(
        label=_("餐次"),
        choices=Meal.choices,
        initial=Meal.LUNCH,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    name = forms.CharField(
        label=_("菜品"), max_length=50, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def __init__(self, *args, menu, **kwargs):
        super().__init__(*args, **kwargs)
        weekdays = "一二三四五六日"
        self.fields["day"].choices = [
            (d.isoformat(), f"周{weekdays[d.weekday()]} {d.month}月{d.day}日") for d in menu.days()
        ]


class IngredientForm(forms.Form):
    food = forms.ModelChoiceField(label=_("食材"), queryset=Food.objects.none())

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["food"].queryset = Food.visible_to(school).order_by("category", "name")
        self.groups = age_groups_for(school)
        for g in self.groups:
            self.fields[f"g_{g.value}"] = forms.DecimalField(
                label=_("%(g)s（克/人）") % {"g": g.label}, required=False, max_digits=6, decimal_places=1
            )

    def grams_by_group(self):
        return {g.value: self.cleaned_data.get(f"g_{g.value}") for g in self.groups}


class FoodForm(SchoolScopedForm):
    class Meta:
        model = Food
        fields = ["name", "category", "energy_kcal", "protein_g", "fat_g", "carb_g"]

    def clean(self):
        data = super().clean()
        total = sum(data.get(k) or 0 for k in ("protein_g", "fat_g", "carb_g"))
        if total > 100:
            self.add_error("carb_g", _("每 100 克中蛋白质、脂肪、碳水化合物之和不能超过 100 克。"))
        if (data.get("energy_kcal") or 0) > 900:
            self.add_error("energy_kcal", _("每 100 克能量不应超过 900 千卡。"))
        return data


class FeeEntryForm(forms.Form):
    account = forms.ChoiceField(label=_("账目"), choices=Account.choices)
    kind = forms.ChoiceField(label=_("类型"), choices=EntryKind.choices)
    day = forms.DateField(label=_("日期"), widget=DateInput(), initial=timezone.localdate)
    amount = forms.DecimalField(
        label=_("金额（元）"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("请假退费可留空，按每日标准自动计算。"),
    )
    description = forms.CharField(label=_("摘要"), max_length=100, required=False)
    person_name = forms.CharField(label=_("幼儿/学生姓名"), max_length=30, required=False)
    class_name = forms.CharField(label=_("班级"), max_length=30, required=False)
    absence_days = forms.IntegerField(label=_("请假天数"), required=False, min_value=1, max_value=31)


class FeeCorrectionForm(forms.Form):
    amount = forms.DecimalField(label=_("更正后金额"), max_digits=12, decimal_places=2)
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class DisinfectionForm(NotFutureMixin, SchoolScopedForm):
    class Meta:
        model = DisinfectionLog
        fields = ["day", "meal", "items", "method", "minutes", "done_by"]


class WasteForm(NotFutureMixin, SchoolScopedForm):
    class Meta:
        model = WasteLog
        fields = ["day", "quantity_kg", "collector", "notes"]


class MorningCheckForm(forms.Form):
    worker = UserChoiceField(label=_("从业人员"), queryset=None)
    result = forms.ChoiceField(label=_("晨检结果"), choices=CheckResult.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("原因"), max_length=100, required=False)

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers
        self.fields["worker"].widget.attrs["class"] = "form-select form-select-lg"
        self.fields["reason"].widget.attrs["class"] = "form-control form-control-lg"


class DiningForm(NotFutureMixin, SchoolScopedForm):
    class Meta:
        model = DiningRecord
        fields = ["day", "meal", "leader", "feedback", "follow_up"]
        widgets = {
            "feedback": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }


class SurveyForm(SchoolScopedForm):
    month = forms.DateField(
        label=_("月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )

    class Meta:
        model = SatisfactionSurvey
        fields = ["month", "group", "respondents", "satisfied", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")

    def clean_month(self):
        month = self.cleaned_data["month"].replace(day=1)
        if month > timezone.localdate():
            raise forms.ValidationError(_("不能登记未来月份的测评。"))
        return month

    def clean(self):
        data = super().clean()
        respondents, satisfied = data.get("respondents"), data.get("satisfied")
        if respondents is not None and satisfied is not None and satisfied > respondents:
            self.add_error("satisfied", _("满意人数不能多于参与人数。"))
        return data
