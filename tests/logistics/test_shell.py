import pytest
from django.test import Client
from django.urls import reverse

from logistics.choices import Role
from logistics.middleware import SESSION_KEY
from logistics.models import Notification
from logistics.notifications import notify
from tests.factories import member
from tests.helpers import assert_status

pytestmark = pytest.mark.django_db


def test_it_shows_the_login_page_in_chinese_by_default(school):
    response = Client().get(reverse("login"))
    assert "学校后勤管理系统" in response.content.decode()


def test_it_switches_the_ui_to_english(school):
    c = Client()
    c.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = c.get(reverse("login"))
    assert "School logistics" in response.content.decode()


def test_it_logs_in_and_shows_the_role_dashboard(school, director):
    c = Client()
    response = c.post(reverse("login"), {"username": "p_director", "password": "pass-1234"})
    assert response.status_code == 302
    response = c.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "今日工作" in response.content.decode()
    assert "后勤主任" in response.content.decode()


def test_it_locks_out_after_repeated_failures(school, director, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    c = Client()
    for _ in range(3):
        response = c.post(reverse("login"), {"username": "p_director", "password": "wrong"})
        assert "用户名或密码不正确" in response.content.decode()
    response = c.post(reverse("login"), {"username": "p_director", "password": "pass-1234"})
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in c.session


def test_it_switches_between_the_users_schools(school, other_school, director):
    from tests.factories import MembershipFactory

    MembershipFactory(user=director, school=other_school, role=Role.STAFF)
    c = Client()
    c.force_login(director)
    assert c.get(reverse("dashboard")).context["current_school"] in (school, other_school)
    c.post(reverse("switch_school"), {"school": other_school.pk})
    response = c.get(reverse("dashboard"))
    assert response.context["current_school"] == other_school
    assert response.context["current_role"] == Role.STAFF


def test_it_refuses_to_switch_to_a_school_the_user_is_not_in(as_director, other_school):
    assert_status(as_director, reverse("switch_school"), 404, method="post", data={"school": other_school.pk})
    assert as_director.session.get(SESSION_KEY) != other_school.pk


def test_it_changes_the_password(as_director, director):
    response = as_director.post(
        reverse("password_change"),
        {
            "old_password": "pass-1234",
            "new_password1": "Sunshine#2026",
            "new_password2": "Sunshine#2026",
        },
    )
    assert response.status_code == 302
    director.refresh_from_db()
    assert director.check_password("Sunshine#2026")


def test_it_logs_out_with_a_post(as_director):
    response = as_director.post(reverse("logout"))
    assert response.status_code == 302
    assert as_director.get(reverse("dashboard")).status_code == 302


def test_it_shows_the_unread_badge_and_marks_notifications_read(as_director, school, director):
    notify(school=school, users=[director], title="测试通知：灭火器到期", url="/org/rooms/")
    response = as_director.get(reverse("dashboard"))
    assert 'data-testid="unread-badge">1<' in response.content.decode()
    note = Notification.objects.get(user=director)
    response = as_director.get(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == "/org/rooms/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_it_notifies_a_role_once_per_dedupe_key(school, director, principal):
    assert (
        notify(school=school, roles=[Role.DIRECTOR, Role.PRINCIPAL], title="隐患逾期", dedupe_key="h:1") == 2
    )
    assert (
        notify(school=school, roles=[Role.DIRECTOR, Role.PRINCIPAL], title="隐患逾期", dedupe_key="h:1") == 0
    )
    assert Notification.objects.count() == 2


def test_it_never_opens_another_users_notification(as_teacher, school, director):
    notify(school=school, users=[director], title="私人")
    note = Notification.objects.get()
    assert_status(as_teacher, reverse("notification_open", args=[note.pk]), 404)


def test_the_bureau_reads_its_districts_schools_but_cannot_write(as_bureau, school, campus):
    response = assert_status(as_bureau, reverse("org:room_list"), 200)
    assert response.context["current_role"] == Role.BUREAU
    assert_status(as_bureau, reverse("org:room_create"), 403)
    assert_status(as_bureau, reverse("org:campus_create"), 403, method="post", data={"name": "x"})


def test_a_user_without_a_school_sees_a_clear_message(db):
    from tests.factories import UserFactory

    c = Client()
    c.force_login(UserFactory())
    response = c.get(reverse("dashboard"))
    assert response.status_code == 403
    assert "尚未加入任何学校" in response.content.decode()


def test_error_pages_are_chinese_and_in_the_site_look(as_director):
    response = as_director.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_healthz_reports_database_and_broker_without_login(db, settings):
    settings.REDIS_URL = ""
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "local", "status": "ok"}


def test_healthz_is_503_when_redis_is_unreachable(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_dashboard_query_count_is_fixed(as_director, school, django_assert_max_num_queries):
    for _ in range(5):
        member(school, Role.CANTEEN)
    with django_assert_max_num_queries(40):
        as_director.get(reverse("dashboard"))
