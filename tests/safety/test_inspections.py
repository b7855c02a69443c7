import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from logistics.attachments import attachments_for
from logistics.choices import ChangeAction, Role
from logistics.models import Attachment, ChangeLog, Notification, School
from safety import services
from safety.choices import HazardStatus, InspectionKind, InspectionStatus, ItemResult
from safety.models import ChecklistTemplate, Hazard, Inspection, InspectionItem, SafetySettings
from safety.tasks import create_weekly_inspections
from tests.factories import SchoolFactory, member
from tests.helpers import assert_login_required, assert_status

from .conftest import all_results, fake_image, png_upload, post_results

MONDAY_9 = "2026-11-16T09:00:00+08:00"
MONDAY_7 = "2026-11-16T07:00:00+08:00"


def test_it_creates_a_default_chinese_template_on_first_use(school):
    tpl = services.get_template(school, InspectionKind.WEEKLY)
    areas = set(tpl.items.values_list("area", flat=True))
    assert {"用电安全", "门窗", "消防设施", "大型玩具", "楼梯走廊", "厨房燃气"} <= areas
    assert services.get_template(school, InspectionKind.WEEKLY) == tpl
    assert ChecklistTemplate.objects.filter(school=school).count() == 1


def test_it_gives_schools_sports_equipment_instead_of_large_toys(other_school):
    areas = set(
        services.get_template(other_school, InspectionKind.WEEKLY).items.values_list("area", flat=True)
    )
    assert "体育器材" in areas and "大型玩具" not in areas


def test_it_never_changes_past_inspections_when_the_template_is_edited(as_director, school, director, weekly):
    tpl = services.get_template(school, InspectionKind.WEEKLY)
    item = tpl.items.first()
    before = list(weekly.items.values_list("text", flat=True))
    url = reverse("safety:template_edit", args=["weekly"])
    r = as_director.post(
        f"{url}?item={item.pk}", {"area": "用电", "text": "改过的内容", "order": 5, "is_active": "on"}
    )
    assert r.status_code == 302
    as_director.post(url, {"area": "新区域", "text": "新增项目", "order": 999, "is_active": "on"})
    item.refresh_from_db()
    assert item.text == "改过的内容"
    assert list(weekly.items.values_list("text", flat=True)) == before
    # the next inspection takes the edited template
    nxt, _ = services.inspection_create(
        school=school, kind=InspectionKind.WEEKLY, day=timezone.localdate() + datetime.timedelta(days=7)
    )
    texts = list(nxt.items.values_list("text", flat=True))
    assert "改过的内容" in texts and "新增项目" in texts
    assert ChangeLog.objects.filter(object_id=str(tpl.pk), action=ChangeAction.UPDATE).count() == 2


def test_it_creates_the_weekly_inspection_once_for_every_school(
    school, other_school, director, django_capture_on_commit_callbacks
):
    other_director = member(other_school, Role.DIRECTOR)
    with django_capture_on_commit_callbacks(execute=True):
        assert create_weekly_inspections(MONDAY_9) == 4  # weekly + monthly for 2 schools
    assert create_weekly_inspections(MONDAY_9) == 0
    assert create_weekly_inspections("2026-11-16T23:00:00+08:00") == 0
    weekly = Inspection.objects.filter(kind=InspectionKind.WEEKLY)
    assert weekly.count() == 2
    assert set(weekly.values_list("period_start", flat=True)) == {datetime.date(2026, 11, 16)}
    assert weekly.get(school=school).assigned_to == director
    assert weekly.get(school=other_school).assigned_to == other_director
    assert weekly.get(school=school).items.count() > 10
    assert (
        Inspection.objects.filter(
            kind=InspectionKind.MONTHLY, period_start=datetime.date(2026, 11, 1)
        ).count()
        == 2
    )
    # the inspector is notified once
    assert (
        Notification.objects.filter(user=director, dedupe_key__startswith="safety-inspection-new").count()
        == 2
    )


def test_it_waits_for_the_schools_time_and_for_monday(school, director):
    settings = SafetySettings.for_school(school)
    settings.weekly_time = datetime.time(8, 0)
    settings.save()
    assert create_weekly_inspections(MONDAY_7) == 0
    assert create_weekly_inspections("2026-11-17T09:00:00+08:00") == 0  # Tuesday
    assert create_weekly_inspections(MONDAY_9) == 2
    assert Inspection.objects.get(kind=InspectionKind.WEEKLY).due_on == datetime.date(2026, 11, 20)


