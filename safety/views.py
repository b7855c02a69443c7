"""Safety pages. Views parse, call a service, redirect (DESIGN.md rule 3); POST actions go through
logistics.actions.ActionView (scoped load, form, service, errors on fields, message, safe return)."""

import copy
import datetime
import logging

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from logistics.actions import (
    ActionView,
    SettingsView,
    errors_to_messages,
    form_errors_to_messages,
    month_param,
    page,
)
from logistics.attachments import attachments_for
from logistics.audit import readable_history
from logistics.choices import ChangeAction
from logistics.models import Attachment, ChangeLog, Room, display_name
from logistics.permissions import can, require, school_view, scoped_or_404
from logistics.services import save_with_log

from . import selectors, services
from .choices import (
    CheckStatus,
    DrillStatus,
    FireCheckResult,
    FirePreventionStatus,
    HazardAction,
    HazardStatus,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    RiskLevel,
)
from .forms import (
    DrillCorrectionForm,
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
    InspectionItemCorrectionForm,
    InspectionStartForm,
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
    SafetySettings,
    Visitor,
)
from .workflows import FIRE_CHECK, HAZARD, hazard_permission

audit_log = logging.getLogger("logistics.audit")

FORM = "generic/form.html"


class SchoolFormView(ActionView):
    """A form page whose form offers the current school's choices only (SchoolScopedForm)."""

    template_name = FORM

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "school": self.request.school}


class SaveView(SchoolFormView):
    """The form page of an ordinary record (not a compliance record): new, or with `pk` to edit; saved
    with its change log."""

    success_message = gettext_lazy("已保存。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, obj, form):
        return save_with_log(form=form, by=self.request.user)


class GuardedAction(ActionView):
    """An action on an object that may be in a state the page cannot act on: the user is told why and
    returns to the object (GET or POST alike), nothing is written."""

    def refusal(self, obj) -> str:
        return ""

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = super().get_object()
        return self._object

    def _refused(self):
        reason = self.refusal(self.get_object())
        if reason:
            messages.error(self.request, reason)
            return redirect(self.get_object().get_absolute_url())
        return None

    def get(self, request, *args, **kwargs):
        return self._refused() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._refused() or super().post(request, *args, **kwargs)


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
        month = month_param(request)
        qs = qs.filter(period_start__gte=month.start, period_start__lte=month.end)
    ctx = page(request, qs.order_by("-period_start", "kind", "-pk"))
    ctx.update(
        title=_("安全检查"),
        kinds=InspectionKind.choices,
        statuses=InspectionStatus.choices,
        today=timezone.localdate(),
    )
    return render(request, "safety/inspection_list.html", ctx)


class InspectionStart(ActionView):
    """The list's buttons: this period's inspection of a kind, started (or opened if it exists)."""

    permission = "safety.inspect"
    form_class = InspectionStartForm

    def perform(self, obj, form):
        kind = form.cleaned_data["kind"]
        inspection, created = services.inspection_create(
            school=self.request.school,
            kind=kind,
            day=timezone.localdate(),
            by=self.request.user,
            assigned_to=self.request.user if kind == InspectionKind.CLOSING else None,
        )
        if not created:
            messages.info(self.request, _("本期检查已存在。"))
        return inspection

    def get_success_url(self, obj):
        return obj.get_absolute_url() if obj is not None else reverse("safety:inspection_list")


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
    """The tablet checklist: each item's result, note and photos are keyed by item (no form class);
    saving and signing are the services' (inspection_save, inspection_complete)."""
    inspection = scoped_or_404(request, Inspection, pk=pk)
    errors = []
    if request.method == "POST":
        require(request, "safety.inspect")
        results, photos = _parse_inspection_post(request, inspection)
        try:
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
            return redirect(inspection.get_absolute_url())
        except ValidationError as exc:
            errors = exc.messages
            inspection.refresh_from_db()
    items = list(inspection.items.all())
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
            "results": [(r.value, r.label, r.color) for r in ItemResult],  # the buttons in their colours
            "done": done,
            "total": len(items),
            "errors": errors,
            "can_inspect": can(request, "safety.inspect") and not inspection.is_locked,
            "can_correct": can(request, "safety.manage") and inspection.is_locked,
            "today": timezone.localdate(),
        },
    )


