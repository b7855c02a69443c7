"""Thin views: parse, call a service, redirect (logistics.actions: one action view, one form page,
one paginator, one month parameter; a service's refusal lands on its form field)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Max, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from logistics.actions import ActionView, SettingsView, errors_to_messages, month_param, page
from logistics.attachments import attachments_for
from logistics.choices import Role
from logistics.models import Campus, Room
from logistics.org_views import report_response
from logistics.permissions import can, school_view, scoped_or_404
from logistics.reports.base import Period
from logistics.services import save_with_log

from . import forms, reports, selectors, services, workflows
from .choices import (
    ON_BOOKS,
    AssetAction,
    AssetStatus,
    DamageStatus,
    DisposalStatus,
    LineResult,
    LoanStatus,
    RepairAction,
    RepairStatus,
    StocktakeAction,
    StocktakeStatus,
    TaskStatus,
    Urgency,
)
from .models import (
    Asset,
    AssetCategory,
    AssetEvent,
    AssetLoan,
    AssetSettings,
    DamageCase,
    DisposalRequest,
    MaintenancePlan,
    MaintenanceTask,
    Reconciliation,
    RepairEvent,
    RepairRequest,
    RoomListConfirmation,
    StockMovement,
    Stocktake,
    StocktakeLine,
    StoreItem,
)

FORM = "generic/form.html"


class _SchoolFormView(ActionView):
    """An action whose form's choices are limited to the school (forms.SchoolForm, SchoolScopedForm)."""

    initial: dict = {}

    def get_initial(self) -> dict:
        return dict(self.initial)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["initial"] = self.get_initial()
        if issubclass(self.form_class, forms.SchoolForm | forms.SchoolScopedForm):
            kwargs["school"] = self.request.school
        return kwargs


class _SaveForm(_SchoolFormView):
    """A ModelForm saved with its change log (categories, maintenance plans, an asset's details)."""

    template_name = FORM

    def perform(self, obj, form):
        return save_with_log(form=form, by=self.request.user)


# --- asset register -----------------------------------------------------------------------------
@school_view("assets.view")
def asset_list(request):
    page_obj = selectors.asset_page(selectors.asset_list(request), request.GET.get("page"))
    school = request.school
    ctx = {
        "page_obj": page_obj,
        "object_list": page_obj.object_list,
        "is_paginated": page_obj.has_other_pages(),
        "paginator": page_obj.paginator,
        "categories": AssetCategory.objects.for_school(school).order_by("code"),
        "statuses": AssetStatus.choices,
        "rooms": Room.objects.filter(school=school).select_related("campus").order_by("campus__name", "name"),
        "campuses": Campus.objects.filter(school=school),
        "custodians": selectors.school_custodians(school),
        "today": timezone.localdate(),
    }
    return render(request, "assets/asset_list.html", ctx)


class AssetCreate(_SchoolFormView):
    permission = "assets.manage"
    form_class = forms.AssetForm
    template_name = FORM
    title = gettext_lazy("登记资产")
    initial = {"units": 1, "source": "purchase"}

    def perform(self, obj, form):
        d = form.cleaned_data
        self.created = services.asset_register(
            school=self.request.school,
            by=self.request.user,
            name=d["name"],
            category=d["category"],
            spec=d["spec"],
            unit_price=d["unit_price"],
            units=d["units"],
            purchase_date=d["purchase_date"],
            source=d["source"],
            funding=d["funding"],
            room=d["room"],
            custodian=d["custodian"],
            code=d["code"],
            useful_life_years=d["useful_life_years"],
            note=d["note"],
        )
        rule = selectors.capitalisation_rule(self.request.school)
        if warning := rule.low_value_message(d["category"], d["unit_price"]):
            messages.warning(self.request, warning)

    def get_success_message(self, obj):
        return _("已登记 %(n)d 件资产。") % {"n": len(self.created)}

    def get_success_url(self, obj):
        if len(self.created) == 1:
            return self.created[0].get_absolute_url()
        return reverse("assets:asset_list") + f"?q={self.created[0].name}"


