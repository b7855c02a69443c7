"""Authorization matrix for the shared pages (organisation, reports, notifications, account).

Every URL x every role x own school / other school / anonymous.

The expected answers come from tests/security/url_table.py and logistics.permissions.PERMISSIONS.
"""

import pytest

from tests.security.matrix import World, run
from tests.security.url_table import URLS

pytestmark = pytest.mark.django_db


def test_it_answers_every_url_as_the_permission_table_says():
    names = [n for n in URLS if ":" not in n or n.split(":")[0] in ("org", "reports")]
    assert names
    world = World([])
    failures = run(world, names, URLS)
    assert not failures, f"{len(failures)} unexpected answers:\n" + "\n".join(failures)
