from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.attachments import validate_document_upload
from logistics.forms import DateInput, SchoolScopedForm
from logistics.models import Room

from .models import MAX_MONEY, BudgetLine, FinanceSettings, Loan, PurchaseRequest


def money(label, *, required=True, min_value=Decimal("0.01"), **kwargs):
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=min_value,
        max_value=MAX_MONEY,
        required=required,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several attachments in one field (each validated by content)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > 10:
            raise forms.ValidationError(_("一次最多上传10个附件。"))
        for f in files:
            validate_document_upload(f)
        return files


class RequestForm(forms.Form):
    title = forms.CharField(label=_("请购事项"), max_length=100)
    reason = forms.CharField(label=_("申请理由"), widget=forms.Textarea(attrs={"rows": 3}))
    budget_line = forms.ModelChoiceField(
        label=_("预算科目"), queryset=BudgetLine.objects.none(), required=False
    )
    needed_by = forms.DateField(label=_("需用日期"), widget=DateInput())
    attachments = MultipleFileField(label=_("附件（报价单、图片或 PDF）"))
    comment = forms.CharField(label=_("修改说明"), max_length=500, required=False)

    def __init__(self, *args, school, revising=False, **kwargs):
        super().__init__(*args, **kwargs)
        lines = BudgetLine.objects.filter(school=school, is_active=True).order_by("-year", "category", "name")
        self.fields["budget_line"].queryset = lines
        # When the school keeps budgets, every request names its line.
        self.fields["budget_line"].required = lines.exists()
        if not revising:
            del self.fields["comment"]

    def clean_needed_by(self):
        day = self.cleaned_data["needed_by"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("需用日期不能早于今天。"))
        return day


