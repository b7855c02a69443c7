"""Uploads: validated by content, images re-encoded, random names; hostile files refused or neutralised."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from logistics.attachments import save_attachment
from logistics.models import Attachment

pytestmark = pytest.mark.django_db


def png_bytes(size=(60, 40), color=(10, 120, 200)):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def jpeg_with_gps():
    img = Image.new("RGB", (50, 50), (200, 10, 10))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def png_bomb(width=60000, height=60000):
    """A tiny PNG whose header claims 3.6 gigapixels (decompression bomb)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)
HTML_AS_JPG = b"<html><body><script>alert(1)</script></body></html>"


def _upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", HTML_AS_JPG, "不是有效的图片"),
        ("photo.png", b"MZ\x90\x00" + b"\x00" * 200, "不是有效的图片"),  # a Windows program
        ("image.svg", SVG_WITH_SCRIPT, "不是有效的图片"),
        ("image.png", SVG_WITH_SCRIPT, "不是有效的图片"),
        ("bomb.png", png_bomb(), "尺寸过大"),
    ],
    ids=["html-as-jpg", "exe-as-png", "svg-script", "svg-as-png", "image-bomb"],
)
def test_it_refuses_hostile_images(school, director, name, data, message):
    with pytest.raises(ValidationError, match=message):
        save_attachment(school=school, by=director, upload=_upload(name, data), images_only=True)
    assert not Attachment.objects.exists()


def test_it_refuses_an_svg_even_where_documents_are_allowed(school, director):
    with pytest.raises(ValidationError):
        svg = _upload("plan.svg", SVG_WITH_SCRIPT, "image/svg+xml")
        save_attachment(school=school, by=director, upload=svg)


def test_it_refuses_an_oversized_file(school, director, settings):
    settings.ATTACHMENT_MAX_BYTES = 50_000
    big = png_bytes(size=(400, 400))
    big += b"\x00" * (60_000 - len(big))
    with pytest.raises(ValidationError, match="文件过大"):
        save_attachment(school=school, by=director, upload=_upload("big.png", big, "image/png"))


def test_it_stores_a_path_traversal_name_under_a_random_name_inside_media(school, director, settings):
    upload = _upload("../../../../etc/cron.d/evil.png", png_bytes(), "image/png")
    att = save_attachment(school=school, by=director, upload=upload)
    media = Path(settings.MEDIA_ROOT).resolve()
    stored = Path(att.file.path).resolve()
    assert media in stored.parents
    assert ".." not in att.file.name and "evil" not in att.file.name and "cron" not in att.file.name
    assert att.original_name == "evil.png"  # only the base name is kept, for the download name
    for bad in ("..\\..\\windows\\win.ini.png", "a/b/\x00c.png", "<script>.png"):
        att = save_attachment(school=school, by=director, upload=_upload(bad, png_bytes(), "image/png"))
        assert "/" not in att.original_name and "\\" not in att.original_name and "<" not in att.original_name


def test_it_drops_exif_and_trailing_payloads_by_re_encoding(school, director):
    polyglot = jpeg_with_gps() + b"<script>alert(1)</script>"
    att = save_attachment(school=school, by=director, upload=_upload("gps.jpg", polyglot), images_only=True)
    data = Path(att.file.path).read_bytes()
    assert b"<script>" not in data
    assert b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as img:
        assert not img.getexif().get(0x8825)


def test_it_serves_documents_as_downloads_with_a_strict_content_policy(school, director, as_director):
    pdf = save_attachment(
        school=school,
        by=director,
        upload=_upload("制度.pdf", b"%PDF-1.4\n<script>x</script>\n%%EOF", "application/pdf"),
    )
    response = as_director.get(reverse("attachment", args=[pdf.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_it_does_not_serve_another_schools_file(school, director, as_outsider, outsider):
    att = save_attachment(school=school, by=director, upload=_upload("a.png", png_bytes(), "image/png"))
    assert as_outsider.get(reverse("attachment", args=[att.uuid])).status_code == 404


# --- through a real upload form (assets: report a repair with a photo) ---------------------------
def _repair_post(as_client, room, name, data, content_type="image/jpeg"):
    return as_client.post(
        reverse("assets:repair_create"),
        {
            "room": room.pk,
            "description": "灯管不亮",
            "urgency": "normal",
            "photo": SimpleUploadedFile(name, data, content_type=content_type),
        },
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [("photo.jpg", HTML_AS_JPG), ("photo.svg", SVG_WITH_SCRIPT), ("bomb.png", png_bomb())],
    ids=["html-as-jpg", "svg", "bomb"],
)
def test_it_answers_a_form_error_and_writes_nothing_for_a_hostile_photo(as_teacher, room, name, data):
    from assets.models import RepairRequest as Repair

    response = _repair_post(as_teacher, room, name, data)
    assert response.status_code == 400  # a form with errors (logistics.actions)
    assert "photo" in response.context["form"].errors
    assert not Repair.objects.exists()
    assert not Attachment.objects.exists()


def test_it_accepts_a_real_photo_through_the_form(as_teacher, room):
    from assets.models import RepairRequest as Repair

    response = _repair_post(as_teacher, room, "../../x.png", png_bytes(), "image/png")
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert Repair.objects.count() == 1
    att = Attachment.objects.get()
    assert att.extension == ".png" and att.original_name == "x.png"
