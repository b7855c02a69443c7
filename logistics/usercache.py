"""What every page needs about the logged-in user, kept between requests when Redis is configured.

CurrentSchoolMiddleware needs the user's schools and roles on every request (the switcher, and the
check that the session's school is still theirs), and the shell shows the unread-notification
count: two or three queries per page (three or four for the bureau, whose switcher lists the whole
district). With Redis (settings.CACHES["shell"]) they are kept per user in one entry, tagged with
two versions that are read in the same round trip as the entry:

- the user's version, bumped when one of their memberships, their bureau account or one of their
  notifications changes (signals below; `notify` and `mark_read` bump for their bulk writes);
- a global version, bumped when any school or bureau account changes (names, a district's schools).

Signals see save() and delete(), not queryset .update() or bulk_create(): code that writes these
models in bulk calls bump_user()/bump_all() itself, as notifications.notify and mark_read do.

A tag that differs from the current versions is a miss: the request reads the database and stores
the entry under the versions it read *before* reading the database, so a bump that lands while it
reads leaves the stored entry already outdated. Bumps happen at once and again after the
transaction commits, so a request that read the old rows between the two cannot keep them: a
removed membership loses access on the next request. Entries also expire after ENTRY_SECONDS, which
bounds the damage if Redis was unreachable during a bump (logged) and came back with old entries.

Without Redis nothing is cached: the database cache would cost a query per lookup, as much as the
lookups themselves. A Redis error never fails a page: the middleware reads the database instead and
skips Redis for a few seconds.
"""

import logging
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

log = logging.getLogger(__name__)

ALIAS = "shell"
ENTRY_SECONDS = 300
RETRY_AFTER_ERROR_SECONDS = 10
_GLOBAL = "shell:v:all"
_down_until = 0.0
_local = threading.local()  # users whose entry this thread's request has outdated


def usable(alias):
    """caches[alias], or None when it is not configured or failed in the last few seconds.

    A cache here is an optimisation: a Redis outage must cost a failed connection once per
    RETRY_AFTER_ERROR_SECONDS per process, not one (or a timeout) per request."""
    if alias not in settings.CACHES or time.monotonic() < _down_until:
        return None
    return caches[alias]


def failed(what):
    """Record a cache error (see `usable`) and log it."""
    global _down_until
    _down_until = time.monotonic() + RETRY_AFTER_ERROR_SECONDS
    log.warning("cache unavailable (%s): computing from the database", what, exc_info=True)


def _cache():
    return usable(ALIAS)


def _user_key(user_id):
    return f"shell:v:u{user_id}"


def _entry_key(user_id):
    return f"shell:e:u{user_id}"


class Entry(dict):
    """{"choices": [(school, role), ...], "unread": int (once a page has counted it)}."""

    def __init__(self, user_id, tag, cache, *args):
        super().__init__(*args)
        self.user_id, self.tag, self.cache = user_id, tag, cache
        _local.bumped = set()

    @property
    def outdated(self):
        """This request changed the user's data after loading the entry (e.g. notified them)."""
        return self.user_id in getattr(_local, "bumped", ())

    def save(self):
        if self.cache is None or self.tag is None:
            return
        try:
            self.cache.set(_entry_key(self.user_id), (self.tag, dict(self)), ENTRY_SECONDS)
        except Exception:
            failed("shell set")


def load(user_id) -> Entry:
    """The user's cached entry; empty (with what is needed to store it) when missing or outdated."""
    cache = _cache()
    if cache is None:
        return Entry(user_id, None, None)
    keys = [_user_key(user_id), _GLOBAL, _entry_key(user_id)]
    try:
        found = cache.get_many(keys)
        tag = (found.get(keys[0]), found.get(keys[1]))
        if None in tag:  # never bumped (or evicted): start versions now; store nothing this time
            tag = _start(cache, keys[:2], tag)
    except Exception:
        failed("shell get")
        return Entry(user_id, None, None)
    stored = found.get(keys[2])
    if tag is not None and stored is not None and stored[0] == tag:
        return Entry(user_id, tag, cache, stored[1])
    return Entry(user_id, tag, cache)


def _start(cache, keys, tag):
    fresh = list(tag)
    for i, key in enumerate(keys):
        if fresh[i] is None:
            token = uuid.uuid4().hex
            if not cache.add(key, token, None):
                return None  # someone else started it meanwhile: do not store under a guess
            fresh[i] = token
    return tuple(fresh)


def bump_user(*user_ids):
    """The users' entries are outdated: now, and again once the current transaction commits."""
    if ALIAS not in settings.CACHES or not user_ids:
        return
    getattr(_local, "bumped", set()).update(user_ids)
    _bump([_user_key(u) for u in user_ids])
    transaction.on_commit(lambda: _bump([_user_key(u) for u in user_ids]))


def bump_all():
    if ALIAS not in settings.CACHES:
        return
    _bump([_GLOBAL])
    transaction.on_commit(lambda: _bump([_GLOBAL]))


def _bump(keys):
    try:
        caches[ALIAS].set_many({key: uuid.uuid4().hex for key in keys}, None)
    except Exception:
        log.error("shell cache: could not invalidate %s; entries expire within %ss", keys, ENTRY_SECONDS)


def connect_signals():
    from django.db.models.signals import post_delete, post_save

    from .models import BureauAccount, Membership, Notification, School

    def user_changed(sender, instance, **kwargs):
        bump_user(instance.user_id)

    def everyone_changed(sender, instance, **kwargs):
        bump_all()

    for model in (Membership, Notification):
        post_save.connect(user_changed, sender=model, dispatch_uid=f"usercache-{model.__name__}-save")
        post_delete.connect(user_changed, sender=model, dispatch_uid=f"usercache-{model.__name__}-del")
    for model in (School, BureauAccount):
        post_save.connect(everyone_changed, sender=model, dispatch_uid=f"usercache-{model.__name__}-save")
        post_delete.connect(everyone_changed, sender=model, dispatch_uid=f"usercache-{model.__name__}-del")
