from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import ListView

from . import throttle
from .audit import readable_history
from .dashboard import collect_cards
from .middleware import SESSION_KEY
from .models import Attachment, Notification
from .notifications import mark_read
from .permissions import can, school_view


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("用户名或密码不正确。"),
        "locked": gettext_lazy("登录失败次数过多，账号已暂时锁定，请 15 分钟后再试。"),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        ip = throttle.client_ip(self.request) if self.request else ""
        if throttle.is_locked(username, ip):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            data = super().clean()
        except forms.ValidationError:
            throttle.record_failure(username, ip)
            raise
        throttle.clear(username, ip)
        return data


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        messages.success(self.request, _("密码已修改。"))
        return super().form_valid(form)


@never_cache
def dashboard(request):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    if request.school is None:
        return render(request, "dashboard_no_school.html", status=403)
    return render(request, "dashboard.html", {"cards": collect_cards(request), "today": timezone.localdate()})


@require_POST
def switch_school(request):
    if not request.user.is_authenticated:
        raise PermissionDenied
    try:
        school_id = int(request.POST.get("school", ""))
    except ValueError as exc:
        raise Http404 from exc
    if school_id not in {s.pk for s, _r in request.school_choices}:
        raise Http404
    request.session[SESSION_KEY] = school_id
    target = request.POST.get("next") or reverse("dashboard")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("dashboard")
    return HttpResponseRedirect(target)


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "notifications.html"
    paginate_by = 30

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user).select_related("school")


@require_POST
def notifications_read(request):
    if not request.user.is_authenticated:
        raise PermissionDenied
    ids = request.POST.getlist("id")
    mark_read(user=request.user, ids=[i for i in ids if i.isdigit()] or None)
    return redirect("notifications")


@require_GET
def notification_open(request, pk):
    if not request.user.is_authenticated:  # e.g. a link in an e-mail or a bookmark: sign in first
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        mark_read(user=request.user, ids=[note.pk])
    target = (
        note.url if note.url.startswith("/") and not note.url.startswith("//") else reverse("notifications")
    )
    return HttpResponseRedirect(target)


# Who may read an object's change log: the owning app's view permission, unless the model names a
# stricter one in `history_permission` (e.g. visitors, whose log holds personal data).
HISTORY_PERMISSIONS = {
    "logistics": "org.view",
    "assets": "assets.view",
    "canteen": "canteen.view",
    "safety": "safety.view",
    "finance": "finance.view",
    "hygiene": "hygiene.view",
}


def history_permission(model):
    return getattr(model, "history_permission", None) or HISTORY_PERMISSIONS.get(model._meta.app_label)


@school_view("org.view")
def object_history(request, content_type_id, object_id):
    ct = get_object_or_404(ContentType, pk=content_type_id)
    model = ct.model_class()
    if model is None or not hasattr(model.objects, "for_request"):
        raise Http404
    permission = history_permission(model)
    if permission is None:
        raise Http404
    obj = get_object_or_404(model.objects.for_request(request), pk=object_id)
    if not can(request, permission):
        raise PermissionDenied
    entries = readable_history(obj, oldest_first=False, other_keys=True)
    return render(request, "history.html", {"object": obj, "entries": entries})


@school_view("org.view")
def attachment_download(request, uuid):
    att = get_object_or_404(Attachment.objects.for_request(request), uuid=uuid)
    try:
        handle = att.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=att.content_type, as_attachment=not att.is_image, filename=att.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@never_cache
def healthz(request):
    """Database and broker status for load balancers; nothing private, no login."""
    status = {"database": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means "down"
        status["database"] = "down"
    status["broker"] = _broker_status()
    healthy = status["database"] == "ok" and status["broker"] in ("ok", "local")
    status["status"] = "ok" if healthy else "down"
    return JsonResponse(status, status=200 if healthy else 503)


def _broker_status():
    from django.conf import settings

    if not settings.REDIS_URL:
        return "local"  # filesystem broker: nothing to reach
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception:  # noqa: BLE001
        return "down"
    return "ok"


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without context processors: they query the database, which may be what failed.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


__all__ = ["ValidationError", "can"]
