"""Pack pages: list, regenerate (director), download (school and its bureau), detail."""

import pytest
from django.urls import reverse

from logistics.models import District
from logistics.reports import Period
from monthend import services
from monthend.choices import PackStatus, PackTrigger
from monthend.models import MonthPack
from tests.factories import BureauAccountFactory, SchoolFactory
from tests.helpers import assert_login_required, assert_status

OCT = Period.month(2026, 10)


@pytest.fixture
def ready_pack(school, test_reports):
    pack, _ = services.pack_schedule(school=school, period=OCT, enqueue=False)
    return services.pack_build(pack_id=pack.pk)


@pytest.fixture
def other_pack(other_school, test_reports):
    pack, _ = services.pack_schedule(school=other_school, period=OCT, enqueue=False)
    return services.pack_build(pack_id=pack.pk)


def test_anonymous_users_are_sent_to_login(ready_pack):
    assert_login_required(reverse("monthend:pack_list"))
    assert_login_required(reverse("monthend:pack_detail", args=[ready_pack.pk]))
    assert_login_required(reverse("monthend:pack_download", args=[ready_pack.pk, "pdf"]))
    assert_login_required(reverse("monthend:pack_regenerate"), method="post", data={"month": "2026-10"})
    assert_login_required(reverse("monthend:bureau"))


def test_wrong_roles_get_403(ready_pack, as_teacher, as_canteen, as_principal):
    for client in (as_teacher, as_canteen):
        assert_status(client, reverse("monthend:pack_list"), 403)
        assert_status(client, reverse("monthend:pack_download", args=[ready_pack.pk, "xlsx"]), 403)
        assert_status(
            client, reverse("monthend:pack_regenerate"), 403, method="post", data={"month": "2026-10"}
        )
    assert_status(as_principal, reverse("monthend:bureau"), 403)
    assert MonthPack.objects.count() == 1


def test_another_schools_pack_is_404(ready_pack, other_pack, as_outsider, as_director):
    assert_status(as_outsider, reverse("monthend:pack_download", args=[ready_pack.pk, "pdf"]), 404)
    assert_status(as_outsider, reverse("monthend:pack_detail", args=[ready_pack.pk]), 404)
    assert_status(as_director, reverse("monthend:pack_download", args=[other_pack.pk, "xlsx"]), 404)
    assert_status(as_director, reverse("monthend:pack_download", args=[ready_pack.pk, "exe"]), 404)


def test_the_director_downloads_the_pack_with_its_checksum(
    ready_pack, as_director, django_assert_max_num_queries
):
    import hashlib

    for fmt, content_type in (("xlsx", "spreadsheetml"), ("pdf", "application/pdf")):
        response = as_director.get(reverse("monthend:pack_download", args=[ready_pack.pk, fmt]))
        assert response.status_code == 200 and content_type in response["Content-Type"]
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == getattr(ready_pack, f"{fmt}_sha256")
        assert "attachment" in response["Content-Disposition"]
    page = as_director.get(reverse("monthend:pack_detail", args=[ready_pack.pk]))
    assert ready_pack.pdf_sha256 in page.content.decode()


def test_the_pack_list_has_a_fixed_number_of_queries(school, as_director, django_assert_max_num_queries):
    for month in range(1, 10):
        for version in (1, 2, 3):
            MonthPack.objects.create(
                school=school, month=f"2026-{month:02d}", version=version, trigger=PackTrigger.SCHEDULED
            )
    with django_assert_max_num_queries(12):
        response = as_director.get(reverse("monthend:pack_list"))
    assert response.status_code == 200
    assert response.content.decode().count("第3版") == 9


def test_the_director_regenerates_a_new_version(
    ready_pack, as_director, director, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_director.post(reverse("monthend:pack_regenerate"), {"month": "2026-10"})
    assert response.status_code == 302
    new = MonthPack.objects.get(version=2)
    assert (
        new.status == PackStatus.READY and new.trigger == PackTrigger.MANUAL and new.requested_by == director
    )
    assert MonthPack.objects.filter(version=1, status=PackStatus.READY).exists()


def test_an_invalid_month_writes_nothing(school, as_director, test_reports):
    for bad in ("2026-13", "", "2099-01", "<script>"):
        response = as_director.post(reverse("monthend:pack_regenerate"), {"month": bad}, follow=True)
        assert response.status_code == 200
        assert "请选择正确的月份" in response.content.decode()
    assert MonthPack.objects.count() == 0


def test_a_bureau_user_downloads_packs_of_its_district_only(ready_pack, other_pack, as_bureau, bureau):
    # the bureau's current school is `school`; it can still download other_school's pack (same district)
    for pack in (ready_pack, other_pack):
        response = as_bureau.get(reverse("monthend:pack_download", args=[pack.pk, "pdf"]))
        assert response.status_code == 200
    elsewhere = SchoolFactory(district=District.objects.create(name="外区", bureau_name="外区教育局"))
    foreign, _ = services.pack_schedule(school=elsewhere, period=OCT, enqueue=False)
    services.pack_build(pack_id=foreign.pk)
    assert_status(as_bureau, reverse("monthend:pack_download", args=[foreign.pk, "pdf"]), 404)
    assert_status(as_bureau, reverse("monthend:pack_detail", args=[foreign.pk]), 404)
    # the bureau is read-only: it cannot regenerate
    assert_status(
        as_bureau, reverse("monthend:pack_regenerate"), 403, method="post", data={"month": "2026-10"}
    )


def test_a_bureau_user_of_another_district_sees_nothing(ready_pack, client_for):
    other = BureauAccountFactory(district=District.objects.create(name="外区2", bureau_name="外区2教育局"))
    client = client_for(other.user)
    response = client.get(reverse("monthend:pack_download", args=[ready_pack.pk, "pdf"]))
    assert response.status_code in (403, 404)


def test_a_pack_not_ready_cannot_be_downloaded(school, as_director):
    pending = MonthPack.objects.create(
        school=school, month="2026-10", version=1, trigger=PackTrigger.SCHEDULED
    )
    assert_status(as_director, reverse("monthend:pack_download", args=[pending.pk, "pdf"]), 404)


def test_the_list_reloads_itself_while_a_pack_is_being_generated(school, as_director):
    MonthPack.objects.create(school=school, month="2026-10", version=1, trigger=PackTrigger.MANUAL)
    assert 'http-equiv="refresh"' in as_director.get(reverse("monthend:pack_list")).content.decode()
    MonthPack.objects.update(status=PackStatus.READY)
    assert 'http-equiv="refresh"' not in as_director.get(reverse("monthend:pack_list")).content.decode()
