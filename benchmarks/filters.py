"""Every list page and every filter its form offers, on the district data.

The load test drives a dozen pages; the issue asks that indexes exist for every filter the pages
offer. This finds the pages by themselves: each named URL without arguments that answers a school
role with an HTML page holding a `<form method="get">` or links that filter it (`href="?status=open"`).
Each field of that form, and each such link, is then tried on its own with a real value taken from the
form (the first and the last option of a select, this month for
a month field, a common word for a search box), in-process as a member of a full school, and every
SELECT it runs is handed to `run.explain_all` (EXPLAIN ANALYZE: sequential scans of big tables and
slow queries are reported).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

from logistics.choices import Role

# Roles tried in order: the first that may open a page is the one its filters are measured as.
ROLES = [
    Role.DIRECTOR,
    Role.PRINCIPAL,
    Role.CANTEEN,
    Role.HEALTH,
    Role.ACCOUNTANT,
    Role.STAFF,
    Role.GUARD,
    Role.TEACHER,
]
# Not list pages: downloads build whole files, the others change state or are not a school's lists.
SKIP_NAME = re.compile(r"export|download|xlsx|pdf|print|zip|label|qr|logout|login|switch|healthz|password")
SEARCH_WORDS = {"q": "王"}  # a surname matches people, rooms and items alike; one CJK character
MAX_OPTIONS = 2  # first and last real option of each select


@dataclass
class GetForm:
    selects: dict = field(default_factory=dict)  # name -> [option values]
    inputs: dict = field(default_factory=dict)  # name -> (type, value)
    links: list = field(default_factory=list)  # "?status=open"-style filter links (tabs, chips)


class GetFormParser(HTMLParser):
    """The fields of the page's `<form method="get">` forms (filters, search boxes), and links that
    filter the same page (status tabs: `href="?status=open"`), gathered as one more form."""

    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.link_form = GetForm()
        self.forms: list[GetForm] = [self.link_form]
        self._form: GetForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self._filter_link(a.get("href") or "")
        elif tag == "form":
            self._form = GetForm() if (a.get("method") or "get").lower() == "get" else None
            if self._form is not None:
                self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "option" and self._select and a.get("value"):
            self._form.selects[self._select].append(a["value"])
        elif not a.get("name"):
            return
        elif tag == "select":
            self._select = a["name"]
            self._form.selects.setdefault(self._select, [])
        elif tag == "input":
            self._form.inputs[a["name"]] = ((a.get("type") or "text").lower(), a.get("value") or "")

    def _filter_link(self, href: str):
        path, _, query = href.partition("?")
        params = urllib.parse.parse_qs(query)
        if query and path in ("", self.base) and "page" not in params:
            self.link_form.links.append(query)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def sample_values(name: str, kind: str, value: str, today: datetime.date) -> list[str]:
    """What a user would type or tick in one field of a filter form."""
    if kind in ("hidden", "submit", "button", "reset", "file", "password"):
        return []
    if kind in ("checkbox", "radio"):
        return [value or "1"]
    if kind == "month":
        return [f"{today:%Y-%m}"]
    if kind == "date":
        return [today.isoformat()]
    if kind == "week":
        return [f"{today:%G}-W{today:%V}"]
    if kind == "number":
        return ["1"]
    return [SEARCH_WORDS.get(name, "王")]


def filter_paths(base: str, forms: list[GetForm], today: datetime.date) -> list[str]:
    """The page as it opens, then each filter on its own."""
    paths = [base]
    for form in forms:
        for name, options in form.selects.items():
            picks = options[:1] + options[-1:] if len(options) > 1 else options
            paths += [f"{base}?{urllib.parse.urlencode({name: v})}" for v in picks[:MAX_OPTIONS]]
        for name, (kind, value) in form.inputs.items():
            paths += [
                f"{base}?{urllib.parse.urlencode({name: v})}" for v in sample_values(name, kind, value, today)
            ]
    return list(dict.fromkeys(paths))


def list_routes() -> list[str]:
    """Named URLs without arguments, in URLconf order (reverse() names)."""
    from django.urls import get_resolver
    from django.urls.resolvers import URLPattern, URLResolver

    names = []

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                ns = p.namespace
                walk(p.url_patterns, f"{namespace}:{ns}" if namespace and ns else (ns or namespace))
            elif isinstance(p, URLPattern) and p.name and not p.pattern.regex.groups:
                names.append(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns)
    return [n for n in dict.fromkeys(names) if not SKIP_NAME.search(n)]


def audit(ctx, school, clients) -> tuple[list[dict], dict]:
    """-> (one row per page: name, role, filters tried, slowest ms, errors; {page: {"sql": [...]}})."""
    today = datetime.date.today()
    rows, captured = [], {}
    with quiet_refusals():
        for name in list_routes():
            found = _first_page_with_filters(name, school, clients)
            if found is None:
                continue
            role, forms = found
            row, sql = _try_filters(name, clients(school, role), forms, today)
            rows.append({**row, "role": role})
            captured[name] = {"sql": sql}
    return rows, captured


@contextlib.contextmanager
def quiet_refusals():
    """Roles that may not open a page are tried on the way: their 403/405 are expected, not news."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _try_filters(name, client, forms, today):
    """Request each filter once; -> (row, [(path, sql)] of the SELECTs they ran)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    base = reverse(name)
    row = {"name": name, "path": base, "filters": 0, "slowest_ms": 0.0, "errors": []}
    sql = []
    for path in filter_paths(base, forms, today):
        with CaptureQueriesContext(connection) as cq:
            started = time.perf_counter()
            response = client.get(path)
            ms = (time.perf_counter() - started) * 1000
        row["filters"] += 1
        if response.status_code != 200:
            row["errors"].append(f"GET {path} -> {response.status_code}")
            continue
        row["slowest_ms"] = max(row["slowest_ms"], ms)
        sql += [(path, q["sql"]) for q in cq.captured_queries]
    return row, sql


def _first_page_with_filters(name, school, clients):
    """-> (the first role that may open the page, its GET forms), or None if it has no filters."""
    from django.urls import reverse

    base = reverse(name)
    for role in ROLES:
        client = clients(school, role)
        if client is None:
            continue
        response = client.get(base)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = GetFormParser(base)
        parser.feed(response.content.decode("utf-8", "replace"))
        forms = [f for f in parser.forms if f.selects or f.inputs or f.links]
        return (role, forms) if forms else None
    return None
