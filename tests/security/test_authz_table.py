"""Every named URL has an entry in tests/security/url_table.py (and no entry is left over)."""

from tests.security.matrix import missing_entries, roles_for
from tests.security.url_table import URLS


def test_every_url_has_an_entry_in_the_authorization_table():
    missing, stale = missing_entries(URLS)
    assert not missing, (
        "These URLs have no entry in tests/security/url_table.py. Add one per URL, saying which action of "
        "logistics.permissions.PERMISSIONS it needs and how to build its kwargs:\n  " + "\n  ".join(missing)
    )
    assert not stale, "Entries for URLs that no longer exist (remove them):\n  " + "\n  ".join(stale)


def test_every_table_entry_names_known_actions():
    for name, entry in URLS.items():
        roles_for(entry)  # raises for an action that is not in PERMISSIONS
        if entry.post_perm:
            roles_for(type(entry)(entry.post_perm)), name
