import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.attachments import validate_image_upload
from logistics.choices import RoomType
from logistics.forms import DateInput, DateTimeInput, SchoolScopedForm, UserChoiceField, school_users
from logistics.validation import not_future

from .choices import CheckAction, CheckSession, Disease, Symptom
from .models import (
    Child,
    Disinfectant,
    DisinfectionRecord,
    GreeningPlan,
    HygieneCriterion,
    HygieneSettings,
    Meter,
    ResponsibilityArea,
)


def _not_future(value, label):
    """A form field's cleaned date, refused when later than today (logistics.validation's text)."""
    not_future(value, label)
    return value


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.room.name} · {obj.name}"


# --- health ------------------------------------------------------------------------------------------


class ChildForm(SchoolScopedForm):
    class Meta:
        model = Child
        fields = ["name", "room", "gender", "birth_date", "guardian_phone", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = self.fields["room"].queryset.filter(room_type=RoomType.CLASSROOM)

    def clean_birth_date(self):
        day = _not_future(self.cleaned_data.get("birth_date"), _("出生日期"))
        if day and day < timezone.localdate() - datetime.timedelta(days=365 * 20):
            raise forms.ValidationError(_("出生日期不合理。"))
        return day


class MorningCheckForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput(), initial=timezone.localdate)
    session = forms.ChoiceField(label=_("检查"), choices=CheckSession.choices)
    present = forms.IntegerField(label=_("实到人数"), min_value=0, max_value=999)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean_date(self):
        return _not_future(self.cleaned_data.get("date"), _("检查日期"))


class FindingForm(forms.Form):
    child = forms.ModelChoiceField(label=_("幼儿"), queryset=Child.objects.none(), required=False)
    symptom = forms.ChoiceField(
        label=_("症状"), choices=[("", "---------"), *Symptom.choices], required=False
    )
    temperature = forms.DecimalField(
        label=_("体温(℃)"),
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("34"),
        max_value=Decimal("43"),
        required=False,
    )
    action = forms.ChoiceField(
        label=_("处理"), choices=[("", "---------"), *CheckAction.choices], required=False
    )
    detail = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, children=None, **kwargs):
        super().__init__(*args, **kwargs)
        if children is not None:
            self.fields["child"].queryset = children

    def clean(self):
        data = super().clean()
        if data.get("child") is None:
            if data.get("symptom") or data.get("action"):
                self.add_error("child", _("请选择幼儿。"))
            return data
        if not data.get("symptom"):
            self.add_error("symptom", _("请选择症状。"))
        if not data.get("action"):
            self.add_error("action", _("请选择处理方式。"))
        return data


# absolute_max: a tampered TOTAL_FORMS builds at most max_num forms (Django's default is max_num + 1000)
FindingFormSet = forms.formset_factory(FindingForm, extra=3, max_num=30, absolute_max=30)


class CorrectCheckForm(forms.Form):
    present = forms.IntegerField(label=_("实到人数"), min_value=0, max_value=999)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class SickAbsenceForm(forms.Form):
    child = ChildChoiceField(label=_("幼儿"), queryset=Child.objects.none())
    start_date = forms.DateField(label=_("缺勤开始"), widget=DateInput(), initial=timezone.localdate)
    symptom = forms.ChoiceField(label=_("症状"), choices=Symptom.choices)
    diagnosis = forms.CharField(label=_("诊断"), max_length=100, required=False)

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children

    def clean_start_date(self):
        return _not_future(self.cleaned_data.get("start_date"), _("缺勤开始日期"))


