"""Uploaded files: validated by content (not by name), images re-encoded, stored under a random name.

Re-encoding an image drops its EXIF (phone photos carry GPS positions) and neutralises polyglot
files; PDFs are accepted by their magic bytes. Files are served only by `views.attachment_download`,
which checks the viewer's school.
"""

import contextlib
import io
import os

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .models import Attachment

IMAGE_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/jpeg", ".jpg")}


def _max_bytes():
    return settings.ATTACHMENT_MAX_BYTES


def inspect_upload(upload, *, images_only=False):
    """Validate an uploaded file; returns (kind, content_type, extension). Raises ValidationError."""
    if upload is None:
        raise ValidationError(_("请选择文件。"))
    if upload.size > _max_bytes():
        raise ValidationError(_("文件过大：不能超过 %(mb)d MB。") % {"mb": _max_bytes() // (1024 * 1024)})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        if images_only:
            raise ValidationError(_("请上传图片（JPG 或 PNG）。"))
        return "pdf", "application/pdf", ".pdf"
    Image.MAX_IMAGE_PIXELS = settings.ATTACHMENT_MAX_PIXELS
    try:
        with Image.open(upload) as img:
            fmt = img.format
            width, height = img.size
            if width * height > settings.ATTACHMENT_MAX_PIXELS:
                raise ValidationError(_("图片尺寸过大。"))
            img.verify()
        upload.seek(0)
        with Image.open(upload) as img, _truncated_images_refused():
            img.load()  # verify() does not decode a JPEG: a truncated one only fails here
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, Image.DecompressionBombError):
            raise ValidationError(_("图片尺寸过大。")) from exc
        raise ValidationError(
            _("文件不是有效的图片或 PDF。") if not images_only else _("文件不是有效的图片（JPG 或 PNG）。")
        ) from exc
    finally:
        upload.seek(0)
    if fmt not in IMAGE_FORMATS:
        raise ValidationError(_("不支持的图片格式：请上传 JPG 或 PNG。"))
    content_type, ext = IMAGE_FORMATS[fmt]
    return "image", content_type, ext


@contextlib.contextmanager
def _truncated_images_refused():
    """WeasyPrint sets PIL's process-wide LOAD_TRUNCATED_IMAGES when it is imported, after which a
    truncated JPEG would load as a half-grey picture. The check must not depend on whether this
    process has drawn a PDF before: refuse them while checking."""
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


def _reencode_image(upload, extension):
    with Image.open(upload) as img:
        img = ImageOps.exif_transpose(img)
        img.thumbnail((2560, 2560))
        out = io.BytesIO()
        if extension == ".png":
            img.save(out, format="PNG", optimize=True)
        else:
            img.convert("RGB").save(out, format="JPEG", quality=85)
    return out.getvalue()


def safe_original_name(name):
    base = os.path.basename((name or "").replace("\\", "/")).strip() or "file"
    return "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/|?*')[:120] or "file"


def save_attachment(*, school, by, upload, target=None, images_only=False) -> Attachment:
    kind, content_type, extension = inspect_upload(upload, images_only=images_only)
    data = _reencode_image(upload, extension) if kind == "image" else upload.read()
    att = Attachment(
        school=school,
        original_name=safe_original_name(getattr(upload, "name", "")),
        content_type=content_type,
        size=len(data),
        extension=extension,
        uploaded_by=by,
    )
    if target is not None:
        att.target_type = ContentType.objects.get_for_model(target.__class__)
        att.target_id = str(target.pk)
    att.file.save("upload" + extension, ContentFile(data), save=False)
    att.save()
    return att


def attach(*, attachment, target):
    attachment.target_type = ContentType.objects.get_for_model(target.__class__)
    attachment.target_id = str(target.pk)
    attachment.save(update_fields=["target_type", "target_id"])


def attachments_for(target):
    return Attachment.objects.filter(
        target_type=ContentType.objects.get_for_model(target.__class__), target_id=str(target.pk)
    )


def validate_image_upload(upload):
    """Form-field validator: the file must really be an image."""
    inspect_upload(upload, images_only=True)


def validate_document_upload(upload):
    inspect_upload(upload, images_only=False)