class InspectionCorrect(ActionView):
    """One item of a signed inspection, corrected with a reason (a row of the inspection's page)."""

    permission = "safety.manage"
    model = InspectionItem
    form_class = InspectionItemCorrectionForm
    success_message = gettext_lazy("已更正，变更记录已保存。")

    def perform(self, obj, form):
        return services.inspection_correct_item(item=obj, by=self.request.user, **form.cleaned_data)

    def get_success_url(self, obj):
        return reverse("safety:inspection_detail", args=[obj.inspection_id])


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


class SettingsEdit(SettingsView):
    settings_model = SafetySettings
    permission = "safety.manage"
    form_class = SettingsForm
    title = gettext_lazy("安全设置")

    def get_success_url(self, obj):
        return reverse("safety:home")


# --- hazards ---------------------------------------------------------------------------------
@school_view("safety.view")
def hazard_list(request):
    month = month_param(request) if request.GET.get("month") else None
    qs = selectors.filter_hazards(Hazard.objects.for_request(request), request.GET, month=month)
    qs = qs.select_related("room", "found_by", "assignee").order_by("-found_on", "-pk")
    ctx = page(request, qs)
    ctx.update(
        title=_("安全隐患台账"),
        statuses=HazardStatus.choices,
        risks=RiskLevel.choices,
        rooms=Room.objects.for_request(request).select_related("campus"),
        today=timezone.localdate(),
        counts=selectors.hazard_counts(Hazard.objects.for_request(request)),
    )
    return render(request, "safety/hazard_list.html", ctx)


class HazardReport(SchoolFormView):
    permission = "hazards.report"
    form_class = HazardReportForm
    title = gettext_lazy("登记安全隐患")
    submit_label = gettext_lazy("登记")
    success_message = gettext_lazy("隐患已登记。")

    def perform(self, obj, form):
        return services.hazard_report(school=self.request.school, by=self.request.user, **form.cleaned_data)


# The workflow steps taken from the hazard page's own forms; 撤销 has its own page (HazardWithdraw) and
# 重新登记 happens only through an inspection correction.
PAGE_ACTIONS = (HazardAction.ASSIGN, HazardAction.RECTIFY, HazardAction.VERIFY, HazardAction.REJECT)


def _hazard_page(request, hazard, *, bound=None, status=200):
    """The hazard's page with the forms of the steps the user may take now; `bound` is {action: form}
    of a step that was refused, shown with its errors on its fields."""
    bound = bound or {}
    actions = HAZARD.allowed(hazard, user=request.user, role=request.role)
    history = readable_history(hazard)
    for e in history:  # the two steps a reader should not take for an ordinary 状态变更
        if e.action == ChangeAction.TRANSITION:
            if (e.after or {}).get("status") == HazardStatus.WITHDRAWN:
                e.label = _("撤销（误报）")
            elif (e.before or {}).get("status") == HazardStatus.WITHDRAWN:
                e.label = _("撤销后重新登记")

    def form(action, make, *also):
        if action not in actions:
            return None
        refused = next((bound[a] for a in (action, *also) if a in bound), None)
        return refused if refused is not None else make()

    return render(
        request,
        "safety/hazard_detail.html",
        {
            "title": hazard.title,
            "hazard": hazard,
            "photos": attachments_for(hazard),
            "actions": actions,
            "assign_form": form(
                HazardAction.ASSIGN, lambda: HazardAssignForm(school=request.school, hazard=hazard)
            ),
            "rectify_form": form(HazardAction.RECTIFY, HazardRectifyForm),
            # 验收 and 退回 share one form (退回 is its second button)
            "verify_form": form(HazardAction.VERIFY, HazardVerifyForm, HazardAction.REJECT),
            "can_withdraw": HazardAction.WITHDRAW in actions,
            "can_correct": can(request, "safety.manage") and bool(services.hazard_correctable_fields(hazard)),
            "history": history,
            "today": timezone.localdate(),
        },
        status=status,
    )


