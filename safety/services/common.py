"""What the safety services share: photo checks and the non-transition permission check."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from logistics.attachments import inspect_upload, save_attachment
from logistics.permissions import role_can, role_of
from logistics.validation import not_future

MAX_PHOTOS = 6


def require(school, user, permission) -> str:
    """The user's role in the school if it holds `permission` (for checks that are not a transition:
    the workflow engine checks those); else the refusal."""
    role = role_of(school, user)
    if role is None or not role_can(role, permission):
        raise ValidationError(_("您没有权限执行此操作。"))
    return role


def is_member(school, user) -> bool:
    return user is not None and role_of(school, user) is not None


def not_future_on(field, day, label) -> None:
    """logistics.validation.not_future, refused on the form's `field`."""
    try:
        not_future(day, label)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def check_photos(photos, *, limit=MAX_PHOTOS, field=None):
    """Validate every upload before anything is written: a non-image refuses the whole request.
    `field` names the form field the refusal belongs to."""
    photos = [p for p in (photos or []) if p]

    def refuse(message):
        return ValidationError({field: message} if field else message)

    if len(photos) > limit:
        raise refuse(_("每次最多上传 %(n)d 张照片。") % {"n": limit})
    for upload in photos:
        try:
            inspect_upload(upload, images_only=True)
        except ValidationError as exc:
            raise refuse(
                _("照片「%(name)s」：%(msg)s") % {"name": upload.name, "msg": " ".join(exc.messages)}
            ) from exc
    return photos


def save_photos(*, school, by, photos, target):
    for upload in photos:
        save_attachment(school=school, by=by, upload=upload, target=target, images_only=True)
