"""Roles, what each may do, and the view mixins that enforce it (DESIGN.md rule 4).

One table says which role may perform which action. Views name the action they need
(`permission = "assets.manage"`); querysets are scoped with `Model.objects.for_request(request)`.
An object from another school is not in the scoped queryset, so it answers 404.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .choices import Role

R = Role
ALL_STAFF_ROLES = frozenset(r for r in Role if r != Role.BUREAU)
MANAGERS = frozenset({R.PRINCIPAL, R.DIRECTOR})

# action -> roles allowed. The bureau only ever gets "*.view" actions (read-only).
PERMISSIONS: dict[str, frozenset] = {
    # organisation
    "org.view": ALL_STAFF_ROLES | {R.BUREAU},
    "org.manage": MANAGERS,
    "staff.view": MANAGERS | {R.STAFF, R.HEALTH, R.BUREAU},
    "staff.manage": MANAGERS,
    "reports.view": MANAGERS | {R.STAFF, R.ACCOUNTANT, R.HEALTH, R.CANTEEN, R.BUREAU},
    "reports.generate": MANAGERS,
    "monthend.view": MANAGERS | {R.BUREAU},
    "monthend.bureau": frozenset({R.BUREAU}),
    "duties.view": ALL_STAFF_ROLES | {R.BUREAU},
    "duties.manage": MANAGERS,
    "duties.do": ALL_STAFF_ROLES,
    "duties.complete": MANAGERS | {R.STAFF},  # complete any task, not only one's own (monthend.workflows)
    # assets and stores
    "assets.view": ALL_STAFF_ROLES | {R.BUREAU},
    "assets.manage": MANAGERS | {R.STAFF},
    "assets.approve": frozenset({R.PRINCIPAL}),
    "stores.view": MANAGERS | {R.STAFF, R.ACCOUNTANT, R.BUREAU},
    "stores.manage": MANAGERS | {R.STAFF},
    "stores.request": ALL_STAFF_ROLES,
    "repairs.raise": ALL_STAFF_ROLES,
    "repairs.view": ALL_STAFF_ROLES | {R.BUREAU},
    "repairs.manage": MANAGERS | {R.STAFF},
    # canteen
    "canteen.view": ALL_STAFF_ROLES | {R.BUREAU},
    "canteen.record": MANAGERS | {R.CANTEEN, R.HEALTH},
    "canteen.manage": MANAGERS | {R.CANTEEN, R.HEALTH},
    "canteen.accounts": MANAGERS | {R.ACCOUNTANT, R.BUREAU},
    "canteen.accounts.manage": MANAGERS | {R.ACCOUNTANT},
    "canteen.settings": MANAGERS,
    # safety
    "safety.view": ALL_STAFF_ROLES | {R.BUREAU},
    "safety.inspect": MANAGERS | {R.STAFF, R.GUARD},
    "safety.manage": MANAGERS,
    "hazards.report": ALL_STAFF_ROLES,
    "hazards.rectify": MANAGERS | {R.STAFF},
    "visitors.view": MANAGERS | {R.GUARD, R.BUREAU},
    "visitors.record": MANAGERS | {R.GUARD},
    "visitors.view_id": frozenset({R.DIRECTOR, R.GUARD}),
    # finance
    "finance.request": ALL_STAFF_ROLES,
    "finance.view": MANAGERS | {R.ACCOUNTANT, R.BUREAU},
    "finance.approve": MANAGERS,
    "finance.purchase": MANAGERS | {R.STAFF, R.ACCOUNTANT},
    "finance.manage": MANAGERS | {R.ACCOUNTANT},
    "finance.disclosure": ALL_STAFF_ROLES | {R.BUREAU},
    "finance.settings": frozenset({R.PRINCIPAL}),
    # hygiene, health, utilities
    "hygiene.view": ALL_STAFF_ROLES | {R.BUREAU},
    "hygiene.record": MANAGERS | {R.HEALTH, R.TEACHER, R.STAFF},
    "hygiene.manage": MANAGERS | {R.HEALTH},
    "health.record": MANAGERS | {R.HEALTH, R.TEACHER},
    "health.manage": MANAGERS | {R.HEALTH},
    "utilities.view": MANAGERS | {R.STAFF, R.ACCOUNTANT, R.BUREAU},
    "utilities.record": MANAGERS | {R.STAFF},
    "greening.manage": MANAGERS | {R.STAFF},
}


def role_can(role, action: str) -> bool:
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}: add it to logistics.permissions.PERMISSIONS")
    return role in PERMISSIONS[action]


def role_of(school, user):
    """The user's role in the school (a School or its id) from their active membership, or None.

    Services take the role from here, never from the view (DESIGN.md rule 2)."""
    from .models import Membership

    if user is None or not user.is_authenticated:
        return None
    school_id = getattr(school, "pk", school)
    return (
        Membership.objects.active()
        .filter(school_id=school_id, user=user)
        .values_list("role", flat=True)
        .first()
    )


def can(request, action: str) -> bool:
    """May the user, in the school they are working in now, perform `action`?"""
    role = getattr(request, "role", None)
    return role is not None and role_can(role, action)


def require(request, action: str) -> None:
    if not can(request, action):
        raise PermissionDenied


def scoped_or_404(request, model_or_qs, **lookup):
    """Fetch one object of the current school; anything else (another school's, missing) is 404."""
    qs = model_or_qs if hasattr(model_or_qs, "for_request") else model_or_qs.objects
    return get_object_or_404(qs.for_request(request), **lookup)


class SchoolViewMixin(LoginRequiredMixin):
    """Login, a current school, and the role check for `permission` (and `post_permission` on POST).

    `get_queryset` is scoped to the current school, so DetailView/UpdateView give 404 for other
    schools' objects without any view filtering by school by hand.
    """

    permission: str = ""
    post_permission: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if getattr(request, "school", None) is None:
            raise PermissionDenied
        action = (
            self.post_permission if request.method == "POST" and self.post_permission else self.permission
        )
        if action:
            require(request, action)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.model.objects.for_request(self.request)


def school_view(*actions: str):
    """Decorator form of SchoolViewMixin for function views: sign-in, a current school, and a role
    that holds one of `actions` (several for a page that e.g. requesters and finance viewers share)."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login

    if not actions:
        raise TypeError("school_view needs at least one permission")
    for action in actions:
        role_can(None, action)  # an unknown action raises at import, not at the first request

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request, "school", None) is None:
                raise PermissionDenied
            if not any(can(request, action) for action in actions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