def _hazards_for_page(request):
    """The school's hazards with everything the hazard's page names."""
    return Hazard.objects.select_related(
        "room",
        "found_by",
        "assignee",
        "assigned_by",
        "rectified_by",
        "verified_by",
        "source_item__inspection",
        "source_fire_item__self_check",
        "withdrawn_by",
    ).for_request(request)


@school_view("safety.view")
def hazard_detail(request, pk):
    hazard = get_object_or_404(_hazards_for_page(request), pk=pk)
    return _hazard_page(request, hazard)


class HazardStep(ActionView):
    """A step of the hazard workflow from its page (交办, 整改, 验收, 退回). The permission is the
    transition's own; a refusal shows the page again with the errors on the step's form."""

    http_method_names = ["post"]
    success_message = gettext_lazy("已保存。")

    def get_queryset(self):
        return _hazards_for_page(self.request)  # a refused step shows the page again

    def dispatch(self, request, *args, **kwargs):
        self.action = kwargs["action"]
        self.permission = hazard_permission(self.action) if self.action in PAGE_ACTIONS else "safety.view"
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        if self.action not in PAGE_ACTIONS:
            raise Http404
        return super().get_object()

    def get_form(self):
        post, hazard = self.request.POST, self.object
        if self.action == HazardAction.ASSIGN:
            return HazardAssignForm(post, school=self.request.school, hazard=hazard)
        if self.action == HazardAction.RECTIFY:
            return HazardRectifyForm(post, self.request.FILES)
        return HazardVerifyForm(post)

    def perform(self, obj, form):
        data, by = form.cleaned_data, self.request.user
        if self.action == HazardAction.ASSIGN:
            return services.hazard_assign(obj=obj, by=by, **data)
        if self.action == HazardAction.RECTIFY:
            return services.hazard_rectify(obj=obj, by=by, **data)
        if self.action == HazardAction.VERIFY:
            return services.hazard_verify(obj=obj, by=by, **data)
        return services.hazard_reject(obj=obj, by=by, **data)

    def invalid(self, form):
        hazard = self.object
        if self.action not in HAZARD.allowed(hazard, user=self.request.user, role=self.request.role):
            form_errors_to_messages(self.request, form)  # the step's form is not on the page any more
        return _hazard_page(self.request, hazard, bound={self.action: form}, status=400)


class HazardCorrect(GuardedAction):
    permission = "safety.manage"
    model = Hazard
    form_class = HazardCorrectionForm
    template_name = FORM
    submit_label = gettext_lazy("提交更正")
    success_message = gettext_lazy("已更正，变更记录已保存。")

    def refusal(self, hazard):
        return "" if services.hazard_correctable_fields(hazard) else services.closed_hazard_message(hazard)

    def get_form_kwargs(self):
        hazard = self.object
        return {
            **super().get_form_kwargs(),
            "instance": hazard,
            "school": self.request.school,
            "allowed": services.hazard_correctable_fields(hazard),
        }

    def perform(self, obj, form):
        return services.hazard_correct(
            obj=obj, by=self.request.user, changes=form.changes(), reason=form.cleaned_data["reason"]
        )

    def get_context_data(self, **kwargs):
        hazard = self.object
        intro = ""
        if hazard.source_item_id:
            intro = _(
                "这条隐患来自安全检查的不合格项：隐患内容、说明和发现日期随检查记录，请在检查记录中更正该项。"
            )
        return super().get_context_data(
            title=_("更正隐患记录：%(t)s") % {"t": hazard.title},
            back_url=hazard.get_absolute_url(),
            intro=intro,
            **kwargs,
        )


