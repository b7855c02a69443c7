"""Writes on the organisation: memberships, staff records (DESIGN.md rule 3)."""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .audit import record_change, record_creation, snapshot
from .choices import ChangeAction
from .models import Membership, StaffProfile

# Apps register checks that must pass before a membership closes (e.g. assets not yet handed over).
# Each check(membership) returns a list of messages; any message blocks the closing.
MEMBERSHIP_END_CHECKS: list[Callable] = []


def save_with_log(*, form, by, reason=""):
    """Save a ModelForm of an ordinary (non-compliance) record and log what changed."""
    with transaction.atomic():
        is_new = form.instance.pk is None
        before = None if is_new else snapshot(form.instance.__class__.objects.get(pk=form.instance.pk))
        obj = form.save()
        if is_new:
            record_creation(obj=obj, by=by, reason=reason)
        else:
            record_change(obj=obj, by=by, action=ChangeAction.UPDATE, before=before, reason=reason)
    return obj


def member_add(
    *,
    school,
    by,
    username,
    full_name,
    password,
    role,
    campus=None,
    department=None,
    post="",
    phone="",
    existing_user=None,
) -> Membership:
    with transaction.atomic():
        user = existing_user
        if user is None:
            user = get_user_model().objects.create_user(
                username=username, password=password, first_name=full_name
            )
        membership = Membership.objects.create(
            school=school, user=user, role=role, campus=campus, department=department
        )
        profile, created = StaffProfile.objects.get_or_create(school=school, user=user)
        if post or phone:
            profile.post, profile.phone = post or profile.post, phone or profile.phone
            profile.save(update_fields=["post", "phone"])
        record_creation(obj=membership, by=by)
    return membership


def membership_end_blockers(membership) -> list[str]:
    messages = []
    for check in MEMBERSHIP_END_CHECKS:
        messages.extend(check(membership))
    return messages


def membership_end(*, membership, by, ended_on, reason) -> Membership:
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.ended_on is not None:
            raise ValidationError(_("该成员已离岗。"))
        if locked.user_id == by.pk:
            raise ValidationError(_("不能关闭自己的成员资格。"))
        blockers = membership_end_blockers(locked)
        if blockers:
            raise ValidationError(blockers)
        before = snapshot(locked)
        locked.ended_on = ended_on
        locked.save(update_fields=["ended_on"])
        record_change(obj=locked, by=by, action=ChangeAction.UPDATE, before=before, reason=reason)
    return locked
