"""Safety pages. Views parse, call a service, redirect (DESIGN.md rule 3)."""

import copy
import datetime
import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from logistics.attachments import attachments_for
from logistics.audit import readable_history
from logistics.choices import ChangeAction
from logistics.models import ChangeLog, Room, display_name
from logistics.permissions import can, school_view, scoped_or_404
from logistics.services import save_with_log

from . import selectors, services
from .choices import (
    CheckStatus,
    DrillStatus,
    FireCheckResult,
    FirePreventionStatus,
    HazardStatus,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    RiskLevel,
)
from .forms import (
    CorrectionReasonForm,
    DrillPlanForm,
    DrillRecordForm,
    DutyShiftForm,
    EducationEventForm,
    FireCheckCorrectionForm,
    FireEquipmentForm,
    FirePreventionCheckForm,
    FireSelfCheckCorrectionForm,
    HazardAssignForm,
    HazardCorrectionForm,
    HazardRectifyForm,
    HazardReportForm,
    HazardVerifyForm,
    HazardWithdrawForm,
    HazmatForm,
    HazmatMoveForm,
    PickupForm,
    SettingsForm,
    TemplateItemForm,
    VisitorForm,
)
from .models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    Drill,
    DutyShift,
    EducationEvent,
    FireEquipment,
    FirePreventionCheck,
    FireSelfCheck,
    Hazard,
    HazardousMaterial,
    Inspection,
    InspectionItem,
    PickupException,
    Visitor,
)

audit_log = logging.getLogger("logistics.audit")

PAGE = 50