@school_view("assets.view")
def asset_detail(request, pk):
    asset = scoped_or_404(
        request, Asset.objects.select_related("category", "room__campus", "custodian"), pk=pk
    )
    today = timezone.localdate()
    month_end = Period.month(today.year, today.month).end
    events = AssetEvent.objects.filter(asset=asset).select_related(
        "by", "from_room", "to_room", "from_custodian", "to_custodian"
    )
    ctx = {
        "asset": asset,
        "events": events,
        "loans": asset.loans.select_related("borrower").all()[:20],
        "repairs": asset.repairs.select_related("requested_by").all()[:20],
        "disposals": asset.disposals.select_related("requested_by", "decided_by").all()[:10],
        "damages": asset.damages.all()[:10],
        "life_years": asset.life_years(),
        "monthly": selectors.monthly_for(asset),
        "accumulated": asset.accumulated_depreciation(month_end),
        "net_value": asset.net_value(month_end),
        "can_manage": can(request, "assets.manage"),
        "actions": workflows.ASSET.allowed(asset, user=request.user, role=request.role),
        "A": AssetAction,
    }
    return render(request, "assets/asset_detail.html", ctx)


class _AssetPage(_SchoolFormView):
    """A form page about one asset: its name in the title, the asset's page to go back to."""

    model = Asset
    permission = "assets.manage"
    template_name = FORM
    heading = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            title=_("%(action)s：%(asset)s") % {"action": self.heading, "asset": self.object},
            back_url=self.object.get_absolute_url(),
        )

    def get_success_url(self, obj):
        return self.object.get_absolute_url()


class AssetEdit(_AssetPage):
    form_class = forms.AssetEditForm
    heading = gettext_lazy("编辑资产")
    success_message = gettext_lazy("已保存。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, obj, form):
        return save_with_log(form=form, by=self.request.user)


class AssetIssue(_AssetPage):
    form_class = forms.IssueForm
    heading = gettext_lazy("领用")
    success_message = gettext_lazy("已领用。")

    def perform(self, obj, form):
        return services.asset_issue(obj=obj, by=self.request.user, **form.cleaned_data)


class AssetLend(_AssetPage):
    form_class = forms.LendForm
    heading = gettext_lazy("借用")
    success_message = gettext_lazy("已借出。")

    def perform(self, obj, form):
        return services.asset_lend(obj=obj, by=self.request.user, **form.cleaned_data)


class AssetTransfer(_AssetPage):
    form_class = forms.TransferForm
    heading = gettext_lazy("调拨")
    success_message = gettext_lazy("已调拨。")

    def perform(self, obj, form):
        return services.asset_transfer(obj=obj, by=self.request.user, **form.cleaned_data)


class AssetDispose(_AssetPage):
    form_class = forms.DisposalForm
    heading = gettext_lazy("申请报废/转让")
    success_message = gettext_lazy("已提交，等待校长审批。")

    def perform(self, obj, form):
        return services.asset_request_disposal(obj=obj, by=self.request.user, **form.cleaned_data)


@school_view("assets.view")
def loan_list(request):
    qs = AssetLoan.objects.for_request(request).select_related("asset", "borrower", "lent_by")
    show = request.GET.get("show", "open")
    if show == "open":
        qs = qs.filter(status=LoanStatus.OPEN).order_by("due_on", "pk")
    return render(
        request,
        "assets/loan_list.html",
        {**page(request, qs), "show": show, "today": timezone.localdate(), "L": LoanStatus},
    )


class LoanReturn(ActionView):
    model = AssetLoan
    permission = "assets.manage"
    form_class = forms.CommentForm
    success_message = gettext_lazy("已归还。")
    success_url = reverse_lazy("assets:loan_list")

    def perform(self, obj, form):
        return services.loan_return(obj=obj, by=self.request.user, **form.cleaned_data)


@school_view("assets.view")
def disposal_list(request):
    qs = DisposalRequest.objects.for_request(request).select_related(
        "asset", "asset__category", "requested_by", "decided_by"
    )
    status = request.GET.get("status", "pending")
    if status in DisposalStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "assets/disposal_list.html",
        {**page(request, qs), "status": status, "statuses": DisposalStatus.choices, "D": DisposalStatus},
    )