class FollowUpForm(forms.Form):
    condition = forms.CharField(
        label=_("随访情况"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：已退烧，医院诊断为上呼吸道感染")}),
    )


class ReturnForm(forms.Form):
    end_date = forms.DateField(label=_("返园日期"), widget=DateInput(), initial=timezone.localdate)
    comment = forms.CharField(label=_("备注"), max_length=200, required=False)


class InfectiousCaseForm(forms.Form):
    child = ChildChoiceField(label=_("幼儿"), queryset=Child.objects.none())
    disease = forms.ChoiceField(label=_("病种"), choices=Disease.choices)
    onset_date = forms.DateField(label=_("发病日期"), widget=DateInput())
    diagnosed_on = forms.DateField(label=_("诊断日期"), widget=DateInput())
    diagnosed_by = forms.CharField(label=_("诊断医院"), max_length=100)
    isolation_until = forms.DateField(label=_("隔离至"), widget=DateInput())
    class_measures = forms.CharField(
        label=_("班级措施"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("暂停与其他班级混班活动；班级终末消毒；加强晨午检和因病缺勤追踪。"),
    )

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children


class CaseReturnForm(forms.Form):
    returned_on = forms.DateField(label=_("复课日期"), widget=DateInput(), initial=timezone.localdate)
    certificate = forms.CharField(
        label=_("复课证明"), max_length=100, help_text=_("医院名称及证明编号/日期，须持证明方可复课。")
    )
    photo = forms.FileField(label=_("证明照片"), required=False, validators=[validate_image_upload])
    comment = forms.CharField(label=_("备注"), max_length=200, required=False)


# --- hygiene -----------------------------------------------------------------------------------------


class AreaForm(SchoolScopedForm):
    class Meta:
        model = ResponsibilityArea
        fields = ["campus", "name", "description", "room", "person", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = self.fields["room"].queryset.filter(room_type=RoomType.CLASSROOM)

    def clean(self):
        data = super().clean()
        if bool(data.get("room")) == bool(data.get("person")):
            raise forms.ValidationError(_("包干区须指定一个负责班级或一个负责人（二选一）。"))
        return data


class CriterionForm(SchoolScopedForm):
    class Meta:
        model = HygieneCriterion
        fields = ["name", "max_score", "order", "is_active"]


class InspectionForm(forms.Form):
    week = forms.DateField(label=_("检查周（任选该周一天）"), widget=DateInput(), initial=timezone.localdate)
    target = forms.ChoiceField(label=_("检查对象"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, school, rooms, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.rooms = {str(r.pk): r for r in rooms}
        self.areas = {str(a.pk): a for a in areas}
        self.fields["target"].choices = [
            (_("班级"), [(f"room:{pk}", f"{r.campus.name} · {r.name}") for pk, r in self.rooms.items()]),
            (_("包干区"), [(f"area:{pk}", f"{a.campus.name} · {a.name}") for pk, a in self.areas.items()]),
        ]
        self.criteria = list(HygieneCriterion.objects.filter(school=school, is_active=True))
        for c in self.criteria:
            self.fields[f"score_{c.pk}"] = forms.DecimalField(
                label=f"{c.name}（满分 {c.max_score:g}）",
                max_digits=4,
                decimal_places=1,
                min_value=Decimal(0),
                max_value=c.max_score,
                initial=c.max_score,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            )
        for i in range(3):
            self.fields[f"problem_{i}"] = forms.CharField(
                label=_("问题 %(n)s") % {"n": i + 1}, max_length=200, required=False
            )
            self.fields[f"deadline_{i}"] = forms.DateField(
                label=_("整改期限"), required=False, widget=DateInput()
            )

    def clean_week(self):
        return _not_future(self.cleaned_data.get("week"), _("检查日期"))

    def clean(self):
        data = super().clean()
        kind, _sep, pk = (data.get("target") or "").partition(":")
        data["room"] = self.rooms.get(pk) if kind == "room" else None
        data["area"] = self.areas.get(pk) if kind == "area" else None
        if data.get("target") and data["room"] is None and data["area"] is None:
            self.add_error("target", _("请选择检查对象。"))
        problems = []
        for i in range(3):
            text, deadline = data.get(f"problem_{i}"), data.get(f"deadline_{i}")
            if text and not deadline:
                self.add_error(f"deadline_{i}", _("请填写整改期限。"))
            elif deadline and not text:
                self.add_error(f"problem_{i}", _("请填写问题。"))
            elif text:
                problems.append((text, deadline))
        data["problems"] = problems
        data["scores"] = {c.pk: data.get(f"score_{c.pk}") for c in self.criteria}
        return data

    def score_fields(self):
        return [self[f"score_{c.pk}"] for c in self.criteria]

    def problem_fields(self):
        return [(self[f"problem_{i}"], self[f"deadline_{i}"]) for i in range(3)]


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("说明"), max_length=200, required=False)


class DisinfectantForm(SchoolScopedForm):
    class Meta:
        model = Disinfectant
        fields = ["name", "unit", "min_concentration", "max_concentration", "is_active"]

    def clean(self):
        data = super().clean()
        lo, hi = data.get("min_concentration"), data.get("max_concentration")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("max_concentration", _("浓度上限不能低于下限。"))
        return data


class DisinfectionForm(SchoolScopedForm):
    class Meta:
        model = DisinfectionRecord
        fields = [
            "target",
            "room",
            "method",
            "disinfectant",
            "concentration",
            "minutes",
            "done_at",
            "done_by",
            "case",
            "note",
        ]
        widgets = {"done_at": DateTimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disinfectant"].queryset = self.fields["disinfectant"].queryset.filter(is_active=True)
        self.fields["case"].queryset = self.fields["case"].queryset.select_related("child")
        self.fields["room"].queryset = self.fields["room"].queryset.select_related("campus")
        self.fields["concentration"].min_value = 0
        self.fields["concentration"].help_text = _("使用含氯等消毒液时必须测试并填写浓度。")
        self.fields["case"].help_text = _("传染病例发生后的终末消毒请选择对应病例。")
        self.fields["done_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean_concentration(self):
        value = self.cleaned_data.get("concentration")
        if value is not None and value < 0:
            raise forms.ValidationError(_("浓度不能为负数。"))
        return value


class CorrectDisinfectionForm(forms.Form):
    concentration = forms.DecimalField(
        label=_("测试浓度"), max_digits=8, decimal_places=1, min_value=0, required=False
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    reason = forms.CharField(label=_("更正原因"), max_length=200)


# --- utilities ---------------------------------------------------------------------------------------


class MeterForm(SchoolScopedForm):
    class Meta:
        model = Meter
        fields = ["campus", "building", "kind", "name", "number", "unit_price", "is_active"]


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self):
        super().__init__(format="%Y-%m")


class MeterReadingForm(forms.Form):
    month = forms.DateField(label=_("月份"), widget=MonthInput(), input_formats=["%Y-%m", "%Y-%m-%d"])
    value = forms.DecimalField(
        label=_("本月读数"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "class": "form-control-lg"}),
    )
    read_on = forms.DateField(label=_("抄表日期"), widget=DateInput(), initial=timezone.localdate)
    is_replacement = forms.BooleanField(label=_("本月换表"), required=False)
    old_final = forms.DecimalField(
        label=_("旧表拆除读数"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    new_start = forms.DecimalField(
        label=_("新表起始读数"), max_digits=12, decimal_places=2, min_value=0, required=False
    )

    def clean_read_on(self):
        return _not_future(self.cleaned_data.get("read_on"), _("抄表日期"))


# --- greening ----------------------------------------------------------------------------------------


class GreeningPlanForm(SchoolScopedForm):
    class Meta:
        model = GreeningPlan
        fields = ["name", "kind", "campus", "frequency", "months", "responsible", "description", "is_active"]

    def clean_months(self):
        text = (self.cleaned_data.get("months") or "").replace("，", ",").strip()
        if not text:
            return ""
        try:
            months = sorted({int(m) for m in text.split(",") if m.strip()})
        except ValueError as exc:
            raise forms.ValidationError(_("月份请填写 1–12 的数字，用逗号分隔。")) from exc
        if not months or any(m < 1 or m > 12 for m in months):
            raise forms.ValidationError(_("月份请填写 1–12 的数字，用逗号分隔。"))
        return ",".join(str(m) for m in months)


class GreeningDoneForm(forms.Form):
    done_by = UserChoiceField(label=_("完成人"), queryset=None)
    done_at = forms.DateTimeField(
        label=_("完成时间"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    note = forms.CharField(label=_("完成情况"), max_length=200, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_by"].queryset = school_users(school)
        self.fields["done_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class CorrectReadingForm(forms.Form):
    value = forms.DecimalField(label=_("正确读数"), max_digits=12, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class HygieneSettingsForm(forms.ModelForm):
    class Meta:
        model = HygieneSettings
        fields = ["spike_factor", "cluster_threshold"]

    def clean_spike_factor(self):
        value = self.cleaned_data.get("spike_factor")
        if value is not None and value > 10:
            raise forms.ValidationError(_("倍数不合理（应在 1.01 到 10 之间）。"))
        return value
