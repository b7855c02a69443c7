"""Login throttling, session lifetime and logout, CSRF on every POST."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from logistics import throttle
from tests.security.urlwalk import all_routes, dummy_kwargs

pytestmark = pytest.mark.django_db


def _login(client, username, password="pass-1234", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# --- throttling ----------------------------------------------------------------------------------
def test_it_locks_an_account_after_the_failure_limit_even_with_the_right_password(director, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    c = Client()
    for _ in range(5):
        assert "用户名或密码不正确" in _login(c, "p_director", "wrong").content.decode()
    response = _login(Client(), "p_director")  # another browser, right password
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in Client().session


def test_it_keeps_the_lock_for_the_whole_lockout_period(director, settings):
    """cache.incr() would re-store the counter with the cache's default 5-minute timeout."""
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 900
    for _ in range(3):
        _login(Client(), "p_director", "wrong")
    key = cache.make_key("login-fail:user:p_director")
    with connection.cursor() as cur:
        cur.execute("SELECT expires FROM django_cache WHERE cache_key = %s", [key])
        (expires,) = cur.fetchone()
    if isinstance(expires, str):  # SQLite returns text
        expires = datetime.datetime.fromisoformat(expires)
    if timezone.is_naive(expires):
        expires = timezone.make_aware(expires, datetime.UTC)
    assert expires - timezone.now() > datetime.timedelta(seconds=850)


def test_it_unlocks_after_the_lockout_period(director, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        _login(Client(), "p_director", "wrong")
    assert throttle.is_locked("p_director", "127.0.0.1")
    cache.delete("login-fail:user:p_director")  # what expiry does
    cache.delete("login-fail:ip:127.0.0.1")
    c = Client()
    assert _login(c, "p_director").status_code == 302
    assert c.get(reverse("dashboard")).status_code == 200


def test_it_locks_an_address_that_tries_many_accounts(school, director, staff, settings):
    settings.LOGIN_FAILURE_LIMIT = 2  # address limit is 4x: 8 failures over several names
    for i in range(8):
        _login(Client(), f"nobody{i}", "wrong")
    assert "账号已暂时锁定" in _login(Client(), "p_staff").content.decode()


def test_it_does_not_reveal_whether_an_account_exists(director):
    known = _login(Client(), "p_director", "wrong").content.decode()
    unknown = _login(Client(), "no-such-user", "wrong").content.decode()
    assert "用户名或密码不正确" in known
    assert "用户名或密码不正确" in unknown


def test_it_trusts_only_the_proxys_entry_of_x_forwarded_for(settings):
    settings.TRUST_X_FORWARDED_FOR = True
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3", REMOTE_ADDR="127.0.0.1")
    assert throttle.client_ip(request) == "10.1.2.3"  # the forged first entry is ignored
    settings.TRUST_X_FORWARDED_FOR = False
    assert throttle.client_ip(request) == "127.0.0.1"


# --- sessions ------------------------------------------------------------------------------------
def test_it_expires_an_idle_session(director, settings):
    c = Client()
    assert _login(c, "p_director").status_code == 302
    assert 0 < c.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE
    Session.objects.filter(session_key=c.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = c.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_it_sets_a_browser_session_cookie_that_scripts_cannot_read(director):
    c = Client()
    _login(c, "p_director")
    cookie = c.cookies["sessionid"]
    assert cookie["httponly"]
    assert not cookie["max-age"]  # expires when the browser closes (shared office PCs)
    assert cookie["samesite"].lower() == "lax"


def test_it_kills_the_session_on_logout_so_a_stolen_cookie_is_useless(director):
    c = Client()
    _login(c, "p_director")
    stolen = c.cookies["sessionid"].value
    c.post(reverse("logout"))
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get(reverse("dashboard")).status_code == 302


def test_it_rotates_the_session_key_at_login(director):
    c = Client()
    c.get(reverse("login"))
    c.cookies["sessionid"] = "attacker-chosen-session-key-000000"
    _login(c, "p_director")
    assert c.cookies["sessionid"].value != "attacker-chosen-session-key-000000"


def test_it_logs_out_other_sessions_when_the_password_changes(director):
    a, b = Client(), Client()
    _login(a, "p_director")
    _login(b, "p_director")
    response = a.post(
        reverse("password_change"),
        {"old_password": "pass-1234", "new_password1": "Neues-Pw-2026!", "new_password2": "Neues-Pw-2026!"},
    )
    assert response.status_code == 302
    assert a.get(reverse("dashboard")).status_code == 200
    assert b.get(reverse("dashboard")).status_code == 302


def test_it_refuses_logout_by_get(as_director):
    assert as_director.get(reverse("logout")).status_code == 405


def test_it_does_not_redirect_to_another_site_after_login(director):
    c = Client()
    response = c.post(
        reverse("login") + "?next=https://evil.example.com/",
        {"username": "p_director", "password": "pass-1234", "next": "https://evil.example.com/"},
    )
    assert response.status_code == 302
    assert "evil.example.com" not in response["Location"]


# --- CSRF on every POST --------------------------------------------------------------------------
# Views that legitimately take POSTs from outside a form of ours. Keep this empty.
CSRF_EXEMPT = set()


def test_it_refuses_a_post_without_csrf_token_on_every_url(school, director):
    c = Client(enforce_csrf_checks=True)
    c.force_login(director)
    anonymous = Client(enforce_csrf_checks=True)
    failures = []
    for name, route in all_routes().items():
        if name in CSRF_EXEMPT:
            continue
        url = reverse(name, kwargs=dummy_kwargs(route))
        for who, client in (("director", c), ("anonymous", anonymous)):
            response = client.post(url, {"name": "x"})
            if response.status_code != 403 or "页面已过期或表单无效" not in response.content.decode():
                failures.append(f"{who} POST {url} ({name}): {response.status_code}")
    assert not failures, "POST accepted without a CSRF token:\n" + "\n".join(failures)


def test_it_accepts_a_post_with_the_token_from_the_form(school, director, campus):
    c = Client(enforce_csrf_checks=True)
    c.force_login(director)
    c.get(reverse("org:room_create"))
    token = c.cookies["csrftoken"].value
    response = c.post(
        reverse("org:room_create"),
        {"campus": campus.pk, "name": "CSRF 测试室", "room_type": "office", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