class DisposalDecide(ActionView):
    model = DisposalRequest
    permission = "assets.approve"
    form_class = forms.DecisionForm
    success_message = gettext_lazy("已处理。")
    success_url = reverse_lazy("assets:disposal_list")

    def perform(self, obj, form):
        d = form.cleaned_data
        decide = services.disposal_approve if d["decision"] == "approve" else services.disposal_reject
        return decide(obj=obj, by=self.request.user, comment=d["comment"])


class Handover(_SchoolFormView):
    permission = "assets.manage"
    form_class = forms.HandoverForm
    template_name = "assets/handover.html"
    title = gettext_lazy("资产交接")

    def get_initial(self):
        return {"from_user": self.request.GET.get("from_user")}

    def get_context_data(self, **kwargs):
        held = None
        from_id = self.request.GET.get("from_user")
        if from_id and from_id.isdigit():
            held = (
                Asset.objects.for_request(self.request)
                .filter(custodian_id=int(from_id), status__in=ON_BOOKS)
                .select_related("room")
                .order_by("code")[:200]
            )
        return super().get_context_data(**kwargs, held=held)

    def perform(self, obj, form):
        d = form.cleaned_data
        self.to_user = d["to_user"]
        self.count = services.assets_handover(
            school=self.request.school,
            by=self.request.user,
            from_user=d["from_user"],
            to_user=d["to_user"],
            comment=d["comment"],
        )

    def get_success_message(self, obj):
        return _("已交接 %(n)d 件资产。") % {"n": self.count}

    def get_success_url(self, obj):
        return reverse("assets:asset_list") + f"?custodian={self.to_user.pk}"


# --- categories and settings ----------------------------------------------------------------------
@school_view("assets.view")
def category_list(request):
    cats = (
        AssetCategory.objects.for_school(request.school)
        .select_related("parent")
        .annotate(n=Count("asset", filter=Q(asset__school=request.school, asset__status__in=ON_BOOKS)))
        .order_by("code")
    )
    return render(request, "assets/category_list.html", {"categories": cats})


class CategoryCreate(_SaveForm):
    permission = "assets.manage"
    form_class = forms.CategoryForm
    title = gettext_lazy("新增资产分类")
    success_message = gettext_lazy("分类已添加。")
    success_url = reverse_lazy("assets:category_list")


class Settings(SettingsView):
    settings_model = AssetSettings
    permission = "assets.manage"
    form_class = forms.SettingsForm
    title = gettext_lazy("资产设置")
    success_url = reverse_lazy("assets:settings")


