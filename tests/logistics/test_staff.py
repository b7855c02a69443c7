import datetime
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from logistics.certificates import send_certificate_expiry_alerts
from logistics.choices import CertificateKind
from logistics.models import Certificate, Notification, StaffProfile
from tests.factories import CertificateFactory
from tests.helpers import assert_status, form_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def cook_profile(school, canteen):
    return StaffProfile.objects.get(school=school, user=canteen)


def test_it_records_a_certificate_with_expiry(as_director, cook_profile):
    response = as_director.post(
        reverse("org:certificate_add", args=[cook_profile.pk]),
        {
            "kind": CertificateKind.HEALTH,
            "number": "JK2026-001",
            "issued_on": "2026-01-05",
            "expires_on": "2027-01-04",
        },
    )
    assert response.status_code == 302
    cert = Certificate.objects.get(number="JK2026-001")
    assert cert.staff == cook_profile and cert.school == cook_profile.school


def test_it_refuses_an_expiry_before_the_issue_date(as_director, cook_profile):
    response = as_director.post(
        reverse("org:certificate_add", args=[cook_profile.pk]),
        {
            "kind": CertificateKind.HEALTH,
            "number": "X",
            "issued_on": "2026-01-05",
            "expires_on": "2025-01-04",
        },
    )
    assert "有效期不能早于发证日期。" in form_errors(response)
    assert not Certificate.objects.exists()


def test_it_refuses_an_issue_date_in_the_future(as_director, cook_profile):
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = as_director.post(
        reverse("org:certificate_add", args=[cook_profile.pk]),
        {
            "kind": CertificateKind.HEALTH,
            "issued_on": future.isoformat(),
        },
    )
    assert "发证日期不能晚于今天。" in form_errors(response)


def test_it_edits_a_staff_record_and_validates_the_phone(as_director, cook_profile):
    url = reverse("org:staff_update", args=[cook_profile.pk])
    response = as_director.post(url, {"post": "厨师长", "phone": "电话号码"})
    assert "电话号码格式不正确。" in form_errors(response)
    as_director.post(url, {"post": "厨师长", "phone": "13912345678", "hire_date": "2020-09-01"})
    cook_profile.refresh_from_db()
    assert cook_profile.post == "厨师长" and cook_profile.phone == "13912345678"


def test_staff_records_are_private_to_the_school(as_outsider, as_teacher, cook_profile):
    assert_status(as_outsider, reverse("org:staff_detail", args=[cook_profile.pk]), 404)
    assert_status(as_teacher, reverse("org:staff_detail", args=[cook_profile.pk]), 403)
    assert_status(as_teacher, reverse("org:certificate_add", args=[cook_profile.pk]), 403)


def test_it_lists_certificates_expiring_in_30_days(as_director, cook_profile):
    today = timezone.localdate()
    soon = CertificateFactory(
        staff=cook_profile, number="SOON", expires_on=today + datetime.timedelta(days=10)
    )
    CertificateFactory(staff=cook_profile, number="LATER", expires_on=today + datetime.timedelta(days=90))
    expired = CertificateFactory(
        staff=cook_profile, number="OLD", expires_on=today - datetime.timedelta(days=1)
    )
    response = as_director.get(reverse("org:certificates_expiring"))
    listed = set(response.context["certificates"])
    assert listed == {soon, expired}


def test_the_expiry_alert_notifies_the_director_and_the_holder_once(school, director, canteen, cook_profile):
    CertificateFactory(staff=cook_profile, expires_on=timezone.localdate() + datetime.timedelta(days=5))
    assert send_certificate_expiry_alerts() == 2
    assert send_certificate_expiry_alerts() == 0
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        director.username,
        canteen.username,
    }


def test_the_certificate_report_downloads_as_excel(as_director, cook_profile):
    CertificateFactory(staff=cook_profile, number='=HYPERLINK("http://x")')
    response = as_director.get(reverse("reports:download", args=["org.certificates", "xlsx"]))
    assert response.status_code == 200
    path = "/tmp/cert-test.xlsx"
    with open(path, "wb") as fh:
        fh.write(b"".join(response.streaming_content))
    ws = load_workbook(path).active
    assert "员工证件一览表" in ws["A1"].value
    assert [c.value for c in ws[3]][:3] == ["姓名", "岗位", "证件类型"]
    number_cell = ws["D4"]
    assert number_cell.value.startswith("=HYPERLINK") and number_cell.data_type == "s"


def test_the_certificate_report_pdf_has_chinese_text(as_director, cook_profile, tmp_path):
    CertificateFactory(staff=cook_profile, number="JK-PDF-1")
    response = as_director.get(reverse("reports:download", args=["org.certificates", "pdf"]))
    assert response.status_code == 200
    pdf = tmp_path / "certs.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "员工证件一览表" in text
    assert "JK-PDF-1" in text
    assert "第1页" in text.replace(" ", "")


def test_the_report_page_refuses_unknown_reports_and_formats(as_director):
    assert_status(as_director, reverse("reports:download", args=["nope", "xlsx"]), 404)
    assert_status(as_director, reverse("reports:download", args=["org.certificates", "csv"]), 404)
    assert_status(
        as_director, reverse("reports:download", args=["org.certificates", "pdf"]) + "?month=2026-13", 404
    )
