"""Thin views: parse, call a service, redirect. Service ValidationErrors become form errors."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from logistics.attachments import attachments_for
from logistics.models import Campus, Room
from logistics.org_views import report_response
from logistics.permissions import can, school_view, scoped_or_404
from logistics.reports.base import Period

from . import forms, reports, selectors, services
from .choices import (
    ON_BOOKS,
    AssetStatus,
    DisposalStatus,
    LineResult,
    LoanStatus,
    RepairStatus,
    StocktakeStatus,
    TaskStatus,
)
from .models import (
    Asset,
    AssetCategory,
    AssetEvent,
    AssetLoan,
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


def _call(form, fn, **kwargs):
    """Run a service; its ValidationError messages become the form's errors. Returns (ok, result)."""
    try:
        return True, fn(**kwargs)
    except ValidationError as exc:
        for msg in exc.messages:
            form.add_error(None, msg)
        return False, None


def _form_page(request, form, title, *, submit_label=None, extra=None, template="assets/form.html"):
    ctx = {"form": form, "title": title, "submit_label": submit_label}
    ctx.update(extra or {})
    return render(request, template, ctx)


def _page(request, qs, per_page=50):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


# --- asset register -----------------------------------------------------------------------------
@school_view("assets.view")
def asset_list(request):
    page = selectors.asset_page(selectors.asset_list(request), request.GET.get("page"))
    school = request.school
    ctx = {
        "page_obj": page,
        "object_list": page.object_list,
        "is_paginated": page.has_other_pages(),
        "paginator": page.paginator,
        "categories": AssetCategory.objects.for_school(school).order_by("code"),
        "statuses": AssetStatus.choices,
        "rooms": Room.objects.filter(school=school).select_related("campus").order_by("campus__name", "name"),
        "campuses": Campus.objects.filter(school=school),
        "custodians": services.school_custodians(school),
        "today": timezone.localdate(),
    }
    return render(request, "assets/asset_list.html", ctx)