# --- Excel import, labels -------------------------------------------------------------------------
@school_view("assets.manage")
def import_template(request):
    from .importer import template_workbook

    response = HttpResponse(
        template_workbook(request.school),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="asset-import-template.xlsx"'
    return response


@school_view("assets.manage")
def import_view(request):
    from .importer import ImportError_, import_assets

    form = forms.ImportForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            result = import_assets(school=request.school, by=request.user, upload=form.cleaned_data["file"])
        except ImportError_ as exc:
            row_errors = exc.errors
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已导入 %(n)d 件资产。") % {"n": result.created})
            for warning in result.warnings:
                messages.warning(request, warning)
            return redirect("assets:asset_list")
    return render(request, "assets/import.html", {"form": form, "row_errors": row_errors})


@school_view("assets.view")
def labels_pdf(request):
    from .labels import label_sheet_pdf

    qs = Asset.objects.for_request(request).filter(status__in=ON_BOOKS).select_related("room")
    room = request.GET.get("room")
    ids = request.GET.get("ids", "")
    if room and room.isdigit():
        qs = qs.filter(room_id=int(room))
    elif ids:
        try:
            wanted = [int(x) for x in ids.split(",") if x.strip()][:500]
        except ValueError as exc:
            raise Http404 from exc
        qs = qs.filter(pk__in=wanted)
    else:
        qs = selectors.filter_assets(qs, request.GET, request.school)
    assets = list(qs.order_by("room_id", "code")[:500])
    if not assets:
        messages.warning(request, _("没有可打印标签的资产。"))
        return redirect("assets:asset_list")
    pdf = label_sheet_pdf(assets, school=request.school)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="asset-labels.pdf"'
    return response


# --- room lists ---------------------------------------------------------------------------------
@school_view("assets.view")
def room_index(request):
    rooms = (
        Room.objects.for_request(request)
        .select_related("campus", "responsible")
        .annotate(
            n=Count("assets", filter=Q(assets__status__in=ON_BOOKS)),
            value=Sum(F("assets__unit_price") * F("assets__quantity"), filter=Q(assets__status__in=ON_BOOKS)),
            last_confirmed=Max("asset_confirmations__confirmed_at"),
        )
        .order_by("campus__name", "name")
    )
    return render(request, "assets/room_index.html", {"rooms": rooms})


@school_view("assets.view")
def room_sheet(request, pk):
    room = scoped_or_404(request, Room.objects.select_related("campus", "responsible"), pk=pk)
    if request.method == "POST":
        try:
            services.room_list_confirm(room=room, by=request.user, note=request.POST.get("note", "")[:300])
            messages.success(request, _("已确认本房间财产登记表。"))
        except ValidationError as exc:
            errors_to_messages(request, exc)
        return redirect("assets:room_sheet", pk=room.pk)
    assets = selectors.room_assets(request.school, room)
    count, value = selectors.totals(assets)
    confirmations = RoomListConfirmation.objects.filter(room=room).select_related("confirmed_by")[:5]
    return render(
        request,
        "assets/room_sheet.html",
        {
            "room": room,
            "assets": assets,
            "count": count,
            "value": value,
            "confirmations": confirmations,
            "is_responsible": room.responsible_id == request.user.pk,
            "today": timezone.localdate(),
        },
    )


@school_view("assets.view")
def room_sheet_export(request, pk, fmt):
    room = scoped_or_404(request, Room.objects.select_related("campus"), pk=pk)
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    report = reports.room_sheet_report(request.school, room)
    return report_response(report, fmt, f"room-{room.pk}-assets")


# --- stores -------------------------------------------------------------------------------------
@school_view("stores.view")
def store_list(request):
    qs = StoreItem.objects.for_request(request)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(name__icontains=q)
    if request.GET.get("low"):
        qs = qs.filter(on_hand__lte=F("min_level"))
    return render(request, "assets/store_list.html", page(request, qs.order_by("name")))


class StoreItemCreate(_SchoolFormView):
    permission = "stores.manage"
    form_class = forms.StoreItemForm
    template_name = FORM
    title = gettext_lazy("新增库存物品")
    success_message = gettext_lazy("物品已添加。")

    def perform(self, obj, form):
        return services.stores_item_create(
            school=self.request.school, by=self.request.user, **form.cleaned_data
        )


@school_view("stores.view")
def store_item(request, pk):
    item = scoped_or_404(request, StoreItem, pk=pk)
    movements = StockMovement.objects.filter(item=item).select_related("department", "room", "person", "by")
    return render(request, "assets/store_item.html", {"item": item, **page(request, movements)})


class _StorePage(_SchoolFormView):
    """A form page about one store item, back to its page."""

    model = StoreItem
    permission = "stores.manage"
    template_name = FORM

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, back_url=self.object.get_absolute_url())

    def get_success_url(self, obj):
        return self.object.get_absolute_url()


