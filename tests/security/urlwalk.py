"""Walk the URL configuration: every named route with its pattern, converters and view."""

import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern

# Django's own and third-party routes that are not ours to matrix-test (admin has its own auth).
SKIPPED_NAMESPACES = {"admin"}


@dataclass
class Route:
    name: str  # "ns:name" or "name"
    converters: dict  # kwarg -> converter instance
    callback: object
    pattern: str


def _walk(patterns, namespace="", prefix="", converters=None):
    converters = converters or {}
    for p in patterns:
        pat = p.pattern
        conv = dict(converters)
        if isinstance(pat, RoutePattern):
            conv.update(pat.converters)
        if isinstance(p, URLResolver):
            ns = p.namespace
            if ns in SKIPPED_NAMESPACES:
                continue
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(p.url_patterns, full_ns, prefix + str(pat), conv)
        elif isinstance(p, URLPattern):
            if isinstance(pat, RegexPattern) and not p.name:
                continue
            if not p.name:
                continue
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield Route(name=name, converters=conv, callback=p.callback, pattern=prefix + str(pat))


def all_routes():
    seen = {}
    for route in _walk(get_resolver().url_patterns):
        seen.setdefault(route.name, route)  # reverse() uses the first one too
    return seen


def dummy_kwargs(route):
    """Kwargs that make reverse() work (for checks that never reach the view, such as CSRF)."""
    out = {}
    for key, conv in route.converters.items():
        if isinstance(conv, IntConverter):
            out[key] = 999999
        elif isinstance(conv, UUIDConverter):
            out[key] = uuid.UUID(int=1)
        elif isinstance(conv, SlugConverter | PathConverter | StringConverter):
            out[key] = "x"
        else:
            out[key] = conv.to_url(1) if hasattr(conv, "to_url") else "1"
    return out


def view_allows(route, method):
    """Best effort: does the view restrict HTTP methods (require_POST/require_GET, http_method_names)?"""
    cb = route.callback
    view_class = getattr(cb, "view_class", None)
    if view_class is not None:
        return method.lower() in view_class.http_method_names and hasattr(view_class, method.lower())
    return True
