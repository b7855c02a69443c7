import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from logistics.attachments import attachments_for
from logistics.choices import ChangeAction
from logistics.models import Attachment, ChangeLog, Notification
from safety import services
from safety.choices import HazardStatus, RiskLevel
from safety.models import Hazard
from tests.factories import RoomFactory
from tests.helpers import assert_login_required, assert_status, form_errors

from .conftest import fake_image, png_upload

TODAY = timezone.localdate


def test_it_reports_a_hazard_with_room_and_photo(as_teacher, teacher, room):
    r = as_teacher.post(
        reverse("safety:hazard_report"),
        {
            "title": "滑梯螺丝松动",
            "room": room.pk,
            "location": "户外场地",
            "risk_level": "high",
            "found_on": TODAY().isoformat(),
            "description": "",
            "photos": [png_upload()],
        },
    )
    assert r.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.room == room and hazard.found_by == teacher and hazard.status == HazardStatus.FOUND
    assert attachments_for(hazard).count() == 1
    assert ChangeLog.objects.filter(object_id=str(hazard.pk), action=ChangeAction.CREATE).exists()


def test_it_refuses_a_photo_that_is_not_an_image(as_teacher):
    r = as_teacher.post(
        reverse("safety:hazard_report"),
        {"title": "x", "risk_level": "low", "found_on": TODAY().isoformat(), "photos": [fake_image()]},
    )
    assert r.status_code == 400
    assert any("图片" in e for e in form_errors(r))
    assert Hazard.objects.count() == 0 and Attachment.objects.count() == 0


def test_it_refuses_another_schools_room(as_teacher, other_room):
    r = as_teacher.post(
        reverse("safety:hazard_report"),
        {"title": "x", "risk_level": "low", "found_on": TODAY().isoformat(), "room": other_room.pk},
    )
    assert r.status_code == 400 and form_errors(r)
    assert Hazard.objects.count() == 0


def test_it_runs_the_whole_workflow(as_director, as_staff, as_principal, hazard, staff, director, principal):
    deadline = TODAY() + datetime.timedelta(days=3)
    url = lambda a: reverse("safety:hazard_action", args=[hazard.pk, a])  # noqa: E731
    r = as_director.post(
        url("assign"),
        {"assignee": staff.pk, "deadline": deadline.isoformat(), "comment": "尽快", "risk_level": "major"},
    )
    assert r.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.ASSIGNED and hazard.assignee == staff and hazard.deadline == deadline
    assert hazard.risk_level == RiskLevel.MAJOR
    r = as_staff.post(
        url("rectify"), {"rectification": "清理杂物，张贴禁止堆放标识", "photos": [png_upload()]}
    )
    assert r.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFIED and hazard.rectified_by == staff
    assert attachments_for(hazard).count() == 1
    r = as_director.post(url("reject"), {"note": "标识未贴牢"})
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.ASSIGNED
    as_staff.post(url("rectify"), {"rectification": "重新张贴"})
    r = as_principal.post(url("verify"), {"note": "复查合格"})
    assert r.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.VERIFIED and hazard.verified_by == principal
    transitions = ChangeLog.objects.filter(object_id=str(hazard.pk), action=ChangeAction.TRANSITION).order_by(
        "at", "id"
    )
    assert [(t.before["status"], t.after["status"]) for t in transitions] == [
        ("found", "assigned"),
        ("assigned", "rectified"),
        ("rectified", "assigned"),
        ("assigned", "rectified"),
        ("rectified", "verified"),
    ]
    assert all(t.user_id for t in transitions)
    assert transitions[0].reason == "尽快"


def test_it_refuses_a_deadline_before_the_finding_date(as_director, hazard, staff, director):
    early = hazard.found_on - datetime.timedelta(days=1)
    r = as_director.post(
        reverse("safety:hazard_action", args=[hazard.pk, "assign"]),
        {"assignee": staff.pk, "deadline": early.isoformat(), "risk_level": "high"},
    )
    assert r.status_code == 400
    assert "整改期限不能早于发现日期" in r.content.decode()
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.FOUND and hazard.deadline is None
    assert not ChangeLog.objects.filter(object_id=str(hazard.pk), action=ChangeAction.TRANSITION).exists()
    with pytest.raises(ValidationError, match="整改期限不能早于发现日期"):
        services.hazard_assign(obj=hazard, by=director, assignee=staff, deadline=early)


def test_it_refuses_verification_by_the_rectifier(hazard, director, staff):
    services.hazard_assign(obj=hazard, by=director, assignee=director, deadline=TODAY())
    services.hazard_rectify(obj=hazard, by=director, rectification="自己修好了")
    with pytest.raises(ValidationError, match="验收人不能是整改人"):
        services.hazard_verify(obj=hazard, by=director)
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFIED


def test_it_refuses_transitions_out_of_order_and_wrong_roles(as_staff, as_teacher, hazard, staff, teacher):
    assert_status(
        as_teacher, reverse("safety:hazard_action", args=[hazard.pk, "rectify"]), 403, method="post"
    )
    assert_status(as_staff, reverse("safety:hazard_action", args=[hazard.pk, "assign"]), 403, method="post")
    with pytest.raises(ValidationError):
        services.hazard_rectify(obj=hazard, by=staff, rectification="还没交办")
    with pytest.raises(ValidationError, match="没有权限"):
        services.hazard_assign(obj=hazard, by=teacher, assignee=staff, deadline=TODAY())


