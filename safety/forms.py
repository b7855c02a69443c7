from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.attachments import validate_image_upload
from logistics.forms import DateInput, DateTimeInput, SchoolScopedForm, UserChoiceField, school_users
from logistics.validation import not_future

from .choices import DrillStatus, FireCheckResult, InspectionKind, ItemResult, RiskLevel
from .models import (
    DRILL_RESULT_FIELDS,
    ChecklistTemplateItem,
    Drill,
    DutyShift,
    EducationEvent,
    FireEquipment,
    FirePreventionCheck,
    Hazard,
    HazardousMaterial,
    PickupException,
    SafetySettings,
    Visitor,
)
from .validators import normalise_id_number, validate_id_number


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos; each must really be an image (checked by content)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [single(f, initial) for f in files]
        for f in cleaned:
            validate_image_upload(f)
        return cleaned


class SettingsForm(SchoolScopedForm):
    class Meta:
        model = SafetySettings
        fields = [
            "inspector",
            "weekly_time",
            "weekly_due_days",
            "closing_time",
            "drill_fire",
            "drill_earthquake",
            "drill_anti_terror",
            "drill_other",
        ]
        widgets = {
            "weekly_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closing_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class InspectionStartForm(forms.Form):
    """The buttons of the inspection list: which inspection of this period to start."""

    kind = forms.ChoiceField(
        choices=InspectionKind.choices,
        error_messages={"required": _("检查类型无效。"), "invalid_choice": _("检查类型无效。")},
    )


class InspectionItemCorrectionForm(forms.Form):
    """The correction of one item of a signed inspection (a row on the inspection's page)."""

    result = forms.ChoiceField(
        label=_("结果"),
        choices=ItemResult.choices,
        error_messages={"required": _("检查结果无效。"), "invalid_choice": _("检查结果无效。")},
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
    reason = forms.CharField(
        label=_("更正原因"), max_length=300, error_messages={"required": _("更正记录必须填写原因。")}
    )


class TemplateItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistTemplateItem
        fields = ["area", "text", "order", "is_active"]


class HazardReportForm(forms.Form):
    title = forms.CharField(label=_("隐患内容"), max_length=200)
    room = forms.ModelChoiceField(label=_("房间"), queryset=None, required=False)
    location = forms.CharField(label=_("具体位置"), max_length=100, required=False)
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM)
    found_on = forms.DateField(label=_("发现日期"), widget=DateInput(), initial=timezone.localdate)
    description = forms.CharField(
        label=_("详细说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    photos = PhotosField(label=_("照片"))

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        from logistics.models import Room

        self.fields["room"].queryset = Room.objects.filter(school=school, is_active=True).select_related(
            "campus"
        )

    def clean_found_on(self):
        found_on = self.cleaned_data.get("found_on")
        not_future(found_on, _("发现日期"))
        return found_on


class HazardAssignForm(forms.Form):
    assignee = UserChoiceField(label=_("整改责任人"), queryset=None)
    deadline = forms.DateField(label=_("整改期限"), widget=DateInput())
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices)
    comment = forms.CharField(label=_("整改要求"), max_length=300, required=False)

    def __init__(self, *args, school, hazard, **kwargs):
        super().__init__(*args, **kwargs)
        self.hazard = hazard
        self.fields["assignee"].queryset = school_users(school)
        self.fields["risk_level"].initial = hazard.risk_level

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        if deadline and deadline < self.hazard.found_on:
            raise forms.ValidationError(
                _("整改期限不能早于发现日期（%(d)s）。") % {"d": f"{self.hazard.found_on:%Y-%m-%d}"}
            )
        return deadline


class HazardRectifyForm(forms.Form):
    rectification = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("整改后照片"))


class HazardVerifyForm(forms.Form):
    note = forms.CharField(label=_("验收意见"), max_length=300, required=False)


class DrillPlanForm(SchoolScopedForm):
    class Meta:
        model = Drill
        fields = ["kind", "title", "planned_on", "plan"]
        widgets = {"plan": forms.Textarea(attrs={"rows": 4})}


class DrillRecordForm(SchoolScopedForm):
    evacuation_minutes = forms.IntegerField(label=_("疏散用时（分）"), min_value=0, max_value=60)
    evacuation_secs = forms.IntegerField(label=_("疏散用时（秒）"), min_value=0, max_value=59)

    class Meta:
        model = Drill
        fields = [f for f in DRILL_RESULT_FIELDS if f != "evacuation_seconds"]  # asked as minutes and seconds
        widgets = {
            "reflection": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 3}),
        }

    field_order = ["held_on", "participants", "floors", "evacuation_minutes", "evacuation_secs"]

    photos = PhotosField(label=_("现场照片"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("held_on", "participants", "floors"):
            self.fields[name].required = True
        if self.instance.status == DrillStatus.DONE:
            del self.fields["photos"]  # photos come with the record; corrections change the figures
        if self.instance.evacuation_seconds is not None:
            m, s = divmod(self.instance.evacuation_seconds, 60)
            self.initial.setdefault("evacuation_minutes", m)
            self.initial.setdefault("evacuation_secs", s)

    def clean_held_on(self):
        held_on = self.cleaned_data.get("held_on")
        not_future(held_on, _("实施日期"))
        return held_on

    def clean(self):
        data = super().clean()
        m, s = data.get("evacuation_minutes"), data.get("evacuation_secs")
        if m is not None and s is not None:
            data["evacuation_seconds"] = m * 60 + s
            if data["evacuation_seconds"] == 0:
                self.add_error("evacuation_secs", _("疏散用时不能为0。"))
        return data

    def results(self):
        return {n: self.cleaned_data.get(n) for n in DRILL_RESULT_FIELDS}


class DrillCorrectionForm(DrillRecordForm):
    """A recorded drill's figures, corrected with a reason (the change log keeps before and after)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = _reason_field()


class IdNumberField(forms.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "text", "autocomplete": "off", "pattern": "[0-9Xx ]*"})

    def clean(self, value):
        value = normalise_id_number(super().clean(value))
        if value:
            validate_id_number(value)
        return value


class VisitorForm(SchoolScopedForm):
    id_number = IdNumberField(label=_("身份证号"))

    class Meta:
        model = Visitor
        fields = ["name", "id_number", "phone", "organisation", "reason", "host", "badge", "time_in"]
        widgets = {"time_in": DateTimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_in"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["time_in"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["phone"].widget.attrs["inputmode"] = "tel"

    def clean_time_in(self):
        at = self.cleaned_data.get("time_in")
        if at and at > timezone.now() + timezone.timedelta(minutes=10):
            raise forms.ValidationError(_("进校时间不能晚于现在。"))
        return at


class PickupForm(SchoolScopedForm):
    picker_id_number = IdNumberField(label=_("接送人身份证号"), required=False)

    class Meta:
        model = PickupException
        fields = [
            "child_name",
            "class_name",
            "picker_name",
            "relation",
            "picker_id_number",
            "picker_phone",
            "situation",
            "parent_confirmed",
        ]


class FireEquipmentForm(SchoolScopedForm):
    class Meta:
        model = FireEquipment
        fields = ["room", "kind", "code", "spec", "position", "expires_on", "next_check_on", "is_active"]


class FirePreventionCheckForm(SchoolScopedForm):
    class Meta:
        model = FirePreventionCheck
        fields = ["checked_on", "scope", "findings", "measures", "inspector"]
        widgets = {
            "findings": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_checked_on(self):
        checked_on = self.cleaned_data.get("checked_on")
        not_future(checked_on, _("检查日期"))
        return checked_on


def _reason_field():
    return forms.CharField(
        label=_("更正原因"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("写明哪里记错了、依据是什么；原因和更正前后的内容会保存在变更记录中。"),
        error_messages={"required": _("请填写更正原因。")},
    )


class FireCheckCorrectionForm(FirePreventionCheckForm):
    """Edit an unsigned check, or correct a signed one with a reason (the inspector stays: he signed)."""

    def __init__(self, *args, correcting: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.correcting = correcting
        if correcting:
            del self.fields["inspector"]
            self.fields["reason"] = _reason_field()

    def changes(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}


class HazardWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("写明为什么是误报或重复登记；原因保存在隐患的流转记录中，隐患仍留在台账里。"),
        error_messages={"required": _("请填写撤销原因。")},
    )


class FireSelfCheckCorrectionForm(forms.Form):
    """The result and note of every item of a submitted self-check, and one reason for the correction."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            name = str(item.equipment)
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(
                label=_("结果"),
                choices=FireCheckResult.choices,
                initial=item.result,
                error_messages={"required": _("请选择结果。"), "invalid_choice": _("检查结果无效。")},
                widget=forms.Select(
                    attrs={"class": "form-select", "aria-label": _("%(e)s 结果") % {"e": name}}
                ),
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("说明"),
                max_length=200,
                required=False,
                initial=item.note,
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control",
                        "placeholder": _("说明"),
                        "aria-label": _("%(e)s 说明") % {"e": name},
                    }
                ),
            )
        self.fields["reason"] = _reason_field()

    def rows(self):
        """[(item, result field, note field)] for the template."""
        return [(i, self[f"result_{i.pk}"], self[f"note_{i.pk}"]) for i in self.items]

    def results(self):
        data = self.cleaned_data
        return {i.pk: (data[f"result_{i.pk}"], data[f"note_{i.pk}"]) for i in self.items}


