"""The duty calendar (行事历): default calendar, scheduling, assign, remind, done, dashboard."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from logistics.models import ChangeLog, Notification
from monthend import duties, services
from monthend.choices import Recurrence, TaskStatus
from monthend.models import Duty, DutySettings, DutyTask
from monthend.tasks import create_duty_tasks, remind_duty_tasks
from tests.helpers import assert_login_required, assert_status, form_errors

D = datetime.date


def test_the_default_calendar_comes_from_the_seeds_and_loads_once(school):
    services.calendar_settings(school)
    services.calendar_settings(school)
    titles = set(Duty.objects.filter(school=school).values_list("title", flat=True))
    assert {"直饮水更换滤芯", "空调清洗", "消防设备自检", "桌凳调配", "资产清点", "财产清查验收"} <= titles
    assert Duty.objects.filter(school=school).count() == len(duties.DEFAULT_DUTIES)
    by_title = {d.title: d for d in Duty.objects.filter(school=school)}
    assert (by_title["直饮水更换滤芯"].recurrence, by_title["直饮水更换滤芯"].month) == (Recurrence.YEARLY, 8)
    assert (by_title["空调清洗"].month, by_title["消防设备自检"].recurrence) == (5, Recurrence.MONTHLY)
    assert by_title["桌凳调配"].recurrence == Recurrence.SEMESTER_START
    assert by_title["财产清查验收"].recurrence == Recurrence.SEMESTER_END
    # a director deleting... deactivating a default does not bring it back
    by_title["空调清洗"].is_active = False
    by_title["空调清洗"].save()
    services.calendar_settings(school)
    assert not Duty.objects.get(school=school, title="空调清洗").is_active


def _duty(school, **kw):
    return Duty.objects.create(school=school, title=kw.pop("title", "测试事项"), **kw)


def test_occurrences_by_month_week_date_and_semester(school):
    settings_obj = services.calendar_settings(school)
    monthly = _duty(school, recurrence=Recurrence.MONTHLY, day=31)
    assert duties.occurrences(monthly, settings_obj, D(2027, 2, 1), D(2027, 3, 31)) == [
        D(2027, 2, 28),
        D(2027, 3, 31),
    ]
    yearly = _duty(school, recurrence=Recurrence.YEARLY, month=8, day=25)
    assert duties.occurrences(yearly, settings_obj, D(2026, 1, 1), D(2027, 12, 31)) == [
        D(2026, 8, 25),
        D(2027, 8, 25),
    ]
    weekly = _duty(school, recurrence=Recurrence.WEEKLY, weekday=0)
    assert duties.occurrences(weekly, settings_obj, D(2026, 11, 18), D(2026, 12, 1)) == [
        D(2026, 11, 23),
        D(2026, 11, 30),
    ]
    once = _duty(school, recurrence=Recurrence.DATE, date=D(2026, 12, 24))
    assert duties.occurrences(once, settings_obj, D(2026, 12, 1), D(2026, 12, 31)) == [D(2026, 12, 24)]
    start = _duty(school, recurrence=Recurrence.SEMESTER_START, day=5)
    assert duties.occurrences(start, settings_obj, D(2026, 1, 1), D(2026, 12, 31)) == [
        D(2026, 2, 5),
        D(2026, 9, 5),
    ]
    end = _duty(school, recurrence=Recurrence.SEMESTER_END, day=10)
    assert duties.occurrences(end, settings_obj, D(2026, 1, 1), D(2026, 12, 31)) == [
        D(2026, 1, 10),
        D(2026, 7, 10),
    ]


def test_tasks_are_created_on_schedule_once(school, other_school, director):
    services.calendar_settings(school)
    filter_duty = Duty.objects.get(school=school, title="直饮水更换滤芯")
    filter_duty.assignee = director
    filter_duty.save()
    services.create_due_tasks(school=school, today=D(2026, 7, 1))
    before = DutyTask.objects.filter(title="直饮水更换滤芯").count()
    assert before == 0  # August 25 is more than 7 days away
    created = services.create_due_tasks(school=school, today=D(2026, 8, 20))
    assert created > 0
    task = DutyTask.objects.get(school=school, title="直饮水更换滤芯")
    assert task.due_on == D(2026, 8, 25) and task.assignee == director and task.status == TaskStatus.OPEN
    assert services.create_due_tasks(school=school, today=D(2026, 8, 20)) == 0
    assert services.create_due_tasks(school=school, today=D(2026, 8, 21)) >= 0
    assert DutyTask.objects.filter(school=school, title="直饮水更换滤芯").count() == 1
    # the nightly job runs for every school (loading their default calendars)
    assert create_duty_tasks() >= 0
    assert DutySettings.objects.filter(school=other_school, defaults_loaded=True).exists()
    count = DutyTask.objects.count()
    create_duty_tasks()
    assert DutyTask.objects.count() == count


def test_the_fire_self_check_falls_due_every_month(school):
    services.calendar_settings(school)
    for month in range(1, 13):
        services.create_due_tasks(school=school, today=D(2026, month, 1))
    assert DutyTask.objects.filter(title="消防设备自检").count() == 12


@pytest.fixture
def task(school, staff):
    services.calendar_settings(school)
    duty = Duty.objects.get(school=school, title="消防设备自检")
    return DutyTask.objects.create(school=school, duty=duty, title=duty.title, due_on=D(2026, 11, 5))


def test_a_task_is_done_with_who_and_when_and_the_history_row(task, staff):
    services.task_complete(obj=task, by=staff, note="灭火器32具全部合格")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_by == staff and task.done_at and "32具" in task.note
    log = ChangeLog.objects.get(object_id=str(task.pk), action="transition")
    assert log.transition == "complete" and log.user == staff and log.reason == "灭火器32具全部合格"
    assert log.before == {"status": "open", "done_by": None, "done_at": None, "note": ""}
    assert log.after["status"] == "done" and log.after["done_by"] == staff.pk
    with pytest.raises(ValidationError):
        services.task_complete(obj=task, by=staff)


def test_only_allowed_people_complete_skip_or_reopen(task, teacher, director):
    with pytest.raises(ValidationError, match="无权"):
        services.task_complete(obj=task, by=teacher)
    task.assignee = teacher
    task.save()
    with pytest.raises(ValidationError, match="无权"):
        services.task_skip(obj=task, by=teacher, reason="x")
    with pytest.raises(ValidationError, match="原因"):
        services.task_skip(obj=task, by=director, reason=" ")
    services.task_complete(obj=task, by=teacher)  # the assignee may
    with pytest.raises(ValidationError, match="原因"):
        services.task_reopen(obj=task, by=director, reason="")
    services.task_reopen(obj=task, by=director, reason="记录有误")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.done_by is None


def test_reminders_go_once_to_the_assignee_or_the_directors(task, director, teacher):
    sent = services.remind_due_tasks(today=D(2026, 11, 4))
    assert sent == 1 and Notification.objects.get().user == director
    assert services.remind_due_tasks(today=D(2026, 11, 4)) == 0
    task.assignee = teacher
    task.save()
    assert services.remind_due_tasks(today=D(2026, 11, 6)) == 1  # overdue now: the assignee
    assert Notification.objects.filter(user=teacher, title__contains="逾期").count() == 1
    assert services.remind_due_tasks(today=D(2026, 11, 7)) == 0
    assert remind_duty_tasks.run() == 0  # the nightly task: still overdue, already told


def test_task_pages_login_role_school_valid_invalid(
    task, as_teacher, as_director, as_outsider, staff, client_for
):
    url = reverse("monthend:task_action", args=[task.pk, "complete"])
    assert_login_required(reverse("monthend:task_list"))
    assert_login_required(url, method="post")
    assert_status(as_outsider, url, 404, method="post", data={"comment": "x"})
    assert_status(client_for(staff), url, 302, method="post", data={"comment": "a" * 1001})
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN  # too long: nothing written
    response = as_teacher.post(url, {"comment": "x"}, follow=True)
    assert "无权" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert_status(as_teacher, reverse("monthend:task_assign", args=[task.pk]), 403, method="post")
    assert_status(as_director, url, 302, method="post", data={"comment": "已完成"})
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert_status(as_director, reverse("monthend:task_action", args=[task.pk, "delete"]), 404, method="post")


def test_the_director_assigns_a_task_and_the_assignee_is_told(
    task, as_director, teacher, outsider, django_capture_on_commit_callbacks
):
    url = reverse("monthend:task_assign", args=[task.pk])
    response = as_director.post(url, {"assignee": outsider.pk}, follow=True)
    assert "请选择本校的成员" in response.content.decode()
    task.refresh_from_db()
    assert task.assignee is None
    with django_capture_on_commit_callbacks(execute=True):
        as_director.post(url, {"assignee": teacher.pk})
    task.refresh_from_db()
    assert task.assignee == teacher
    assert Notification.objects.filter(user=teacher, title__contains="消防设备自检").count() == 1


def test_the_task_list_has_fixed_queries(school, as_director, director, django_assert_max_num_queries):
    services.calendar_settings(school)
    duty = Duty.objects.get(school=school, title="消防设备自检")
    today = timezone.localdate()
    DutyTask.objects.bulk_create(
        [
            DutyTask(
                school=school,
                duty=duty,
                title=duty.title,
                due_on=today - datetime.timedelta(days=i),
                assignee=director,
            )
            for i in range(60)
        ]
    )
    for show in ("week", "open", "mine", "done", "all"):
        with django_assert_max_num_queries(14):
            response = as_director.get(reverse("monthend:task_list"), {"show": show})
        assert response.status_code == 200


def test_the_director_edits_the_calendar(school, as_director, as_teacher, director, as_outsider):
    assert_status(as_teacher, reverse("monthend:duty_create"), 403)
    response = as_director.get(reverse("monthend:duty_list"))
    assert response.status_code == 200 and "直饮水更换滤芯" in response.content.decode()
    # invalid: a yearly duty without its month writes nothing
    count = Duty.objects.count()
    response = as_director.post(
        reverse("monthend:duty_create"),
        {"title": "锅炉检修", "category": "assets", "recurrence": "yearly", "day": 10, "lead_days": 7},
    )
    assert any("月份" in e for e in form_errors(response))
    assert Duty.objects.count() == count
    response = as_director.post(
        reverse("monthend:duty_create"),
        {
            "title": "锅炉检修",
            "category": "assets",
            "recurrence": "yearly",
            "month": 10,
            "day": 10,
            "lead_days": 7,
            "assignee": director.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    duty = Duty.objects.get(title="锅炉检修")
    assert duty.month == 10 and duty.assignee == director
    assert ChangeLog.objects.filter(object_id=str(duty.pk), action="create").exists()
    assert_status(as_outsider, reverse("monthend:duty_update", args=[duty.pk]), 404)
    response = as_director.post(
        reverse("monthend:duty_update", args=[duty.pk]),
        {"title": "锅炉检修", "category": "assets", "recurrence": "weekly", "day": 10, "lead_days": 7},
    )
    assert any("星期" in e for e in form_errors(response))


def test_the_semester_settings(school, as_director):
    response = as_director.post(
        reverse("monthend:duty_settings"),
        {"spring_start_month": 3, "spring_end_month": 7, "autumn_start_month": 3, "autumn_end_month": 1},
    )
    assert "开学月份不能相同" in response.content.decode()
    assert DutySettings.objects.get(school=school).spring_start_month == 2
    as_director.post(
        reverse("monthend:duty_settings"),
        {"spring_start_month": 3, "spring_end_month": 7, "autumn_start_month": 9, "autumn_end_month": 1},
    )
    assert DutySettings.objects.get(school=school).spring_start_month == 3


def test_the_dashboard_shows_this_weeks_duties(
    school, as_director, director, as_teacher, django_assert_max_num_queries
):
    services.calendar_settings(school)
    duty = Duty.objects.get(school=school, title="消防设备自检")
    today = timezone.localdate()
    monday, sunday = duties.week_bounds(today)
    DutyTask.objects.create(school=school, duty=duty, title="消防设备自检", due_on=sunday)
    DutyTask.objects.create(
        school=school, duty=duty, title="消防设备自检", due_on=monday - datetime.timedelta(days=3)
    )
    DutyTask.objects.create(
        school=school, duty=duty, title="消防设备自检", due_on=sunday + datetime.timedelta(days=1)
    )
    response = as_director.get(reverse("dashboard"))
    html = response.content.decode()
    assert "本周行事历" in html and "已逾期" in html
    card = next(c for c in response.context["cards"] if c.title == "本周行事历")
    assert card.value == 2 and card.level == "danger"


def test_the_dashboard_card_costs_one_query_and_teachers_see_their_own(
    school, as_director, as_teacher, teacher, director, django_assert_num_queries
):
    from monthend.dashboard import cards

    services.calendar_settings(school)
    duty = Duty.objects.get(school=school, title="消防设备自检")
    today = timezone.localdate()
    DutyTask.objects.bulk_create(
        [
            DutyTask(
                school=school,
                duty=duty,
                title=duty.title,
                due_on=today - datetime.timedelta(days=i),
                assignee=director,
            )
            for i in range(60)
        ]
    )
    DutyTask.objects.create(
        school=school,
        duty=duty,
        title="教师的任务",
        due_on=today + datetime.timedelta(days=60),
        assignee=teacher,
    )
    request = as_director.get(reverse("monthend:task_list")).wsgi_request
    with django_assert_num_queries(1):
        found = cards(request)
    assert found[0].value == "50+" and len(found[0].items) == 6
    request = as_teacher.get(reverse("monthend:task_list")).wsgi_request
    (card,) = cards(request)
    assert card.value == 0  # the director's tasks are not the teacher's; its own is not due this week


def test_the_calendar_page_has_fixed_queries(school, as_director, as_bureau, django_assert_max_num_queries):
    services.calendar_settings(school)
    Duty.objects.bulk_create(
        [
            Duty(school=school, title=f"事项{i}", recurrence=Recurrence.MONTHLY, day=i % 28 + 1)
            for i in range(80)
        ]
    )
    with django_assert_max_num_queries(14):
        response = as_director.get(reverse("monthend:duty_list"))
    assert response.status_code == 200 and "事项79" in response.content.decode()
    # the bureau reads the calendar but gets no edit links
    page = as_bureau.get(reverse("monthend:duty_list")).content.decode()
    assert "直饮水更换滤芯" in page and reverse("monthend:duty_create") not in page


def test_a_tasks_history_shows_who_did_what(task, staff, as_director, as_teacher):
    from logistics.templatetags.logistics_tags import history_url

    services.task_complete(obj=task, by=staff, note="全部合格")
    page = as_director.get(history_url(task))
    html = page.content.decode()
    assert page.status_code == 200 and staff.first_name in html and "状态变更" in html
    assert as_teacher.get(history_url(task)).status_code == 200  # every staff role reads the calendar
