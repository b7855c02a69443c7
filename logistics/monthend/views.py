"""Month-end packs, the bureau's cross-school view and the duty calendar. Views stay thin."""

import hashlib
import zipfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from logistics import usercache
from logistics.generic import ScopedCreateView, ScopedListView, ScopedUpdateView
from logistics.models import BureauAccount, School
from logistics.permissions import can, school_view, scoped_or_404
from logistics.reports import Period

from . import duties, services
from .choices import PackStatus, TaskStatus
from .forms import DutyForm, DutySettingsForm, MonthForm, TaskActionForm, TaskAssignForm, month_choices
from .hooks import bureau_metrics
from .models import Duty, DutySettings, DutyTask, MonthPack

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _error_text(exc):
    return "；".join(exc.messages) if hasattr(exc, "messages") else str(exc)


# --- packs --------------------------------------------------------------------------------------
class PackList(ScopedListView):
    model = MonthPack
    permission = "monthend.view"
    template_name = "monthend/pack_list.html"
    title = gettext_lazy("月报")

    def get_queryset(self):
        return (
            MonthPack.objects.for_request(self.request)
            .select_related("requested_by")
            .order_by("-month", "-version")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["month_form"] = MonthForm(initial={"month": Period.previous_month().key})
        busy = (PackStatus.PENDING, PackStatus.RUNNING)
        ctx["refresh"] = any(p.status in busy for p in ctx["object_list"])  # reload until ready
        return ctx


@require_POST
@school_view("reports.generate")
def pack_regenerate(request):
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择正确的月份。"))
        return redirect("monthend:pack_list")
    try:
        pack = services.pack_request(
            school=request.school, period=form.period, by=request.user, role=request.role
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("已开始生成%(month)s月报（第%(v)s版），完成后会通知您。")
            % {"month": pack.month_label, "v": pack.version},
        )
    return redirect("monthend:pack_list")


@school_view("monthend.view")
def pack_detail(request, pk):
    pack = get_object_or_404(
        MonthPack.objects.visible_to(request).select_related("school", "requested_by"), pk=pk
    )
    return render(request, "monthend/pack_detail.html", {"pack": pack, "title": str(pack)})


@school_view("monthend.view")
def pack_download(request, pk, fmt):
    if fmt not in CONTENT_TYPES:
        raise Http404
    qs = MonthPack.objects.visible_to(request).filter(status=PackStatus.READY).select_related("school")
    pack = qs.filter(pk=pk).first()
    if pack is None:
        raise Http404
    field = pack.xlsx if fmt == "xlsx" else pack.pdf
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    return FileResponse(
        handle, as_attachment=True, filename=pack.download_name(fmt), content_type=CONTENT_TYPES[fmt]
    )


# --- the bureau ---------------------------------------------------------------------------------
def _bureau_district(request):
    account = BureauAccount.objects.select_related("district").filter(user=request.user).first()
    if account is None:
        raise PermissionDenied
    return account.district


def _month_from(request):
    try:
        return (
            Period.parse_month(request.GET["month"]) if request.GET.get("month") else Period.previous_month()
        )
    except ValueError as exc:
        raise Http404 from exc


def _latest_packs(schools, period):
    """{school_id: (latest pack, latest ready pack)} in one query."""
    latest, ready = {}, {}
    for p in MonthPack.objects.filter(school__in=schools, month=period.key).order_by("school_id", "-version"):
        latest.setdefault(p.school_id, p)
        if p.status == PackStatus.READY:
            ready.setdefault(p.school_id, p)
    return {s.pk: (latest.get(s.pk), ready.get(s.pk)) for s in schools}


# The overview recomputes every app's metrics for the whole district (a few dozen aggregate queries
# over a month of every school's records): keep the result a while, per district, month, language and
# set of schools. The current month is still being written: briefly. Earlier months only change by a
# correction: ten minutes. The page says when its figures were computed. Pack status stays live.
OVERVIEW_SECONDS = 10 * 60
OVERVIEW_CURRENT_MONTH_SECONDS = 2 * 60


def _overview_metrics(district, schools, period):
    """(labels, table, errors, computed_at) of bureau_metrics, from the "pages" cache when fresh."""
    ids = hashlib.sha256(",".join(str(s.pk) for s in schools).encode()).hexdigest()[:16]
    key = f"bureau-overview:{district.pk}:{period.key}:{get_language()}:{ids}"
    cache, hit = usercache.usable("pages"), None
    if cache is not None:
        try:
            hit = cache.get(key)
        except Exception:  # Redis down means computing the page, not failing it
            usercache.failed("bureau overview")
            cache = None
    if hit is not None:
        return hit
    labels, table, errors = bureau_metrics(schools, period)
    found = (labels, {pk: [_plain(c) for c in cells] for pk, cells in table.items()}, errors, timezone.now())
    if cache is not None and not errors:  # a failing hook is retried on the next view
        current = period.key == Period.current_month().key
        try:
            cache.set(key, found, OVERVIEW_CURRENT_MONTH_SECONDS if current else OVERVIEW_SECONDS)
        except Exception:
            usercache.failed("bureau overview")
    return found


_CELL_OPEN = {"danger": '<td class="table-danger">', "warning": '<td class="table-warning">'}
_PLAIN_OPEN = '<td class="">'
_NO_VALUE = _PLAIN_OPEN + '<span class="text-muted">—</span></td>'


def _cells_html(cells):
    """A row's metric cells as HTML: 62 schools x ~20 metrics are too many for template tags (the
    engine's lookups and ifs cost more than all the page's queries). Each value is localized and
    escaped as `{{ value }}` would be; strings and ints (most cells) skip localize, which leaves them
    as they are without a thousands separator (USE_THOUSAND_SEPARATOR is off)."""
    out = []
    for cell in cells:
        if not cell:
            out.append(_NO_VALUE)
            continue
        value, level = cell
        text = value if isinstance(value, str) else str(value) if type(value) is int else localize(value)
        out.append(_CELL_OPEN.get(level, _PLAIN_OPEN) + conditional_escape(text) + "</td>")
    return mark_safe("".join(out))  # noqa: S308 - every value escaped above


def _plain(cell):
    """A cell as plain data (lazy translations rendered), so that it can be cached."""
    if cell is None:
        return None
    value, level = cell
    return (str(value) if isinstance(value, Promise) else value, level)


@school_view("monthend.bureau")
def bureau_overview(request):
    district = _bureau_district(request)
    period = _month_from(request)
    schools = list(School.objects.filter(district=district).order_by("code"))
    packs = _latest_packs(schools, period)
    labels, table, errors, computed_at = _overview_metrics(district, schools, period)
    rows = [
        {
            "school": s,
            "pack": packs[s.pk][0],
            "ready": packs[s.pk][1],
            "metrics": table[s.pk],
            "cells": _cells_html(table[s.pk]),
        }
        for s in schools
    ]
    return render(
        request,
        "monthend/bureau.html",
        {
            "title": _("各校月度概览"),
            "district": district,
            "period": period,
            "months": month_choices(),
            "labels": labels,
            "rows": rows,
            "errors": errors,
            "ready_count": sum(1 for r in rows if r["ready"]),
            "computed_at": computed_at,
        },
    )


class _Sink:
    """A write-only file for zipfile that hands out what was written so far (no seeking)."""

    def __init__(self):
        self._buffer = bytearray()
        self._pos = 0

    def write(self, data):
        self._buffer += data
        self._pos += len(data)
        return len(data)

    def tell(self):
        return self._pos

    def flush(self):
        pass

    def take(self):
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def _zip_stream(packs, manifest):
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as zf:
        for pack in packs:
            for fmt, field in (("xlsx", pack.xlsx), ("pdf", pack.pdf)):
                with field.open("rb") as src, zf.open(pack.download_name(fmt), "w", force_zip64=True) as dst:
                    for chunk in iter(lambda src=src: src.read(1 << 16), b""):
                        dst.write(chunk)
                        yield sink.take()
        zf.writestr("SHA256SUMS.txt", manifest)
    yield sink.take()


@school_view("monthend.bureau")
def bureau_zip(request, month):
    district = _bureau_district(request)
    try:
        period = Period.parse_month(month)
    except ValueError as exc:
        raise Http404 from exc
    schools = list(School.objects.filter(district=district).order_by("code"))
    packs = [ready for _latest, ready in _latest_packs(schools, period).values() if ready is not None]
    if not packs:
        raise Http404
    for p in packs:
        p.school = next(s for s in schools if s.pk == p.school_id)
    manifest = "".join(
        f"{sha}  {p.download_name(fmt)}\n"
        for p in packs
        for fmt, sha in (("xlsx", p.xlsx_sha256), ("pdf", p.pdf_sha256))
    )
    response = StreamingHttpResponse(_zip_stream(packs, manifest), content_type="application/zip")
    filename = f"{district.name}-{period.key}-月报.zip"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# --- the duty calendar --------------------------------------------------------------------------
def _ensure_calendar(request):
    """First use: load the default 行事历 and create the tasks now due (same as the nightly job)."""
    if not DutySettings.objects.filter(school=request.school, defaults_loaded=True).exists():
        services.create_due_tasks(school=request.school)


TASK_FILTERS = {
    "week": gettext_lazy("本周及逾期"),
    "open": gettext_lazy("全部待办"),
    "mine": gettext_lazy("我的待办"),
    "done": gettext_lazy("已完成"),
    "all": gettext_lazy("全部"),
}


class TaskList(ScopedListView):
    model = DutyTask
    permission = "duties.view"
    template_name = "monthend/task_list.html"
    title = gettext_lazy("行事历任务")

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and getattr(request, "school", None)
            and can(request, "duties.manage")
        ):
            _ensure_calendar(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        qs = super().get_queryset().select_related("assignee", "done_by", "duty")
        show = self.request.GET.get("show", "week")
        today = timezone.localdate()
        if show == "week":
            monday, sunday = duties.week_bounds(today)
            qs = qs.filter(Q(due_on__range=(monday, sunday)) | Q(status=TaskStatus.OPEN, due_on__lt=monday))
        elif show == "open":
            qs = qs.filter(status=TaskStatus.OPEN)
        elif show == "mine":
            qs = qs.filter(status=TaskStatus.OPEN, assignee=self.request.user)
        elif show == "done":
            qs = qs.filter(status__in=[TaskStatus.DONE, TaskStatus.SKIPPED]).order_by("-due_on", "-id")
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["show"] = self.request.GET.get("show", "week")
        ctx["filters"] = TASK_FILTERS
        ctx["today"] = timezone.localdate()
        ctx["assign_form"] = (
            TaskAssignForm(school=self.request.school) if can(self.request, "duties.manage") else None
        )
        return ctx


TASK_ACTIONS = {
    "complete": services.task_complete,
    "skip": services.task_skip,
    "reopen": services.task_reopen,
}


@require_POST
@school_view("duties.do")
def task_action(request, pk, action):
    if action not in TASK_ACTIONS:
        raise Http404
    task = scoped_or_404(request, DutyTask, pk=pk)
    form = TaskActionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else None
    if comment is None:
        messages.error(request, _("说明不能超过1000字。"))
    else:
        try:
            kwargs = {"note": comment} if action == "complete" else {"reason": comment}
            TASK_ACTIONS[action](obj=task, by=request.user, role=request.role, **kwargs)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("已更新：%(t)s") % {"t": task.title})
    return redirect(_back(request))


