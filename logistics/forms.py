from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db.models import ForeignKey
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .models import Campus, Certificate, Department, Membership, Room, StaffProfile


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def school_users(school):
    return (
        get_user_model()
        .objects.filter(memberships__school=school, memberships__ended_on__isnull=True)
        .distinct()
        .order_by("first_name", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        from .models import display_name

        return display_name(obj)


class SchoolScopedForm(forms.ModelForm):
    """A ModelForm whose every choice is limited to the current school.

    Foreign keys to school-owned models only offer (and only accept) that school's rows, and user
    fields only the school's members: a tampered id from another school is a form error.
    """

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            model = field.queryset.model
            if model is get_user_model():
                self.fields[name] = UserChoiceField(
                    queryset=school_users(school),
                    required=field.required,
                    label=field.label,
                    help_text=field.help_text,
                )
            elif any(isinstance(f, ForeignKey) and f.name == "school" for f in model._meta.fields):
                field.queryset = field.queryset.filter(school=school)
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and not isinstance(field.widget, forms.HiddenInput):
                field.widget = DateInput()

    def save(self, commit=True):
        obj = super().save(commit=False)
        if hasattr(obj, "school_id") and not obj.school_id:
            obj.school = self.school
        if commit:
            obj.save()
            self.save_m2m()
        return obj

    def _get_validation_exclusions(self):
        # `school` is never a form field, but unique (school, name) constraints must still be checked
        # so a duplicate is a form error instead of an IntegrityError.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("school")
        return exclusions

    def _post_clean(self):
        # Model.validate_constraints needs the school for unique (school, name) checks.
        if hasattr(self.instance, "school_id") and not self.instance.school_id:
            self.instance.school = self.school
        super()._post_clean()


class CampusForm(SchoolScopedForm):
    class Meta:
        model = Campus
        fields = ["name", "address", "is_main"]


class DepartmentForm(SchoolScopedForm):
    class Meta:
        model = Department
        fields = ["name", "head"]


class RoomForm(SchoolScopedForm):
    class Meta:
        model = Room
        fields = ["campus", "name", "code", "room_type", "building", "floor", "responsible", "is_active"]

    def clean_floor(self):
        floor = self.cleaned_data.get("floor")
        if floor is not None and not -5 <= floor <= 60:
            raise forms.ValidationError(_("楼层应在 -5 到 60 之间。"))
        return floor


class NewMemberForm(forms.Form):
    """Add a person to the school: an existing account by login name, or a new one."""

    username = forms.RegexField(
        label=_("登录名"),
        max_length=30,
        regex=r"^[A-Za-z0-9_.-]+$",
        error_messages={"invalid": _("登录名只能包含字母、数字、下划线、点和减号。")},
    )
    full_name = forms.CharField(label=_("姓名"), max_length=30)
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("新账号必填；已有账号留空。"),
    )
    role = forms.ChoiceField(label=_("角色"), choices=[c for c in Role.choices if c[0] != Role.BUREAU])
    campus = forms.ModelChoiceField(label=_("校区"), queryset=Campus.objects.none(), required=False)
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none(), required=False)
    post = forms.CharField(label=_("岗位"), max_length=50, required=False)
    phone = forms.RegexField(
        label=_("电话"),
        regex=r"^[0-9+\- ]{5,20}$",
        required=False,
        error_messages={"invalid": _("电话号码格式不正确。")},
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["campus"].queryset = Campus.objects.filter(school=school)
        self.fields["department"].queryset = Department.objects.filter(school=school)

    def clean(self):
        data = super().clean()
        username = data.get("username")
        if not username:
            return data
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            if not data.get("password"):
                self.add_error("password", _("新账号必须设置初始密码。"))
            else:
                try:
                    validate_password(data["password"])
                except forms.ValidationError as exc:
                    self.add_error("password", exc)
        elif Membership.objects.active().filter(user=user, school=self.school).exists():
            self.add_error("username", _("此人已是本校成员。"))
        data["existing_user"] = user
        return data


class MembershipForm(SchoolScopedForm):
    class Meta:
        model = Membership
        fields = ["role", "campus", "department"]


class EndMembershipForm(forms.Form):
    ended_on = forms.DateField(label=_("离岗日期"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("原因"), max_length=200)


class StaffProfileForm(SchoolScopedForm):
    phone = forms.RegexField(
        label=_("电话"),
        regex=r"^[0-9+\- ]{5,20}$",
        required=False,
        error_messages={"invalid": _("电话号码格式不正确。")},
    )

    class Meta:
        model = StaffProfile
        fields = ["post", "phone", "hire_date", "notes"]

    def clean_hire_date(self):
        day = self.cleaned_data.get("hire_date")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("入职日期不能晚于今天。"))
        return day


class CertificateForm(SchoolScopedForm):
    class Meta:
        model = Certificate
        fields = ["kind", "number", "issued_on", "expires_on", "issuer"]

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and issued > timezone.localdate():
            self.add_error("issued_on", _("发证日期不能晚于今天。"))
        if issued and expires and expires < issued:
            self.add_error("expires_on", _("有效期不能早于发证日期。"))
        return data