class HazardWithdraw(GuardedAction):
    """撤销 a hazard raised by mistake: a page of its own, because it needs a reason and ends the hazard."""

    permission = "safety.manage"
    form_class = HazardWithdrawForm
    template_name = FORM
    submit_label = gettext_lazy("确认撤销")
    success_message = gettext_lazy("隐患已撤销，仍保留在台账中。")

    def get_queryset(self):
        return Hazard.objects.for_request(self.request).select_related("assignee")

    def refusal(self, hazard):
        if HAZARD.find(HazardAction.WITHDRAW, hazard.status) is None:
            return _("隐患当前状态为「%(s)s」，不能撤销。") % {"s": hazard.get_status_display()}
        return ""

    def perform(self, obj, form):
        return services.hazard_withdraw(obj=obj, by=self.request.user, reason=form.cleaned_data["reason"])

    def get_context_data(self, **kwargs):
        hazard = self.object
        intro = _("撤销后隐患仍留在台账中，标为已撤销，不再计入未销号隐患。")
        if hazard.assignee_id:
            intro += _("整改责任人%(p)s会收到通知。") % {"p": display_name(hazard.assignee)}
        if hazard.source_item_id or hazard.source_fire_item_id:
            intro += _("如果是检查记录记错了，请在检查记录中更正该项，隐患会随之撤销。")
        return super().get_context_data(
            title=_("撤销隐患（误报）：%(t)s") % {"t": hazard.title},
            back_url=hazard.get_absolute_url(),
            intro=intro,
            **kwargs,
        )


# --- drills ----------------------------------------------------------------------------------
@school_view("safety.view")
def drill_list(request):
    qs = Drill.objects.for_request(request).select_related("recorded_by").order_by("-planned_on", "-pk")
    ctx = page(request, qs)
    ctx.update(title=_("应急疏散演练"), status=selectors.drill_status(request.school))
    return render(request, "safety/drill_list.html", ctx)


class DrillPlan(SchoolFormView):
    permission = "safety.manage"
    form_class = DrillPlanForm
    title = gettext_lazy("新建演练计划")
    success_message = gettext_lazy("演练计划已保存。")

    def perform(self, obj, form):
        return services.drill_plan(school=self.request.school, by=self.request.user, **form.cleaned_data)


@school_view("safety.view")
def drill_detail(request, pk):
    drill = scoped_or_404(request, Drill.objects.select_related("recorded_by", "created_by"), pk=pk)
    return render(
        request,
        "safety/drill_detail.html",
        {"title": drill.title, "drill": drill, "photos": attachments_for(drill)},
    )


class DrillRecord(ActionView):
    """A planned drill's record (the workflow's step), or a recorded drill's correction with a reason."""

    permission = "safety.manage"
    model = Drill
    template_name = FORM
    success_message = gettext_lazy("演练记录已保存。")

    @property
    def correcting(self):
        return self.object.status == DrillStatus.DONE

    def get_form(self):
        form_class = DrillCorrectionForm if self.correcting else DrillRecordForm
        return form_class(**self.get_form_kwargs(), instance=self.object, school=self.request.school)

    def perform(self, obj, form):
        if self.correcting:
            return services.drill_correct(
                obj=obj, by=self.request.user, changes=form.results(), reason=form.cleaned_data["reason"]
            )
        return services.drill_record(
            obj=obj, by=self.request.user, photos=form.cleaned_data.get("photos") or [], **form.results()
        )

    def get_context_data(self, **kwargs):
        title = _("更正演练记录") if self.correcting else _("记录演练实施情况")
        return super().get_context_data(title=title, **kwargs)


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
    ctx = page(request, qs)
    settings = selectors.settings_for_schools([request.school])[request.school.pk]
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


