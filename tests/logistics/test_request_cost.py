"""What every page pays (issue #9): the per-user shell cache, the built menu, and notify's one INSERT.

The shell cache is Redis in production; tests get an empty in-process cache each (tests/conftest.py),
so these tests run the same code path and check that every change that matters is seen at once.
"""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from logistics import usercache
from logistics.choices import Role
from logistics.models import BureauAccount, Membership, Notification
from logistics.notifications import mark_read, notify
from logistics.services import membership_end
from tests.factories import MembershipFactory, SchoolFactory, member

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as cq:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in cq.captured_queries]


# --- the shell: two queries (session, user) once the user's entry is cached ---------------------
def test_it_costs_a_page_only_the_session_and_the_user_once_the_shell_is_cached(as_director):
    url = reverse("notifications")
    cold = _queries(as_director, url)
    warm = _queries(as_director, url)
    # memberships, bureau account and the unread count come from the cache now
    assert len(cold) - len(warm) == 3
    assert not any("logistics_membership" in q or "bureauaccount" in q for q in warm)
    assert "django_session" in warm[0] and "auth_user" in warm[1]


def test_without_the_shell_cache_every_page_reads_the_database(as_director, settings):
    settings.CACHES = {k: v for k, v in settings.CACHES.items() if k != "shell"}
    url = reverse("notifications")
    assert len(_queries(as_director, url)) == len(_queries(as_director, url))


def test_a_removed_membership_loses_access_on_the_next_request(as_director, director, principal, school):
    assert as_director.get(reverse("org:room_list")).status_code == 200  # cached: one school
    membership_end(
        membership=Membership.objects.get(user=director),
        by=principal,
        ended_on=timezone.localdate(),
        reason="调离",
    )
    assert as_director.get(reverse("org:room_list")).status_code == 403
    assert "尚未加入任何学校" in as_director.get(reverse("dashboard")).content.decode()


def test_a_deleted_membership_and_a_changed_role_are_seen_at_once(as_director, director):
    as_director.get(reverse("dashboard"))
    m = Membership.objects.get(user=director)
    m.role = Role.TEACHER
    m.save()
    assert as_director.get(reverse("dashboard")).context["current_role"] == Role.TEACHER
    m.delete()
    assert as_director.get(reverse("org:room_list")).status_code == 403


def test_a_new_school_appears_in_the_switcher_at_once(as_director, director, other_school):
    assert as_director.get(reverse("dashboard")).context["school_choices"] == [
        (director.memberships.get().school, Role.DIRECTOR)
    ]
    MembershipFactory(user=director, school=other_school, role=Role.STAFF)
    page = as_director.get(reverse("dashboard")).content.decode()
    assert other_school.name in page and 'form="school-switch"' in page
    assert as_director.post(reverse("switch_school"), {"school": other_school.pk}).status_code == 302
    assert as_director.get(reverse("dashboard")).context["current_school"] == other_school


def test_a_school_renamed_is_renamed_in_every_users_shell(as_director, school):
    as_director.get(reverse("dashboard"))
    school.name = "改名后的幼儿园"
    school.save()
    assert "改名后的幼儿园" in as_director.get(reverse("dashboard")).content.decode()


def test_the_bureau_loses_the_district_when_its_account_goes(as_bureau, bureau, district):
    assert as_bureau.get(reverse("org:room_list")).status_code == 200
    new = SchoolFactory(district=district, name="新建学校")
    assert new.name in as_bureau.get(reverse("dashboard")).content.decode()  # school added: seen
    BureauAccount.objects.get(user=bureau).delete()
    assert as_bureau.get(reverse("org:room_list")).status_code == 403


def test_the_unread_badge_follows_notify_and_mark_read(as_director, director, school):
    def badge():
        page = as_director.get(reverse("notifications")).content.decode()
        return 'data-testid="unread-badge">1<' in page

    assert not badge()  # counted 0 and cached
    notify(school=school, users=[director], title="新通知")
    assert badge()
    mark_read(user=director)
    assert not badge()
    Notification.objects.create(school=school, user=director, title="直接写入")
    assert badge()
    Notification.objects.all().delete()
    assert not badge()


def test_an_outdated_entry_is_not_kept_by_a_request_that_read_before_the_change(director, school):
    """The request stores its entry under the versions it read *before* the database: a bump in
    between leaves that entry already outdated."""
    entry = usercache.load(director.pk)
    assert "choices" not in entry
    stale = [(school, Role.DIRECTOR)]  # what it read
    usercache.bump_user(director.pk)  # ... while the membership changed
    entry["choices"] = stale
    entry.save()
    assert "choices" not in usercache.load(director.pk)