def test_it_assigns_the_configured_inspector(school, director, staff):
    settings = SafetySettings.for_school(school)
    settings.inspector = staff
    settings.save()
    create_weekly_inspections(MONDAY_9)
    assert Inspection.objects.get(kind=InspectionKind.WEEKLY).assigned_to == staff


def test_it_handles_many_schools_with_one_run(director):
    for _ in range(5):
        SchoolFactory()
    assert create_weekly_inspections(MONDAY_9) == 2 * School.objects.count()


def test_it_saves_results_notes_and_photos(as_staff, weekly):
    data = post_results(weekly, fail_first=True)
    first = weekly.items.first()
    data[f"photos_{first.pk}"] = [png_upload()]
    data["action"] = "save"
    r = as_staff.post(reverse("safety:inspection_detail", args=[weekly.pk]), data)
    assert r.status_code == 302
    first.refresh_from_db()
    assert first.result == ItemResult.FAIL and first.note == "插座外壳破损"
    assert attachments_for(first).count() == 1
    weekly.refresh_from_db()
    assert weekly.status == InspectionStatus.OPEN
    assert Hazard.objects.count() == 0  # hazards come on submission


def test_it_refuses_a_photo_that_is_not_an_image_and_writes_nothing(as_staff, weekly):
    data = post_results(weekly, fail_first=True)
    first = weekly.items.first()
    data[f"photos_{first.pk}"] = [png_upload(), fake_image()]
    data["action"] = "submit"
    data["signature"] = "whatever"
    r = as_staff.post(reverse("safety:inspection_detail", args=[weekly.pk]), data)
    assert r.status_code == 200
    assert "不是有效的图片" in r.content.decode()
    assert Attachment.objects.count() == 0
    assert not InspectionItem.objects.exclude(result="").exists()
    assert Hazard.objects.count() == 0


def test_it_submits_signed_and_turns_every_failed_item_into_a_hazard(
    as_staff, staff, weekly, director, django_capture_on_commit_callbacks
):
    data = post_results(weekly, fail_first=True)
    first = weekly.items.first()
    data[f"photos_{first.pk}"] = [png_upload()]
    data.update(action="submit", signature=staff.first_name, summary="总体良好")
    with django_capture_on_commit_callbacks(execute=True):
        r = as_staff.post(reverse("safety:inspection_detail", args=[weekly.pk]), data)
    assert r.status_code == 302
    weekly.refresh_from_db()
    assert weekly.status == InspectionStatus.SUBMITTED
    assert weekly.submitted_by == staff and weekly.signature == staff.first_name
    hazard = Hazard.objects.get()
    assert hazard.source_item == first and hazard.status == HazardStatus.FOUND
    assert hazard.found_by == staff and hazard.description == "插座外壳破损"
    assert attachments_for(hazard).count() == 1  # the photo goes along
    assert Notification.objects.filter(
        user=director, dedupe_key=f"safety-inspection-hazards:{weekly.pk}"
    ).exists()
    assert ChangeLog.objects.filter(object_id=str(weekly.pk), action=ChangeAction.TRANSITION).exists()


def test_it_refuses_a_wrong_signature_and_keeps_everything_as_it_was(as_staff, weekly):
    data = post_results(weekly, fail_first=True)
    data.update(action="submit", signature="别人的名字")
    r = as_staff.post(reverse("safety:inspection_detail", args=[weekly.pk]), data)
    assert r.status_code == 200 and "签名须与您的姓名" in r.content.decode()
    weekly.refresh_from_db()
    assert weekly.status == InspectionStatus.OPEN
    assert not InspectionItem.objects.exclude(result="").exists()
    assert Hazard.objects.count() == 0


def test_it_refuses_to_submit_with_unchecked_items(staff, weekly):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="未检查"):
        services.inspection_submit(obj=weekly, by=staff, signature=staff.first_name)


def test_it_locks_a_submitted_inspection(as_staff, staff, weekly):
    services.inspection_save(obj=weekly, by=staff, results=all_results(weekly))
    services.inspection_submit(obj=weekly, by=staff, signature=staff.first_name)
    data = post_results(weekly, fail_first=True)
    data["action"] = "save"
    r = as_staff.post(reverse("safety:inspection_detail", args=[weekly.pk]), data)
    assert r.status_code == 200 and "锁定" in r.content.decode()
    assert not InspectionItem.objects.filter(result=ItemResult.FAIL).exists()


