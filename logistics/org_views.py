"""The director's pages for the school: campuses, rooms, departments, members, staff records."""

import datetime
import tempfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .actions import errors_to_form, form_page, month_param
from .choices import RoomType
from .forms import (
    CampusForm,
    CertificateForm,
    DepartmentForm,
    EndMembershipForm,
    MembershipForm,
    NewMemberForm,
    RoomForm,
    StaffProfileForm,
)
from .generic import ScopedCreateView, ScopedListView, ScopedUpdateView
from .models import Campus, Certificate, Department, Membership, Room, StaffProfile
from .permissions import can, school_view, scoped_or_404
from .reports import Period
from .reports.pdf import render_pdf
from .reports.registry import REGISTRY
from .reports.xlsx import write_workbook

EXPIRY_WINDOW_DAYS = 30


# --- campuses --------------------------------------------------------------------------------
class CampusList(ScopedListView):
    model = Campus
    permission = "org.view"
    template_name = "org/campus_list.html"
    title = gettext_lazy("校区")

    def get_queryset(self):
        return super().get_queryset().annotate(room_count=Count("rooms")).order_by("-is_main", "name")


class CampusCreate(ScopedCreateView):
    model = Campus
    form_class = CampusForm
    permission = "org.manage"
    title = gettext_lazy("新增校区")
    success_url = reverse_lazy("org:campus_list")


class CampusUpdate(ScopedUpdateView):
    model = Campus
    form_class = CampusForm
    permission = "org.manage"
    title = gettext_lazy("编辑校区")
    success_url = reverse_lazy("org:campus_list")


# --- rooms -----------------------------------------------------------------------------------
class RoomList(ScopedListView):
    model = Room
    permission = "org.view"
    template_name = "org/room_list.html"
    title = gettext_lazy("房间")

    def get_queryset(self):
        qs = super().get_queryset().select_related("campus", "responsible")
        campus = self.request.GET.get("campus", "")
        room_type = self.request.GET.get("type", "")
        q = self.request.GET.get("q", "").strip()
        if campus.isdigit():
            qs = qs.filter(campus_id=int(campus))
        if room_type in RoomType.values:
            qs = qs.filter(room_type=room_type)
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
        return qs.order_by("campus__name", "name")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["campuses"] = Campus.objects.for_request(self.request)
        ctx["room_types"] = RoomType.choices
        return ctx


class RoomCreate(ScopedCreateView):
    model = Room
    form_class = RoomForm
    permission = "org.manage"
    title = gettext_lazy("新增房间")
    success_url = reverse_lazy("org:room_list")


class RoomUpdate(ScopedUpdateView):
    model = Room
    form_class = RoomForm
    permission = "org.manage"
    title = gettext_lazy("编辑房间")
    success_url = reverse_lazy("org:room_list")


# --- departments -----------------------------------------------------------------------------
class DepartmentList(ScopedListView):
    model = Department
    permission = "org.view"
    template_name = "org/department_list.html"
    title = gettext_lazy("部门")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("head")
            .annotate(member_count=Count("membership", filter=Q(membership__ended_on__isnull=True)))
            .order_by("name", "pk")  # Meta.ordering is dropped from GROUP BY queries: pages must be stable
        )


class DepartmentCreate(ScopedCreateView):
    model = Department
    form_class = DepartmentForm
    permission = "org.manage"
    title = gettext_lazy("新增部门")
    success_url = reverse_lazy("org:department_list")


class DepartmentUpdate(ScopedUpdateView):
    model = Department
    form_class = DepartmentForm
    permission = "org.manage"
    title = gettext_lazy("编辑部门")
    success_url = reverse_lazy("org:department_list")


# --- members ---------------------------------------------------------------------------------
class MemberList(ScopedListView):
    model = Membership
    permission = "org.manage"
    template_name = "org/member_list.html"
    title = gettext_lazy("成员")

    def get_queryset(self):
        qs = super().get_queryset().select_related("user", "campus", "department")
        if self.request.GET.get("show") != "all":
            qs = qs.filter(ended_on__isnull=True)
        return qs.order_by("role", "user__first_name")


@school_view("org.manage")
def member_add(request):
    form = NewMemberForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        services.member_add(
            school=request.school,
            by=request.user,
            username=d["username"],
            full_name=d["full_name"],
            password=d["password"],
            role=d["role"],
            campus=d["campus"],
            department=d["department"],
            post=d["post"],
            phone=d["phone"],
            existing_user=d["existing_user"],
        )
        messages.success(request, _("已添加成员 %(name)s。") % {"name": d["full_name"]})
        return redirect("org:member_list")
    return form_page(request, form, _("添加成员"))


