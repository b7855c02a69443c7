"""Login throttling: after LOGIN_FAILURE_LIMIT failures an account (and an address) is locked
for LOGIN_LOCKOUT_SECONDS. Counters live in the database cache, shared by every web worker."""

from django.conf import settings
from django.core.cache import cache


def _keys(username, ip):
    return [f"login-fail:user:{(username or '').lower()[:150]}", f"login-fail:ip:{ip}"]


def client_ip(request):
    # Behind nginx, REMOTE_ADDR is the proxy; trust X-Forwarded-For only when told to.
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def is_locked(username, ip) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    user_key, ip_key = _keys(username, ip)
    return (cache.get(user_key, 0) >= limit) or (cache.get(ip_key, 0) >= limit * 4)


def record_failure(username, ip):
    for key in _keys(username, ip):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def clear(username, ip):
    cache.delete(_keys(username, ip)[0])
