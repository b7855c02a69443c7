"""晨午检, 因病缺勤 and 传染病: the flows, the refusals and the class-teacher permission matrix."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from hygiene import selectors, services
from hygiene.choices import AbsenceStatus, CaseStatus, CheckSession, Disease, Symptom
from hygiene.models import CheckFinding, FollowUpCall, HealthCheck, InfectiousCase, SickAbsence
from logistics.choices import Role
from logistics.models import ChangeLog, Notification
from tests.factories import member
from tests.helpers import assert_login_required, assert_status

from .conftest import errors as form_errors
from .conftest import make_children

TODAY = timezone.localdate


def check_url(room, session="morning"):
    return reverse("hygiene:check_create") + f"?room={room.pk}&session={session}"


def check_data(present, **extra):
    data = {
        "date": TODAY().isoformat(),
        "session": "morning",
        "present": present,
        "note": "",
        "f-TOTAL_FORMS": "3",
        "f-INITIAL_FORMS": "0",
        "f-MIN_NUM_FORMS": "0",
        "f-MAX_NUM_FORMS": "30",
    }
    data.update(extra)
    return data


# --- morning checks ----------------------------------------------------------------------------------


def test_it_lets_the_health_teacher_record_a_morning_check_with_an_abnormal_child(as_health, my_class, kids):
    data = check_data(
        4,
        **{
            "f-0-child": kids[0].pk,
            "f-0-symptom": "fever",
            "f-0-temperature": "38.2",
            "f-0-action": "parent_pickup",
        },
    )
    response = as_health.post(check_url(my_class), data)
    assert response.status_code == 302, form_errors(response)
    check = HealthCheck.objects.get()
    assert (check.enrolled, check.present, check.absent) == (5, 4, 1)
    finding = CheckFinding.objects.get()
    assert finding.child == kids[0] and finding.symptom == Symptom.FEVER
    assert ChangeLog.objects.filter(object_id=str(check.pk), action="create").exists()


def test_it_lets_a_class_teacher_record_their_own_class(as_teacher, my_class, kids):
    response = as_teacher.post(check_url(my_class), check_data(5))
    assert response.status_code == 302, form_errors(response)
    assert HealthCheck.objects.filter(room=my_class).count() == 1


def test_it_refuses_a_class_teacher_recording_another_class(as_teacher, other_class, other_kids):
    assert_status(as_teacher, check_url(other_class), 403)
    assert_status(as_teacher, check_url(other_class), 403, method="post", data=check_data(4))
    assert HealthCheck.objects.count() == 0


def test_it_offers_a_class_teacher_only_their_own_children_for_sick_absence(
    as_teacher, my_class, kids, other_kids
):
    response = as_teacher.post(
        reverse("hygiene:absence_create"),
        {"child": other_kids[0].pk, "start_date": TODAY().isoformat(), "symptom": "fever"},
    )
    assert response.status_code == 400
    assert form_errors(response)
    assert SickAbsence.objects.count() == 0


def test_it_refuses_more_present_than_enrolled_and_writes_nothing(as_health, my_class, kids):
    response = as_health.post(check_url(my_class), check_data(6))
    assert response.status_code == 400
    assert any("不能超过在册人数" in e for e in form_errors(response))
    assert HealthCheck.objects.count() == 0


def test_it_refuses_a_negative_present_count_and_a_future_date(as_health, my_class, kids):
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
    response = as_health.post(check_url(my_class), check_data(-1, date=tomorrow))
    errors = form_errors(response)
    assert response.status_code == 400 and len(errors) >= 2
    assert HealthCheck.objects.count() == 0


def test_it_refuses_a_second_check_for_the_same_class_and_session(as_health, my_class, kids):
    as_health.post(check_url(my_class), check_data(5))
    response = as_health.post(check_url(my_class), check_data(4))
    assert any("已登记" in e for e in form_errors(response))
    assert HealthCheck.objects.count() == 1
    # the noon check of the same day is a different record
    response = as_health.post(check_url(my_class, "noon"), check_data(5, session="noon"))
    assert response.status_code == 302
    assert HealthCheck.objects.filter(session=CheckSession.NOON).count() == 1


def test_it_refuses_a_finding_for_a_child_of_another_class(as_health, my_class, kids, other_kids):
    data = check_data(5, **{"f-0-child": other_kids[0].pk, "f-0-symptom": "cough", "f-0-action": "observe"})
    response = as_health.post(check_url(my_class), data)
    assert response.status_code == 400 and form_errors(response)
    assert HealthCheck.objects.count() == 0 and CheckFinding.objects.count() == 0


def test_it_requires_symptom_and_action_for_an_abnormal_child(as_health, my_class, kids):
    response = as_health.post(check_url(my_class), check_data(5, **{"f-0-child": kids[1].pk}))
    assert response.status_code == 400 and len(form_errors(response)) == 2
    assert HealthCheck.objects.count() == 0


def test_it_refuses_a_class_without_children(as_health, my_class):
    response = as_health.post(check_url(my_class), check_data(0))
    assert any("没有在册幼儿" in e for e in form_errors(response))


def test_it_answers_404_for_another_schools_class(as_health, foreign_class):
    assert_status(as_health, check_url(foreign_class), 404)


def test_it_refuses_roles_without_health_recording(as_guard, as_canteen, as_bureau, my_class, kids):
    for client in (as_guard, as_canteen):
        assert_status(client, check_url(my_class), 403)
        assert_status(client, check_url(my_class), 403, method="post", data=check_data(5))
    assert_status(as_bureau, reverse("hygiene:check_list"), 200)
    assert as_bureau.post(check_url(my_class), check_data(5)).status_code in (403, 405)
    assert HealthCheck.objects.count() == 0


def test_it_sends_anonymous_users_to_login(my_class):
    for name in (
        "health_today",
        "check_list",
        "check_create",
        "absence_list",
        "absence_create",
        "attendance",
        "case_list",
    ):
        assert_login_required(reverse(f"hygiene:{name}"))


def test_it_corrects_a_check_with_a_reason_only(as_health, as_teacher, health, my_class, kids):
    check = services.morning_check_record(
        school=my_class.school,
        by=health,
        room=my_class,
        date=TODAY(),
        session="morning",
        present=5,
    )
    url = reverse("hygiene:check_detail", args=[check.pk])
    response = as_health.post(url, {"present": 4, "note": "", "reason": ""})
    assert form_errors(response)
    assert (
        as_health.post(url, {"present": 4, "note": "补登", "reason": "一名幼儿实际未到"}).status_code == 302
    )
    check.refresh_from_db()
    assert check.present == 4
    log = ChangeLog.objects.get(object_id=str(check.pk), action="correct")
    assert log.before["present"] == 5 and log.reason == "一名幼儿实际未到"
    assert_status(as_teacher, url, 403, method="post", data={"present": 3, "reason": "x"})


def test_it_keeps_the_check_list_query_count_fixed(
    as_health, health, school, campus, django_assert_max_num_queries
):
    from tests.factories import RoomFactory

    for i in range(12):
        room = RoomFactory(school=school, campus=campus, name=f"班{i}")
        make_children(room, 2)
        services.morning_check_record(
            school=school, by=health, room=room, date=TODAY(), session="morning", present=2
        )
    with django_assert_max_num_queries(12):
        assert as_health.get(reverse("hygiene:check_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert as_health.get(reverse("hygiene:health_today")).status_code == 200


def test_the_today_page_shows_record_buttons_only_for_the_teachers_classes(
    as_teacher, my_class, other_class, kids
):
    html = as_teacher.get(reverse("hygiene:health_today")).content.decode()
    assert f"morning-{my_class.pk}" in html
    assert f"morning-{other_class.pk}" not in html


# --- sick absence ------------------------------------------------------------------------------------


def test_it_follows_a_sick_absence_until_the_child_returns(as_health, my_class, kids):
    response = as_health.post(
        reverse("hygiene:absence_create"),
        {"child": kids[0].pk, "start_date": TODAY().isoformat(), "symptom": "fever", "diagnosis": "上感"},
    )
    assert response.status_code == 302, form_errors(response)
    absence = SickAbsence.objects.get()
    assert absence.room == my_class and absence.status == AbsenceStatus.ABSENT
    as_health.post(reverse("hygiene:absence_follow_up", args=[absence.pk]), {"condition": "仍发热，已就医"})
    assert FollowUpCall.objects.filter(absence=absence).count() == 1
    # a second absence for the same child while the first is open is refused
    response = as_health.post(
        reverse("hygiene:absence_create"),
        {"child": kids[0].pk, "start_date": TODAY().isoformat(), "symptom": "cough"},
    )
    assert any("未返园" in e for e in form_errors(response))
    as_health.post(reverse("hygiene:absence_return", args=[absence.pk]), {"end_date": TODAY().isoformat()})
    absence.refresh_from_db()
    assert absence.status == AbsenceStatus.RETURNED and absence.end_date == TODAY()
    log = ChangeLog.objects.get(object_id=str(absence.pk), action="transition")
    assert log.before["status"] == "absent" and log.after["status"] == "returned"
    assert log.after["end_date"] == TODAY().isoformat() and log.transition == "return"
    # no more calls after the return
    as_health.post(reverse("hygiene:absence_follow_up", args=[absence.pk]), {"condition": "再问"})
    assert FollowUpCall.objects.filter(absence=absence).count() == 1


def test_it_refuses_a_return_before_the_absence_started(as_health, health, my_class, kids):
    absence = services.absence_record(
        school=my_class.school,
        by=health,
        child=kids[0],
        start_date=TODAY(),
        symptom="fever",
    )
    as_health.post(
        reverse("hygiene:absence_return", args=[absence.pk]),
        {"end_date": (TODAY() - datetime.timedelta(days=2)).isoformat()},
    )
    absence.refresh_from_db()
    assert absence.status == AbsenceStatus.ABSENT


def test_it_refuses_a_class_teacher_following_up_another_class(as_teacher, health, other_class, other_kids):
    absence = services.absence_record(
        school=other_class.school,
        by=health,
        child=other_kids[0],
        start_date=TODAY(),
        symptom="fever",
    )
    assert_status(
        as_teacher,
        reverse("hygiene:absence_follow_up", args=[absence.pk]),
        403,
        method="post",
        data={"condition": "x"},
    )
    assert_status(
        as_teacher,
        reverse("hygiene:absence_return", args=[absence.pk]),
        403,
        method="post",
        data={"end_date": TODAY()},
    )
    assert FollowUpCall.objects.count() == 0


def test_it_answers_404_for_another_schools_absence(as_outsider, health, my_class, kids):
    absence = services.absence_record(
        school=my_class.school,
        by=health,
        child=kids[0],
        start_date=TODAY(),
        symptom="fever",
    )
    assert_status(as_outsider, reverse("hygiene:absence_detail", args=[absence.pk]), 404)
    assert_status(
        as_outsider,
        reverse("hygiene:absence_follow_up", args=[absence.pk]),
        404,
        method="post",
        data={"condition": "x"},
    )


def test_it_computes_monthly_attendance_per_class_and_for_the_school(
    health, my_class, other_class, kids, other_kids
):
    school = my_class.school
    monday = TODAY() - datetime.timedelta(days=TODAY().weekday() + 7)
    for d in range(2):
        services.morning_check_record(
            school=school,
            by=health,
            room=my_class,
            date=monday + datetime.timedelta(days=d),
            session="morning",
            present=4,
        )
        services.morning_check_record(
            school=school,
            by=health,
            room=other_class,
            date=monday + datetime.timedelta(days=d),
            session="morning",
            present=4,
        )
    # noon checks do not count twice
    services.morning_check_record(
        school=school, by=health, room=my_class, date=monday, session="noon", present=1
    )
    SickAbsence.objects.create(
        school=school,
        child=kids[0],
        room=my_class,
        start_date=monday,
        end_date=monday + datetime.timedelta(days=2),
        symptom="fever",
        reported_by=health,
        status=AbsenceStatus.RETURNED,
    )
    rows, sums = selectors.attendance(school, monday, monday + datetime.timedelta(days=6))
    by_room = {r["room"].pk: r for r in rows}
    assert str(by_room[my_class.pk]["rate"]) == "80.0"  # 8 of 10
    assert str(by_room[other_class.pk]["rate"]) == "100.0"  # 8 of 8
    assert by_room[my_class.pk]["sick_days"] == 2
    assert str(sums["rate"]) == "88.9"  # 16 of 18
    summary = selectors.weekly_summary(school, monday)
    assert summary["sums"]["sick_count"] == 1


def test_the_attendance_page_shows_the_school_rate(as_principal, health, my_class, kids):
    services.morning_check_record(
        school=my_class.school,
        by=health,
        room=my_class,
        date=TODAY(),
        session="morning",
        present=4,
    )
    response = as_principal.get(reverse("hygiene:attendance"))
    assert "80.0%" in response.content.decode()
    # a week that is not a date falls back to this week; a month that is not one is a 404
    assert as_principal.get(reverse("hygiene:attendance") + "?week=nonsense").status_code == 200
    assert as_principal.get(reverse("hygiene:attendance") + "?month=bad").status_code == 404


# --- infectious cases --------------------------------------------------------------------------------


def case_data(child, onset=None, **extra):
    onset = onset or TODAY() - datetime.timedelta(days=1)
    data = {
        "child": child.pk,
        "disease": Disease.HFMD,
        "onset_date": onset.isoformat(),
        "diagnosed_on": onset.isoformat(),
        "diagnosed_by": "区妇幼保健院",
        "isolation_until": (onset + datetime.timedelta(days=10)).isoformat(),
        "class_measures": "暂停混班；终末消毒",
    }
    data.update(extra)
    return data


def test_it_alerts_the_health_teacher_and_principal_once_per_cluster(
    as_health, health, principal, school, my_class, kids, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        as_health.post(
            reverse("hygiene:case_create"), case_data(kids[0], TODAY() - datetime.timedelta(days=5))
        )
    assert Notification.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = as_health.post(
            reverse("hygiene:case_create"), case_data(kids[1], TODAY() - datetime.timedelta(days=1))
        )
    assert response.status_code == 302
    alerts = Notification.objects.filter(title__contains="聚集")
    assert {n.user for n in alerts} == {health, principal}
    # a third case in the same week is the same cluster: nobody is told twice
    with django_capture_on_commit_callbacks(execute=True):
        as_health.post(reverse("hygiene:case_create"), case_data(kids[2], TODAY()))
    assert Notification.objects.filter(title__contains="聚集").count() == 2
    # the same disease in another class is no cluster of this class
    assert InfectiousCase.objects.count() == 3


def test_it_does_not_alert_for_cases_more_than_a_week_apart(
    health, principal, my_class, kids, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for i, days in enumerate((20, 5)):
            onset = TODAY() - datetime.timedelta(days=days)
            services.case_record(
                school=my_class.school,
                by=health,
                child=kids[i],
                disease=Disease.VARICELLA,
                onset_date=onset,
                diagnosed_on=onset,
                diagnosed_by="医院",
                isolation_until=onset + datetime.timedelta(days=7),
            )
    assert Notification.objects.count() == 0


def test_it_returns_a_case_only_with_a_certificate_after_isolation(as_health, health, my_class, kids):
    onset = TODAY() - datetime.timedelta(days=12)
    case = services.case_record(
        school=my_class.school,
        by=health,
        child=kids[0],
        disease=Disease.HFMD,
        onset_date=onset,
        diagnosed_on=onset,
        diagnosed_by="医院",
        isolation_until=onset + datetime.timedelta(days=10),
    )
    url = reverse("hygiene:case_detail", args=[case.pk])
    response = as_health.post(url, {"returned_on": TODAY().isoformat(), "certificate": ""})
    assert form_errors(response)
    response = as_health.post(
        url, {"returned_on": (onset + datetime.timedelta(days=5)).isoformat(), "certificate": "证明"}
    )
    assert any("隔离期" in e for e in form_errors(response))
    case.refresh_from_db()
    assert case.status == CaseStatus.ISOLATING
    assert (
        as_health.post(
            url, {"returned_on": TODAY().isoformat(), "certificate": "区妇幼保健院 2026-118"}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED and case.certificate.startswith("区妇幼")


def test_it_refuses_inconsistent_case_dates(as_health, my_class, kids):
    data = case_data(kids[0], diagnosed_on=(TODAY() - datetime.timedelta(days=9)).isoformat())
    response = as_health.post(reverse("hygiene:case_create"), data)
    assert any("诊断日期不能早于发病日期" in e for e in form_errors(response))
    assert InfectiousCase.objects.count() == 0


def test_it_refuses_case_registration_to_a_class_teacher(as_teacher, my_class, kids):
    assert_status(as_teacher, reverse("hygiene:case_create"), 403, method="post", data=case_data(kids[0]))
    assert InfectiousCase.objects.count() == 0


def test_it_hides_another_schools_case(as_outsider, health, my_class, kids):
    case = services.case_record(
        school=my_class.school,
        by=health,
        child=kids[0],
        disease=Disease.HFMD,
        onset_date=TODAY(),
        diagnosed_on=TODAY(),
        diagnosed_by="医院",
        isolation_until=TODAY(),
    )
    assert_status(as_outsider, reverse("hygiene:case_detail", args=[case.pk]), 404)


def test_a_new_principal_is_told_only_through_their_own_school(school, other_school, my_class, kids, health):
    stranger = member(other_school, Role.PRINCIPAL, username="p_other_principal")
    services.case_record(
        school=school,
        by=health,
        child=kids[0],
        disease=Disease.MUMPS,
        onset_date=TODAY(),
        diagnosed_on=TODAY(),
        diagnosed_by="医院",
        isolation_until=TODAY(),
    )
    case = services.case_record(
        school=school,
        by=health,
        child=kids[1],
        disease=Disease.MUMPS,
        onset_date=TODAY(),
        diagnosed_on=TODAY(),
        diagnosed_by="医院",
        isolation_until=TODAY(),
    )
    services.case_cluster_alert(case_id=case.pk)
    assert not Notification.objects.filter(user=stranger).exists()


@pytest.mark.parametrize("name", ["child_list", "child_create"])
def test_the_children_pages_follow_the_permission_table(name, as_health, as_teacher, as_guard, my_class):
    url = reverse(f"hygiene:{name}")
    assert_status(as_health, url, 200)
    assert_status(as_guard, url, 200 if name == "child_list" else 403)
    assert_status(as_teacher, url, 200 if name == "child_list" else 403)


def test_a_return_certificate_photo_is_kept_and_a_fake_one_changes_nothing(as_health, health, my_class, kids):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from logistics.attachments import attachments_for

    case = services.case_record(
        school=my_class.school,
        by=health,
        child=kids[0],
        disease=Disease.HFMD,
        onset_date=TODAY(),
        diagnosed_on=TODAY(),
        diagnosed_by="医院",
        isolation_until=TODAY(),
    )
    url = reverse("hygiene:case_detail", args=[case.pk])
    fake = SimpleUploadedFile("cert.jpg", b"not an image at all", content_type="image/jpeg")
    response = as_health.post(url, {"returned_on": TODAY().isoformat(), "certificate": "证明", "photo": fake})
    assert form_errors(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.ISOLATING and not attachments_for(case).exists()
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    photo = SimpleUploadedFile("cert.png", out.getvalue(), content_type="image/png")
    response = as_health.post(
        url, {"returned_on": TODAY().isoformat(), "certificate": "证明", "photo": photo}
    )
    assert response.status_code == 302, form_errors(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED and attachments_for(case).count() == 1
