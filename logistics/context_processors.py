from django.conf import settings

from .choices import Role
from .navigation import nav_sections
from .permissions import can


def shell(request):
    """What the shell (navbar, school switcher, badge) needs on every page."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"LANGUAGES": settings.LANGUAGES}
    from .notifications import unread_count

    unread = unread_count(request) if request.school is not None else 0
    return {
        "current_school": request.school,
        "current_role": request.role,
        "current_role_label": Role(request.role).label if request.role else "",
        "school_choices": request.school_choices,
        "unread_notifications": unread,
        "nav_sections": nav_sections(request),
        "can": _Can(request),
    }


class _Can:
    """Lets templates ask `{% if can.assets__manage %}` (dots are not allowed in lookups)."""

    def __init__(self, request):
        self.request = request

    def __getitem__(self, key):
        return can(self.request, key.replace("__", "."))

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(key) from exc
