"""User text is data, never markup or a formula: escaped in pages and PDFs, plain text in Excel."""

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from logistics.choices import Role
from logistics.models import StaffProfile
from tests.factories import CertificateFactory, RoomFactory, member

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'
IMG = '<img src="file:///etc/hostname" onerror="alert(1)">'
FORMULAS = ["=1+2", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", '=HYPERLINK("http://evil.example/","点我")']


def test_it_escapes_user_text_in_pages(as_director, school, campus):
    RoomFactory(school=school, campus=campus, name=SCRIPT)
    html = as_director.get(reverse("org:room_list")).content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_it_escapes_user_text_in_an_apps_detail_page(as_teacher, as_director, room):
    from assets.models import RepairRequest

    response = as_teacher.post(
        reverse("assets:repair_create"), {"room": room.pk, "description": SCRIPT + IMG, "urgency": "normal"}
    )
    assert response.status_code == 302
    repair = RepairRequest.objects.get()
    html = as_director.get(reverse("assets:repair_detail", args=[repair.pk])).content.decode()
    assert SCRIPT not in html and IMG not in html
    assert "&lt;script&gt;" in html


def test_it_escapes_notification_text(as_director, school, director):
    from logistics.notifications import notify

    notify(school=school, title=SCRIPT, body=IMG, users=[director])
    html = as_director.get(reverse("notifications")).content.decode()
    assert SCRIPT not in html and IMG not in html


def test_it_escapes_labels_in_the_hygiene_svg_chart():
    from hygiene.charts import bar_chart

    series = [(IMG, [3, 4], "#123456")]
    svg = str(bar_chart([SCRIPT, "二楼"], series, title=SCRIPT, unit="<b>", reference=2, reference_label=IMG))
    assert "<script" not in svg and "<img" not in svg and "<b>" not in svg


@pytest.fixture
def hostile_staff(school):
    people = []
    for i, text in enumerate([SCRIPT, IMG, *FORMULAS]):
        user = member(school, Role.TEACHER, username=f"hostile{i}")
        user.first_name = text
        user.save(update_fields=["first_name"])
        profile = StaffProfile.objects.get(school=school, user=user)
        profile.post = FORMULAS[i % len(FORMULAS)]
        profile.save(update_fields=["post"])
        CertificateFactory(staff=profile, number=FORMULAS[(i + 1) % len(FORMULAS)])
        people.append(user)
    return people


def test_it_writes_formula_like_text_as_plain_text_in_excel(as_director, hostile_staff):
    response = as_director.get(reverse("reports:download", args=["org.certificates", "xlsx"]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = load_workbook(io.BytesIO(data))
    values = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    for text in FORMULAS:
        assert text in values, text
    for cell in cells:
        if isinstance(cell.value, str) and cell.value in FORMULAS:
            assert cell.data_type == "s", (cell.coordinate, cell.value)


def test_it_prints_markup_as_text_in_pdfs_and_fetches_nothing(as_director, hostile_staff, tmp_path):
    response = as_director.get(reverse("reports:download", args=["org.certificates", "pdf"]))
    assert response.status_code == 200
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert "".join(SCRIPT.split()) in flat  # shown as text, not interpreted
    assert "file:///etc/hostname" in flat
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    if hostname:
        assert hostname not in text.replace("file:///etc/hostname", "")


def test_settings_keep_auto_escaping_on():
    for engine in settings.TEMPLATES:
        assert engine["OPTIONS"].get("autoescape", True) is True
