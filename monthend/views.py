"""Month-end packs, the bureau's cross-school view and the duty calendar. Views stay thin."""

import hashlib
import zipfile
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from logistics import usercache
from logistics.actions import ActionView, SettingsView, month_param
from logistics.generic import ScopedCreateView, ScopedListView, ScopedUpdateView
from logistics.models import BureauAccount, School
from logistics.permissions import can, school_view
from logistics.reports import Period

from . import duties, services
from .choices import PackStatus, TaskAction, TaskStatus
from .forms import DutyForm, DutySettingsForm, MonthForm, TaskActionForm, TaskAssignForm, month_choices
from .hooks import bureau_metrics
from .models import Duty, DutySettings, DutyTask, MonthPack
from .selectors import latest_packs

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


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


class PackRegenerate(ActionView):
    """The director asks for a new version of a month's pack (a button on the pack list)."""

    permission = "reports.generate"
    form_class = MonthForm
    success_url = reverse_lazy("monthend:pack_list")

    def perform(self, obj, form):
        return services.pack_request(school=self.request.school, period=form.period, by=self.request.user)

    def get_success_message(self, pack):
        return _("已开始生成%(month)s月报（第%(v)s版），完成后会通知您。") % {
            "month": pack.month_label,
            "v": pack.version,
        }


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
    period = month_param(request, default=Period.previous_month)
    schools = list(School.objects.filter(district=district).order_by("code"))
    packs = latest_packs(schools, period)
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
    period = month_param(request, source={"month": month})
    schools = list(School.objects.filter(district=district).order_by("code"))
    packs = [ready for _latest, ready in latest_packs(schools, period).values() if ready is not None]
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
    filename = _("%(district)s-%(month)s-月报.zip") % {"district": district.name, "month": period.key}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# --- the duty calendar --------------------------------------------------------------------------
class _CalendarMixin:
    """A manager's first visit loads the default 行事历 and creates the tasks now due (as the nightly
    job would)."""

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and getattr(request, "school", None)
            and can(request, "duties.manage")
            and not DutySettings.objects.filter(school=request.school, defaults_loaded=True).exists()
        ):
            services.create_due_tasks(school=request.school)
        return super().dispatch(request, *args, **kwargs)


TASK_FILTERS = {
    "week": gettext_lazy("本周及逾期"),
    "open": gettext_lazy("全部待办"),
    "mine": gettext_lazy("我的待办"),
    "done": gettext_lazy("已完成"),
    "all": gettext_lazy("全部"),
}


class TaskList(_CalendarMixin, ScopedListView):
    model = DutyTask
    permission = "duties.view"
    template_name = "monthend/task_list.html"
    title = gettext_lazy("行事历任务")

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


class TaskActionView(ActionView):
    """Complete, skip or reopen a task (buttons on the task list); the workflow says who may."""

    permission = "duties.do"
    model = DutyTask
    form_class = TaskActionForm
    success_url = reverse_lazy("monthend:task_list")

    def get_object(self):
        if self.kwargs["action"] not in TaskAction.values:
            raise Http404
        return super().get_object()

    def perform(self, task, form):
        comment = form.cleaned_data["comment"]
        action = self.kwargs["action"]
        if action == TaskAction.COMPLETE:
            return services.task_complete(obj=task, by=self.request.user, note=comment)
        if action == TaskAction.SKIP:
            return services.task_skip(obj=task, by=self.request.user, reason=comment)
        return services.task_reopen(obj=task, by=self.request.user, reason=comment)

    def get_success_message(self, task):
        return _("已更新：%(t)s") % {"t": task.title}


class TaskAssign(ActionView):
    permission = "duties.manage"
    model = DutyTask
    form_class = TaskAssignForm
    success_url = reverse_lazy("monthend:task_list")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "school": self.request.school}

    def perform(self, task, form):
        return services.task_assign(obj=task, by=self.request.user, assignee=form.cleaned_data["assignee"])

    def get_success_message(self, task):
        return _("已指派：%(t)s") % {"t": task.title}


class DutyList(_CalendarMixin, ScopedListView):
    model = Duty
    permission = "duties.view"
    template_name = "monthend/duty_list.html"
    title = gettext_lazy("行事历")
    create_url = reverse_lazy("monthend:duty_create")
    create_permission = "duties.manage"
    paginate_by = 100

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


class DutySettingsView(SettingsView):
    permission = "duties.manage"
    form_class = DutySettingsForm
    title = gettext_lazy("学期月份设置")
    success_url = reverse_lazy("monthend:duty_list")

    def get_settings(self, school):
        return services.calendar_settings(school)
