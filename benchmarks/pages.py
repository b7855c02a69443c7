"""The pages the benchmark drives, built from the data that exists.

A page whose app (model or URL) does not exist yet is returned with `missing` set and reported as
missing: nothing is faked. Each page says which role's sessions drive it and how to build the n-th
request for a session's school.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from logistics.choices import Role

READ_TARGET_MS = 150
WRITE_TARGET_MS = 200


@dataclass
class Page:
    key: str
    label: str
    role: str = Role.DIRECTOR
    target_ms: int = READ_TARGET_MS
    # request(school_id, n) -> (method, path, data) or None when there is nothing left to do
    request: Callable | None = None
    expect: tuple = (200,)
    missing: str = ""
    schools: str = "regular"  # "regular" (the N schools), "big" (the 100k-asset school) or "bureau"
    note: str = ""
    filters: list = field(default_factory=list)  # extra GET paths for query counts and EXPLAIN only
    # prepare(schools, expected_requests): make the objects a write consumes (in-process, before a level)
    prepare: Callable | None = None
    # verify(page, ctx, started) -> text: checks in the database that the writes really happened
    verify: Callable | None = None

    @property
    def is_write(self):
        return self.target_ms == WRITE_TARGET_MS


def url(name, *args, **kwargs):
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def missing(key, label, why, role=Role.DIRECTOR, target_ms=READ_TARGET_MS):
    return Page(key, label, role=role, target_ms=target_ms, missing=why)


def get(path):
    return lambda school_id, n: ("GET", path, None)


def foundation_pages(ctx) -> list[Page]:
    pages = [Page("dashboard", "仪表板（后勤主任）", request=get(reverse("dashboard")))]
    rooms = reverse("org:room_list")
    pages.append(
        Page(
            "rooms",
            "房间列表（按类型筛选）",
            request=get(f"{rooms}?type=class"),
            filters=[f"{rooms}?q=班", f"{rooms}?campus={{campus}}"],
        )
    )
    pages.append(Page("members", "成员列表", request=get(reverse("org:member_list"))))
    pages.append(Page("certificates", "30天内到期证件", request=get(reverse("org:certificates_expiring"))))
    return pages


def all_pages(ctx) -> list[Page]:
    """Every page of the benchmark, in report order."""
    from . import app_pages

    pages = foundation_pages(ctx)
    pages += app_pages.pages(ctx)
    return pages