class HazardCorrectionForm(SchoolScopedForm):
    """The fields of a hazard its state lets a correction change, plus the reason.

    Rooms and people are the school's only (SchoolScopedForm); the current room or responsible person
    stays selectable even if the room was retired or the person has left, so an unrelated correction
    does not force changing them.
    """

    class Meta:
        model = Hazard
        fields = [
            "title",
            "room",
            "location",
            "risk_level",
            "found_on",
            "description",
            "assignee",
            "deadline",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"location": _("具体位置")}

    def __init__(self, *args, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        hazard = self.instance
        for name in list(self.fields):
            if name not in allowed:
                del self.fields[name]
        if "room" in self.fields:
            from logistics.models import Room

            rooms = Room.objects.filter(school=self.school).filter(Q(is_active=True) | Q(pk=hazard.room_id))
            self.fields["room"].queryset = rooms.select_related("campus")
        if "assignee" in self.fields:
            field = self.fields["assignee"]
            field.queryset = (
                get_user_model()
                .objects.filter(Q(pk__in=school_users(self.school).values("pk")) | Q(pk=hazard.assignee_id))
                .order_by("first_name", "username")
            )
            field.required = True
            self.fields["deadline"].required = True
        self.fields["reason"] = _reason_field()

    def clean_found_on(self):
        found_on = self.cleaned_data.get("found_on")
        not_future(found_on, _("发现日期"))
        return found_on

    def clean(self):
        data = super().clean()
        found_on = data.get("found_on") if "found_on" in self.fields else self.instance.found_on
        deadline = data.get("deadline")
        if found_on and deadline and deadline < found_on:
            self.add_error(
                "deadline", _("整改期限不能早于发现日期（%(d)s）。") % {"d": f"{found_on:%Y-%m-%d}"}
            )
        return data

    def _post_clean(self):
        # The service validates and saves through the change log; the form must not touch the instance.
        pass

    def changes(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "reason" and k in self.Meta.fields}


class HazmatForm(SchoolScopedForm):
    class Meta:
        model = HazardousMaterial
        fields = ["name", "kind", "unit", "keeper", "room", "max_issue"]


class HazmatMoveForm(forms.Form):
    quantity = forms.DecimalField(label=_("数量"), max_digits=12, decimal_places=2, min_value=0.01)
    purpose = forms.CharField(label=_("用途/来源"), max_length=200)
    receiver = forms.CharField(label=_("领用人"), max_length=30, required=False)


class DutyShiftForm(SchoolScopedForm):
    class Meta:
        model = DutyShift
        fields = ["date", "kind", "person", "is_holiday", "phone", "note"]


class EducationEventForm(SchoolScopedForm):
    month = forms.DateField(
        label=_("月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m"],
    )

    class Meta:
        model = EducationEvent
        fields = ["month", "topic", "audience", "format", "done_on", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")

    def clean_month(self):
        month = self.cleaned_data.get("month")
        return month.replace(day=1) if month else month
