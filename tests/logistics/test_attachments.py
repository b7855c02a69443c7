import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from logistics.attachments import save_attachment
from tests.helpers import assert_status

pytestmark = pytest.mark.django_db


def _jpeg_with_gps():
    img = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (30, 15, 0), 4: (120, 10, 0)}  # GPSInfo: latitude / longitude
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_it_reencodes_images_and_drops_exif_location(school, director):
    raw = _jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get(0x8825)
    att = save_attachment(school=school, by=director, upload=SimpleUploadedFile("IMG_0001.jpg", raw))
    with att.file.open("rb") as fh:
        stored = Image.open(io.BytesIO(fh.read()))
        assert not stored.getexif().get(0x8825)
        assert stored.size == (64, 48)
    assert att.content_type == "image/jpeg"
    assert "IMG_0001" not in att.file.name  # stored under a random name


def test_it_refuses_a_text_file_named_like_an_image(school, director):
    with pytest.raises(ValidationError, match="不是有效的图片"):
        save_attachment(
            school=school, by=director, upload=SimpleUploadedFile("photo.jpg", b"not an image at all")
        )


def test_it_refuses_an_oversized_file(school, director, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="文件过大"):
        save_attachment(
            school=school, by=director, upload=SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * 2000)
        )


def test_it_refuses_an_image_bomb(school, director, settings):
    settings.ATTACHMENT_MAX_PIXELS = 10_000
    out = io.BytesIO()
    Image.new("1", (2000, 2000)).save(out, format="PNG")
    with pytest.raises(ValidationError, match="图片尺寸过大"):
        save_attachment(school=school, by=director, upload=SimpleUploadedFile("bomb.png", out.getvalue()))


def test_it_refuses_svg_even_when_named_png(school, director):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ValidationError):
        save_attachment(school=school, by=director, upload=SimpleUploadedFile("x.png", svg))


def test_it_keeps_a_safe_name_for_a_path_traversal_upload(school, director):
    att = save_attachment(
        school=school, by=director, upload=SimpleUploadedFile("../../etc/passwd.pdf", b"%PDF-1.4 test")
    )
    assert att.original_name == "passwd.pdf"
    assert ".." not in att.file.name


def test_it_serves_files_only_to_the_owning_school(as_director, as_outsider, client, school, director):
    att = save_attachment(school=school, by=director, upload=SimpleUploadedFile("a.jpg", _jpeg_with_gps()))
    url = reverse("attachment", args=[att.uuid])
    response = assert_status(as_director, url, 200)
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_status(as_outsider, url, 404)
    assert client.get(url).status_code == 302
