import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from safety import services
from safety.choices import InspectionKind, ItemResult
from safety.validators import id_check_char


def valid_id(first17="11010519491231002"):
    return first17 + id_check_char(first17)


def png_upload(name="photo.png"):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def fake_image(name="photo.jpg"):
    return SimpleUploadedFile(name, b"MZ this is not an image at all", content_type="image/jpeg")


@pytest.fixture
def weekly(school, director):
    inspection, _ = services.inspection_create(
        school=school, kind=InspectionKind.WEEKLY, day=timezone.localdate(), by=director
    )
    return inspection


def all_results(inspection, fail_first=False):
    results = {i.pk: (ItemResult.PASS, "") for i in inspection.items.all()}
    if fail_first:
        first = inspection.items.first()
        results[first.pk] = (ItemResult.FAIL, "插座外壳破损")
    return results


def post_results(inspection, fail_first=False):
    data = {}
    for pk, (result, note) in all_results(inspection, fail_first).items():
        data[f"result_{pk}"] = result
        data[f"note_{pk}"] = note
    return data


@pytest.fixture
def hazard(school, teacher):
    return services.hazard_report(
        school=school,
        by=teacher,
        title="二楼消防通道堵塞",
        risk_level="high",
        found_on=timezone.localdate() - datetime.timedelta(days=3),
        location="二楼东侧",
    )
