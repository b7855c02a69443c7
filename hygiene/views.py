"""Thin views: parse, call a service, redirect. Reads go through `for_request` / `scoped_or_404`."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from logistics.actions import (
    ActionView,
    SettingsView,
    errors_to_form,
    errors_to_messages,
    form_page,
    month_param,
    page,
)
from logistics.attachments import attachments_for
from logistics.generic import ScopedCreateView, ScopedListView, ScopedUpdateView
from logistics.models import Room
from logistics.org_views import report_response
from logistics.permissions import can, school_view, scoped_or_404

from . import selectors, services, workflows
from .charts import bar_chart
from .choices import (
    METER_UNITS,
    AbsenceStatus,
    CaseStatus,
    CheckSession,
    Disease,
    DisinfectionObject,
    MeterKind,
    ProblemStatus,
    TaskStatus,
)
from .forms import (
    AreaForm,
    CaseReturnForm,
    ChildForm,
    CommentForm,
    CorrectCheckForm,
    CorrectDisinfectionForm,
    CorrectReadingForm,
    CriterionForm,
    DisinfectantForm,
    DisinfectionForm,
    FindingFormSet,
    FollowUpForm,
    GreeningDoneForm,
    GreeningPlanForm,
    HygieneSettingsForm,
    InfectiousCaseForm,
    InspectionForm,
    MeterForm,
    MeterReadingForm,
    MorningCheckForm,
    ReturnForm,
    SickAbsenceForm,
)
from .models import (
    CheckFinding,
    Child,
    Disinfectant,
    DisinfectionRecord,
    GreeningPlan,
    GreeningTask,
    HealthCheck,
    HygieneCriterion,
    HygieneInspection,
    HygieneProblem,
    HygieneScore,
    HygieneSettings,
    InfectiousCase,
    Meter,
    MeterReading,
    ResponsibilityArea,
    SickAbsence,
    week_start,
)


def _parse_date(text, default):
    try:
        return datetime.date.fromisoformat(text) if text else default
    except ValueError:
        return default


def _form_status(*forms):
    """400 when a posted form came back with errors (nothing was written), as logistics.actions."""
    return 400 if any(f is not None and f.is_bound and not f.is_valid() for f in forms) else 200


def _int_or_none(text):
    return int(text) if text and text.isdigit() else None


def _require_room_permission(request, room):
    if not services.may_record_for_room(user=request.user, role=request.role, room=room):
        raise PermissionDenied


def _children_for(request):
    return (
        Child.objects.for_request(request)
        .filter(is_active=True, room__in=selectors.recordable_rooms(request))
        .select_related("room")
        .order_by("room__name", "name")
    )


# --- health ------------------------------------------------------------------------------------------


@school_view("hygiene.view")
def health_today(request):
    today = timezone.localdate()
    rooms = list(
        selectors.class_rooms(request.school).annotate(
            n=Count("children", filter=Q(children__is_active=True))
        )
    )
    done = {
        (c["room_id"], c["session"]): c
        for c in HealthCheck.objects.for_request(request)
        .filter(date=today)
        .values("room_id", "session", "present", "enrolled", "pk")
    }
    mine = {r.pk for r in selectors.recordable_rooms(request)} if can(request, "health.record") else set()
    rows = [
        {
            "room": r,
            "children": r.n,
            "morning": done.get((r.pk, CheckSession.MORNING)),
            "noon": done.get((r.pk, CheckSession.NOON)),
            "mine": r.pk in mine,
        }
        for r in rooms
    ]
    absences = (
        SickAbsence.objects.for_request(request)
        .filter(status=AbsenceStatus.ABSENT)
        .select_related("child", "room")
        .annotate(n_calls=Count("calls"))[:50]
    )
    cases = (
        InfectiousCase.objects.for_request(request)
        .filter(status=CaseStatus.ISOLATING)
        .select_related("child", "room")[:50]
    )
    return render(
        request,
        "hygiene/health_today.html",
        {"rows": rows, "today": today, "absences": absences, "cases": cases, "title": _("今日晨午检")},
    )


@school_view("hygiene.view")
def check_list(request):
    qs = (
        HealthCheck.objects.for_request(request)
        .select_related("room", "checked_by")
        .annotate(n_findings=Count("findings"))
    )
    day = _parse_date(request.GET.get("date"), None)
    if day:
        qs = qs.filter(date=day)
    room = _int_or_none(request.GET.get("room"))
    if room:
        qs = qs.filter(room_id=room)
    if request.GET.get("session") in CheckSession.values:
        qs = qs.filter(session=request.GET["session"])
    listed = page(request, qs.order_by("-date", "room__name", "session"))
    return render(
        request,
        "hygiene/check_list.html",
        {
            **listed,
            "rooms": selectors.class_rooms(request.school),
            "sessions": CheckSession.choices,
            "title": _("晨午检记录"),
        },
    )


@school_view("health.record")
def check_create(request):
    room_id = _int_or_none(request.GET.get("room") or request.POST.get("room"))
    if room_id is None:
        rooms = selectors.recordable_rooms(request)
        return render(request, "hygiene/check_pick_room.html", {"rooms": rooms, "title": _("登记晨午检")})
    room = scoped_or_404(request, Room, pk=room_id)
    _require_room_permission(request, room)
    children = Child.objects.for_request(request).filter(room=room, is_active=True).order_by("name")
    session = (
        request.GET.get("session")
        if request.GET.get("session") in CheckSession.values
        else CheckSession.MORNING
    )
    initial_session = session if request.method == "GET" else None
    form = MorningCheckForm(
        request.POST or None, initial={"session": initial_session, "present": children.count()}
    )
    formset = FindingFormSet(request.POST or None, prefix="f", form_kwargs={"children": children})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        findings = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("child")]
        try:
            check = services.morning_check_record(
                school=request.school,
                by=request.user,
                room=room,
                date=form.cleaned_data["date"],
                session=form.cleaned_data["session"],
                present=form.cleaned_data["present"],
                note=form.cleaned_data["note"],
                findings=findings,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("已登记 %(room)s 的%(s)s。") % {"room": room.name, "s": check.get_session_display()},
            )
            return redirect("hygiene:health_today")
    return render(
        request,
        "hygiene/check_form.html",
        {
            "form": form,
            "formset": formset,
            "room": room,
            "enrolled": children.count(),
            "title": _("登记晨午检"),
        },
        status=_form_status(form, formset),
    )


@school_view("hygiene.view")
def check_detail(request, pk):
    check = scoped_or_404(request, HealthCheck.objects.select_related("room", "checked_by"), pk=pk)
    findings = CheckFinding.objects.filter(check_record=check).select_related("child")
    form = None
    if can(request, "health.manage"):
        form = CorrectCheckForm(request.POST or None, initial={"present": check.present, "note": check.note})
        if request.method == "POST" and form.is_valid():
            try:
                services.morning_check_correct(
                    obj=check,
                    by=request.user,
                    present=form.cleaned_data["present"],
                    note=form.cleaned_data["note"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("已更正。"))
                return redirect("hygiene:check_detail", pk=check.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "hygiene/check_detail.html",
        {"check": check, "findings": findings, "form": form, "title": str(check)},
        status=_form_status(form),
    )


@school_view("hygiene.view")
def absence_list(request):
    qs = (
        SickAbsence.objects.for_request(request)
        .select_related("child", "room", "reported_by")
        .annotate(n_calls=Count("calls"))
    )
    status = request.GET.get("status")
    if status in AbsenceStatus.values:
        qs = qs.filter(status=status)
    room = _int_or_none(request.GET.get("room"))
    if room:
        qs = qs.filter(room_id=room)
    listed = page(request, qs.order_by("-start_date", "-id"))
    return render(
        request,
        "hygiene/absence_list.html",
        {
            **listed,
            "rooms": selectors.class_rooms(request.school),
            "statuses": AbsenceStatus.choices,
            "title": _("因病缺勤登记"),
        },
    )


class AbsenceCreate(ActionView):
    permission = "health.record"
    form_class = SickAbsenceForm
    template_name = "generic/form.html"
    title = gettext_lazy("登记因病缺勤")
    success_message = gettext_lazy("已登记因病缺勤，请按时电话随访。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "children": _children_for(self.request)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(testid="absence-form", **kwargs)

    def get_success_url(self, absence):
        return reverse("hygiene:absence_detail", args=[absence.pk])

    def perform(self, obj, form):
        return services.absence_record(school=self.request.school, by=self.request.user, **form.cleaned_data)


@school_view("hygiene.view")
def absence_detail(request, pk):
    absence = scoped_or_404(
        request, SickAbsence.objects.select_related("child", "room", "reported_by"), pk=pk
    )
    calls = absence.calls.select_related("called_by")
    may = can(request, "health.record") and services.may_record_for_room(
        user=request.user, role=request.role, room=absence.room
    )
    return render(
        request,
        "hygiene/absence_detail.html",
        {
            "absence": absence,
            "calls": calls,
            "may_record": may and absence.status == AbsenceStatus.ABSENT,
            "call_form": FollowUpForm(),
            "return_form": ReturnForm(),
            "title": _("因病缺勤：%(c)s") % {"c": absence.child.name},
        },
    )


class _AbsenceAction(ActionView):
    """A form on the absence's page (a follow-up call, the return): only for a class the person
    records for; errors as messages, back to the page."""

    permission = "health.record"
    success_message = gettext_lazy("已保存。")

    def get_queryset(self):
        return SickAbsence.objects.for_request(self.request).select_related("room")

    def get_object(self):
        absence = super().get_object()
        _require_room_permission(self.request, absence.room)
        return absence

    def get_success_url(self, obj):
        return reverse("hygiene:absence_detail", args=[self.object.pk])


class AbsenceFollowUp(_AbsenceAction):
    form_class = FollowUpForm

    def perform(self, obj, form):
        services.absence_follow_up(obj=obj, by=self.request.user, condition=form.cleaned_data["condition"])
        return obj


class AbsenceReturn(_AbsenceAction):
    form_class = ReturnForm

    def perform(self, obj, form):
        d = form.cleaned_data
        return services.absence_return(
            obj=obj, by=self.request.user, end_date=d["end_date"], comment=d["comment"]
        )


@school_view("hygiene.view")
def attendance(request):
    period = month_param(request)
    rows, sums = selectors.attendance(request.school, period.start, period.end, today=timezone.localdate())
    week = week_start(_parse_date(request.GET.get("week"), timezone.localdate()))
    summary = selectors.weekly_summary(request.school, week)
    symptom_labels = dict(CheckFinding._meta.get_field("symptom").choices)
    findings = [(symptom_labels.get(k, k), v) for k, v in summary["findings"].most_common()]
    return render(
        request,
        "hygiene/attendance.html",
        {
            "period": period,
            "rows": rows,
            "sums": sums,
            "summary": summary,
            "findings": findings,
            "prev_week": week - datetime.timedelta(days=7),
            "next_week": week + datetime.timedelta(days=7),
            "title": _("出勤统计"),
        },
    )


class ChildList(ScopedListView):
    model = Child
    permission = "hygiene.view"
    template_name = "hygiene/child_list.html"
    title = gettext_lazy("幼儿名单")
    create_url = reverse_lazy("hygiene:child_create")
    create_permission = "health.manage"

    def get_queryset(self):
        qs = super().get_queryset().select_related("room", "room__campus")
        room = _int_or_none(self.request.GET.get("room"))
        if room:
            qs = qs.filter(room_id=room)
        return qs.order_by("room__name", "name")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "rooms": selectors.class_rooms(self.request.school)}


class ChildCreate(ScopedCreateView):
    model = Child
    form_class = ChildForm
    permission = "health.manage"
    title = gettext_lazy("登记幼儿")
    success_url = reverse_lazy("hygiene:child_list")


class ChildUpdate(ScopedUpdateView):
    model = Child
    form_class = ChildForm
    permission = "health.manage"
    title = gettext_lazy("修改幼儿信息")
    success_url = reverse_lazy("hygiene:child_list")


@school_view("hygiene.view")
def case_list(request):
    qs = InfectiousCase.objects.for_request(request).select_related("child", "room")
    if request.GET.get("status") in CaseStatus.values:
        qs = qs.filter(status=request.GET["status"])
    if request.GET.get("disease") in Disease.values:
        qs = qs.filter(disease=request.GET["disease"])
    room = _int_or_none(request.GET.get("room"))
    if room:
        qs = qs.filter(room_id=room)
    listed = page(request, qs)
    return render(
        request,
        "hygiene/case_list.html",
        {
            **listed,
            "statuses": CaseStatus.choices,
            "diseases": Disease.choices,
            "rooms": selectors.class_rooms(request.school),
            "title": _("传染病追踪"),
        },
    )


class CaseCreate(ActionView):
    permission = "health.manage"
    form_class = InfectiousCaseForm
    template_name = "generic/form.html"
    title = gettext_lazy("登记传染病例")
    success_message = gettext_lazy("已登记传染病例。")

    def get_form_kwargs(self):
        children = (
            Child.objects.for_request(self.request)
            .filter(is_active=True)
            .select_related("room")
            .order_by("room__name", "name")
        )
        return {**super().get_form_kwargs(), "children": children}

    def get_success_url(self, case):
        return reverse("hygiene:case_detail", args=[case.pk])

    def perform(self, obj, form):
        return services.case_record(school=self.request.school, by=self.request.user, **form.cleaned_data)


@school_view("hygiene.view")
def case_detail(request, pk):
    case = scoped_or_404(
        request, InfectiousCase.objects.select_related("child", "room", "reported_by"), pk=pk
    )
    form = None
    if "return" in workflows.CASE.allowed(case, user=request.user, role=request.role):
        form = CaseReturnForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.case_return(
                    obj=case,
                    by=request.user,
                    returned_on=form.cleaned_data["returned_on"],
                    certificate=form.cleaned_data["certificate"],
                    comment=form.cleaned_data["comment"],
                    photo=form.cleaned_data.get("photo"),
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("已登记复课。"))
                return redirect("hygiene:case_detail", pk=case.pk)
    elif request.method == "POST":
        raise PermissionDenied
    cluster = selectors.case_cluster(case).select_related("child")
    return render(
        request,
        "hygiene/case_detail.html",
        {
            "case": case,
            "form": form,
            "cluster": cluster,
            "disinfections": case.disinfections.select_related("done_by"),
            "attachments": attachments_for(case),
            "title": str(case),
        },
        status=_form_status(form),
    )


# --- hygiene -----------------------------------------------------------------------------------------


class AreaList(ScopedListView):
    model = ResponsibilityArea
    permission = "hygiene.view"
    template_name = "hygiene/area_list.html"
    title = gettext_lazy("卫生责任区（包干区）")
    create_url = reverse_lazy("hygiene:area_create")
    create_permission = "hygiene.manage"

    def get_queryset(self):
        return super().get_queryset().select_related("campus", "room", "person")


class AreaCreate(ScopedCreateView):
    model = ResponsibilityArea
    form_class = AreaForm
    permission = "hygiene.manage"
    title = gettext_lazy("新增包干区")
    success_url = reverse_lazy("hygiene:area_list")


class AreaUpdate(ScopedUpdateView):
    model = ResponsibilityArea
    form_class = AreaForm
    permission = "hygiene.manage"
    title = gettext_lazy("修改包干区")
    success_url = reverse_lazy("hygiene:area_list")


class CriterionList(ScopedListView):
    model = HygieneCriterion
    permission = "hygiene.view"
    template_name = "hygiene/criterion_list.html"
    title = gettext_lazy("卫生评分标准")
    create_url = reverse_lazy("hygiene:criterion_create")
    create_permission = "hygiene.manage"


class CriterionCreate(ScopedCreateView):
    model = HygieneCriterion
    form_class = CriterionForm
    permission = "hygiene.manage"
    title = gettext_lazy("新增评分项目")
    success_url = reverse_lazy("hygiene:criterion_list")


class CriterionUpdate(ScopedUpdateView):
    model = HygieneCriterion
    form_class = CriterionForm
    permission = "hygiene.manage"
    title = gettext_lazy("修改评分项目")
    success_url = reverse_lazy("hygiene:criterion_list")


@school_view("hygiene.view")
def inspection_list(request):
    qs = (
        HygieneInspection.objects.for_request(request)
        .select_related("room", "area", "inspected_by")
        .annotate(n_problems=Count("problems"))
    )
    week = _parse_date(request.GET.get("week"), None)
    if week:
        qs = qs.filter(week=week_start(week))
    listed = page(request, qs.order_by("-week", "-id"))
    return render(request, "hygiene/inspection_list.html", {**listed, "title": _("卫生检查")})


@school_view("hygiene.manage")
def inspection_create(request):
    rooms = selectors.class_rooms(request.school)
    areas = ResponsibilityArea.objects.for_request(request).filter(is_active=True).select_related("campus")
    initial = {"target": request.GET.get("target", "")}
    form = InspectionForm(
        request.POST or None, school=request.school, rooms=rooms, areas=areas, initial=initial
    )
    if not form.criteria:
        messages.warning(request, _("请先设置卫生评分标准。"))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            inspection = services.inspection_record(
                school=request.school,
                by=request.user,
                week=d["week"],
                room=d["room"],
                area=d["area"],
                scores=d["scores"],
                problems=d["problems"],
                note=d["note"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("已保存检查结果：%(s)s 分。") % {"s": f"{inspection.score:g}"})
            return redirect(reverse("hygiene:inspection_create") + f"?week={inspection.week:%Y-%m-%d}")
    return form_page(request, form, _("卫生检查评分"), template="hygiene/inspection_form.html")


@school_view("hygiene.view")
def inspection_detail(request, pk):
    inspection = scoped_or_404(
        request, HygieneInspection.objects.select_related("room", "area", "inspected_by"), pk=pk
    )
    scores = HygieneScore.objects.filter(inspection=inspection).select_related("criterion")
    return render(
        request,
        "hygiene/inspection_detail.html",
        {
            "inspection": inspection,
            "scores": scores,
            "problems": inspection.problems.all(),
            "comment_form": CommentForm(),
            "title": str(inspection),
        },
    )


@school_view("hygiene.manage")
@require_POST
def inspection_correct(request, pk):
    inspection = scoped_or_404(request, HygieneInspection, pk=pk)
    criterion = scoped_or_404(request, HygieneCriterion, pk=_int_or_none(request.POST.get("criterion")) or 0)
    try:
        score = Decimal(request.POST.get("score", ""))
        services.inspection_correct(
            obj=inspection,
            by=request.user,
            criterion=criterion,
            score=score,
            reason=request.POST.get("reason", ""),
        )
    except (InvalidOperation, HygieneScore.DoesNotExist):
        messages.error(request, _("请填写正确的分数。"))
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(request, _("已更正。"))
    return redirect("hygiene:inspection_detail", pk=inspection.pk)


@school_view("hygiene.view")
def problem_list(request):
    qs = HygieneProblem.objects.for_request(request).select_related(
        "inspection", "inspection__room", "inspection__area"
    )
    status = request.GET.get("status", ProblemStatus.OPEN)
    if status in ProblemStatus.values:
        qs = qs.filter(status=status)
    listed = page(request, qs)
    for problem in listed["object_list"]:  # the buttons each row shows
        problem.actions = workflows.PROBLEM.allowed(problem, user=request.user, role=request.role)
    return render(
        request,
        "hygiene/problem_list.html",
        {
            **listed,
            "statuses": ProblemStatus.choices,
            "status": status,
            "today": timezone.localdate(),
            "title": _("卫生问题整改"),
        },
    )


class ProblemCorrect(ActionView):
    """整改: a button on the problem list (or any page of the site that sends `next`)."""

    permission = "hygiene.record"
    form_class = CommentForm
    success_message = gettext_lazy("已登记整改，等待复查。")
    success_url = reverse_lazy("hygiene:problem_list")

    def get_queryset(self):
        return HygieneProblem.objects.for_request(self.request).select_related(
            "inspection__room", "inspection__area__room"
        )

    def get_object(self):
        problem = super().get_object()
        if not services.may_correct_problem(user=self.request.user, role=self.request.role, problem=problem):
            raise PermissionDenied
        return problem

    def perform(self, obj, form):
        return services.problem_correct(obj=obj, by=self.request.user, comment=form.cleaned_data["comment"])


class ProblemRecheck(ActionView):
    model = HygieneProblem
    permission = "hygiene.manage"
    form_class = CommentForm
    success_message = gettext_lazy("已登记复查结果。")
    success_url = reverse_lazy("hygiene:problem_list")

    def get_success_url(self, obj):
        return f"{self.success_url}?status=corrected"

    def perform(self, obj, form):
        return services.problem_recheck(
            obj=obj,
            by=self.request.user,
            passed=self.request.POST.get("passed") == "1",
            comment=form.cleaned_data["comment"],
        )


def _week_from(request):
    return week_start(_parse_date(request.GET.get("week"), timezone.localdate()))


@school_view("hygiene.view")
def ranking(request):
    week = _week_from(request)
    if not request.GET.get("week"):  # the notice board shows the latest published week
        latest = (
            HygieneInspection.objects.for_request(request)
            .filter(week__lte=week)
            .order_by("-week")
            .values_list("week", flat=True)
            .first()
        )
        week = latest or week
    rows, personal = selectors.ranking(request.school, week)
    return render(
        request,
        "hygiene/ranking.html",
        {
            "week": week,
            "week_end": week + datetime.timedelta(days=6),
            "week_no": week.isocalendar()[1],
            "rows": rows,
            "personal": personal,
            "prev_week": week - datetime.timedelta(days=7),
            "next_week": week + datetime.timedelta(days=7),
            "title": _("卫生评比公布"),
        },
    )


@school_view("hygiene.view")
def ranking_pdf(request):
    from .reports import ranking_report

    week = _week_from(request)
    report = ranking_report(request.school, week)
    return report_response(report, "pdf", f"hygiene-ranking-{week:%Y-%m-%d}")


class DisinfectantList(ScopedListView):
    model = Disinfectant
    permission = "hygiene.view"
    template_name = "hygiene/disinfectant_list.html"
    title = gettext_lazy("消毒剂与浓度范围")
    create_url = reverse_lazy("hygiene:disinfectant_create")
    create_permission = "hygiene.manage"


class DisinfectantCreate(ScopedCreateView):
    model = Disinfectant
    form_class = DisinfectantForm
    permission = "hygiene.manage"
    title = gettext_lazy("新增消毒剂")
    success_url = reverse_lazy("hygiene:disinfectant_list")


class DisinfectantUpdate(ScopedUpdateView):
    model = Disinfectant
    form_class = DisinfectantForm
    permission = "hygiene.manage"
    title = gettext_lazy("修改消毒剂")
    success_url = reverse_lazy("hygiene:disinfectant_list")


@school_view("hygiene.view")
def disinfection_list(request):
    qs = DisinfectionRecord.objects.for_request(request).select_related(
        "room", "disinfectant", "done_by", "case", "case__child"
    )
    if request.GET.get("target") in DisinfectionObject.values:
        qs = qs.filter(target=request.GET["target"])
    if request.GET.get("flagged") == "1":
        qs = qs.filter(concentration_ok=False)
    if request.GET.get("terminal") == "1":
        qs = qs.filter(case__isnull=False)
    listed = page(request, qs)
    return render(
        request,
        "hygiene/disinfection_list.html",
        {**listed, "targets": DisinfectionObject.choices, "title": _("消毒记录")},
    )


class DisinfectionCreate(ActionView):
    permission = "hygiene.record"
    form_class = DisinfectionForm
    template_name = "generic/form.html"
    title = gettext_lazy("登记消毒")
    success_url = reverse_lazy("hygiene:disinfection_list")

    def get_form_kwargs(self):
        initial = {"done_by": self.request.user.pk}
        case_id = _int_or_none(self.request.GET.get("case"))
        if case_id:  # 终末消毒 of an infectious case's class
            case = scoped_or_404(self.request, InfectiousCase, pk=case_id)
            initial.update({"case": case.pk, "room": case.room_id, "target": DisinfectionObject.ROOM})
        return {**super().get_form_kwargs(), "school": self.request.school, "initial": initial}

    def perform(self, obj, form):
        return services.disinfection_record(
            school=self.request.school, by=self.request.user, **form.cleaned_data
        )

    def get_success_message(self, record):
        if record.concentration_ok is False:  # saved, but the solution must be made again
            messages.warning(self.request, _("已保存，但测试浓度不在本校规定范围内，请重新配制。"))
            return ""
        return _("已保存消毒记录。")


@school_view("hygiene.view")
def disinfection_detail(request, pk):
    record = scoped_or_404(
        request,
        DisinfectionRecord.objects.select_related(
            "room", "disinfectant", "done_by", "recorded_by", "case__child"
        ),
        pk=pk,
    )
    form = None
    if can(request, "hygiene.manage"):
        form = CorrectDisinfectionForm(
            request.POST or None, initial={"concentration": record.concentration, "note": record.note}
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.disinfection_correct(obj=record, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("已更正。"))
                return redirect("hygiene:disinfection_detail", pk=record.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "hygiene/disinfection_detail.html",
        {"record": record, "form": form, "title": _("消毒记录")},
        status=_form_status(form),
    )


# --- utilities ---------------------------------------------------------------------------------------


@school_view("utilities.view")
def meter_list(request):
    month = timezone.localdate().replace(day=1)
    meters = list(
        Meter.objects.for_request(request).select_related("campus").order_by("campus__name", "kind", "name")
    )
    this_month = {r.meter_id: r for r in MeterReading.objects.for_request(request).filter(month=month)}
    for m in meters:
        m.current = this_month.get(m.pk)
    costs = selectors.school_monthly_costs(request.school, months=12)
    labels = [f"{m.month}月" for m, _d in costs]
    series = [
        (str(label), [d.get(kind, (None, None))[1] for _m, d in costs], None)
        for kind, label in [
            (MeterKind.WATER, "水费"),
            (MeterKind.ELECTRICITY, "电费"),
            (MeterKind.GAS, "燃气费"),
        ]
        if any(kind in d for _m, d in costs)
    ]
    chart = bar_chart(labels, series, title=_("近12个月水电气费用"), unit="元") if costs else ""
    return render(
        request,
        "hygiene/meter_list.html",
        {"meters": meters, "month": month, "chart": chart, "title": _("水电气计量")},
    )


class MeterCreate(ScopedCreateView):
    model = Meter
    form_class = MeterForm
    permission = "utilities.record"
    title = gettext_lazy("新增计量表")
    success_url = reverse_lazy("hygiene:meter_list")


class MeterUpdate(ScopedUpdateView):
    model = Meter
    form_class = MeterForm
    permission = "utilities.record"
    title = gettext_lazy("修改计量表（单价）")
    success_url = reverse_lazy("hygiene:meter_list")


@school_view("utilities.view")
def meter_detail(request, pk):
    meter = scoped_or_404(request, Meter.objects.select_related("campus"), pk=pk)
    series = selectors.meter_series(meter, 12)
    latest = series[-1] if series else None
    chart = (
        bar_chart(
            [f"{r.month.year % 100}年{r.month.month}月" for r in series],
            [(_("用量"), [r.consumption for r in series], [r.flagged for r in series])],
            title=_("%(m)s 近12个月用量") % {"m": meter.name},
            unit=meter.unit,
            reference=latest.baseline if latest else None,
            reference_label=_("前三月平均"),
        )
        if series
        else ""
    )
    readings = page(request, meter.readings.select_related("read_by").order_by("-month"))
    latest_reading = meter.readings.order_by("-month").first()
    return render(
        request,
        "hygiene/meter_detail.html",
        {
            "meter": meter,
            "chart": chart,
            **readings,
            "latest": latest_reading,
            "correct_form": CorrectReadingForm(initial={"value": latest_reading.value})
            if latest_reading
            else None,
            "title": meter.name,
        },
    )


class ReadingCorrect(ActionView):
    """The correction form on the meter's page (its latest reading); back to that page."""

    model = MeterReading
    permission = "utilities.record"
    form_class = CorrectReadingForm
    success_message = gettext_lazy("已更正读数。")

    def get_success_url(self, obj):
        return reverse("hygiene:meter_detail", args=[self.object.meter_id])

    def perform(self, obj, form):
        return services.meter_reading_correct(obj=obj, by=self.request.user, **form.cleaned_data)


