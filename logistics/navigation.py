"""The navigation menu, assembled from each app's `nav.py`.

Each domain app owns a `nav.py` with `SECTION = NavSection(...)`, so apps never edit a shared menu.
"""

from dataclasses import dataclass, field
from importlib import import_module

from django.urls import NoReverseMatch, reverse

from .permissions import can

APP_ORDER = ["logistics", "assets", "canteen", "safety", "finance", "hygiene"]


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str


@dataclass(frozen=True)
class NavSection:
    label: str
    items: list = field(default_factory=list)
    icon: str = ""


def _sections():
    found = []
    for app in APP_ORDER:
        try:
            module = import_module(f"{app}.nav")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.nav":
                raise
            continue
        found.extend(getattr(module, "SECTIONS", [getattr(module, "SECTION", None)]))
    return [s for s in found if s is not None]


def nav_sections(request):
    visible = []
    for section in _sections():
        items = []
        for item in section.items:
            if not can(request, item.permission):
                continue
            try:
                items.append({"label": item.label, "url": reverse(item.url_name)})
            except NoReverseMatch:
                continue
        if items:
            visible.append({"label": section.label, "items": items})
    return visible