def test_it_refuses_an_assignee_from_another_school(as_director, hazard, outsider):
    r = as_director.post(
        reverse("safety:hazard_action", args=[hazard.pk, "assign"]),
        {"assignee": outsider.pk, "deadline": TODAY().isoformat(), "risk_level": "high"},
    )
    assert r.status_code == 400
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.FOUND


def test_it_escalates_overdue_hazards_to_the_principal_once(hazard, director, staff, principal):
    hazard = services.hazard_assign(obj=hazard, by=director, assignee=staff, deadline=hazard.found_on)
    assert hazard.is_overdue()
    assert services.escalate_overdue_hazards() == 1
    assert services.escalate_overdue_hazards() == 0
    note = Notification.objects.get(user=principal)
    assert "逾期" in note.title and hazard.title in note.title
    hazard.refresh_from_db()
    assert hazard.escalated_at is not None


def test_it_filters_the_register(as_director, school, teacher, room):
    other = RoomFactory(school=school, campus=room.campus, name="厨房")
    old = TODAY().replace(day=1) - datetime.timedelta(days=3)
    services.hazard_report(
        school=school, by=teacher, title="A", risk_level=RiskLevel.HIGH, found_on=TODAY(), room=room
    )
    services.hazard_report(
        school=school, by=teacher, title="B", risk_level=RiskLevel.LOW, found_on=old, room=other
    )
    base = reverse("safety:hazard_list")

    def titles(q):
        return {h.title for h in as_director.get(base + q).context["object_list"]}

    assert titles("") == {"A", "B"}
    assert titles("?risk=high") == {"A"}
    assert titles(f"?room={other.pk}") == {"B"}
    assert titles(f"?month={old:%Y-%m}") == {"B"}
    assert titles("?status=verified") == set()
    assert titles("?status=open") == {"A", "B"}


def test_it_pins_the_register_query_count(
    as_director, school, teacher, director, room, django_assert_max_num_queries
):
    for n in range(70):
        h = services.hazard_report(
            school=school,
            by=teacher,
            title=f"隐患{n}",
            risk_level=RiskLevel.MEDIUM,
            found_on=TODAY(),
            room=room,
        )
        if n % 2:
            services.hazard_assign(obj=h, by=director, assignee=teacher, deadline=TODAY())
    as_director.get(reverse("safety:hazard_list") + f"?status=open&room={room.pk}&risk=medium")  # warm-up
    with django_assert_max_num_queries(12):
        r = as_director.get(reverse("safety:hazard_list") + f"?status=open&room={room.pk}&risk=medium")
    assert r.status_code == 200 and len(r.context["object_list"]) == 50


def test_it_guards_the_hazard_pages(as_outsider, as_bureau, as_teacher, hazard):
    url = reverse("safety:hazard_detail", args=[hazard.pk])
    assert_login_required(url)
    assert_login_required(reverse("safety:hazard_list"))
    assert_status(as_outsider, url, 404)
    assert_status(
        as_outsider, reverse("safety:hazard_action", args=[hazard.pk, "assign"]), 404, method="post"
    )
    assert_status(as_teacher, url, 200)
    assert_status(as_bureau, url, 200)
    assert_status(as_bureau, reverse("safety:hazard_report"), 403)


def test_a_refused_step_shows_its_error_on_the_field_of_its_form(as_director, as_staff, hazard, staff):
    """The service's refusal lands on the field it is about, on the hazard page shown again (400)."""
    as_director.post(
        reverse("safety:hazard_action", args=[hazard.pk, "assign"]),
        {"assignee": staff.pk, "deadline": TODAY().isoformat(), "risk_level": "high"},
    )
    as_staff.post(reverse("safety:hazard_action", args=[hazard.pk, "rectify"]), {"rectification": "已清理"})
    r = as_director.post(reverse("safety:hazard_action", args=[hazard.pk, "reject"]), {"note": " "})
    assert r.status_code == 400
    assert "验收不通过时请写明原因" in " ".join(r.context["verify_form"].errors["note"])
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFIED


def test_a_step_the_hazard_has_moved_past_is_refused_in_the_messages(as_director, hazard, staff):
    """Two managers on one page: the second 交办 finds the hazard assigned (its form is gone)."""
    data = {"assignee": staff.pk, "deadline": TODAY().isoformat(), "risk_level": "high"}
    url = reverse("safety:hazard_action", args=[hazard.pk, "assign"])
    assert as_director.post(url, data).status_code == 302
    r = as_director.post(url, data)
    assert r.status_code == 400 and r.context["assign_form"] is None
    assert any("不能执行此操作" in str(m) for m in r.context["messages"])


def test_the_register_shows_each_status_in_its_colour(as_director, hazard, director, staff):
    services.hazard_withdraw(obj=hazard, by=director, reason="误报")
    text = as_director.get(reverse("safety:hazard_list")).content.decode()
    assert '<span class="badge text-bg-light text-wrap">已撤销</span>' in text
    assert '<span class="badge text-bg-danger text-wrap">高</span>' in text
