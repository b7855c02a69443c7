from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.attachments import validate_image_upload
from logistics.forms import DateInput, SchoolScopedForm, UserChoiceField, school_users
from logistics.models import Department, Room

from .choices import AssetSource, DisposalKind, PartyKind, StocktakeKind, Urgency
from .models import Asset, AssetCategory, AssetSettings, MaintenancePlan, StoreItem

MONEY_KW = {
    "max_digits": 12,
    "decimal_places": 2,
    "min_value": Decimal("0"),
    "max_value": Decimal("99999999.99"),
}


def _rooms(school):
    return (
        Room.objects.filter(school=school, is_active=True)
        .select_related("campus")
        .order_by("campus__name", "name")
    )


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.campus.name} · {obj.name}"


class SchoolForm(forms.Form):
    """A plain form whose room, user and department choices are limited to one school."""

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        for field in list(self.fields.values()):
            if isinstance(field, RoomChoiceField):
                field.queryset = _rooms(school)
            elif isinstance(field, UserChoiceField):
                field.queryset = school_users(school)
            elif isinstance(field, forms.ModelChoiceField) and field.queryset.model is Department:
                field.queryset = Department.objects.filter(school=school)
            elif isinstance(field, forms.ModelChoiceField) and field.queryset.model is AssetCategory:
                field.queryset = AssetCategory.objects.for_school(school)


