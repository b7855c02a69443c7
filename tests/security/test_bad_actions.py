"""Hostile input on the POST-only actions (approve, assign, return, publish, correct ...): never a 500.

These views take a small form or a few POST keys from buttons on a detail page, so the form-page fuzz
(test_bad_input.py) never sees them. The keys are read from the view itself: the fields of the forms it
builds and the keys it reads with request.POST.get(...). Each POST gets hostile values (badinput's value
kinds, ids of another school's rows, missing keys) and runs in a savepoint that is rolled back. An
action may legitimately succeed with odd but valid text, so the checks are: never a 500, another
school's rows are never touched, and no NUL character reaches the database (SQLite stores it, PostgreSQL
refuses it with a 500). One more POST puts NUL in every key the view reads without a form.
"""

from __future__ import annotations

import inspect
import re
import sys
from types import SimpleNamespace

import pytest
from django import forms
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.security.badinput import (
    BAD_IDS,
    ROLE_ORDER,
    any_other_ids,
    hostile_date,
    hostile_number,
    hostile_post,
    hostile_text,
    post_watched,
    profile,
)
from tests.security.matrix import World, kwargs_for, roles_for
from tests.security.url_table import URLS
from tests.security.urlwalk import all_routes

pytestmark = pytest.mark.django_db

APPS = {
    "foundation": ([], lambda n: ":" not in n),
    "monthend": ([], lambda n: n.startswith("monthend:")),
    "assets": (["assets"], lambda n: n.startswith("assets:")),
    "canteen": (["canteen"], lambda n: n.startswith("canteen:")),
    "safety": (["safety"], lambda n: n.startswith("safety:")),
    "finance": (["finance"], lambda n: n.startswith("finance:")),
    "hygiene": (["hygiene"], lambda n: n.startswith("hygiene:")),
}
# every action of the views that take one in the URL
VARIANTS = {
    "safety:hazard_action": [{"action": a} for a in ("assign", "rectify", "verify", "reject")],
    "assets:repair_action": [{"action": a} for a in ("assign", "complete", "accept", "send_back")],
    "monthend:task_action": [{"action": a} for a in ("complete", "skip", "reopen")],
}
SKIP = {"logout"}  # would end the test's sessions
# keys that helpers of the views read (where to go back to): sent to every action
COMMON_KEYS = ["next"]
POST_KEY = re.compile(r"""POST\.get(?:list)?\(\s*["'](\w+)["']""")
FORM_CLASS = re.compile(r"\b(?:forms\.)?([A-Z]\w*Form)\(")


def _unwrap(callback):
    view = getattr(callback, "view_class", None) or callback
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def view_inputs(callback):
    """(form classes, POST keys) the view reads, found in its source."""
    view = _unwrap(callback)
    source = inspect.getsource(view)
    if isinstance(view, type):  # a class-based view (ActionView): its module's names, its form_class
        scope = vars(sys.modules[view.__module__])
        form_class = getattr(view, "form_class", None)
        classes = [form_class] if isinstance(form_class, type) and form_class.base_fields else []
    else:
        scope = getattr(view, "__globals__", {})
        classes = []
    for name in dict.fromkeys(FORM_CLASS.findall(source)):
        cls = scope.get(name) or getattr(scope.get("forms"), name, None)
        if isinstance(cls, type) and issubclass(cls, forms.BaseForm) and cls not in classes:
            classes.append(cls)
    return classes, list(dict.fromkeys(POST_KEY.findall(source) + COMMON_KEYS))


def actions(world, prefix):
    routes = all_routes()
    found = []
    for name, entry in URLS.items():
        if not prefix(name) or not entry.post_only or entry.skip or name in SKIP or entry.owner_only:
            continue
        allowed = roles_for(entry.__class__(entry.post_perm)) if entry.post_perm else roles_for(entry)
        if entry.visible_roles is not None:
            allowed &= set(entry.visible_roles)
        role = next((r for r in ROLE_ORDER if r in allowed), None)
        if role is None:
            continue
        try:
            kwargs = kwargs_for(world, name, entry, world.own)
        except LookupError:
            continue
        classes, keys = view_inputs(routes[name].callback)
        for variant in VARIANTS.get(name, [{}]):
            url = reverse(name, kwargs={**kwargs, **variant})
            found.append((name + (f"({variant['action']})" if variant else ""), url, role, classes, keys))
    return found


def raw_value(world):
    return st.one_of(
        hostile_text(300),
        st.sampled_from(any_other_ids(world) + BAD_IDS),
        hostile_number,
        hostile_date,
    )


@pytest.mark.parametrize("app", list(APPS))
def test_it_never_fails_on_hostile_input_to_an_action(app):
    labels, prefix = APPS[app]
    world = World(labels)
    failures, tried = [], 0
    for name, url, role, classes, keys in actions(world, prefix):
        tried += 1
        fuzz_action(world, name, url, world.clients[role], classes, keys, failures)
    assert tried, "no action found"
    assert not failures, "\n".join(failures[:40])


def fuzz_action(world, name, url, client, classes, keys, failures):
    fields = {}
    for cls in classes:
        fields.update(cls.base_fields)
    shim = SimpleNamespace(fields=fields, add_prefix=lambda n: n)

    @profile(scale=0.5)
    @given(data=st.data())
    def post_hostile(data):
        payload, _poisoned = data.draw(hostile_post(shim, world, poison=False))
        for key in keys:
            if key not in fields and data.draw(st.integers(0, 4)):
                payload[key] = data.draw(raw_value(world))
        response, watch = post_watched(client, url, payload, world, rollback=True)
        check(name, payload, response, watch, failures)

    post_hostile()
    # NUL in every key the view reads itself (forms refuse it; PostgreSQL cannot store it)
    raw = {key: "正常\x00" for key in keys if key not in fields}
    if raw:
        response, watch = post_watched(client, url, raw, world, rollback=True)
        check(name, raw, response, watch, failures)


def check(name, payload, response, watch, failures):
    if response.status_code >= 500:
        failures.append(f"{name}: {response.status_code} for {payload!r}")
    elif changes := watch.other_school_changes():
        failures.append(f"{name}: another school's rows changed {changes} for {payload!r}")
    elif watch.nul_tables:
        failures.append(f"{name}: {watch.nul_problem()} for {payload!r}")