class VisitorNew(SchoolFormView):
    permission = "visitors.record"
    form_class = VisitorForm
    template_name = "safety/visitor_form.html"
    title = gettext_lazy("访客登记")
    submit_label = gettext_lazy("登记进校")

    def perform(self, obj, form):
        return services.visitor_register(form=form, by=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(testid="visitor-form", **kwargs)

    def get_success_message(self, visitor):
        return _("已登记：%(n)s，来访证 %(b)s") % {"n": visitor.name, "b": visitor.badge or "—"}

    def get_success_url(self, visitor):
        return reverse("safety:visitor_list")


class VisitorOut(ActionView):
    permission = "visitors.record"
    model = Visitor

    def perform(self, obj, form):
        return services.visitor_sign_out(obj=obj, by=self.request.user)

    def get_success_message(self, visitor):
        return _("%(n)s 已离校。") % {"n": visitor.name}

    def get_success_url(self, visitor):
        return reverse("safety:visitor_list")


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
    ctx = page(request, qs)
    ctx.update(title=_("接送异常登记"), show_id=can(request, "visitors.view_id"))
    return render(request, "safety/pickup_list.html", ctx)


class PickupNew(SchoolFormView):
    permission = "visitors.record"
    form_class = PickupForm
    title = gettext_lazy("登记接送异常")
    success_message = gettext_lazy("已登记。")

    def perform(self, obj, form):
        return services.pickup_record(form=form, by=self.request.user)

    def get_success_url(self, pickup):
        return reverse("safety:pickup_list")


# --- fire safety -----------------------------------------------------------------------------
@school_view("safety.view")
def equipment_list(request):
    qs = FireEquipment.objects.for_request(request).select_related("room__campus")
    room = request.GET.get("room", "")
    if room.isdigit():
        qs = qs.filter(room_id=int(room))
    ctx = page(request, qs.order_by("room__name", "kind", "code"))
    ctx.update(
        title=_("消防器材台账"),
        rooms=Room.objects.for_request(request).select_related("campus"),
        soon=timezone.localdate() + datetime.timedelta(days=30),
    )
    return render(request, "safety/equipment_list.html", ctx)


class EquipmentEdit(SaveView):
    permission = "safety.inspect"
    model = FireEquipment
    form_class = FireEquipmentForm

    def get_context_data(self, **kwargs):
        title = _("编辑消防器材") if self.object else _("登记消防器材")
        return super().get_context_data(title=title, **kwargs)

    def get_success_url(self, obj):
        return reverse("safety:equipment_list")


@school_view("safety.view")
def selfcheck_list(request):
    qs = FireSelfCheck.objects.for_request(request).select_related("checked_by").order_by("-month")
    ctx = page(request, qs)
    ctx.update(title=_("消防设备月度自检"))
    return render(request, "safety/selfcheck_list.html", ctx)


class SelfCheckStart(ActionView):
    permission = "safety.inspect"

    def perform(self, obj, form):
        check, _created = services.fire_selfcheck_start(
            school=self.request.school, by=self.request.user, month=timezone.localdate()
        )
        return check

    def get_success_url(self, check):
        return check.get_absolute_url() if check is not None else reverse("safety:selfcheck_list")


@school_view("safety.view")
def selfcheck_detail(request, pk):
    """The month's self-check, item by item (keyed by item, no form class): saved or submitted by
    fire_selfcheck_save."""
    check = scoped_or_404(request, FireSelfCheck, pk=pk)
    if request.method == "POST":
        require(request, "safety.inspect")
        results = {}
        for item in check.items.all():
            key = f"result_{item.pk}"
            if key in request.POST:
                results[item.pk] = (request.POST.get(key, ""), request.POST.get(f"note_{item.pk}", ""))
        try:
            hazards = services.fire_selfcheck_save(
                obj=check, by=request.user, results=results, submit=request.POST.get("action") == "submit"
            )
            msg = _("已保存。")
            if hazards:
                msg += _("已生成 %(n)d 条隐患。") % {"n": len(hazards)}
            messages.success(request, msg)
            return redirect(check.get_absolute_url())
        except ValidationError as exc:
            errors_to_messages(request, exc)
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


class SelfCheckCorrect(GuardedAction):
    permission = "safety.manage"
    model = FireSelfCheck
    form_class = FireSelfCheckCorrectionForm
    template_name = "safety/selfcheck_correct.html"

    def refusal(self, check):
        return "" if check.status == CheckStatus.SUBMITTED else _("自检尚未提交，直接修改即可。")

    def get_form_kwargs(self):
        items = self.object.items.select_related("equipment__room")
        return {**super().get_form_kwargs(), "items": items}

    def perform(self, obj, form):
        self.corrected = services.fire_selfcheck_correct(
            obj=obj, by=self.request.user, results=form.results(), reason=form.cleaned_data["reason"]
        )
        return obj

    def get_success_message(self, check):
        return _("已更正 %(n)d 件器材的自检结果，变更记录已保存。") % {"n": len(self.corrected)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("更正%(c)s") % {"c": str(self.object)}, check=self.object, **kwargs
        )


def _with_sign_actions(request, checks):
    """Each check's signature the user may give now (FIRE_CHECK.allowed), for its button."""
    for c in checks:
        c.actions = FIRE_CHECK.allowed(c, user=request.user, role=request.role)
    return checks


@school_view("safety.view")
def fire_check_list(request):
    qs = FirePreventionCheck.objects.for_request(request).select_related("inspector", "principal")
    ctx = page(request, qs.order_by("-checked_on", "-pk"))
    corrected = set(
        ChangeLog.objects.filter(
            content_type=ContentType.objects.get_for_model(FirePreventionCheck),
            object_id__in=[str(c.pk) for c in ctx["object_list"]],
            action=ChangeAction.CORRECT,
        ).values_list("object_id", flat=True)
    )
    for c in _with_sign_actions(request, ctx["object_list"]):
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
    _with_sign_actions(request, [check])
    return render(
        request,
        "safety/fire_check_detail.html",
        {
            "title": _("防火检查记录：%(s)s") % {"s": check},
            "check": check,
            "history": history,
            "corrected_after_signing": signed_after,
            "can_correct": can(request, "safety.inspect")
            and services.may_correct_fire_check(check, request.user, request.role),
        },
    )


class FireCheckCorrect(ActionView):
    """Edit an unsigned check, or correct a signed one with a reason: the inspector named on it or a
    manager (services.may_correct_fire_check)."""

    permission = "safety.inspect"
    model = FirePreventionCheck
    form_class = FireCheckCorrectionForm
    template_name = FORM

    def get_object(self):
        check = super().get_object()
        if not services.may_correct_fire_check(check, self.request.user, self.request.role):
            raise PermissionDenied
        return check

    @property
    def correcting(self):
        return self.object.status != FirePreventionStatus.DRAFT

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": copy.copy(self.object),  # the form writes its values into its instance
            "school": self.request.school,
            "correcting": self.correcting,
        }

    def perform(self, obj, form):
        if self.correcting:
            return services.fire_check_correct(
                obj=obj, by=self.request.user, changes=form.changes(), reason=form.cleaned_data["reason"]
            )
        return services.fire_check_edit(obj=obj, by=self.request.user, changes=form.changes())

    def get_success_message(self, check):
        return _("已更正，变更记录已保存。") if self.correcting else _("已保存。")

    def get_context_data(self, **kwargs):
        check = self.object
        if self.correcting:
            title = _("更正防火检查记录：%(s)s") % {"s": check}
            intro = _(
                "这份记录已有签字。更正后签字保留，记录页会显示签字后的更正内容、原因、更正人和时间，"
                "并通知已签字的人。"
            )
            submit = _("提交更正")
        else:
            title, intro, submit = _("修改防火检查记录：%(s)s") % {"s": check}, "", _("保存")
        return super().get_context_data(
            title=title, intro=intro, submit_label=submit, back_url=check.get_absolute_url(), **kwargs
        )


