"""Services notify a user or every holder of a role in a school; the in-app list shows them."""

from django.utils import timezone

from . import usercache
from .models import Membership, Notification


def notify(
    *, school, title: str, body: str = "", url: str = "", users=(), roles=(), dedupe_key: str = ""
) -> int:
    """Create one notification per recipient; with a dedupe_key a rerun notifies nobody twice.

    Returns how many notifications were created. One INSERT for all recipients (plus one query for
    the role holders and, with a dedupe_key, one for who already has it), so a service that notifies
    a whole role does not pay a query and a commit per person. The (user, dedupe_key) unique
    constraint settles a race with a concurrent run: its rows are skipped (ignore_conflicts), and
    only then can the returned count be higher than the rows this call actually wrote.
    """
    recipients = {u.pk for u in users}
    if roles:
        recipients.update(
            Membership.objects.active()
            .filter(school=school, role__in=list(roles))
            .order_by()
            .values_list("user_id", flat=True)
        )
    if recipients and dedupe_key:
        recipients -= _already_notified(dedupe_key, recipients)
    if not recipients:
        return 0
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                school=school,
                user_id=user_id,
                title=title[:200],
                body=body,
                url=url,
                created_at=now,
                dedupe_key=dedupe_key,
            )
            for user_id in sorted(recipients)
        ],
        ignore_conflicts=True,
    )
    usercache.bump_user(*recipients)
    return len(recipients)


def _already_notified(dedupe_key, user_ids) -> set:
    return set(
        Notification.objects.filter(dedupe_key=dedupe_key, user_id__in=user_ids)
        .order_by()
        .values_list("user_id", flat=True)
    )


def unread_count(request) -> int:
    """Unread notifications of the logged-in user: counted once per request (badge and card share it)
    and, with Redis, kept beside the user's schools until a notification of theirs changes."""
    if not hasattr(request, "_unread_notifications"):
        entry = getattr(request, "shell_entry", None)
        if entry is not None and "unread" in entry and not entry.outdated:
            request._unread_notifications = entry["unread"]
        else:
            request._unread_notifications = Notification.objects.filter(
                user=request.user, read_at__isnull=True
            ).count()
            if entry is not None:
                entry["unread"] = request._unread_notifications
                entry.save()
    return request._unread_notifications


def mark_read(*, user, ids=None):
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    marked = qs.update(read_at=timezone.now())
    if marked:
        usercache.bump_user(user.pk)
    return marked


__all__ = ["notify", "mark_read", "Membership"]