class AssetForm(SchoolForm):
    name = forms.CharField(label=_("资产名称"), max_length=100)
    category = forms.ModelChoiceField(label=_("分类"), queryset=AssetCategory.objects.none())
    spec = forms.CharField(label=_("规格型号"), max_length=100, required=False)
    unit_price = forms.DecimalField(label=_("单价（元）"), **MONEY_KW)
    units = forms.IntegerField(label=_("数量（每件单独编号）"), min_value=1, max_value=1000, initial=1)
    purchase_date = forms.DateField(label=_("购置日期"), widget=DateInput())
    source = forms.ChoiceField(label=_("来源"), choices=AssetSource.choices)
    funding = forms.CharField(label=_("经费来源"), max_length=60, required=False)
    room = RoomChoiceField(label=_("存放地点"), queryset=Room.objects.none(), required=False)
    custodian = UserChoiceField(label=_("责任人"), queryset=Room.objects.none(), required=False)
    code = forms.CharField(label=_("资产编号"), max_length=40, required=False, help_text=_("留空自动编号。"))
    useful_life_years = forms.IntegerField(
        label=_("折旧年限（年）"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("留空则按分类年限。"),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean_purchase_date(self):
        day = self.cleaned_data["purchase_date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("购置日期不能晚于今天。"))
        return day

    def clean_code(self):
        code = self.cleaned_data.get("code", "").strip()
        if code and Asset.objects.filter(school=self.school, code=code).exists():
            raise forms.ValidationError(_("资产编号「%(c)s」已存在。") % {"c": code})
        return code


class AssetEditForm(SchoolScopedForm):
    """Descriptive fields only; status, place and custodian change through the lifecycle."""

    class Meta:
        model = Asset
        fields = ["name", "category", "spec", "funding", "source", "useful_life_years", "note"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["category"].queryset = AssetCategory.objects.for_school(school)


class IssueForm(SchoolForm):
    room = RoomChoiceField(label=_("存放房间"), queryset=Room.objects.none(), required=False)
    custodian = UserChoiceField(label=_("领用人/责任人"), queryset=Room.objects.none(), required=False)
    comment = forms.CharField(label=_("说明"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("room") and not data.get("custodian"):
            raise forms.ValidationError(_("请选择领用人或存放房间。"))
        return data


class LendForm(SchoolForm):
    borrower = UserChoiceField(label=_("借用人"), queryset=Room.objects.none())
    due_on = forms.DateField(label=_("应还日期"), widget=DateInput())
    purpose = forms.CharField(label=_("用途"), max_length=200, required=False)

    def clean_due_on(self):
        day = self.cleaned_data["due_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("应还日期不能早于今天。"))
        return day


class TransferForm(SchoolForm):
    room = RoomChoiceField(label=_("调入房间"), queryset=Room.objects.none())
    custodian = UserChoiceField(label=_("新责任人"), queryset=Room.objects.none(), required=False)
    comment = forms.CharField(label=_("调拨说明"), max_length=300, required=False)


class DisposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("方式"), choices=DisposalKind.choices)
    reason = forms.CharField(label=_("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    recipient = forms.CharField(label=_("受让方（转让时填写）"), max_length=100, required=False)
    proceeds = forms.DecimalField(label=_("处置收入（元）"), initial=0, **MONEY_KW)


class DecisionForm(forms.Form):
    """The principal's buttons on the disposal list (批准 / 驳回)."""

    decision = forms.ChoiceField(
        choices=[("approve", _("批准")), ("reject", _("驳回"))],
        widget=forms.HiddenInput,
        error_messages={"required": _("请选择批准或驳回。"), "invalid_choice": _("请选择批准或驳回。")},
    )
    comment = forms.CharField(label=_("审批意见"), max_length=300, required=False)


class HandoverForm(SchoolForm):
    from_user = UserChoiceField(label=_("交接人（离岗或调岗者）"), queryset=Room.objects.none())
    to_user = UserChoiceField(label=_("接收人"), queryset=Room.objects.none())
    comment = forms.CharField(label=_("说明"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            self.add_error("to_user", _("接收人不能是交接人本人。"))
        return data


class CategoryForm(SchoolScopedForm):
    class Meta:
        model = AssetCategory
        fields = ["parent", "code", "name", "useful_life_years"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["parent"].queryset = AssetCategory.objects.for_school(school)
        self.fields["parent"].required = True

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if AssetCategory.objects.for_school(self.school).filter(code=code).exists():
            raise forms.ValidationError(_("分类编码已存在。"))
        return code

    def clean_useful_life_years(self):
        years = self.cleaned_data["useful_life_years"]
        if years > 100:
            raise forms.ValidationError(_("折旧年限不能超过 100 年。"))
        return years


class SettingsForm(SchoolScopedForm):
    class Meta:
        model = AssetSettings
        fields = ["fixed_asset_threshold", "special_equipment_threshold", "code_prefix"]

    def clean_fixed_asset_threshold(self):
        value = self.cleaned_data["fixed_asset_threshold"]
        if value <= 0 or value > Decimal("1000000"):
            raise forms.ValidationError(_("固定资产起点应在 0 到 1,000,000 元之间。"))
        return value

    def clean_special_equipment_threshold(self):
        value = self.cleaned_data["special_equipment_threshold"]
        if value <= 0 or value > Decimal("1000000"):
            raise forms.ValidationError(_("专用设备固定资产起点应在 0 到 1,000,000 元之间。"))
        return value

    def clean(self):
        data = super().clean()
        general, special = data.get("fixed_asset_threshold"), data.get("special_equipment_threshold")
        if general is not None and special is not None and special < general:
            self.add_error("special_equipment_threshold", _("专用设备固定资产起点不能低于固定资产起点。"))
        return data

    def clean_code_prefix(self):
        value = self.cleaned_data["code_prefix"].strip()
        if not value.isalnum():
            raise forms.ValidationError(_("前缀只能包含字母和数字。"))
        return value


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


# --- stores -------------------------------------------------------------------------------------
class StoreItemForm(SchoolScopedForm):
    class Meta:
        model = StoreItem
        fields = ["name", "unit", "spec", "min_level", "unit_price", "is_durable"]

    def clean_min_level(self):
        v = self.cleaned_data["min_level"]
        if v < 0:
            raise forms.ValidationError(_("最低库存不能为负数。"))
        return v

    def clean_unit_price(self):
        v = self.cleaned_data["unit_price"]
        if v < 0:
            raise forms.ValidationError(_("单价不能为负数。"))
        return v


class StockInForm(forms.Form):
    quantity = forms.DecimalField(
        label=_("入库数量"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    unit_price = forms.DecimalField(label=_("单价（元）"), **MONEY_KW)
    source_ref = forms.CharField(label=_("来源单据（验收单号）"), max_length=60, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class StockOutForm(SchoolForm):
    quantity = forms.DecimalField(
        label=_("领用数量"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    department = forms.ModelChoiceField(
        label=_("领用部门"), queryset=Department.objects.none(), required=False
    )
    room = RoomChoiceField(label=_("领用班级/房间"), queryset=Room.objects.none(), required=False)
    person = UserChoiceField(label=_("领用人"), queryset=Room.objects.none(), required=False)
    exchange = forms.BooleanField(label=_("以旧换新（交回旧品）"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("department") or data.get("room") or data.get("person")):
            raise forms.ValidationError(_("请选择领用部门、班级或领用人。"))
        return data


class StockCountForm(forms.Form):
    counted = forms.DecimalField(label=_("实盘数量"), max_digits=12, decimal_places=2, min_value=Decimal("0"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


# --- repairs ------------------------------------------------------------------------------------
class RepairForm(SchoolForm):
    room = RoomChoiceField(label=_("报修地点"), queryset=Room.objects.none())
    asset_code = forms.CharField(label=_("资产编号（可选，可扫标签）"), max_length=40, required=False)
    description = forms.CharField(
        label=_("故障描述"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("例如：灯管不亮")}),
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    photo = forms.ImageField(
        label=_("照片（可选）"),
        required=False,
        validators=[validate_image_upload],
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def clean(self):
        data = super().clean()
        code = (data.get("asset_code") or "").strip()
        data["asset"] = None
        if code:
            asset = Asset.objects.filter(school=self.school, code=code).first()
            if asset is None:
                self.add_error("asset_code", _("本校没有编号为「%(c)s」的资产。") % {"c": code})
            data["asset"] = asset
        return data


class AssignForm(SchoolForm):
    assignee = UserChoiceField(label=_("维修人"), queryset=Room.objects.none())
    comment = forms.CharField(label=_("说明"), max_length=300, required=False)


class CompleteForm(forms.Form):
    work_done = forms.CharField(label=_("维修情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    parts = forms.CharField(label=_("更换配件"), max_length=300, required=False)
    cost = forms.DecimalField(label=_("维修费用（元）"), initial=0, **MONEY_KW)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("意见"), max_length=300, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("情况记录"), max_length=300, required=False)


class MaintenancePlanForm(SchoolScopedForm):
    class Meta:
        model = MaintenancePlan
        fields = [
            "title",
            "frequency",
            "weekday",
            "day",
            "month",
            "room",
            "assignee",
            "checklist",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        if data.get("weekday") is not None and not 1 <= data["weekday"] <= 7:
            self.add_error("weekday", _("星期应为 1 到 7。"))
        if data.get("day") is not None and not 1 <= data["day"] <= 31:
            self.add_error("day", _("日期应为 1 到 31。"))
        if data.get("month") is not None and not 1 <= data["month"] <= 12:
            self.add_error("month", _("月份应为 1 到 12。"))
        return data


# --- stocktake, damage --------------------------------------------------------------------------
class StocktakeForm(SchoolForm):
    title = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=StocktakeKind.choices)
    rooms = forms.ModelMultipleChoiceField(
        label=_("盘点房间（不选则全校）"), queryset=Room.objects.none(), required=False
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["rooms"].queryset = _rooms(school)
        self.fields["rooms"].label_from_instance = lambda r: f"{r.campus.name} · {r.name}"


class CloseStocktakeForm(forms.Form):
    move_wrong_room = forms.BooleanField(
        label=_("按实盘位置调整位置不符的资产"), required=False, initial=True
    )
    write_off_missing = forms.BooleanField(label=_("核销盘亏资产（标记为盘亏）"), required=False)
    comment = forms.CharField(label=_("审批意见"), max_length=300, required=False)


class DamageForm(SchoolForm):
    occurred_on = forms.DateField(label=_("发生日期"), widget=DateInput())
    asset_code = forms.CharField(label=_("资产编号（可选）"), max_length=40, required=False)
    item_name = forms.CharField(label=_("物品名称"), max_length=100, required=False)
    room = RoomChoiceField(label=_("地点/班级"), queryset=Room.objects.none(), required=False)
    description = forms.CharField(label=_("经过"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    party_kind = forms.ChoiceField(label=_("责任方类型"), choices=PartyKind.choices)
    party_name = forms.CharField(label=_("责任人/班级"), max_length=60)
    assessed_amount = forms.DecimalField(label=_("核定赔偿金额（元）"), **MONEY_KW)
    repair_number = forms.IntegerField(label=_("后续维修单号（可选）"), required=False, min_value=1)

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("发生日期不能晚于今天。"))
        return day

    def clean(self):
        data = super().clean()
        code = (data.get("asset_code") or "").strip()
        data["asset"] = None
        if code:
            data["asset"] = Asset.objects.filter(school=self.school, code=code).first()
            if data["asset"] is None:
                self.add_error("asset_code", _("本校没有编号为「%(c)s」的资产。") % {"c": code})
        elif not (data.get("item_name") or "").strip():
            self.add_error("item_name", _("请填写资产编号或物品名称。"))
        data["repair"] = None
        if data.get("repair_number"):
            from .models import RepairRequest

            data["repair"] = RepairRequest.objects.filter(
                school=self.school, pk=data["repair_number"]
            ).first()
            if data["repair"] is None:
                self.add_error("repair_number", _("本校没有这张报修单。"))
        return data


class SettleForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=[("paid", _("已赔偿")), ("waived", _("免赔"))])
    paid_amount = forms.DecimalField(label=_("实收金额（元）"), required=False, **MONEY_KW)
    waive_reason = forms.CharField(label=_("免赔原因"), max_length=300, required=False)
