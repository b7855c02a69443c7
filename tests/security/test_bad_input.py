"""Bad input on every form page of every app (generated with Hypothesis): never a 500, nothing written.

See tests/security/badinput.py for what is generated and how "nothing written" is checked. The number
of examples per form comes from the `badinput-ci` Hypothesis profile (sized for CI); set
BADINPUT_PROFILE=badinput-deep and/or BADINPUT_EXAMPLES=<n> to search harder locally.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security.badinput import form_pages, forms_in, hostile_post, post_watched, profile
from tests.security.matrix import World
from tests.security.url_table import URLS

pytestmark = pytest.mark.django_db

APPS = {
    "foundation": ([], lambda n: n.startswith("org:") or n == "password_change"),
    "monthend": ([], lambda n: n.startswith("monthend:")),
    "assets": (["assets"], lambda n: n.startswith("assets:")),
    "canteen": (["canteen"], lambda n: n.startswith("canteen:")),
    "safety": (["safety"], lambda n: n.startswith("safety:")),
    "finance": (["finance"], lambda n: n.startswith("finance:")),
    "hygiene": (["hygiene"], lambda n: n.startswith("hygiene:")),
}


# Problems found in the apps, for their owners (remove the mark once fixed: the xfail is strict).
KNOWN: dict[str, str] = {}


@pytest.mark.parametrize(
    "app",
    [
        pytest.param(a, marks=pytest.mark.xfail(strict=True, reason=KNOWN[a])) if a in KNOWN else a
        for a in APPS
    ],
)
def test_it_refuses_hostile_input_on_every_form_without_a_500_or_a_write(app):
    labels, prefix = APPS[app]
    world = World(labels)
    failures, tried = [], 0
    for name, url, role, obj in form_pages(world, URLS, prefix):
        client = world.clients[role]
        page = client.get(url)
        if page.status_code != 200:
            failures.append(f"{name}: GET {url} as {role} answered {page.status_code}")
            continue
        page_forms = [f for f in forms_in(page) if f.fields]
        if not page_forms:
            continue
        tried += 1
        fuzz_form(world, name, url, page_forms[0], page_forms[1:], client, obj, failures)
    assert tried or app == "monthend", "no form page found"
    assert not failures, "\n".join(failures[:40])


def fuzz_form(world, name, url, form, extra_forms, client, obj, failures):
    """Hostile POSTs to one form page; problems are collected in `failures` (no shrinking: fast)."""

    @profile()
    @given(data=st.data())
    def post_hostile(data):
        poison = data.draw(st.integers(0, 4)) != 0  # four in five POSTs are certainly invalid
        payload, poisoned = data.draw(hostile_post(form, world, extra_forms, poison=poison))
        response, watch = post_watched(client, url, payload, world, objects=[obj] if poisoned else [])
        if response.status_code >= 500:
            failures.append(f"{name}: {response.status_code} for {payload!r}")
        elif poisoned and (problems := watch.problems()):
            failures.append(f"{name}: refused input was written ({'; '.join(problems)}) for {payload!r}")
        elif changes := watch.other_school_changes():
            failures.append(f"{name}: another school's rows changed {changes} for {payload!r}")
        elif watch.nul_tables:
            failures.append(f"{name}: {watch.nul_problem()} for {payload!r}")

    post_hostile()