def test_it_corrects_a_submitted_item_through_the_change_log(as_director, as_staff, staff, weekly):
    services.inspection_save(obj=weekly, by=staff, results=all_results(weekly))
    services.inspection_submit(obj=weekly, by=staff, signature=staff.first_name)
    item = weekly.items.last()
    url = reverse("safety:inspection_correct", args=[item.pk])
    assert_status(as_staff, url, 403, method="post", data={"result": "fail", "reason": "x"})
    r = as_director.post(url, {"result": "fail", "note": "复查发现松动", "reason": ""})
    item.refresh_from_db()
    assert item.result == ItemResult.PASS  # no reason -> refused
    r = as_director.post(url, {"result": "fail", "note": "复查发现松动", "reason": "复查时发现漏记"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.result == ItemResult.FAIL
    log = ChangeLog.objects.get(object_id=str(item.pk), action=ChangeAction.CORRECT)
    assert log.before["result"] == "pass" and log.after["result"] == "fail" and log.reason == "复查时发现漏记"
    assert Hazard.objects.filter(source_item=item).count() == 1


def test_it_notifies_overdue_inspections_once(school, director, weekly):
    Inspection.objects.filter(pk=weekly.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    assert services.notify_overdue_inspections() >= 1
    assert services.notify_overdue_inspections() == 0
    assert (
        Notification.objects.filter(
            user=director, dedupe_key=f"safety-inspection-overdue:{weekly.pk}"
        ).count()
        == 1
    )


def test_it_starts_the_daily_closing_patrol_for_the_guard(as_guard, guard):
    r = as_guard.post(reverse("safety:inspection_start"), {"kind": "closing"})
    patrol = Inspection.objects.get(kind=InspectionKind.CLOSING)
    assert r.status_code == 302 and patrol.assigned_to == guard
    assert patrol.period_start == timezone.localdate()
    assert "水" in set(patrol.items.values_list("area", flat=True))
    as_guard.post(reverse("safety:inspection_start"), {"kind": "closing"})
    assert Inspection.objects.filter(kind=InspectionKind.CLOSING).count() == 1


def test_it_guards_the_inspection_pages(client, as_teacher, as_outsider, as_bureau, as_director, weekly):
    url = reverse("safety:inspection_detail", args=[weekly.pk])
    assert_login_required(url)
    assert_status(as_outsider, url, 404)
    assert_status(as_teacher, url, 200)
    assert_status(as_teacher, url, 403, method="post", data={"action": "save"})
    assert_status(
        as_teacher, reverse("safety:inspection_start"), 403, method="post", data={"kind": "closing"}
    )
    assert_status(as_teacher, reverse("safety:template_list"), 403)
    assert_status(as_teacher, reverse("safety:settings"), 403)
    assert_status(as_bureau, reverse("safety:inspection_list"), 200)
    assert_status(as_director, reverse("safety:template_list"), 200)


def test_it_pins_the_inspection_list_query_count(as_director, school, django_assert_max_num_queries):
    monday = services.week_start(timezone.localdate())
    for n in range(60):
        services.inspection_create(
            school=school, kind=InspectionKind.CLOSING, day=monday - datetime.timedelta(days=n)
        )
    as_director.get(reverse("safety:inspection_list") + "?kind=closing")  # warm-up
    with django_assert_max_num_queries(12):
        r = as_director.get(reverse("safety:inspection_list") + "?kind=closing")
    assert r.status_code == 200 and r.context["paginator"].count == 60


def test_it_pins_the_inspection_page_query_count(as_staff, staff, weekly, django_assert_max_num_queries):
    as_staff.get(reverse("safety:inspection_detail", args=[weekly.pk]))  # warm-up
    with django_assert_max_num_queries(14):
        r = as_staff.get(reverse("safety:inspection_detail", args=[weekly.pk]))
    assert r.status_code == 200


def test_it_edits_the_settings(as_director, school, staff):
    r = as_director.post(
        reverse("safety:settings"),
        {
            "inspector": staff.pk,
            "weekly_time": "08:15",
            "weekly_due_days": 3,
            "closing_time": "17:00",
            "drill_fire": 1,
            "drill_earthquake": 3,
            "drill_anti_terror": 6,
            "drill_other": 0,
        },
    )
    assert r.status_code == 302
    s = SafetySettings.for_school(school)
    assert s.inspector == staff and s.weekly_time == datetime.time(8, 15) and s.drill_fire == 1