class StockIn(_StorePage):
    form_class = forms.StockInForm
    success_message = gettext_lazy("已入库。")

    def get_initial(self):
        return {"unit_price": self.object.unit_price}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, title=_("入库：%(n)s") % {"n": self.object})

    def perform(self, obj, form):
        return services.stores_stock_in(
            school=self.request.school,
            by=self.request.user,
            item_name=obj.name,
            unit=obj.unit,
            **form.cleaned_data,
        )


class StockOut(_StorePage):
    form_class = forms.StockOutForm
    success_message = gettext_lazy("已出库。")

    def get_context_data(self, **kwargs):
        item = self.object
        title = _("领用出库：%(n)s（现有 %(q)s%(u)s）") % {
            "n": item,
            "q": item.on_hand.normalize(),
            "u": item.unit,
        }
        return super().get_context_data(**kwargs, title=title)

    def perform(self, obj, form):
        return services.stores_issue(item=obj, by=self.request.user, **form.cleaned_data)


class StockCount(_StorePage):
    form_class = forms.StockCountForm
    success_message = gettext_lazy("盘点结果已记录。")

    def get_context_data(self, **kwargs):
        item = self.object
        title = _("盘点：%(n)s（账面 %(q)s%(u)s）") % {
            "n": item,
            "q": item.on_hand.normalize(),
            "u": item.unit,
        }
        return super().get_context_data(**kwargs, title=title)

    def perform(self, obj, form):
        return services.stores_count(item=obj, by=self.request.user, **form.cleaned_data)


@school_view("stores.view")
def consumption(request):
    period = month_param(request)
    rows = reports.consumption_rows(request.school, period)
    return render(request, "assets/consumption.html", {"rows": rows, "period": period})


# --- repairs ------------------------------------------------------------------------------------
def _sees_all_repairs(request) -> bool:
    return can(request, "repairs.manage") or request.role == Role.BUREAU


@school_view("repairs.view")
def repair_list(request):
    qs = RepairRequest.objects.for_request(request).select_related(
        "room", "requested_by", "assignee", "asset"
    )
    manager = _sees_all_repairs(request)
    if not manager:
        qs = qs.filter(Q(requested_by=request.user) | Q(assignee=request.user))
    status = request.GET.get("status", "")
    if status in RepairStatus.values:
        qs = qs.filter(status=status)
    elif status == "overdue":
        qs = qs.filter(status__in=[RepairStatus.SUBMITTED, RepairStatus.ASSIGNED], due_by__lt=timezone.now())
    elif status == "":
        qs = qs.exclude(status__in=[RepairStatus.ACCEPTED, RepairStatus.CANCELLED])
    return render(
        request,
        "assets/repair_list.html",
        {
            **page(request, qs),
            "status": status,
            "statuses": RepairStatus.choices,
            "now": timezone.now(),
            "manager": manager,
        },
    )


class RepairCreate(_SchoolFormView):
    permission = "repairs.raise"
    form_class = forms.RepairForm
    template_name = "assets/repair_form.html"

    def get_initial(self):
        request, initial = self.request, {}
        if request.GET.get("asset"):
            asset = Asset.objects.for_request(request).filter(code=request.GET["asset"][:40]).first()
            if asset:
                initial = {"asset_code": asset.code, "room": asset.room_id}
        if request.GET.get("room", "").isdigit():
            initial["room"] = int(request.GET["room"])
        if "room" not in initial:  # a class teacher usually reports from their own room
            own = Room.objects.for_request(request).filter(responsible=request.user, is_active=True).first()
            if own is not None:
                initial["room"] = own.pk
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, urgencies=list(Urgency))

    def perform(self, obj, form):
        d = form.cleaned_data
        return services.repair_raise(
            school=self.request.school,
            by=self.request.user,
            room=d["room"],
            asset=d["asset"],
            description=d["description"],
            urgency=d["urgency"],
            photo=d.get("photo"),
        )

    def get_success_message(self, obj):
        return _("报修已提交，编号 #%(n)d。") % {"n": obj.pk}


