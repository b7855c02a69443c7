"""Authorization matrix for safety.

Every URL x every role x own school / other school / anonymous.

The expected answers come from tests/security/url_table.py and logistics.permissions.PERMISSIONS.
"""

import pytest

from tests.security.matrix import World, run
from tests.security.url_table import URLS

pytestmark = pytest.mark.django_db


def test_it_answers_every_url_as_the_permission_table_says():
    names = [n for n in URLS if n.startswith("safety:")]
    assert names
    world = World(["safety"])
    failures = run(world, names, URLS)
    assert not failures, f"{len(failures)} unexpected answers:\n" + "\n".join(failures)
