"""Services notify a user or every holder of a role in a school; the in-app list shows them."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from .models import Membership, Notification


def users_with_roles(school, roles):
    return (
        get_user_model()
        .objects.filter(
            memberships__school=school, memberships__role__in=list(roles), memberships__ended_on__isnull=True
        )
        .distinct()
    )


def notify(
    *, school, title: str, body: str = "", url: str = "", users=(), roles=(), dedupe_key: str = ""
) -> int:
    """Create one notification per recipient; with a dedupe_key a rerun notifies nobody twice.

    Returns how many notifications were created.
    """
    recipients = {u.pk: u for u in users}
    if roles:
        recipients.update({u.pk: u for u in users_with_roles(school, roles)})
    created = 0
    for user in recipients.values():
        if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
            continue
        try:
            with transaction.atomic():
                Notification.objects.create(
                    school=school, user=user, title=title[:200], body=body, url=url, dedupe_key=dedupe_key
                )
            created += 1
        except IntegrityError:  # a concurrent run got there first
            continue
    return created


def unread_count(request) -> int:
    """Unread notifications of the logged-in user, counted once per request (badge and card share it)."""
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = Notification.objects.filter(
            user=request.user, read_at__isnull=True
        ).count()
    return request._unread_notifications


def mark_read(*, user, ids=None):
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


__all__ = ["notify", "mark_read", "users_with_roles", "Membership"]