@school_view("repairs.view")
def repair_detail(request, pk):
    repair = scoped_or_404(
        request,
        RepairRequest.objects.select_related("room__campus", "asset", "requested_by", "assignee"),
        pk=pk,
    )
    if not (_sees_all_repairs(request) or request.user.pk in (repair.requested_by_id, repair.assignee_id)):
        raise PermissionDenied
    ctx = {
        "repair": repair,
        "events": RepairEvent.objects.filter(repair=repair).select_related("by"),
        "photos": attachments_for(repair),
        "assign_form": forms.AssignForm(school=request.school),
        "complete_form": forms.CompleteForm(),
        "actions": workflows.REPAIR.allowed(repair, user=request.user, role=request.role),
        "RA": RepairAction,
        "now": timezone.now(),
    }
    return render(request, "assets/repair_detail.html", ctx)


class _RepairStep(_SchoolFormView):
    """A button on the repair's page (派单, 登记维修结果, 验收, 退回): errors go to messages."""

    model = RepairRequest
    permission = "repairs.raise"
    success_message = gettext_lazy("已处理。")


class RepairAssign(_RepairStep):
    permission = "repairs.manage"
    form_class = forms.AssignForm

    def perform(self, obj, form):
        return services.repair_assign(obj=obj, by=self.request.user, **form.cleaned_data)


class RepairComplete(_RepairStep):
    form_class = forms.CompleteForm

    def perform(self, obj, form):
        return services.repair_complete(obj=obj, by=self.request.user, **form.cleaned_data)


class RepairAccept(_RepairStep):
    form_class = forms.CommentForm

    def perform(self, obj, form):
        return services.repair_accept(obj=obj, by=self.request.user, **form.cleaned_data)


class RepairSendBack(_RepairStep):
    form_class = forms.CommentForm

    def perform(self, obj, form):
        return services.repair_send_back(obj=obj, by=self.request.user, **form.cleaned_data)


REPAIR_STEPS = {
    RepairAction.ASSIGN: RepairAssign.as_view(),
    RepairAction.COMPLETE: RepairComplete.as_view(),
    RepairAction.ACCEPT: RepairAccept.as_view(),
    RepairAction.SEND_BACK: RepairSendBack.as_view(),
}


@require_POST
@school_view("repairs.raise")
def repair_action(request, pk, action):
    view = REPAIR_STEPS.get(action)
    if view is None:
        raise Http404
    return view(request, pk=pk)


@school_view("repairs.view")
def maintenance_list(request):
    plans = MaintenancePlan.objects.for_request(request).select_related("room", "assignee")
    tasks = (
        MaintenanceTask.objects.for_request(request)
        .select_related("plan", "plan__room", "done_by")
        .order_by("status", "-due_on")[:100]
    )
    return render(request, "assets/maintenance.html", {"plans": plans, "tasks": tasks, "T": TaskStatus})


class MaintenancePlanCreate(_SaveForm):
    permission = "repairs.manage"
    form_class = forms.MaintenancePlanForm
    title = gettext_lazy("新增维护计划")
    success_message = gettext_lazy("维护计划已保存。")
    success_url = reverse_lazy("assets:maintenance_list")


class MaintenanceTaskDone(ActionView):
    model = MaintenanceTask
    permission = "repairs.manage"
    form_class = forms.NoteForm
    success_message = gettext_lazy("任务已完成。")
    success_url = reverse_lazy("assets:maintenance_list")

    def perform(self, obj, form):
        return services.maintenance_task_done(obj=obj, by=self.request.user, **form.cleaned_data)


