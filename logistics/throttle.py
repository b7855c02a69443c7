"""Login throttling: after LOGIN_FAILURE_LIMIT failures an account (and an address) is locked
for LOGIN_LOCKOUT_SECONDS. Counters live in the database cache, shared by every web worker."""

from django.conf import settings
from django.core.cache import cache


def _keys(username, ip):
    return [f"login-fail:user:{(username or '').lower()[:150]}", f"login-fail:ip:{ip}"]


def client_ip(request):
    # Behind nginx, REMOTE_ADDR is the proxy; trust X-Forwarded-For only when told to.
    # The proxy APPENDS the address it saw, so only the last entry is trustworthy: the first ones
    # are whatever the client sent (a forged header would otherwise dodge the address lock).
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def is_locked(username, ip) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    user_key, ip_key = _keys(username, ip)
    return (cache.get(user_key, 0) >= limit) or (cache.get(ip_key, 0) >= limit * 4)


def record_failure(username, ip):
    for key in _keys(username, ip):
        # set, not incr: cache.incr() re-stores the value with the cache's DEFAULT timeout (5 min),
        # which would end the lock after 5 minutes instead of LOGIN_LOCKOUT_SECONDS.
        cache.set(key, cache.get(key, 0) + 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def clear(username, ip):
    cache.delete(_keys(username, ip)[0])