class FireCheckNew(SaveView):
    permission = "safety.inspect"
    form_class = FirePreventionCheckForm
    title = gettext_lazy("新建防火检查记录")
    success_message = gettext_lazy("已保存，请检查人签字。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initial": {"inspector": self.request.user}}

    def get_success_url(self, check):
        return reverse("safety:fire_check_list")


class FireCheckSign(ActionView):
    """The signature the check waits for (the inspector's, then the principal's); back to the list,
    or to the page in `next`."""

    permission = "safety.inspect"
    model = FirePreventionCheck
    success_message = gettext_lazy("已签字。")

    def perform(self, obj, form):
        return services.fire_check_sign(obj=obj, by=self.request.user)

    def get_success_url(self, check):
        return reverse("safety:fire_check_list")


# --- hazardous materials ---------------------------------------------------------------------
@school_view("safety.view")
def hazmat_list(request):
    qs = HazardousMaterial.objects.for_request(request).select_related("keeper", "room")
    ctx = page(request, qs.order_by("kind", "name"))
    ctx.update(title=_("危险品及消毒用品"))
    return render(request, "safety/hazmat_list.html", ctx)


class HazmatNew(SaveView):
    permission = "safety.manage"
    form_class = HazmatForm
    title = gettext_lazy("登记危险品")
    success_message = ""