def test_a_page_counts_the_unread_again_after_notifying_its_own_user(rf, director, school):
    from logistics.notifications import unread_count

    entry = usercache.load(director.pk)
    entry["unread"] = 0
    entry.save()
    request = rf.get("/")
    request.user, request.shell_entry = director, usercache.load(director.pk)
    assert request.shell_entry["unread"] == 0  # cached
    notify(school=school, users=[director], title="自己操作产生的通知")  # during this request
    assert request.shell_entry.outdated and unread_count(request) == 1


def test_a_redis_outage_falls_back_to_the_database(as_director, monkeypatch):
    as_director.get(reverse("dashboard"))

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(caches["shell"], "get_many", down)
    monkeypatch.setattr(usercache, "_down_until", 0.0)
    response = as_director.get(reverse("org:room_list"))
    assert response.status_code == 200 and response.context["current_role"] == Role.DIRECTOR
    assert usercache._down_until > 0  # and Redis is left alone for a few seconds


# --- the menu: built once per role and language -------------------------------------------------
def test_the_menu_is_the_roles_and_marks_the_current_page(as_director, as_teacher):
    page = as_director.get(reverse("org:room_list")).content.decode()
    assert f'class="nav-link px-3 py-2 active" href="{reverse("org:room_list")}"' in page
    assert f'href="{reverse("org:member_list")}"' in page  # org.manage: the director's
    teacher_page = as_teacher.get(reverse("org:room_list")).content.decode()
    assert f'href="{reverse("org:member_list")}"' not in teacher_page


def test_the_menu_follows_the_language(as_director):
    assert "房间" in as_director.get(reverse("org:campus_list")).content.decode()
    as_director.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = as_director.get(reverse("org:campus_list")).content.decode()
    assert f'href="{reverse("org:room_list")}">Room</a>' in page and "房间</a>" not in page


# --- notify: one INSERT for all recipients ------------------------------------------------------
def test_notify_writes_all_recipients_in_one_insert(school, django_assert_num_queries):
    for i in range(4):
        member(school, Role.STAFF, username=f"staff{i}")
    with django_assert_num_queries(3):  # role holders, who already has the key, one INSERT
        assert notify(school=school, roles=[Role.STAFF], title="待采购", dedupe_key="buy:1") == 4
    with django_assert_num_queries(2):  # everyone has it: nothing to insert
        assert notify(school=school, roles=[Role.STAFF], title="待采购", dedupe_key="buy:1") == 0
    assert Notification.objects.filter(dedupe_key="buy:1").count() == 4


def test_notify_without_a_dedupe_key_notifies_every_time(school, director, principal):
    assert notify(school=school, users=[director, principal], title="提醒") == 2
    assert notify(school=school, users=[director], roles=[Role.PRINCIPAL], title="提醒") == 2
    assert Notification.objects.filter(title="提醒").count() == 4


def test_notify_counts_only_the_new_recipients_of_a_key(school, director, principal):
    assert notify(school=school, users=[director], title="逾期", dedupe_key="late:1") == 1
    assert notify(school=school, users=[director, principal], title="逾期", dedupe_key="late:1") == 1
    assert sorted(Notification.objects.values_list("user__username", flat=True)) == [
        "p_director",
        "p_principal",
    ]
    assert notify(school=school, roles=[Role.TEACHER], title="无人") == 0


def test_notify_skips_a_row_a_concurrent_run_wrote_first(school, director, principal, monkeypatch):
    """The dedupe SELECT missed a concurrent run's row: the unique constraint skips it, no error."""
    Notification.objects.create(school=school, user=director, title="逾期", dedupe_key="late:2")
    monkeypatch.setattr("logistics.notifications._already_notified", lambda key, ids: set())
    notify(school=school, users=[director, principal], title="逾期", dedupe_key="late:2")
    assert Notification.objects.filter(dedupe_key="late:2").count() == 2


def test_notify_reaches_only_active_role_holders(school, director):
    MembershipFactory(
        user=director, school=school, role=Role.STAFF, ended_on=timezone.localdate() - datetime.timedelta(1)
    )
    assert notify(school=school, roles=[Role.DIRECTOR, Role.STAFF], title="一次") == 1