class MemberUpdate(ScopedUpdateView):
    model = Membership
    form_class = MembershipForm
    permission = "org.manage"
    title = gettext_lazy("编辑成员")
    success_url = reverse_lazy("org:member_list")

    def get_queryset(self):
        return super().get_queryset().filter(ended_on__isnull=True)


@school_view("org.manage")
def member_end(request, pk):
    membership = scoped_or_404(request, Membership.objects.active(), pk=pk)
    form = EndMembershipForm(request.POST or None)
    blockers = services.membership_end_blockers(membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_end(
                membership=membership,
                by=request.user,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("成员已离岗。"))
            return redirect("org:member_list")
    return render(
        request, "org/member_end.html", {"form": form, "membership": membership, "blockers": blockers}
    )


# --- staff records ---------------------------------------------------------------------------
class StaffList(ScopedListView):
    model = StaffProfile
    permission = "staff.view"
    template_name = "org/staff_list.html"
    title = gettext_lazy("员工档案")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("user")
            .annotate(
                cert_count=Count("certificates"),
                expiring_count=Count(
                    "certificates",
                    filter=Q(
                        certificates__expires_on__lte=timezone.localdate()
                        + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
                    ),
                ),
            )
            .order_by("user__first_name")
        )


@school_view("staff.view")
def staff_detail(request, pk):
    profile = scoped_or_404(request, StaffProfile.objects.select_related("user"), pk=pk)
    return render(
        request,
        "org/staff_detail.html",
        {
            "profile": profile,
            "certificates": profile.certificates.all(),
            "memberships": Membership.objects.for_request(request)
            .filter(user=profile.user)
            .select_related("campus", "department"),
            "today": timezone.localdate(),
            "can_manage": can(request, "staff.manage"),
        },
    )


class StaffUpdate(ScopedUpdateView):
    model = StaffProfile
    form_class = StaffProfileForm
    permission = "staff.manage"
    title = gettext_lazy("编辑员工档案")

    def get_success_url(self):
        return reverse("org:staff_detail", args=[self.object.pk])


@school_view("staff.manage")
def certificate_add(request, staff_pk):
    profile = scoped_or_404(request, StaffProfile, pk=staff_pk)
    form = CertificateForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        form.instance.staff = profile
        services.save_with_log(form=form, by=request.user)
        messages.success(request, _("证件已添加。"))
        return redirect("org:staff_detail", pk=profile.pk)
    return form_page(request, form, _("添加证件：%(n)s") % {"n": profile})


class CertificateUpdate(ScopedUpdateView):
    model = Certificate
    form_class = CertificateForm
    permission = "staff.manage"
    title = gettext_lazy("编辑证件")

    def get_success_url(self):
        return reverse("org:staff_detail", args=[self.object.staff_id])


def expiring_certificates(school, today=None, days=EXPIRY_WINDOW_DAYS):
    today = today or timezone.localdate()
    return (
        Certificate.objects.filter(school=school, expires_on__lte=today + datetime.timedelta(days=days))
        .select_related("staff__user")
        .order_by("expires_on")
    )


@school_view("staff.view")
def certificates_expiring(request):
    today = timezone.localdate()
    return render(
        request,
        "org/certificates_expiring.html",
        {
            "certificates": expiring_certificates(request.school, today),
            "today": today,
            "days": EXPIRY_WINDOW_DAYS,
        },
    )


# --- reports ---------------------------------------------------------------------------------
@school_view("reports.view")
def reports_index(request):
    period = Period.previous_month()
    visible = [
        s for s in sorted(REGISTRY.values(), key=lambda s: (s.order, s.key)) if can(request, s.permission)
    ]
    return render(request, "reports/index.html", {"specs": visible, "month": period.key})


@school_view("reports.view")
def report_download(request, key, fmt):
    spec = REGISTRY.get(key)
    if spec is None or fmt not in ("xlsx", "pdf") or not can(request, spec.permission):
        raise Http404
    period = month_param(request, default=Period.current_month)
    report = spec.builder(request.school, period)
    return report_response(report, fmt, f"{spec.key}-{period.key}")


def report_response(report, fmt, basename):
    """Stream a report as a file download, written to a temporary file first (write-only mode)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    if fmt == "xlsx":
        write_workbook([report], handle)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        render_pdf([report], handle)
        content_type = "application/pdf"
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"{basename}.{fmt}", content_type=content_type)
