"""The navigation menu, assembled from each app's `nav.py` (found through logistics.registry).

Each domain app owns a `nav.py` with `SECTION = NavSection(...)`, so apps never edit a shared menu.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import registry
from .permissions import role_can


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
    # Place in the menu: sections sort by it, then by INSTALLED_APPS order (the bureau's 各校概览
    # comes before the domain apps although monthend is installed after them).
    order: int = 100


def _sections():
    found = []
    for _label, module in registry.modules("nav"):
        found.extend(getattr(module, "SECTIONS", [getattr(module, "SECTION", None)]))
    return sorted((s for s in found if s is not None), key=lambda s: s.order)


@dataclass(frozen=True)
class _Menu:
    sections: tuple  # ({"label", "items": ({"label", "url"}, ...)}, ...)
    html: str  # the sidebar's sections, rendered
    urls: frozenset


_BUILT: dict = {}
_LINK = '<a class="nav-link px-3 py-2" href="{}">{}</a>'


def _menu(request) -> _Menu:
    """The current role's menu, built once per (role, language, script prefix, URLconf) and process.

    Which items a role sees depends only on the role (PERMISSIONS) and the apps' nav.py, both code,
    so there is nothing to invalidate; the built menu is shared read-only by every request.
    """
    role = getattr(request, "role", None)
    key = (role, get_language(), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    menu = _BUILT.get(key)
    if menu is None:
        menu = _BUILT[key] = _build(role)
    return menu


def nav_sections(request):
    return _menu(request).sections


def nav_html(request):
    """The sidebar's sections as HTML, the link of the current page marked active."""
    menu = _menu(request)
    html = menu.html
    if request.path in menu.urls:
        href = f'href="{escape(request.path)}"'
        html = html.replace(f'py-2" {href}', f'py-2 active" {href}')
    return mark_safe(html)  # noqa: S308 - built from escaped labels and URLs below


def _build(role):
    visible = []
    for section in _sections():
        items = []
        for item in section.items:
            if role is None or not role_can(role, item.permission):
                continue
            try:
                items.append({"label": str(item.label), "url": reverse(item.url_name)})
            except NoReverseMatch:
                continue
        if items:
            visible.append({"label": str(section.label), "items": tuple(items)})
    html = "".join(
        '<div class="nav-section mt-2"><div class="text-muted small px-2">{}</div>'
        '<nav class="nav flex-column">{}</nav></div>'.format(
            escape(section["label"]),
            "".join(_LINK.format(escape(i["url"]), escape(i["label"])) for i in section["items"]),
        )
        for section in visible
    )
    urls = frozenset(i["url"] for section in visible for i in section["items"])
    return _Menu(tuple(visible), html, urls)