# --- stocktake ----------------------------------------------------------------------------------
@school_view("assets.view")
def stocktake_list(request):
    stocktakes = Stocktake.objects.for_request(request).select_related("opened_by", "closed_by")
    return render(request, "assets/stocktake_list.html", page(request, stocktakes))


class StocktakeCreate(_SchoolFormView):
    permission = "assets.manage"
    form_class = forms.StocktakeForm
    template_name = FORM
    title = gettext_lazy("发起盘点")
    success_message = gettext_lazy("盘点已开始。")

    def perform(self, obj, form):
        return services.stocktake_open(school=self.request.school, by=self.request.user, **form.cleaned_data)


@school_view("assets.view")
def stocktake_detail(request, pk):
    st = scoped_or_404(
        request, Stocktake.objects.select_related("opened_by", "submitted_by", "closed_by"), pk=pk
    )
    counts = selectors.stocktake_counts(st)
    progress = (
        StocktakeLine.objects.filter(stocktake=st, expected_room__isnull=False)
        .values("expected_room_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=~Q(result__in=[LineResult.PENDING, LineResult.MISSING])),
        )
        .order_by()
    )
    if not st.whole_school:
        scope_rooms = list(st.rooms.select_related("campus").order_by("campus__name", "name"))
    else:
        scope_rooms = list(
            Room.objects.for_request(request).select_related("campus").order_by("campus__name", "name")
        )
    by_room = {p["expected_room_id"]: p for p in progress}
    room_progress = [
        {"room": r, "total": by_room[r.pk]["total"], "done": by_room[r.pk]["done"]}
        for r in scope_rooms
        if r.pk in by_room
    ]
    result = request.GET.get("result", "")
    lines = StocktakeLine.objects.filter(stocktake=st).select_related(
        "asset", "expected_room", "found_room", "scanned_by"
    )
    if result in LineResult.values:
        lines = lines.filter(result=result)
    else:
        lines = lines.exclude(result__in=[LineResult.PENDING, LineResult.FOUND])
    return render(
        request,
        "assets/stocktake_detail.html",
        {
            **page(request, lines),
            "st": st,
            "counts": counts,
            "room_progress": room_progress,
            "scope_rooms": scope_rooms,
            "result": result,
            "results": LineResult.choices,
            "close_form": forms.CloseStocktakeForm(),
            "actions": workflows.STOCKTAKE.allowed(st, user=request.user, role=request.role),
            "SA": StocktakeAction,
            "S": StocktakeStatus,
        },
    )