class LineForm(forms.Form):
    name = forms.CharField(label=_("物品名称"), max_length=100)
    spec = forms.CharField(label=_("规格型号"), max_length=100, required=False)
    unit = forms.CharField(label=_("单位"), max_length=10, initial="个")
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=100000)
    unit_price = money(_("预计单价（元）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


def _bootstrap(form):
    for name, field in form.fields.items():
        css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
        field.widget.attrs.setdefault("class", css)
        field.widget.attrs.setdefault("aria-label", str(field.label or name))


class BaseLineFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        _bootstrap(form)

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        filled = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not filled:
            raise forms.ValidationError(_("请至少填写一项物品。"))

    def lines(self):
        return [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


LineFormSet = forms.formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=1,
    max_num=100,
    validate_max=True,
    can_delete=True,
    absolute_max=100,  # a tampered TOTAL_FORMS builds at most max_num forms (default: max_num + 1000)
)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("退回"))])
    comment = forms.CharField(
        label=_("意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("退回必须填写原因。"))
        return data


class CancelForm(forms.Form):
    comment = forms.CharField(label=_("说明"), required=False)


class StepForm(forms.Form):
    """The statement's step a button names; the service refuses one it does not know (未知操作。)."""

    step = forms.CharField(required=False)


class QuoteForm(forms.Form):
    supplier = forms.CharField(label=_("供应商"), max_length=100)
    amount = money(_("报价金额（元）"))
    quoted_on = forms.DateField(label=_("报价日期"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    upload = forms.FileField(
        label=_("报价单（图片或 PDF）"), required=False, validators=[validate_document_upload]
    )

    def clean_quoted_on(self):
        day = self.cleaned_data["quoted_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("报价日期不能晚于今天。"))
        return day


class PurchaseForm(forms.Form):
    supplier = forms.CharField(label=_("供应商"), max_length=100)
    purchased_on = forms.DateField(label=_("采购日期"), widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for ln in lines:
            self.fields[f"price_{ln.pk}"] = money(
                _("「%(name)s」实际单价（元）") % {"name": ln.name}, initial=ln.unit_price
            )

    def clean_purchased_on(self):
        day = self.cleaned_data["purchased_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("采购日期不能晚于今天。"))
        return day

    def prices(self):
        return {ln.pk: self.cleaned_data[f"price_{ln.pk}"] for ln in self.lines}

    def line_fields(self):
        return [(ln, self[f"price_{ln.pk}"]) for ln in self.lines]


class AcceptForm(forms.Form):
    room = forms.ModelChoiceField(
        label=_("存放地点（登记为固定资产时）"), queryset=Room.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("验收意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, lines, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.fields["room"].queryset = Room.objects.filter(school=school, is_active=True).select_related(
            "campus"
        )
        for ln in lines:
            self.fields[f"qty_{ln.pk}"] = forms.IntegerField(
                label=_("「%(name)s」验收合格数量") % {"name": ln.name},
                min_value=0,
                max_value=ln.quantity,
                initial=ln.quantity,
            )

    def accepted(self):
        return {ln.pk: self.cleaned_data[f"qty_{ln.pk}"] for ln in self.lines}

    def line_fields(self):
        return [(ln, self[f"qty_{ln.pk}"]) for ln in self.lines]


class ReimbursementForm(forms.Form):
    purpose = forms.CharField(label=_("报销事由"), max_length=200)
    amount = money(_("报销金额（元）"))
    purchase_request = forms.ModelChoiceField(
        label=_("对应请购单"), queryset=PurchaseRequest.objects.none(), required=False
    )
    loan = forms.ModelChoiceField(label=_("冲抵借款"), queryset=Loan.objects.none(), required=False)
    budget_line = forms.ModelChoiceField(
        label=_("预算科目"), queryset=BudgetLine.objects.none(), required=False
    )
    attachments = MultipleFileField(label=_("发票影像（图片或 PDF）"))

    def __init__(self, *args, school, user, **kwargs):
        from .choices import LoanStatus, RequestStatus

        super().__init__(*args, **kwargs)
        self.fields["purchase_request"].queryset = PurchaseRequest.objects.filter(
            school=school, status=RequestStatus.ACCEPTED
        )
        self.fields["loan"].queryset = Loan.objects.filter(
            school=school, borrower=user, status=LoanStatus.DISBURSED
        )
        self.fields["budget_line"].queryset = BudgetLine.objects.filter(school=school, is_active=True)


class ReceiptForm(forms.Form):
    invoice_number = forms.CharField(label=_("发票号码"), max_length=30)
    invoice_date = forms.DateField(label=_("开票日期"), widget=DateInput())
    seller = forms.CharField(label=_("开票单位"), max_length=100)
    amount = money(_("金额（元）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_invoice_date(self):
        day = self.cleaned_data["invoice_date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("开票日期不能晚于今天。"))
        return day


class BaseReceiptFormSet(BaseLineFormSet):
    def clean(self):
        forms.BaseFormSet.clean(self)
        if any(self.errors):
            return
        filled = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not filled:
            raise forms.ValidationError(_("请至少填写一张发票。"))


ReceiptFormSet = forms.formset_factory(
    ReceiptForm,
    formset=BaseReceiptFormSet,
    extra=1,
    max_num=50,
    validate_max=True,
    can_delete=True,
    absolute_max=50,
)


class SignForm(forms.Form):
    decision = forms.ChoiceField(choices=[("sign", _("签字同意")), ("reject", _("退回"))])
    comment = forms.CharField(label=_("意见"), max_length=500, required=False)
    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("退回必须填写原因。"))
        return data


class DateForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=timezone.localdate)

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return day


class RepayForm(DateForm):
    amount = money(_("还款金额（元）"))


class LoanForm(forms.Form):
    purpose = forms.CharField(label=_("借款事由"), max_length=200)
    amount = money(_("借款金额（元）"))
    settle_by = forms.DateField(label=_("预计结清日期"), widget=DateInput())

    def clean_settle_by(self):
        day = self.cleaned_data["settle_by"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("预计结清日期不能早于今天。"))
        return day


class BudgetLineForm(SchoolScopedForm):
    class Meta:
        model = BudgetLine
        fields = ["year", "semester", "category", "department", "name", "amount", "is_active"]


class IncomeForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=timezone.localdate)
    source = forms.CharField(label=_("收入来源"), max_length=100)
    amount = money(_("金额（元）"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return day


class StatementForm(forms.Form):
    month = forms.DateField(
        label=_("月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m"],
    )
    notes = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_month(self):
        day = self.cleaned_data["month"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("不能编制未来月份的报表。"))
        return day


class SettingsForm(forms.ModelForm):
    class Meta:
        model = FinanceSettings
        fields = [
            "director_limit",
            "quote_threshold",
            "quotes_required",
            "budget_mode",
            "invoice_max_age_days",
        ]

    def clean(self):
        data = super().clean()
        low, high = data.get("director_limit"), data.get("quote_threshold")
        if low is not None and high is not None and high < low:
            self.add_error("quote_threshold", _("货比三家起点不能低于主任审批限额。"))
        return data


class CorrectionForm(forms.Form):
    supplier = forms.CharField(label=_("供应商"), max_length=100)
    purchased_on = forms.DateField(label=_("采购日期"), widget=DateInput())
    acceptance_note = forms.CharField(
        label=_("验收意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(label=_("更正原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