@school_view("utilities.record")
def reading_create(request, pk):
    meter = scoped_or_404(request, Meter, pk=pk)
    previous = meter.readings.order_by("-month").first()
    today = timezone.localdate()
    form = MeterReadingForm(request.POST or None, initial={"month": today.replace(day=1)})
    if request.method == "POST" and form.is_valid():
        try:
            reading = services.meter_reading_record(meter=meter, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if reading.flagged:
                messages.warning(request, _("已保存。本月用量明显超过前三个月平均值，请排查跑冒滴漏。"))
            else:
                messages.success(request, _("已保存读数。"))
            return redirect("hygiene:meter_detail", pk=meter.pk)
    return render(
        request,
        "hygiene/reading_form.html",
        {
            "form": form,
            "meter": meter,
            "previous": previous,
            "unit": METER_UNITS.get(meter.kind, ""),
            "title": _("抄表"),
        },
        status=_form_status(form),
    )


class SettingsEdit(SettingsView):
    settings_model = HygieneSettings
    permission = "hygiene.manage"
    form_class = HygieneSettingsForm
    title = gettext_lazy("卫生保健设置")
    success_url = reverse_lazy("hygiene:settings")


# --- greening ----------------------------------------------------------------------------------------


class PlanList(ScopedListView):
    model = GreeningPlan
    permission = "hygiene.view"
    template_name = "hygiene/plan_list.html"
    title = gettext_lazy("绿化养护计划")
    create_url = reverse_lazy("hygiene:plan_create")
    create_permission = "greening.manage"

    def get_queryset(self):
        return super().get_queryset().select_related("campus", "responsible")


class PlanCreate(ScopedCreateView):
    model = GreeningPlan
    form_class = GreeningPlanForm
    permission = "greening.manage"
    title = gettext_lazy("新增养护计划")
    success_url = reverse_lazy("hygiene:plan_list")


class PlanUpdate(ScopedUpdateView):
    model = GreeningPlan
    form_class = GreeningPlanForm
    permission = "greening.manage"
    title = gettext_lazy("修改养护计划")
    success_url = reverse_lazy("hygiene:plan_list")


@school_view("hygiene.view")
def task_list(request):
    qs = GreeningTask.objects.for_request(request).select_related("plan", "plan__campus", "done_by")
    status = request.GET.get("status", TaskStatus.OPEN)
    if status in TaskStatus.values:
        qs = qs.filter(status=status)
    listed = page(
        request, qs.order_by("due_date", "id") if status == TaskStatus.OPEN else qs.order_by("-done_at")
    )
    return render(
        request,
        "hygiene/task_list.html",
        {
            **listed,
            "statuses": TaskStatus.choices,
            "status": status,
            "today": timezone.localdate(),
            "title": _("绿化养护任务"),
        },
    )


class TaskDone(ActionView):
    permission = "greening.manage"
    form_class = GreeningDoneForm
    template_name = "generic/form.html"
    success_message = gettext_lazy("已完成。")
    success_url = reverse_lazy("hygiene:task_list")

    def get_queryset(self):  # a task already done is not offered again (404)
        return (
            GreeningTask.objects.for_request(self.request)
            .filter(status=TaskStatus.OPEN)
            .select_related("plan")
        )

    def get_form_kwargs(self):
        initial = {"done_by": self.request.user.pk}
        return {**super().get_form_kwargs(), "school": self.request.school, "initial": initial}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("完成养护任务：%(t)s") % {"t": self.object}, **kwargs)

    def perform(self, obj, form):
        return services.greening_task_complete(obj=obj, by=self.request.user, **form.cleaned_data)