@require_POST
@school_view("duties.manage")
def task_assign(request, pk):
    task = scoped_or_404(request, DutyTask, pk=pk)
    form = TaskAssignForm(request.POST, school=request.school)
    if not form.is_valid():
        messages.error(request, _("请选择本校的成员。"))
    else:
        try:
            services.task_assign(
                obj=task, by=request.user, role=request.role, assignee=form.cleaned_data["assignee"]
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("已指派：%(t)s") % {"t": task.title})
    return redirect(_back(request))


def _back(request):
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    # a path only: redirect() takes a bare word for a view name (NoReverseMatch: a 500)
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("monthend:task_list")


class DutyList(ScopedListView):
    model = Duty
    permission = "duties.view"
    template_name = "monthend/duty_list.html"
    title = gettext_lazy("行事历")
    create_url = reverse_lazy("monthend:duty_create")
    create_permission = "duties.manage"
    paginate_by = 100

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and getattr(request, "school", None)
            and can(request, "duties.manage")
        ):
            _ensure_calendar(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("assignee")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["settings_obj"] = DutySettings.objects.filter(school=self.request.school).first()
        return ctx


class _DutyFormMixin:
    model = Duty
    form_class = DutyForm
    permission = "duties.manage"
    success_url = reverse_lazy("monthend:duty_list")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.create_due_tasks(school=self.request.school)
        return response


class DutyCreate(_DutyFormMixin, ScopedCreateView):
    title = gettext_lazy("新增行事历事项")


class DutyUpdate(_DutyFormMixin, ScopedUpdateView):
    title = gettext_lazy("修改行事历事项")


@school_view("duties.manage")
def duty_settings(request):
    settings_obj = services.calendar_settings(request.school)
    form = DutySettingsForm(request.POST or None, instance=settings_obj)
    if request.method == "POST" and form.is_valid():
        from logistics.services import save_with_log

        save_with_log(form=form, by=request.user)
        messages.success(request, _("已保存。"))
        return redirect("monthend:duty_list")
    return render(request, "generic/form.html", {"form": form, "title": _("学期月份设置")})


def week_tasks(request, limit=6):
    """This week's open tasks and older overdue ones, for the dashboard (one query + one count)."""
    today = timezone.localdate()
    monday, sunday = duties.week_bounds(today)
    qs = DutyTask.objects.for_request(request).filter(status=TaskStatus.OPEN, due_on__lte=sunday)
    if not can(request, "duties.manage"):
        qs = qs.filter(Q(assignee=request.user) | Q(assignee__isnull=True))
    return qs.order_by("due_on", "id"), today, monday
