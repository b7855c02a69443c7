from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from . import usercache
from .choices import Role
from .models import BureauAccount, Membership, School

SESSION_KEY = "current_school_id"
# The bureau is read-only: of all POSTs it may only make these (its own account, language, school).
BUREAU_POST_ALLOWED = ("/accounts/", "/i18n/", "/school/switch/", "/notifications/")


def school_choices(user):
    """Schools the user may work in, as (school, role) pairs, bureau schools last."""
    if not user.is_authenticated:
        return []
    pairs = [
        (m.school, m.role)
        for m in Membership.objects.active()
        .filter(user=user)
        .select_related("school")
        .order_by("school__code")
    ]
    bureau = BureauAccount.objects.filter(user=user).first()
    if bureau is not None:
        seen = {s.pk for s, _ in pairs}
        pairs += [
            (s, Role.BUREAU)
            for s in School.objects.filter(district_id=bureau.district_id)
            if s.pk not in seen
        ]
    return pairs


class CurrentSchoolMiddleware:
    """Sets request.school and request.role from the session's chosen school, checked every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.school = None
        request.role = None
        request.school_choices = []
        if request.user.is_authenticated:
            self._resolve(request)
            bureau_post = request.role == Role.BUREAU and request.method == "POST"
            if bureau_post and not request.path.startswith(BUREAU_POST_ALLOWED):
                raise PermissionDenied
        return self.get_response(request)

    @staticmethod
    def _resolve(request):
        entry = usercache.load(request.user.pk)
        if "choices" not in entry:
            entry["choices"] = school_choices(request.user)
            entry.save()
        request.shell_entry = entry  # the unread count is kept beside the choices (notifications.py)
        pairs = entry["choices"]
        request.school_choices = pairs
        if not pairs:
            return
        wanted = request.session.get(SESSION_KEY)
        school, role = next(((s, r) for s, r in pairs if s.pk == wanted), pairs[0])
        request.school, request.role = school, role
        request.membership = SimpleLazyObject(
            lambda: Membership.objects.active().filter(user=request.user, school=school).first()
        )


class RefuseNulCharacters:
    """A NUL character in a query string or form field is refused with a 400 before any view runs.

    No user types one; PostgreSQL cannot store or compare one ("A string literal cannot contain NUL"),
    so where a view read such a value it answered with a 500. One check here covers every view,
    including the actions that read request.POST without a form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            message = _("提交的内容里有不可见的控制字符（NUL），请删除后重新输入。")
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


def _has_nul(query_dict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query_dict.lists())