@school_view("assets.manage")
def stocktake_room(request, pk, room_pk):
    """The tablet page: scan (a scanner types the code and Enter) or tick the room's assets."""
    st = scoped_or_404(request, Stocktake, pk=pk)
    room = scoped_or_404(request, Room.objects.select_related("campus"), pk=room_pk)
    last = None
    error = ""
    if request.method == "POST":
        try:
            last = services.stocktake_scan(
                obj=st, by=request.user, room=room, code=request.POST.get("code", "")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        if request.headers.get("x-requested-with") != "fetch" and not error:
            return redirect(reverse("assets:stocktake_room", args=[st.pk, room.pk]) + f"?last={last.pk}")
    elif request.GET.get("last", "").isdigit():
        last = (
            StocktakeLine.objects.filter(stocktake=st, pk=int(request.GET["last"]))
            .select_related("asset")
            .first()
        )
    lines = (
        StocktakeLine.objects.filter(stocktake=st)
        .filter(Q(expected_room=room) | Q(found_room=room))
        .select_related("asset", "expected_room", "found_room")
        .order_by("code")
    )
    counts = selectors.stocktake_counts(st, room)
    return render(
        request,
        "assets/stocktake_room.html",
        {
            "st": st,
            "room": room,
            "lines": lines,
            "counts": counts,
            "last": last,
            "last_color": LineResult(last.result).color if last else "",
            "error": error,
            "L": LineResult,
            "S": StocktakeStatus,
        },
        status=400 if error else 200,
    )


@school_view("assets.view")
def stocktake_export(request, pk, fmt):
    st = scoped_or_404(request, Stocktake.objects.select_related("school"), pk=pk)
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    return report_response(reports.stocktake_report(st), fmt, f"stocktake-{st.pk}")


class StocktakeSubmit(ActionView):
    model = Stocktake
    permission = "assets.manage"
    success_message = gettext_lazy("已提交，等待校长审批。")

    def perform(self, obj, form):
        return services.stocktake_submit(obj=obj, by=self.request.user)


class StocktakeClose(ActionView):
    model = Stocktake
    permission = "assets.approve"
    form_class = forms.CloseStocktakeForm
    success_message = gettext_lazy("盘点已审批关闭。")

    def perform(self, obj, form):
        return services.stocktake_close(obj=obj, by=self.request.user, **form.cleaned_data)


# --- reconciliation -----------------------------------------------------------------------------
@school_view("assets.view")
def reconciliation_list(request):
    items = Reconciliation.objects.for_request(request).order_by("-month")[:36]
    return render(
        request,
        "assets/reconciliation_list.html",
        {"items": items, "default_month": Period.previous_month().key},
    )


@school_view("assets.view")
def reconciliation_detail(request, month):
    period = month_param(request, source={"month": month})
    rec = scoped_or_404(request, Reconciliation, month=period.start)
    return render(request, "assets/reconciliation_detail.html", {"rec": rec, "period": period})


@require_POST
@school_view("assets.manage")
def reconciliation_run(request):
    try:
        period = Period.parse_month(request.POST.get("month", ""))
    except ValueError:
        messages.error(request, _("请选择正确的月份。"))
        return redirect("assets:reconciliation_list")
    if period.end >= timezone.localdate():
        messages.error(request, _("只能结账已结束的月份。"))
        return redirect("assets:reconciliation_list")
    _rec, created = services.reconcile_month(school=request.school, period=period)
    if not created:
        messages.info(request, _("该月已结账，结果不变。"))
    return redirect("assets:reconciliation_detail", month=period.key)


# --- damage compensation --------------------------------------------------------------------------
@school_view("assets.view")
def damage_list(request):
    qs = DamageCase.objects.for_request(request).select_related("asset", "room", "repair", "recorded_by")
    return render(
        request,
        "assets/damage_list.html",
        {**page(request, qs), "settle_form": forms.SettleForm(), "D": DamageStatus},
    )


class DamageCreate(_SchoolFormView):
    permission = "assets.manage"
    form_class = forms.DamageForm
    template_name = FORM
    title = gettext_lazy("登记公物损坏赔偿")
    success_message = gettext_lazy("损坏赔偿已登记。")
    success_url = reverse_lazy("assets:damage_list")

    def get_initial(self):
        return {"occurred_on": timezone.localdate()}

    def perform(self, obj, form):
        d = form.cleaned_data
        return services.damage_record(
            school=self.request.school,
            by=self.request.user,
            occurred_on=d["occurred_on"],
            description=d["description"],
            party_kind=d["party_kind"],
            party_name=d["party_name"],
            assessed_amount=d["assessed_amount"],
            asset=d["asset"],
            item_name=d["item_name"],
            room=d["room"],
            repair=d["repair"],
        )


class DamageSettle(ActionView):
    model = DamageCase
    permission = "assets.manage"
    form_class = forms.SettleForm
    success_message = gettext_lazy("已处理。")
    success_url = reverse_lazy("assets:damage_list")

    def perform(self, obj, form):
        d = form.cleaned_data
        return services.damage_settle(
            obj=obj,
            by=self.request.user,
            paid=d["outcome"] == "paid",
            paid_amount=d.get("paid_amount"),
            waive_reason=d.get("waive_reason", ""),
        )