def _page(request, qs):
    paginator = Paginator(qs, PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return {
        "page_obj": page,
        "paginator": paginator,
        "is_paginated": page.has_other_pages(),
        "object_list": page.object_list,
    }


def _errors(exc: ValidationError):
    return " ".join(exc.messages)


def _refuse_nul(data):
    """Text these views read without a form: no browser sends NUL and PostgreSQL cannot store it."""
    if any("\x00" in value for _key, values in data.lists() for value in values):
        raise ValidationError(_("提交的内容包含无效字符，请删除后重试。"))


def _month_param(request, name="month"):
    text = request.GET.get(name, "")
    try:
        year, month = (int(p) for p in text.split("-"))
        return datetime.date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _next_month(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _form_page(request, form, title, *, submit_label=None, template="safety/form.html", **extra):
    return render(request, template, {"form": form, "title": title, "submit_label": submit_label, **extra})


# --- overview ----------------------------------------------------------------------------------
@school_view("safety.view")
def home(request):
    today = timezone.localdate()
    hazards = Hazard.objects.for_request(request)
    ctx = {
        "title": _("安全工作"),
        "today": today,
        "open_inspections": Inspection.objects.for_request(request)
        .filter(status=InspectionStatus.OPEN)
        .select_related("assigned_to")
        .order_by("due_on")[:10],
        "hazard_counts": selectors.hazard_counts(hazards, today),
        "drills": selectors.drill_status(request.school, today),
        "duty": selectors.duty_today(DutyShift.objects.for_request(request), today),
    }
    if can(request, "visitors.view"):
        ctx["inside"] = selectors.visitors_inside(Visitor.objects.for_request(request))[:20]
    return render(request, "safety/home.html", ctx)


# --- inspections -------------------------------------------------------------------------------
@school_view("safety.view")
def inspection_list(request):
    qs = Inspection.objects.for_request(request).select_related("assigned_to", "submitted_by")
    kind, status = request.GET.get("kind", ""), request.GET.get("status", "")
    if kind in InspectionKind.values:
        qs = qs.filter(kind=kind)
    if status in InspectionStatus.values:
        qs = qs.filter(status=status)
    if request.GET.get("month"):
        start = _month_param(request)
        qs = qs.filter(period_start__gte=start, period_start__lt=_next_month(start))
    ctx = _page(request, qs.order_by("-period_start", "kind", "-pk"))
    ctx.update(
        title=_("安全检查"),
        kinds=InspectionKind.choices,
        statuses=InspectionStatus.choices,
        today=timezone.localdate(),
    )
    return render(request, "safety/inspection_list.html", ctx)


@require_POST
@school_view("safety.inspect")
def inspection_start(request):
    kind = request.POST.get("kind", "")
    if kind not in InspectionKind.values:
        messages.error(request, _("检查类型无效。"))
        return redirect("safety:inspection_list")
    inspection, created = services.inspection_create(
        school=request.school,
        kind=kind,
        day=timezone.localdate(),
        by=request.user,
        assigned_to=request.user if kind == InspectionKind.CLOSING else None,
    )
    if not created:
        messages.info(request, _("本期检查已存在。"))
    return redirect("safety:inspection_detail", pk=inspection.pk)


def _parse_inspection_post(request, inspection):
    results, photos = {}, {}
    for item in inspection.items.all():
        key = str(item.pk)
        if f"result_{key}" in request.POST or f"note_{key}" in request.POST:
            results[item.pk] = (request.POST.get(f"result_{key}", ""), request.POST.get(f"note_{key}", ""))
        uploads = request.FILES.getlist(f"photos_{key}")
        if uploads:
            photos[item.pk] = uploads
    return results, photos


@school_view("safety.view")
def inspection_detail(request, pk):
    inspection = scoped_or_404(request, Inspection, pk=pk)
    error = ""
    if request.method == "POST":
        if not can(request, "safety.inspect"):
            raise PermissionDenied
        results, photos = _parse_inspection_post(request, inspection)
        try:
            _refuse_nul(request.POST)
            if request.POST.get("action") == "submit":
                hazards = services.inspection_complete(
                    obj=inspection,
                    by=request.user,
                    results=results,
                    photos=photos,
                    signature=request.POST.get("signature", ""),
                    summary=request.POST.get("summary", ""),
                )
                messages.success(
                    request,
                    _("检查已提交并签名。")
                    + (_("已生成 %(n)d 条隐患。") % {"n": len(hazards)} if hazards else ""),
                )
            else:
                services.inspection_save(
                    obj=inspection,
                    by=request.user,
                    results=results,
                    photos=photos,
                    summary=request.POST.get("summary"),
                )
                messages.success(request, _("已保存。"))
            return redirect("safety:inspection_detail", pk=inspection.pk)
        except ValidationError as exc:
            error = _errors(exc)
            inspection.refresh_from_db()
    items = list(inspection.items.all())
    from django.contrib.contenttypes.models import ContentType

    from logistics.models import Attachment

    ct = ContentType.objects.get_for_model(InspectionItem)
    atts = {}
    for att in Attachment.objects.filter(target_type=ct, target_id__in=[str(i.pk) for i in items]):
        atts.setdefault(int(att.target_id), []).append(att)
    hazards = {h.source_item_id: h for h in Hazard.objects.filter(source_item__in=items)}
    groups = []
    for item in items:
        item.photos = atts.get(item.pk, [])
        item.hazard_obj = hazards.get(item.pk)
        if not groups or groups[-1][0] != item.area:
            groups.append((item.area, []))
        groups[-1][1].append(item)
    done = sum(1 for i in items if i.result)
    return render(
        request,
        "safety/inspection_detail.html",
        {
            "title": str(inspection),
            "inspection": inspection,
            "groups": groups,
            "results": ItemResult.choices,
            "done": done,
            "total": len(items),
            "error": error,
            "can_inspect": can(request, "safety.inspect") and not inspection.is_locked,
            "can_correct": can(request, "safety.manage") and inspection.is_locked,
            "today": timezone.localdate(),
        },
    )


@require_POST
@school_view("safety.manage")
def inspection_correct(request, pk):
    item = scoped_or_404(request, InspectionItem, pk=pk)
    try:
        _refuse_nul(request.POST)
        services.inspection_correct_item(
            item=item,
            by=request.user,
            result=request.POST.get("result", ""),
            note=request.POST.get("note", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("已更正，变更记录已保存。"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("safety:inspection_detail", pk=item.inspection_id)


# --- templates and settings ------------------------------------------------------------------
@school_view("safety.manage")
def template_list(request):
    templates = [services.get_template(request.school, kind) for kind in InspectionKind.values]
    return render(request, "safety/template_list.html", {"title": _("检查表模板"), "templates": templates})


@school_view("safety.manage")
def template_edit(request, kind):
    if kind not in InspectionKind.values:
        raise Http404
    template = services.get_template(request.school, kind)
    template = scoped_or_404(request, ChecklistTemplate, pk=template.pk)
    edit_item = None
    if request.GET.get("item"):
        item_id = request.GET["item"]
        if item_id.isdigit() and len(item_id) <= 12:  # a tampered id is a 404, not a ValueError (500)
            edit_item = ChecklistTemplateItem.objects.filter(template=template, pk=int(item_id)).first()
        if edit_item is None:
            raise Http404
    form = TemplateItemForm(request.POST or None, instance=edit_item)
    if request.method == "POST" and form.is_valid():
        services.template_item_save(template=template, by=request.user, item=edit_item, **form.cleaned_data)
        messages.success(request, _("检查表已更新（已创建的检查不受影响）。"))
        return redirect("safety:template_edit", kind=kind)
    if edit_item is None and not form.is_bound:
        last = template.items.order_by("-order").first()
        form.initial["order"] = (last.order + 10) if last else 10
    return render(
        request,
        "safety/template_edit.html",
        {
            "title": template.name,
            "template": template,
            "items": template.items.all(),
            "form": form,
            "edit_item": edit_item,
        },
    )


@school_view("safety.manage")
def settings_edit(request):
    obj = services.get_settings(request.school)
    form = SettingsForm(request.POST or None, instance=obj, school=request.school)
    if request.method == "POST" and form.is_valid():
        save_with_log(form=form, by=request.user)
        messages.success(request, _("已保存。"))
        return redirect("safety:home")
    return _form_page(request, form, _("安全设置"))


# --- hazards ---------------------------------------------------------------------------------
@school_view("safety.view")
def hazard_list(request):
    qs = selectors.filter_hazards(Hazard.objects.for_request(request), request.GET)
    qs = qs.select_related("room", "found_by", "assignee").order_by("-found_on", "-pk")
    ctx = _page(request, qs)
    ctx.update(
        title=_("安全隐患台账"),
        statuses=HazardStatus.choices,
        risks=RiskLevel.choices,
        rooms=Room.objects.for_request(request).select_related("campus"),
        today=timezone.localdate(),
        counts=selectors.hazard_counts(Hazard.objects.for_request(request)),
    )
    return render(request, "safety/hazard_list.html", ctx)


@school_view("hazards.report")
def hazard_report(request):
    form = HazardReportForm(request.POST or None, request.FILES or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        try:
            hazard = services.hazard_report(school=request.school, by=request.user, **form.cleaned_data)
            messages.success(request, _("隐患已登记。"))
            return redirect("safety:hazard_detail", pk=hazard.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
    return _form_page(request, form, _("登记安全隐患"), submit_label=_("登记"))


@school_view("safety.view")
def hazard_detail(request, pk):
    hazard = scoped_or_404(
        request,
        Hazard.objects.select_related(
            "room",
            "found_by",
            "assignee",
            "assigned_by",
            "rectified_by",
            "verified_by",
            "source_item__inspection",
            "source_fire_item__self_check",
            "withdrawn_by",
        ),
        pk=pk,
    )
    role = getattr(request, "role", None)
    actions = services.allowed_hazard_actions(hazard, role)
    history = readable_history(hazard)
    for e in history:  # the two steps a reader should not take for an ordinary 状态变更
        if e.action == ChangeAction.TRANSITION:
            if (e.after or {}).get("status") == HazardStatus.WITHDRAWN:
                e.label = _("撤销（误报）")
            elif (e.before or {}).get("status") == HazardStatus.WITHDRAWN:
                e.label = _("撤销后重新登记")
    return render(
        request,
        "safety/hazard_detail.html",
        {
            "title": hazard.title,
            "hazard": hazard,
            "photos": attachments_for(hazard),
            "actions": actions,
            "assign_form": HazardAssignForm(school=request.school, hazard=hazard)
            if "assign" in actions
            else None,
            "rectify_form": HazardRectifyForm() if "rectify" in actions else None,
            "verify_form": HazardVerifyForm() if "verify" in actions else None,
            "can_withdraw": "withdraw" in actions,
            "can_correct": can(request, "safety.manage") and bool(services.hazard_correctable_fields(hazard)),
            "history": history,
            "today": timezone.localdate(),
        },
    )


def _correction_page(request, form, *, title, back_url, notice="", submit_label=None):
    return render(
        request,
        "safety/correction_form.html",
        {
            "form": form,
            "title": title,
            "back_url": back_url,
            "notice": notice,
            "submit_label": submit_label or _("提交更正"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@school_view("safety.manage")
def hazard_correct(request, pk):
    hazard = scoped_or_404(request, Hazard, pk=pk)
    allowed = services.hazard_correctable_fields(hazard)
    if not allowed:
        messages.error(request, services.closed_hazard_message(hazard))
        return redirect("safety:hazard_detail", pk=hazard.pk)
    form = HazardCorrectionForm(
        request.POST if request.method == "POST" else None,
        instance=hazard,
        school=request.school,
        allowed=allowed,
    )
    if form.is_bound and form.is_valid():
        try:
            services.hazard_correct(
                obj=hazard, by=request.user, changes=form.changes(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已更正，变更记录已保存。"))
            return redirect("safety:hazard_detail", pk=hazard.pk)
    if hazard.source_item_id:
        notice = _(
            "这条隐患来自安全检查的不合格项：隐患内容、说明和发现日期随检查记录，请在检查记录中更正该项。"
        )
    else:
        notice = ""
    return _correction_page(
        request,
        form,
        title=_("更正隐患记录：%(t)s") % {"t": hazard.title},
        back_url=reverse("safety:hazard_detail", args=[hazard.pk]),
        notice=notice,
    )


@school_view("safety.manage")
def hazard_withdraw(request, pk):
    """撤销 a hazard raised by mistake: a page of its own, because it needs a reason and ends the hazard."""
    hazard = scoped_or_404(request, Hazard.objects.select_related("assignee"), pk=pk)
    if hazard.status not in services.HAZARD_TRANSITIONS["withdraw"][0]:
        messages.error(
            request,
            _("隐患当前状态为「%(s)s」，不能撤销。") % {"s": hazard.get_status_display()},
        )
        return redirect("safety:hazard_detail", pk=hazard.pk)
    form = HazardWithdrawForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.hazard_withdraw(obj=hazard, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("隐患已撤销，仍保留在台账中。"))
            return redirect("safety:hazard_detail", pk=hazard.pk)
    notice = _("撤销后隐患仍留在台账中，标为已撤销，不再计入未销号隐患。")
    if hazard.assignee_id:
        notice += _("整改责任人%(p)s会收到通知。") % {"p": display_name(hazard.assignee)}
    if hazard.source_item_id or hazard.source_fire_item_id:
        notice += _("如果是检查记录记错了，请在检查记录中更正该项，隐患会随之撤销。")
    return _correction_page(
        request,
        form,
        title=_("撤销隐患（误报）：%(t)s") % {"t": hazard.title},
        back_url=reverse("safety:hazard_detail", args=[hazard.pk]),
        notice=notice,
        submit_label=_("确认撤销"),
    )


# The transitions taken from the hazard page's own forms; 撤销 has its own page (hazard_withdraw) and
# 恢复 happens only through an inspection correction.
PAGE_ACTIONS = ("assign", "rectify", "verify", "reject")


@require_POST
@school_view("safety.view")
def hazard_action(request, pk, action):
    if action not in PAGE_ACTIONS:
        raise Http404
    hazard = scoped_or_404(request, Hazard, pk=pk)
    if not can(request, services.HAZARD_TRANSITIONS[action][2]):
        raise PermissionDenied
    forms_by_action = {
        "assign": lambda: HazardAssignForm(request.POST, school=request.school, hazard=hazard),
        "rectify": lambda: HazardRectifyForm(request.POST, request.FILES),
        "verify": lambda: HazardVerifyForm(request.POST),
        "reject": lambda: HazardVerifyForm(request.POST),
    }
    form = forms_by_action[action]()
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "assign":
                services.hazard_assign(
                    obj=hazard,
                    by=request.user,
                    assignee=data["assignee"],
                    deadline=data["deadline"],
                    comment=data["comment"],
                    risk_level=data["risk_level"],
                )
            elif action == "rectify":
                services.hazard_rectify(
                    obj=hazard, by=request.user, rectification=data["rectification"], photos=data["photos"]
                )
            elif action == "verify":
                services.hazard_verify(obj=hazard, by=request.user, note=data["note"])
            else:
                services.hazard_reject(obj=hazard, by=request.user, note=data["note"])
            messages.success(request, _("已保存。"))
            return redirect("safety:hazard_detail", pk=hazard.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
    for errs in form.errors.values():
        for e in errs:
            messages.error(request, e)
    response = hazard_detail(request, pk)
    response.status_code = 400
    return response


# --- drills ----------------------------------------------------------------------------------
@school_view("safety.view")
def drill_list(request):
    qs = Drill.objects.for_request(request).select_related("recorded_by").order_by("-planned_on", "-pk")
    ctx = _page(request, qs)
    ctx.update(title=_("应急疏散演练"), status=selectors.drill_status(request.school))
    return render(request, "safety/drill_list.html", ctx)


@school_view("safety.manage")
def drill_plan(request):
    form = DrillPlanForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        drill = services.drill_plan(school=request.school, by=request.user, **form.cleaned_data)
        messages.success(request, _("演练计划已保存。"))
        return redirect("safety:drill_detail", pk=drill.pk)
    return _form_page(request, form, _("新建演练计划"))


@school_view("safety.view")
def drill_detail(request, pk):
    drill = scoped_or_404(request, Drill.objects.select_related("recorded_by", "created_by"), pk=pk)
    return render(
        request,
        "safety/drill_detail.html",
        {"title": drill.title, "drill": drill, "photos": attachments_for(drill)},
    )


@school_view("safety.manage")
def drill_record(request, pk):
    drill = scoped_or_404(request, Drill, pk=pk)
    correcting = drill.status == DrillStatus.DONE
    form = DrillRecordForm(request.POST or None, request.FILES or None, instance=drill, school=request.school)
    reason_form = CorrectionReasonForm(request.POST or None) if correcting else None
    if request.method == "POST" and form.is_valid() and (reason_form is None or reason_form.is_valid()):
        try:
            if correcting:
                services.drill_correct(
                    obj=drill,
                    by=request.user,
                    changes=form.results(),
                    reason=reason_form.cleaned_data["reason"],
                )
            else:
                services.drill_record(
                    obj=Drill.objects.get(pk=drill.pk),
                    by=request.user,
                    photos=form.cleaned_data.get("photos") or [],
                    **form.results(),
                )
            messages.success(request, _("演练记录已保存。"))
            return redirect("safety:drill_detail", pk=drill.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
    return _form_page(
        request,
        form,
        _("更正演练记录") if correcting else _("记录演练实施情况"),
        reason_form=reason_form,
    )


# --- visitors --------------------------------------------------------------------------------
@school_view("visitors.view")
def visitor_list(request):
    qs = Visitor.objects.for_request(request).select_related("registered_by")
    day = request.GET.get("day", "")
    try:
        day = datetime.date.fromisoformat(day) if day else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    qs = qs.filter(time_in__gte=start, time_in__lt=start + datetime.timedelta(days=1)).order_by(
        "-time_in", "-pk"
    )
    ctx = _page(request, qs)
    settings = services.get_settings(request.school)
    now = timezone.localtime()
    inside = list(selectors.visitors_inside(Visitor.objects.for_request(request))[:100])
    ctx.update(
        title=_("来访登记"),
        day=day,
        inside=inside,
        after_closing=now.time() >= settings.closing_time,
        closing_time=settings.closing_time,
        show_id=can(request, "visitors.view_id"),
    )
    return render(request, "safety/visitor_list.html", ctx)


@school_view("visitors.record")
def visitor_new(request):
    form = VisitorForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        visitor = services.visitor_register(form=form, by=request.user)
        messages.success(
            request, _("已登记：%(n)s，来访证 %(b)s") % {"n": visitor.name, "b": visitor.badge or "—"}
        )
        return redirect("safety:visitor_list")
    return render(request, "safety/visitor_form.html", {"form": form, "title": _("访客登记")})


@require_POST
@school_view("visitors.record")
def visitor_out(request, pk):
    visitor = scoped_or_404(request, Visitor, pk=pk)
    try:
        services.visitor_sign_out(obj=visitor, by=request.user)
        messages.success(request, _("%(n)s 已离校。") % {"n": visitor.name})
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    nxt = request.POST.get("next", "")
    if not (nxt.startswith("/") and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})):
        nxt = reverse("safety:visitor_list")  # a page of this site only: no open redirect, no 500
    return redirect(nxt)


@never_cache
@school_view("visitors.view_id")
def visitor_id_number(request, pk):
    visitor = scoped_or_404(request, Visitor, pk=pk)
    return _id_number_page(
        request,
        visitor,
        number=visitor.id_number,
        who=visitor.name,
        when=visitor.time_in,
        back=f"{reverse('safety:visitor_list')}?day={timezone.localtime(visitor.time_in):%Y-%m-%d}",
    )


@never_cache
@school_view("visitors.view_id")
def pickup_id_number(request, pk):
    pickup = scoped_or_404(request, PickupException, pk=pk)
    return _id_number_page(
        request,
        pickup,
        number=pickup.picker_id_number,
        who=pickup.picker_name,
        when=pickup.at,
        back=reverse("safety:pickup_list"),
    )


def _id_number_page(request, record, *, number, who, when, back):
    """Lists show ID numbers masked (DOMAIN.md: a screen at the gate is seen by passers-by); the guard
    or the director opens one number at a time, when it is needed, and each opening is logged."""
    audit_log.info(
        "ID number of %s %s shown to user %s (school %s)",
        record._meta.model_name,
        record.pk,
        request.user.pk,
        request.school.pk,
    )
    ctx = {"title": _("身份证号"), "number": number, "who": who, "when": when, "back": back}
    return render(request, "safety/id_number.html", ctx)


@school_view("visitors.view")
def pickup_list(request):
    qs = PickupException.objects.for_request(request).select_related("recorded_by").order_by("-at", "-pk")
    ctx = _page(request, qs)
    ctx.update(title=_("接送异常登记"), show_id=can(request, "visitors.view_id"))
    return render(request, "safety/pickup_list.html", ctx)


@school_view("visitors.record")
def pickup_new(request):
    form = PickupForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        services.pickup_record(form=form, by=request.user)
        messages.success(request, _("已登记。"))
        return redirect("safety:pickup_list")
    return _form_page(request, form, _("登记接送异常"))


# --- fire safety -----------------------------------------------------------------------------
@school_view("safety.view")
def equipment_list(request):
    qs = FireEquipment.objects.for_request(request).select_related("room__campus")
    room = request.GET.get("room", "")
    if room.isdigit():
        qs = qs.filter(room_id=int(room))
    ctx = _page(request, qs.order_by("room__name", "kind", "code"))
    ctx.update(
        title=_("消防器材台账"),
        rooms=Room.objects.for_request(request).select_related("campus"),
        soon=timezone.localdate() + datetime.timedelta(days=30),
    )
    return render(request, "safety/equipment_list.html", ctx)


@school_view("safety.inspect")
def equipment_edit(request, pk=None):
    obj = scoped_or_404(request, FireEquipment, pk=pk) if pk else None
    form = FireEquipmentForm(request.POST or None, instance=obj, school=request.school)
    if request.method == "POST" and form.is_valid():
        save_with_log(form=form, by=request.user)
        messages.success(request, _("已保存。"))
        return redirect("safety:equipment_list")
    return _form_page(request, form, _("编辑消防器材") if obj else _("登记消防器材"))


@school_view("safety.view")
def selfcheck_list(request):
    qs = FireSelfCheck.objects.for_request(request).select_related("checked_by").order_by("-month")
    ctx = _page(request, qs)
    ctx.update(title=_("消防设备月度自检"))
    return render(request, "safety/selfcheck_list.html", ctx)


@require_POST
@school_view("safety.inspect")
def selfcheck_start(request):
    try:
        check, _created = services.fire_selfcheck_start(
            school=request.school, by=request.user, month=timezone.localdate()
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("safety:selfcheck_list")
    return redirect("safety:selfcheck_detail", pk=check.pk)


@school_view("safety.view")
def selfcheck_detail(request, pk):
    check = scoped_or_404(request, FireSelfCheck, pk=pk)
    if request.method == "POST":
        if not can(request, "safety.inspect"):
            raise PermissionDenied
        results = {}
        for item in check.items.all():
            key = f"result_{item.pk}"
            if key in request.POST:
                results[item.pk] = (request.POST.get(key, ""), request.POST.get(f"note_{item.pk}", ""))
        try:
            _refuse_nul(request.POST)
            hazards = services.fire_selfcheck_save(
                obj=check, by=request.user, results=results, submit=request.POST.get("action") == "submit"
            )
            msg = _("已保存。")
            if hazards:
                msg += _("已生成 %(n)d 条隐患。") % {"n": len(hazards)}
            messages.success(request, msg)
            return redirect("safety:selfcheck_detail", pk=check.pk)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    submitted = check.status == CheckStatus.SUBMITTED
    history = readable_history(check, other_keys=True) if submitted else []
    for e in history:
        if e.action == ChangeAction.TRANSITION and (e.after or {}).get("status") == CheckStatus.SUBMITTED:
            e.label = _("提交自检")
    return render(
        request,
        "safety/selfcheck_detail.html",
        {
            "title": str(check),
            "check": check,
            "items": check.items.select_related("equipment__room"),
            "results": FireCheckResult.choices,
            "editable": check.status == CheckStatus.OPEN and can(request, "safety.inspect"),
            "can_correct": submitted and can(request, "safety.manage"),
            # the check's history holds each correction, naming the items (fire_selfcheck_correct)
            "history": history,
        },
    )


@school_view("safety.manage")
def selfcheck_correct(request, pk):
    check = scoped_or_404(request, FireSelfCheck, pk=pk)
    if check.status != CheckStatus.SUBMITTED:
        messages.error(request, _("自检尚未提交，直接修改即可。"))
        return redirect("safety:selfcheck_detail", pk=check.pk)
    items = check.items.select_related("equipment__room")
    form = FireSelfCheckCorrectionForm(request.POST if request.method == "POST" else None, items=items)
    if form.is_bound and form.is_valid():
        try:
            corrected = services.fire_selfcheck_correct(
                obj=check, by=request.user, results=form.results(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("已更正 %(n)d 件器材的自检结果，变更记录已保存。") % {"n": len(corrected)}
            )
            return redirect("safety:selfcheck_detail", pk=check.pk)
    return render(
        request,
        "safety/selfcheck_correct.html",
        {"title": _("更正%(c)s") % {"c": str(check)}, "check": check, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@school_view("safety.view")
def fire_check_list(request):
    qs = FirePreventionCheck.objects.for_request(request).select_related("inspector", "principal")
    ctx = _page(request, qs.order_by("-checked_on", "-pk"))
    from django.contrib.contenttypes.models import ContentType

    corrected = set(
        ChangeLog.objects.filter(
            content_type=ContentType.objects.get_for_model(FirePreventionCheck),
            object_id__in=[str(c.pk) for c in ctx["object_list"]],
            action=ChangeAction.CORRECT,
        ).values_list("object_id", flat=True)
    )
    for c in ctx["object_list"]:
        c.corrected = str(c.pk) in corrected
    ctx.update(title=_("防火检查记录"), statuses=FirePreventionStatus)
    return render(request, "safety/fire_check_list.html", ctx)


@school_view("safety.view")
def fire_check_detail(request, pk):
    check = scoped_or_404(
        request, FirePreventionCheck.objects.select_related("inspector", "principal"), pk=pk
    )
    history = readable_history(check)
    signed_after = 0
    signing = {
        FirePreventionStatus.INSPECTOR_SIGNED: _("检查人签字"),
        FirePreventionStatus.SIGNED: _("校长签字"),
    }
    for e in history:
        if e.action == ChangeAction.TRANSITION:
            e.label = signing.get((e.after or {}).get("status"), "")
        # Which signatures were already on the record when it was corrected (they were given on the
        # content before the correction).
        after_inspector = bool(check.inspector_signed_at and e.at >= check.inspector_signed_at)
        after_principal = bool(check.principal_signed_at and e.at >= check.principal_signed_at)
        if e.action == ChangeAction.CORRECT and (after_inspector or after_principal):
            e.badge = _("校长签字后更正") if after_principal else _("检查人签字后更正")
        signed_after += e.action == ChangeAction.CORRECT and after_inspector
    role = getattr(request, "role", None)
    return render(
        request,
        "safety/fire_check_detail.html",
        {
            "title": _("防火检查记录：%(s)s") % {"s": check},
            "check": check,
            "history": history,
            "corrected_after_signing": signed_after,
            "can_correct": can(request, "safety.inspect")
            and services.may_correct_fire_check(check, request.user, role),
        },
    )


@school_view("safety.inspect")
def fire_check_correct(request, pk):
    check = scoped_or_404(request, FirePreventionCheck, pk=pk)
    if not services.may_correct_fire_check(check, request.user, getattr(request, "role", None)):
        raise PermissionDenied
    correcting = check.status != FirePreventionStatus.DRAFT
    form = FireCheckCorrectionForm(
        request.POST if request.method == "POST" else None,
        instance=copy.copy(check),  # the form writes its values into its instance; the service saves
        school=request.school,
        correcting=correcting,
    )
    if form.is_bound and form.is_valid():
        try:
            if correcting:
                services.fire_check_correct(
                    obj=check, by=request.user, changes=form.changes(), reason=form.cleaned_data["reason"]
                )
            else:
                services.fire_check_edit(obj=check, by=request.user, changes=form.changes())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已更正，变更记录已保存。") if correcting else _("已保存。"))
            return redirect("safety:fire_check_detail", pk=check.pk)
    if correcting:
        title = _("更正防火检查记录：%(s)s") % {"s": check}
        notice = _(
            "这份记录已有签字。更正后签字保留，记录页会显示签字后的更正内容、原因、更正人和时间，"
            "并通知已签字的人。"
        )
    else:
        title, notice = _("修改防火检查记录：%(s)s") % {"s": check}, ""
    return _correction_page(
        request,
        form,
        title=title,
        back_url=reverse("safety:fire_check_detail", args=[check.pk]),
        notice=notice,
        submit_label=None if correcting else _("保存"),
    )


@school_view("safety.inspect")
def fire_check_new(request):
    form = FirePreventionCheckForm(
        request.POST or None, school=request.school, initial={"inspector": request.user}
    )
    if request.method == "POST" and form.is_valid():
        save_with_log(form=form, by=request.user)
        messages.success(request, _("已保存，请检查人签字。"))
        return redirect("safety:fire_check_list")
    return _form_page(request, form, _("新建防火检查记录"))


@require_POST
@school_view("safety.inspect")
def fire_check_sign(request, pk):
    check = scoped_or_404(request, FirePreventionCheck, pk=pk)
    try:
        if check.status == FirePreventionStatus.DRAFT:
            services.fire_check_sign_inspector(obj=check, by=request.user)
        else:
            services.fire_check_sign_principal(obj=check, by=request.user)
        messages.success(request, _("已签字。"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    if request.POST.get("next") == "detail":  # signed from the check's own page
        return redirect("safety:fire_check_detail", pk=check.pk)
    return redirect("safety:fire_check_list")


# --- hazardous materials ---------------------------------------------------------------------
@school_view("safety.view")
def hazmat_list(request):
    qs = HazardousMaterial.objects.for_request(request).select_related("keeper", "room")
    ctx = _page(request, qs.order_by("kind", "name"))
    ctx.update(title=_("危险品及消毒用品"))
    return render(request, "safety/hazmat_list.html", ctx)


@school_view("safety.manage")
def hazmat_new(request):
    form = HazmatForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        obj = save_with_log(form=form, by=request.user)
        return redirect("safety:hazmat_detail", pk=obj.pk)
    return _form_page(request, form, _("登记危险品"))


@school_view("safety.view")
def hazmat_detail(request, pk):
    material = scoped_or_404(request, HazardousMaterial.objects.select_related("keeper", "room"), pk=pk)
    form = HazmatMoveForm(request.POST or None)
    if request.method == "POST":
        if not can(request, "safety.inspect"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("kind") == "receive":
                    services.hazmat_receive(
                        material=material, by=request.user, quantity=data["quantity"], purpose=data["purpose"]
                    )
                else:
                    services.hazmat_issue(
                        material=material,
                        by=request.user,
                        quantity=data["quantity"],
                        purpose=data["purpose"],
                        receiver=data["receiver"],
                    )
                messages.success(request, _("已记录。"))
                return redirect("safety:hazmat_detail", pk=material.pk)
            except ValidationError as exc:
                form.add_error(None, exc)
    ctx = _page(request, material.movements.select_related("by").order_by("-at", "-pk"))
    ctx.update(title=material.name, material=material, form=form)
    return render(request, "safety/hazmat_detail.html", ctx, status=400 if form.errors else 200)


# --- duty roster and education calendar ------------------------------------------------------
@school_view("safety.view")
def duty_list(request):
    start = _month_param(request)
    qs = (
        DutyShift.objects.for_request(request)
        .filter(date__gte=start, date__lt=_next_month(start))
        .select_related("person")
        .order_by("date", "kind")
    )
    prev = (start - datetime.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "safety/duty_list.html",
        {
            "title": _("值班安排"),
            "object_list": qs,
            "month": start,
            "prev": prev,
            "next": _next_month(start),
            "today": timezone.localdate(),
        },
    )


@school_view("safety.manage")
def duty_edit(request, pk=None):
    obj = scoped_or_404(request, DutyShift, pk=pk) if pk else None
    initial = {"date": request.GET.get("date")} if request.GET.get("date") else None
    form = DutyShiftForm(request.POST or None, instance=obj, school=request.school, initial=initial)
    if request.method == "POST" and form.is_valid():
        obj = save_with_log(form=form, by=request.user)
        messages.success(request, _("已保存。"))
        return redirect(reverse("safety:duty_list") + f"?month={obj.date:%Y-%m}")
    return _form_page(request, form, _("调整值班") if obj else _("新增值班"))


@school_view("safety.view")
def education_list(request):
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else timezone.localdate().year
    qs = EducationEvent.objects.for_request(request).filter(month__year=year).order_by("month", "pk")
    months = {m: [] for m in range(1, 13)}
    for e in qs:
        months[e.month.month].append(e)
    return render(
        request,
        "safety/education_list.html",
        {"title": _("安全教育日历"), "year": year, "months": months.items()},
    )


@school_view("safety.manage")
def education_edit(request, pk=None):
    obj = scoped_or_404(request, EducationEvent, pk=pk) if pk else None
    form = EducationEventForm(request.POST or None, instance=obj, school=request.school)
    if request.method == "POST" and form.is_valid():
        obj = save_with_log(form=form, by=request.user)
        return redirect(reverse("safety:education_list") + f"?year={obj.month.year}")
    return _form_page(request, form, _("安全教育安排"))
