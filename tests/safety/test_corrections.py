"""Corrections of signed fire-prevention checks and of recorded hazards (DESIGN.md rule 5).

A signed check or a recorded hazard is never edited in place: a correction needs a reason, and the
change log keeps who, when, before and after, shown on the record's own page.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from logistics.audit import history_for
from logistics.choices import ChangeAction
from logistics.models import ChangeLog, Notification
from safety import services
from safety.choices import FirePreventionStatus, HazardStatus, ItemResult, RiskLevel
from safety.models import FirePreventionCheck, Hazard
from tests.helpers import assert_login_required, assert_status, form_errors

from .conftest import all_results

TODAY = timezone.localdate


def corrections(obj):
    return history_for(obj).filter(action=ChangeAction.CORRECT)


# --- fire-prevention checks ------------------------------------------------------------------------
@pytest.fixture
def draft_check(school, director):
    return FirePreventionCheck.objects.create(
        school=school,
        checked_on=TODAY() - datetime.timedelta(days=2),
        scope="配电房",
        findings="配电箱门未上锁。",
        measures="当场上锁。",
        inspector=director,
    )


@pytest.fixture
def signed_check(draft_check, director, principal):
    services.fire_check_sign_inspector(obj=draft_check, by=director)
    return services.fire_check_sign_principal(obj=draft_check, by=principal)


def fire_data(check, **overrides):
    data = {
        "checked_on": check.checked_on.isoformat(),
        "scope": check.scope,
        "findings": check.findings,
        "measures": check.measures,
    }
    return {**data, **overrides}


def test_it_sends_anonymous_users_to_the_login_page(signed_check, hazard):
    assert_login_required(reverse("safety:fire_check_detail", args=[signed_check.pk]))
    assert_login_required(reverse("safety:fire_check_correct", args=[signed_check.pk]))
    assert_login_required(reverse("safety:fire_check_correct", args=[signed_check.pk]), method="post")
    assert_login_required(reverse("safety:hazard_correct", args=[hazard.pk]))
    assert_login_required(reverse("safety:hazard_correct", args=[hazard.pk]), method="post")


def test_it_lets_only_the_inspector_or_a_manager_correct_a_fire_check(
    as_teacher, as_guard, as_bureau, signed_check
):
    url = reverse("safety:fire_check_correct", args=[signed_check.pk])
    data = fire_data(signed_check, scope="篡改", reason="x")
    assert_status(as_teacher, url, 403)  # no safety.inspect at all
    assert_status(as_teacher, url, 403, method="post", data=data)
    assert_status(as_guard, url, 403)  # may inspect, but is neither this check's inspector nor a manager
    assert_status(as_guard, url, 403, method="post", data=data)
    assert_status(as_bureau, url, 403, method="post", data=data)
    signed_check.refresh_from_db()
    assert signed_check.scope == "配电房" and not corrections(signed_check).exists()
    # the guard may read the record, just not correct it; no button for them
    page = assert_status(as_guard, reverse("safety:fire_check_detail", args=[signed_check.pk]), 200)
    assert url not in page.content.decode()


def test_it_answers_404_for_another_schools_fire_check(as_outsider, signed_check):
    for name in ("safety:fire_check_detail", "safety:fire_check_correct"):
        assert_status(as_outsider, reverse(name, args=[signed_check.pk]), 404)
    assert_status(
        as_outsider,
        reverse("safety:fire_check_correct", args=[signed_check.pk]),
        404,
        method="post",
        data=fire_data(signed_check, scope="篡改", reason="x"),
    )
    signed_check.refresh_from_db()
    assert signed_check.scope == "配电房"


def test_it_corrects_a_signed_fire_check_and_keeps_the_signatures(
    as_director, as_principal, director, principal, signed_check, django_capture_on_commit_callbacks
):
    before = FirePreventionCheck.objects.get(pk=signed_check.pk)
    url = reverse("safety:fire_check_correct", args=[signed_check.pk])
    page = assert_status(as_director, url, 200)
    assert "reason" in page.context["form"].fields and "inspector" not in page.context["form"].fields
    with django_capture_on_commit_callbacks(execute=True):
        r = as_director.post(
            url, fire_data(signed_check, findings="配电箱门未上锁，灭火器压力不足。", reason="漏记了灭火器")
        )
    assert r.status_code == 302 and r["Location"] == reverse(
        "safety:fire_check_detail", args=[signed_check.pk]
    )
    check = FirePreventionCheck.objects.get(pk=signed_check.pk)
    assert check.findings == "配电箱门未上锁，灭火器压力不足。"
    # the signatures were given and stay, with their people and times
    assert check.status == FirePreventionStatus.SIGNED
    assert (check.inspector_id, check.inspector_signed_at) == (
        before.inspector_id,
        before.inspector_signed_at,
    )
    assert (check.principal_id, check.principal_signed_at) == (principal.pk, before.principal_signed_at)
    log = corrections(check).get()
    assert log.user == director and log.reason == "漏记了灭火器"
    assert log.before == {"findings": "配电箱门未上锁。"}
    assert log.after == {"findings": "配电箱门未上锁，灭火器压力不足。"}
    # the principal who signed the earlier content is told; the corrector is not
    assert Notification.objects.filter(user=principal, title__contains="更正").exists()
    assert not Notification.objects.filter(user=director, title__contains="更正").exists()
    # the check's own page says the signatures predate the correction, and shows it
    page = as_principal.get(reverse("safety:fire_check_detail", args=[check.pk]))
    text = page.content.decode()
    assert 'data-testid="corrected-after-signing"' in text
    assert "校长签字后更正" in text and "漏记了灭火器" in text and "灭火器压力不足" in text
    assert '<span class="text-muted" data-testid="before">原：配电箱门未上锁。</span>' in text
    signatures = text.split('data-testid="history"')[1]
    assert "检查人签字" in signatures and "校长签字" in signatures and "状态变更" not in signatures
    assert "有更正" in as_principal.get(reverse("safety:fire_check_list")).content.decode()


def test_it_lets_the_principal_correct_a_check_someone_else_inspected(
    as_principal, director, signed_check, django_capture_on_commit_callbacks
):
    url = reverse("safety:fire_check_correct", args=[signed_check.pk])
    with django_capture_on_commit_callbacks(execute=True):
        r = as_principal.post(url, fire_data(signed_check, scope="配电房、锅炉房", reason="检查部位漏写"))
    assert r.status_code == 302
    signed_check.refresh_from_db()
    assert signed_check.scope == "配电房、锅炉房"
    assert Notification.objects.filter(user=director, title__contains="更正").exists()


def test_it_refuses_a_fire_check_correction_without_a_reason(as_director, signed_check):
    url = reverse("safety:fire_check_correct", args=[signed_check.pk])
    for reason in ("", "   "):
        r = as_director.post(url, fire_data(signed_check, scope="锅炉房", reason=reason))
        assert r.status_code == 400
        assert "请填写更正原因。" in form_errors(r)
    signed_check.refresh_from_db()
    assert signed_check.scope == "配电房" and not corrections(signed_check).exists()


def test_it_refuses_a_future_date_or_no_change_on_a_fire_check(as_director, signed_check):
    url = reverse("safety:fire_check_correct", args=[signed_check.pk])
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
    r = as_director.post(url, fire_data(signed_check, checked_on=tomorrow, reason="日期写错"))
    assert r.status_code == 400 and "检查日期不能晚于今天。" in form_errors(r)
    r = as_director.post(url, fire_data(signed_check, reason="没改什么"))
    assert r.status_code == 400 and "没有需要更正的内容。" in form_errors(r)
    assert not corrections(signed_check).exists()


def test_the_fire_check_service_refuses_without_a_reason_or_a_new_inspector(director, staff, signed_check):
    with pytest.raises(ValidationError, match="原因"):
        services.fire_check_correct(obj=signed_check, by=director, changes={"scope": "锅炉房"}, reason=" ")
    with pytest.raises(ValidationError, match="不能更正"):
        services.fire_check_correct(
            obj=signed_check, by=director, changes={"inspector": staff}, reason="换人"
        )
    with pytest.raises(ValidationError, match="只有检查人本人"):
        services.fire_check_correct(obj=signed_check, by=staff, changes={"scope": "锅炉房"}, reason="x")
    signed_check.refresh_from_db()
    assert signed_check.scope == "配电房" and signed_check.inspector != staff
    assert not corrections(signed_check).exists()


def test_it_edits_an_unsigned_check_without_a_reason_and_logs_it(as_staff, staff, director, school):
    check = FirePreventionCheck.objects.create(
        school=school, checked_on=TODAY(), scope="食堂", findings="", measures="", inspector=staff
    )
    url = reverse("safety:fire_check_correct", args=[check.pk])
    page = assert_status(as_staff, url, 200)
    assert "reason" not in page.context["form"].fields and "inspector" in page.context["form"].fields
    r = as_staff.post(url, {**fire_data(check, findings="燃气管道老化"), "inspector": staff.pk})
    assert r.status_code == 302
    check.refresh_from_db()
    assert check.findings == "燃气管道老化" and check.status == FirePreventionStatus.DRAFT
    log = history_for(check).get(action=ChangeAction.UPDATE)
    assert log.before == {"findings": ""} and log.after == {"findings": "燃气管道老化"}
    # once signed by the inspector, the same page asks for a reason (a correction)
    services.fire_check_sign_inspector(obj=check, by=staff)
    page = assert_status(as_staff, url, 200)
    assert "reason" in page.context["form"].fields
    with pytest.raises(ValidationError, match="已签字"):
        services.fire_check_edit(obj=check, by=staff, changes={"scope": "x"})


def test_it_shows_a_correction_made_before_the_principal_signed(
    as_principal, director, principal, draft_check
):
    services.fire_check_sign_inspector(obj=draft_check, by=director)
    services.fire_check_correct(
        obj=draft_check, by=director, changes={"measures": "已上锁并贴封条。"}, reason="补充"
    )
    services.fire_check_sign_principal(obj=draft_check, by=principal)
    text = as_principal.get(reverse("safety:fire_check_detail", args=[draft_check.pk])).content.decode()
    assert "检查人签字后更正" in text and "校长签字后更正" not in text


# --- hazards ------------------------------------------------------------------------------------------
def hazard_data(hazard, **overrides):
    data = {
        "title": hazard.title,
        "room": hazard.room_id or "",
        "location": hazard.location,
        "risk_level": hazard.risk_level,
        "found_on": hazard.found_on.isoformat(),
        "description": hazard.description,
    }
    if hazard.status == HazardStatus.ASSIGNED:
        data.update(assignee=hazard.assignee_id, deadline=hazard.deadline.isoformat())
    return {**data, **overrides}


def test_it_lets_only_managers_correct_a_hazard(as_teacher, as_staff, as_guard, hazard):
    url = reverse("safety:hazard_correct", args=[hazard.pk])
    data = hazard_data(hazard, title="篡改", reason="x")
    for client in (as_teacher, as_staff, as_guard):  # the reporter (teacher) included
        assert_status(client, url, 403)
        assert_status(client, url, 403, method="post", data=data)
    hazard.refresh_from_db()
    assert hazard.title == "二楼消防通道堵塞" and not corrections(hazard).exists()
    page = assert_status(as_teacher, reverse("safety:hazard_detail", args=[hazard.pk]), 200)
    assert url not in page.content.decode()


def test_it_answers_404_for_another_schools_hazard(as_outsider, hazard):
    url = reverse("safety:hazard_correct", args=[hazard.pk])
    assert_status(as_outsider, url, 404)
    assert_status(as_outsider, url, 404, method="post", data=hazard_data(hazard, title="篡改", reason="x"))
    hazard.refresh_from_db()
    assert hazard.title == "二楼消防通道堵塞"


def test_it_corrects_a_hand_reported_hazard_with_a_reason(as_director, director, hazard, room):
    url = reverse("safety:hazard_correct", args=[hazard.pk])
    page = assert_status(as_director, url, 200)
    assert set(page.context["form"].fields) == {
        "title",
        "room",
        "location",
        "risk_level",
        "found_on",
        "description",
        "reason",
    }  # not yet assigned: no responsible person or deadline to correct
    r = as_director.post(
        url,
        hazard_data(
            hazard, room=room.pk, location="三楼东侧", risk_level=RiskLevel.MAJOR, reason="楼层记错了"
        ),
    )
    assert r.status_code == 302
    hazard.refresh_from_db()
    assert (hazard.room, hazard.location, hazard.risk_level) == (room, "三楼东侧", RiskLevel.MAJOR)
    assert hazard.status == HazardStatus.FOUND
    log = corrections(hazard).get()
    assert log.user == director and log.reason == "楼层记错了"
    assert log.before == {"room": None, "location": "二楼东侧", "risk_level": "high"}
    assert log.after == {"room": room.pk, "location": "三楼东侧", "risk_level": "major"}
    text = as_director.get(reverse("safety:hazard_detail", args=[hazard.pk])).content.decode()
    assert "楼层记错了" in text and "原：二楼东侧" in text and "<strong>三楼东侧</strong>" in text
    assert "<strong>重大</strong>" in text and f"<strong>{room.name}</strong>" in text


def test_it_refuses_a_hazard_correction_without_a_reason(as_director, hazard):
    url = reverse("safety:hazard_correct", args=[hazard.pk])
    r = as_director.post(url, hazard_data(hazard, location="三楼", reason=""))
    assert r.status_code == 400 and "请填写更正原因。" in form_errors(r)
    hazard.refresh_from_db()
    assert hazard.location == "二楼东侧" and not corrections(hazard).exists()


def test_the_hazard_service_refuses_without_a_reason(director, hazard):
    for reason in ("", "  ", None):
        with pytest.raises(ValidationError, match="原因"):
            services.hazard_correct(obj=hazard, by=director, changes={"location": "三楼"}, reason=reason)
    hazard.refresh_from_db()
    assert hazard.location == "二楼东侧" and not corrections(hazard).exists()


def test_it_refuses_another_schools_room_or_person(as_director, director, hazard, other_room, outsider):
    url = reverse("safety:hazard_correct", args=[hazard.pk])
    r = as_director.post(url, hazard_data(hazard, room=other_room.pk, reason="换房间"))
    assert r.status_code == 400 and form_errors(r)
    with pytest.raises(ValidationError, match="不属于本校"):
        services.hazard_correct(obj=hazard, by=director, changes={"room": other_room}, reason="x")
    services.hazard_assign(obj=hazard, by=director, assignee=director, deadline=TODAY())
    r = as_director.post(
        url, hazard_data(Hazard.objects.get(pk=hazard.pk), assignee=outsider.pk, reason="换人")
    )
    assert r.status_code == 400 and form_errors(r)
    with pytest.raises(ValidationError, match="本校人员"):
        services.hazard_correct(obj=hazard, by=director, changes={"assignee": outsider}, reason="x")
    hazard.refresh_from_db()
    assert hazard.room is None and hazard.assignee == director and not corrections(hazard).exists()


def test_it_corrects_the_responsible_person_and_deadline_while_rectifying(
    as_director, director, staff, teacher, hazard, django_capture_on_commit_callbacks
):
    services.hazard_assign(obj=hazard, by=director, assignee=teacher, deadline=TODAY())
    hazard.refresh_from_db()
    url = reverse("safety:hazard_correct", args=[hazard.pk])
    early = (hazard.found_on - datetime.timedelta(days=1)).isoformat()
    r = as_director.post(url, hazard_data(hazard, deadline=early, reason="期限写错"))
    assert r.status_code == 400 and any("整改期限不能早于发现日期" in e for e in form_errors(r))
    later = TODAY() + datetime.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        r = as_director.post(
            url, hazard_data(hazard, assignee=staff.pk, deadline=later.isoformat(), reason="应由后勤整改")
        )
    assert r.status_code == 302
    hazard.refresh_from_db()
    assert (hazard.assignee, hazard.deadline, hazard.status) == (staff, later, HazardStatus.ASSIGNED)
    log = corrections(hazard).get()
    assert log.before == {"assignee": teacher.pk, "deadline": TODAY().isoformat()}
    assert log.after == {"assignee": staff.pk, "deadline": later.isoformat()}
    assert Notification.objects.filter(
        user=staff, url=reverse("safety:hazard_detail", args=[hazard.pk])
    ).exists()


def test_it_freezes_the_assignment_once_rectified_and_everything_once_verified(
    as_director, director, staff, hazard
):
    services.hazard_assign(obj=hazard, by=director, assignee=staff, deadline=TODAY())
    services.hazard_rectify(obj=hazard, by=staff, rectification="已清理通道。")
    with pytest.raises(ValidationError, match="不能更正"):
        services.hazard_correct(obj=hazard, by=director, changes={"deadline": TODAY()}, reason="x")
    services.hazard_correct(obj=hazard, by=director, changes={"description": "纸箱三个"}, reason="补充说明")
    services.hazard_verify(obj=hazard, by=director)
    with pytest.raises(ValidationError, match="已验收销号"):
        services.hazard_correct(obj=hazard, by=director, changes={"description": "x"}, reason="x")
    url = reverse("safety:hazard_correct", args=[hazard.pk])
    r = as_director.get(url)
    assert r.status_code == 302 and r["Location"] == reverse("safety:hazard_detail", args=[hazard.pk])
    r = as_director.post(url, hazard_data(hazard, description="y", reason="y"))
    assert r.status_code == 302
    hazard.refresh_from_db()
    assert hazard.description == "纸箱三个" and corrections(hazard).count() == 1
    assert url not in as_director.get(reverse("safety:hazard_detail", args=[hazard.pk])).content.decode()


def test_a_hazard_from_an_inspection_follows_the_inspection_correction(
    as_director, director, staff, weekly, room
):
    services.inspection_save(obj=weekly, by=staff, results=all_results(weekly, fail_first=True))
    [hazard] = services.inspection_submit(obj=weekly, by=staff, signature=staff.first_name)
    url = reverse("safety:hazard_correct", args=[hazard.pk])
    page = assert_status(as_director, url, 200)
    assert set(page.context["form"].fields) == {"room", "location", "risk_level", "reason"}
    intro = page.context["intro"]  # the one form page's line above the form
    assert "请在检查记录中更正该项" in intro and intro in page.content.decode()
    with pytest.raises(ValidationError, match="不能更正"):
        services.hazard_correct(obj=hazard, by=director, changes={"title": "x"}, reason="x")
    # its place and risk are the hazard's own
    r = as_director.post(
        url, {"room": room.pk, "location": "大一班门口", "risk_level": "high", "reason": "补位置"}
    )
    assert r.status_code == 302
    # what was found is corrected in the inspection, and the open hazard follows
    item = hazard.source_item
    services.inspection_correct_item(
        item=item, by=director, result=ItemResult.FAIL, note="插座外壳破损，线头外露", reason="复查补充"
    )
    hazard.refresh_from_db()
    assert hazard.description == "插座外壳破损，线头外露" and hazard.room == room
    log = corrections(hazard).get(reason__contains="复查补充")
    assert log.before == {"description": "插座外壳破损"} and "随检查项更正" in log.reason
    assert ChangeLog.objects.filter(action=ChangeAction.CORRECT).count() == 3  # item + 2 on the hazard