class HazmatDetail(ActionView):
    """A material's movements, and the form that receives or issues it (the keeper or a manager)."""

    permission = "safety.view"
    post_permission = "safety.inspect"
    form_class = HazmatMoveForm
    template_name = "safety/hazmat_detail.html"
    success_message = gettext_lazy("已记录。")

    def get_queryset(self):
        return HazardousMaterial.objects.for_request(self.request).select_related("keeper", "room")

    def perform(self, material, form):
        data, by = form.cleaned_data, self.request.user
        if self.request.POST.get("kind") == "receive":
            return services.hazmat_receive(
                material=material, by=by, quantity=data["quantity"], purpose=data["purpose"]
            )
        return services.hazmat_issue(
            material=material,
            by=by,
            quantity=data["quantity"],
            purpose=data["purpose"],
            receiver=data["receiver"],
        )

    def get_success_url(self, movement):
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        material = self.object
        ctx = page(self.request, material.movements.select_related("by").order_by("-at", "-pk"))
        return super().get_context_data(title=material.name, material=material, **ctx, **kwargs)


# --- duty roster and education calendar ------------------------------------------------------
@school_view("safety.view")
def duty_list(request):
    month = month_param(request)
    qs = (
        DutyShift.objects.for_request(request)
        .filter(date__gte=month.start, date__lte=month.end)
        .select_related("person")
        .order_by("date", "kind")
    )
    return render(
        request,
        "safety/duty_list.html",
        {
            "title": _("值班安排"),
            "object_list": qs,
            "month": month.start,
            "prev": (month.start - datetime.timedelta(days=1)).replace(day=1),
            "next": month.end + datetime.timedelta(days=1),
            "today": timezone.localdate(),
        },
    )


class DutyEdit(SaveView):
    permission = "safety.manage"
    model = DutyShift
    form_class = DutyShiftForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.GET.get("date"):
            kwargs["initial"] = {"date": self.request.GET["date"]}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("调整值班") if self.object else _("新增值班"), **kwargs)

    def get_success_url(self, shift):
        return reverse("safety:duty_list") + f"?month={shift.date:%Y-%m}"


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


class EducationEdit(SaveView):
    permission = "safety.manage"
    model = EducationEvent
    form_class = EducationEventForm
    title = gettext_lazy("安全教育安排")
    success_message = ""

    def get_success_url(self, event):
        return reverse("safety:education_list") + f"?year={event.month.year}"


# the URLs' names for the action views
inspection_start = InspectionStart.as_view()
inspection_correct = InspectionCorrect.as_view()
settings_edit = SettingsEdit.as_view()
hazard_report = HazardReport.as_view()
hazard_action = HazardStep.as_view()
hazard_correct = HazardCorrect.as_view()
hazard_withdraw = HazardWithdraw.as_view()
drill_plan = DrillPlan.as_view()
drill_record = DrillRecord.as_view()
visitor_new = VisitorNew.as_view()
visitor_out = VisitorOut.as_view()
pickup_new = PickupNew.as_view()
equipment_edit = EquipmentEdit.as_view()
selfcheck_start = SelfCheckStart.as_view()
selfcheck_correct = SelfCheckCorrect.as_view()
fire_check_correct = FireCheckCorrect.as_view()
fire_check_new = FireCheckNew.as_view()
fire_check_sign = FireCheckSign.as_view()
hazmat_new = HazmatNew.as_view()
hazmat_detail = HazmatDetail.as_view()
duty_edit = DutyEdit.as_view()
education_edit = EducationEdit.as_view()
