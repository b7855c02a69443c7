from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.forms import SchoolScopedForm, UserChoiceField, school_users
from logistics.reports import Period

from .choices import Recurrence
from .models import Duty, DutySettings


def month_choices(today=None, count=24):
    """The last `count` months, newest first, as ("2026-10", "2026年10月")."""
    today = today or timezone.localdate()
    y, m = today.year, today.month
    found = []
    for _i in range(count):
        p = Period.month(y, m)
        found.append((p.key, p.label))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return found


MONTH_ERROR = _("请选择正确的月份。")


class MonthForm(forms.Form):
    month = forms.ChoiceField(
        label=_("月份"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": MONTH_ERROR, "invalid_choice": MONTH_ERROR},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices()

    @property
    def period(self):
        return Period.parse_month(self.cleaned_data["month"])


class DutyForm(SchoolScopedForm):
    class Meta:
        model = Duty
        fields = [
            "title",
            "category",
            "recurrence",
            "month",
            "weekday",
            "day",
            "date",
            "lead_days",
            "assignee",
            "notes",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        r = data.get("recurrence")
        if r == Recurrence.YEARLY and not data.get("month"):
            self.add_error("month", _("“每年某月”的事项须选择月份。"))
        if r == Recurrence.WEEKLY and data.get("weekday") is None:
            self.add_error("weekday", _("“每周”的事项须选择星期几。"))
        if r == Recurrence.DATE:
            if not data.get("date"):
                self.add_error("date", _("“指定日期”的事项须填写日期。"))
            elif not self.instance.pk and data["date"] < timezone.localdate():
                self.add_error("date", _("日期不能早于今天。"))
        if r != Recurrence.YEARLY:
            data["month"] = None
        if r != Recurrence.WEEKLY:
            data["weekday"] = None
        if r != Recurrence.DATE:
            data["date"] = None
        return data


class DutySettingsForm(forms.ModelForm):
    class Meta:
        model = DutySettings
        fields = ["spring_start_month", "spring_end_month", "autumn_start_month", "autumn_end_month"]

    def clean(self):
        data = super().clean()
        if data.get("spring_start_month") and data.get("spring_start_month") == data.get(
            "autumn_start_month"
        ):
            raise ValidationError(_("两个学期的开学月份不能相同。"))
        return data


class TaskActionForm(forms.Form):
    comment = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("说明不能超过1000字。")},
    )


class TaskAssignForm(forms.Form):
    assignee = UserChoiceField(
        queryset=None,
        label=_("负责人"),
        required=False,
        error_messages={"invalid_choice": _("请选择本校的成员。")},
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = school_users(school)
