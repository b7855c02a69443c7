"""Bad input on every form page of every app (generated with Hypothesis): never a 500, nothing written.

See tests/security/badinput.py for what is generated. Example counts are small so the suite stays
fast; raise BAD_INPUT_EXAMPLES locally to search harder.
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.badinput import form_pages, forms_in, hostile_post, row_count
from tests.security.matrix import World
from tests.security.url_table import URLS

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("BAD_INPUT_EXAMPLES", "2"))

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
    for name, url, role in form_pages(world, URLS, prefix):
        client = world.clients[role]
        page = client.get(url)
        if page.status_code != 200:
            failures.append(f"{name}: GET {url} as {role} answered {page.status_code}")
            continue
        page_forms = [f for f in forms_in(page) if f.fields]
        if not page_forms:
            continue
        form = page_forms[0]
        tried += 1

        _check_form(world, name, url, form, client, failures)
    assert tried or app == "monthend", "no form page found"
    assert not failures, "\n".join(failures[:40])


def _check_form(world, name, url, form, client, failures):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(data=st.data())
    def post_hostile(data):
        payload = data.draw(hostile_post(form, world))
        before = row_count()
        response = client.post(url, payload)
        after = row_count()
        if response.status_code >= 500:
            failures.append(f"{name}: 500 for {payload!r}")
        elif after != before:
            failures.append(f"{name}: {after - before} row(s) written for {payload!r}")

    post_hostile()