@school_view("assets.manage")
def asset_create(request):
    form = forms.AssetForm(
        request.POST or None, school=request.school, initial={"units": 1, "source": "purchase"}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, created = _call(
            form,
            services.asset_register,
            school=request.school,
            by=request.user,
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
        if ok:
            rule = services.capitalisation_rule(request.school)
            if warning := rule.low_value_message(d["category"], d["unit_price"]):
                messages.warning(request, warning)
            messages.success(request, _("已登记 %(n)d 件资产。") % {"n": len(created)})
            if len(created) == 1:
                return redirect("assets:asset_detail", pk=created[0].pk)
            return redirect(reverse("assets:asset_list") + f"?q={created[0].name}")
    return _form_page(request, form, _("登记资产"))


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
        "monthly": services.monthly_for(asset),
        "accumulated": asset.accumulated_depreciation(month_end),
        "net_value": asset.net_value(month_end),
        "can_manage": can(request, "assets.manage"),
        "S": AssetStatus,
    }
    return render(request, "assets/asset_detail.html", ctx)


@school_view("assets.manage")
def asset_edit(request, pk):
    asset = scoped_or_404(request, Asset, pk=pk)
    form = forms.AssetEditForm(request.POST or None, instance=asset, school=request.school)
    if request.method == "POST" and form.is_valid():
        from logistics.services import save_with_log

        save_with_log(form=form, by=request.user)
        messages.success(request, _("已保存。"))
        return redirect("assets:asset_detail", pk=asset.pk)
    return _form_page(request, form, _("编辑资产：%(a)s") % {"a": asset})


def _asset_action(request, pk, form_class, title, run, message):
    asset = scoped_or_404(request, Asset, pk=pk)
    kwargs = {"school": request.school} if issubclass(form_class, forms.SchoolForm) else {}
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        ok, _result = _call(form, run, obj=asset, by=request.user, **form.cleaned_data)
        if ok:
            messages.success(request, message)
            return redirect("assets:asset_detail", pk=asset.pk)
    return _form_page(request, form, f"{title}：{asset}", extra={"asset": asset})


@school_view("assets.manage")
def asset_issue(request, pk):
    return _asset_action(request, pk, forms.IssueForm, _("领用"), services.asset_issue, _("已领用。"))


@school_view("assets.manage")
def asset_lend(request, pk):
    return _asset_action(request, pk, forms.LendForm, _("借用"), services.asset_lend, _("已借出。"))


@school_view("assets.manage")
def asset_transfer(request, pk):
    return _asset_action(request, pk, forms.TransferForm, _("调拨"), services.asset_transfer, _("已调拨。"))


@school_view("assets.manage")
def asset_dispose(request, pk):
    return _asset_action(
        request,
        pk,
        forms.DisposalForm,
        _("申请报废/转让"),
        services.asset_request_disposal,
        _("已提交，等待校长审批。"),
    )


@school_view("assets.view")
def loan_list(request):
    qs = AssetLoan.objects.for_request(request).select_related("asset", "borrower", "lent_by")
    show = request.GET.get("show", "open")
    if show == "open":
        qs = qs.filter(status=LoanStatus.OPEN)
    page = _page(request, qs.order_by("due_on", "pk") if show == "open" else qs)
    return render(
        request,
        "assets/loan_list.html",
        {
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "show": show,
            "today": timezone.localdate(),
        },
    )


@require_POST
@school_view("assets.manage")
def loan_return(request, pk):
    loan = scoped_or_404(request, AssetLoan, pk=pk)
    comment = request.POST.get("comment", "")[:300]
    try:
        if "\x00" in comment:  # no browser sends NUL, and PostgreSQL cannot store it (a 500)
            raise ValidationError(_("提交的内容包含无效字符，请删除后重试。"))
        services.loan_return(obj=loan, by=request.user, comment=comment)
        messages.success(request, _("已归还。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assets:loan_list")


@school_view("assets.view")
def disposal_list(request):
    qs = DisposalRequest.objects.for_request(request).select_related(
        "asset", "asset__category", "requested_by", "decided_by"
    )
    status = request.GET.get("status", "pending")
    if status in DisposalStatus.values:
        qs = qs.filter(status=status)
    page = _page(request, qs)
    return render(
        request,
        "assets/disposal_list.html",
        {
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "status": status,
            "statuses": DisposalStatus.choices,
        },
    )


@require_POST
@school_view("assets.approve")
def disposal_decide(request, pk):
    req = scoped_or_404(request, DisposalRequest, pk=pk)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或驳回。"))
        return redirect("assets:disposal_list")
    fn = services.disposal_approve if form.cleaned_data["decision"] == "approve" else services.disposal_reject
    try:
        fn(obj=req, by=request.user, comment=form.cleaned_data["comment"])
        messages.success(request, _("已处理。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assets:disposal_list")


@school_view("assets.manage")
def handover(request):
    form = forms.HandoverForm(
        request.POST or None, school=request.school, initial={"from_user": request.GET.get("from_user")}
    )
    held = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, n = _call(
            form,
            services.assets_handover,
            school=request.school,
            by=request.user,
            from_user=d["from_user"],
            to_user=d["to_user"],
            comment=d["comment"],
        )
        if ok:
            messages.success(request, _("已交接 %(n)d 件资产。") % {"n": n})
            return redirect(reverse("assets:asset_list") + f"?custodian={d['to_user'].pk}")
    from_id = request.GET.get("from_user")
    if from_id and from_id.isdigit():
        held = (
            Asset.objects.for_request(request)
            .filter(custodian_id=int(from_id), status__in=ON_BOOKS)
            .select_related("room")
            .order_by("code")[:200]
        )
    return render(request, "assets/handover.html", {"form": form, "held": held, "title": _("资产交接")})


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


@school_view("assets.manage")
def category_create(request):
    form = forms.CategoryForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        from logistics.services import save_with_log

        save_with_log(form=form, by=request.user)
        messages.success(request, _("分类已添加。"))
        return redirect("assets:category_list")
    return _form_page(request, form, _("新增资产分类"))


@school_view("assets.manage")
def asset_settings(request):
    obj = services.settings_for(request.school)
    form = forms.SettingsForm(request.POST or None, instance=obj, school=request.school)
    if request.method == "POST" and form.is_valid():
        from logistics.services import save_with_log

        save_with_log(form=form, by=request.user)
        messages.success(request, _("已保存。"))
        return redirect("assets:settings")
    return _form_page(request, form, _("资产设置"))


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
            messages.error(request, " ".join(exc.messages))
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
    page = _page(request, qs.order_by("name"))
    return render(
        request, "assets/store_list.html", {"page_obj": page, "is_paginated": page.has_other_pages()}
    )


@school_view("stores.manage")
def store_item_create(request):
    form = forms.StoreItemForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, item = _call(form, services.stores_item_create, school=request.school, by=request.user, **d)
        if ok:
            messages.success(request, _("物品已添加。"))
            return redirect("assets:store_item", pk=item.pk)
    return _form_page(request, form, _("新增库存物品"))


@school_view("stores.view")
def store_item(request, pk):
    item = scoped_or_404(request, StoreItem, pk=pk)
    movements = StockMovement.objects.filter(item=item).select_related("department", "room", "person", "by")
    page = _page(request, movements)
    return render(
        request,
        "assets/store_item.html",
        {"item": item, "page_obj": page, "is_paginated": page.has_other_pages()},
    )


@school_view("stores.manage")
def stock_in(request, pk):
    item = scoped_or_404(request, StoreItem, pk=pk)
    form = forms.StockInForm(request.POST or None, initial={"unit_price": item.unit_price})
    if request.method == "POST" and form.is_valid():
        ok, _m = _call(
            form,
            services.stores_stock_in,
            school=request.school,
            by=request.user,
            item_name=item.name,
            unit=item.unit,
            **form.cleaned_data,
        )
        if ok:
            messages.success(request, _("已入库。"))
            return redirect("assets:store_item", pk=item.pk)
    return _form_page(request, form, _("入库：%(n)s") % {"n": item})


@school_view("stores.manage")
def stock_out(request, pk):
    item = scoped_or_404(request, StoreItem, pk=pk)
    form = forms.StockOutForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        ok, _m = _call(form, services.stores_issue, item=item, by=request.user, **form.cleaned_data)
        if ok:
            messages.success(request, _("已出库。"))
            return redirect("assets:store_item", pk=item.pk)
    return _form_page(
        request,
        form,
        _("领用出库：%(n)s（现有 %(q)s%(u)s）") % {"n": item, "q": item.on_hand.normalize(), "u": item.unit},
    )


@school_view("stores.manage")
def stock_count(request, pk):
    item = scoped_or_404(request, StoreItem, pk=pk)
    form = forms.StockCountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _m = _call(form, services.stores_count, item=item, by=request.user, **form.cleaned_data)
        if ok:
            messages.success(request, _("盘点结果已记录。"))
            return redirect("assets:store_item", pk=item.pk)
    return _form_page(
        request,
        form,
        _("盘点：%(n)s（账面 %(q)s%(u)s）") % {"n": item, "q": item.on_hand.normalize(), "u": item.unit},
    )


@school_view("stores.view")
def consumption(request):
    try:
        period = (
            Period.parse_month(request.GET["month"]) if request.GET.get("month") else Period.current_month()
        )
    except ValueError as exc:
        raise Http404 from exc
    rows = reports.consumption_rows(request.school, period)
    return render(request, "assets/consumption.html", {"rows": rows, "period": period})


# --- repairs ------------------------------------------------------------------------------------
@school_view("repairs.view")
def repair_list(request):
    qs = RepairRequest.objects.for_request(request).select_related(
        "room", "requested_by", "assignee", "asset"
    )
    manager = can(request, "repairs.manage") or request.role == "bureau"
    if not manager:
        qs = qs.filter(Q(requested_by=request.user) | Q(assignee=request.user))
    status = request.GET.get("status", "")
    if status in RepairStatus.values:
        qs = qs.filter(status=status)
    elif status == "overdue":
        qs = qs.filter(status__in=[RepairStatus.SUBMITTED, RepairStatus.ASSIGNED], due_by__lt=timezone.now())
    elif status == "":
        qs = qs.exclude(status__in=[RepairStatus.ACCEPTED, RepairStatus.CANCELLED])
    page = _page(request, qs)
    return render(
        request,
        "assets/repair_list.html",
        {
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "status": status,
            "statuses": RepairStatus.choices,
            "now": timezone.now(),
            "manager": manager,
        },
    )


@school_view("repairs.raise")
def repair_create(request):
    initial = {}
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
    form = forms.RepairForm(
        request.POST or None, request.FILES or None, school=request.school, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, repair = _call(
            form,
            services.repair_raise,
            school=request.school,
            by=request.user,
            room=d["room"],
            asset=d["asset"],
            description=d["description"],
            urgency=d["urgency"],
            photo=d.get("photo"),
        )
        if ok:
            messages.success(request, _("报修已提交，编号 #%(n)d。") % {"n": repair.pk})
            return redirect("assets:repair_detail", pk=repair.pk)
    return render(request, "assets/repair_form.html", {"form": form})


@school_view("repairs.view")
def repair_detail(request, pk):
    repair = scoped_or_404(
        request,
        RepairRequest.objects.select_related("room__campus", "asset", "requested_by", "assignee"),
        pk=pk,
    )
    if not (
        can(request, "repairs.manage")
        or request.role == "bureau"
        or request.user.pk in (repair.requested_by_id, repair.assignee_id)
    ):
        raise PermissionDenied
    ctx = {
        "repair": repair,
        "events": RepairEvent.objects.filter(repair=repair).select_related("by"),
        "photos": attachments_for(repair),
        "assign_form": forms.AssignForm(school=request.school),
        "complete_form": forms.CompleteForm(),
        "comment_form": forms.CommentForm(),
        "is_requester": repair.requested_by_id == request.user.pk,
        "is_assignee": repair.assignee_id == request.user.pk,
        "can_manage": can(request, "repairs.manage"),
        "now": timezone.now(),
        "R": RepairStatus,
    }
    return render(request, "assets/repair_detail.html", ctx)


@require_POST
@school_view("repairs.raise")
def repair_action(request, pk, action):
    repair = scoped_or_404(request, RepairRequest, pk=pk)
    if action == "assign":
        require_manage = can(request, "repairs.manage")
        if not require_manage:
            raise PermissionDenied
        form = forms.AssignForm(request.POST, school=request.school)
        fn = services.repair_assign
    elif action == "complete":
        form = forms.CompleteForm(request.POST)
        fn = services.repair_complete
    elif action in ("accept", "send_back"):
        form = forms.CommentForm(request.POST)
        fn = services.repair_accept if action == "accept" else services.repair_send_back
    else:
        raise Http404
    if form.is_valid():
        ok, _r = _call(form, fn, obj=repair, by=request.user, **form.cleaned_data)
        if ok:
            messages.success(request, _("已处理。"))
            return redirect("assets:repair_detail", pk=repair.pk)
    errors = [e for errs in form.errors.values() for e in errs]
    messages.error(request, " ".join(str(e) for e in errors))
    return redirect("assets:repair_detail", pk=repair.pk)


@school_view("repairs.view")
def maintenance_list(request):
    plans = MaintenancePlan.objects.for_request(request).select_related("room", "assignee")
    tasks = (
        MaintenanceTask.objects.for_request(request)
        .select_related("plan", "plan__room", "done_by")
        .order_by("status", "-due_on")[:100]
    )
    return render(request, "assets/maintenance.html", {"plans": plans, "tasks": tasks, "T": TaskStatus})


@school_view("repairs.manage")
def maintenance_plan_create(request):
    form = forms.MaintenancePlanForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        from logistics.services import save_with_log

        save_with_log(form=form, by=request.user)
        messages.success(request, _("维护计划已保存。"))
        return redirect("assets:maintenance_list")
    return _form_page(request, form, _("新增维护计划"))


@require_POST
@school_view("repairs.manage")
def maintenance_task_done(request, pk):
    task = scoped_or_404(request, MaintenanceTask, pk=pk)
    note = request.POST.get("note", "")[:300]
    try:
        if "\x00" in note:  # no browser sends NUL, and PostgreSQL cannot store it (a 500)
            raise ValidationError(_("提交的内容包含无效字符，请删除后重试。"))
        services.maintenance_task_done(obj=task, by=request.user, note=note)
        messages.success(request, _("任务已完成。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assets:maintenance_list")


# --- stocktake ----------------------------------------------------------------------------------
@school_view("assets.view")
def stocktake_list(request):
    stocktakes = Stocktake.objects.for_request(request).select_related("opened_by", "closed_by")
    page = _page(request, stocktakes)
    return render(
        request, "assets/stocktake_list.html", {"page_obj": page, "is_paginated": page.has_other_pages()}
    )


@school_view("assets.manage")
def stocktake_create(request):
    form = forms.StocktakeForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, st = _call(
            form,
            services.stocktake_open,
            school=request.school,
            by=request.user,
            title=d["title"],
            kind=d["kind"],
            rooms=d["rooms"],
            note=d["note"],
        )
        if ok:
            messages.success(request, _("盘点已开始。"))
            return redirect("assets:stocktake_detail", pk=st.pk)
    return _form_page(request, form, _("发起盘点"))


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
    page = _page(request, lines)
    return render(
        request,
        "assets/stocktake_detail.html",
        {
            "st": st,
            "counts": counts,
            "room_progress": room_progress,
            "scope_rooms": scope_rooms,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "result": result,
            "results": LineResult.choices,
            "close_form": forms.CloseStocktakeForm(),
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
            "error": error,
            "L": LineResult,
        },
        status=400 if error else 200,
    )


@school_view("assets.view")
def stocktake_export(request, pk, fmt):
    st = scoped_or_404(request, Stocktake.objects.select_related("school"), pk=pk)
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    return report_response(reports.stocktake_report(st), fmt, f"stocktake-{st.pk}")


@require_POST
@school_view("assets.manage")
def stocktake_submit(request, pk):
    st = scoped_or_404(request, Stocktake, pk=pk)
    try:
        services.stocktake_submit(obj=st, by=request.user)
        messages.success(request, _("已提交，等待校长审批。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assets:stocktake_detail", pk=st.pk)


@require_POST
@school_view("assets.approve")
def stocktake_close(request, pk):
    st = scoped_or_404(request, Stocktake, pk=pk)
    form = forms.CloseStocktakeForm(request.POST)
    form.is_valid()
    try:
        services.stocktake_close(obj=st, by=request.user, **form.cleaned_data)
        messages.success(request, _("盘点已审批关闭。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assets:stocktake_detail", pk=st.pk)


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
    try:
        period = Period.parse_month(month)
    except ValueError as exc:
        raise Http404 from exc
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
    rec, created = services.reconcile_month(school=request.school, period=period)
    if not created:
        messages.info(request, _("该月已结账，结果不变。"))
    return redirect("assets:reconciliation_detail", month=period.key)


# --- damage compensation --------------------------------------------------------------------------
@school_view("assets.view")
def damage_list(request):
    qs = DamageCase.objects.for_request(request).select_related("asset", "room", "repair", "recorded_by")
    page = _page(request, qs)
    return render(
        request,
        "assets/damage_list.html",
        {"page_obj": page, "is_paginated": page.has_other_pages(), "settle_form": forms.SettleForm()},
    )


@school_view("assets.manage")
def damage_create(request):
    form = forms.DamageForm(
        request.POST or None, school=request.school, initial={"occurred_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, _c = _call(
            form,
            services.damage_record,
            school=request.school,
            by=request.user,
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
        if ok:
            messages.success(request, _("损坏赔偿已登记。"))
            return redirect("assets:damage_list")
    return _form_page(request, form, _("登记公物损坏赔偿"))


@require_POST
@school_view("assets.manage")
def damage_settle(request, pk):
    case = scoped_or_404(request, DamageCase, pk=pk)
    form = forms.SettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("assets:damage_list")
    d = form.cleaned_data
    try:
        services.damage_settle(
            obj=case,
            by=request.user,
            paid=d["outcome"] == "paid",
            paid_amount=d.get("paid_amount"),
            waive_reason=d.get("waive_reason", ""),
        )
        messages.success(request, _("已处理。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assets:damage_list")
