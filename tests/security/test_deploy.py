"""With DEBUG off: no debug page, no secret in any answer, `check --deploy` clean, safe headers."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

BASE_DIR = Path(settings.BASE_DIR)
SECRET = "prod-secret-for-the-test-0123456789-abcdefghijklmnopqrstuvwxyz-XYZ"


def _prod_env(tmp_path, **extra):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "logistics.settings",
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "logistics.example.edu.cn,testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        **extra,
    }
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by tests/conftest.py; never in production
    return env


def _run(args, env, timeout=90):
    return subprocess.run(
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_it_passes_check_deploy_with_production_settings(tmp_path):
    proc = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], _prod_env(tmp_path)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [({"SECRET_KEY": ""}, "SECRET_KEY"), ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS")],
)
def test_it_refuses_to_start_without_a_secret_or_hosts_when_debug_is_off(tmp_path, env, message):
    proc = _run([sys.executable, "manage.py", "check"], _prod_env(tmp_path, **env))
    assert proc.returncode != 0
    assert message in proc.stderr


PROD_SCRIPT = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.test import Client
    c = Client(raise_request_exception=False, HTTP_HOST="logistics.example.edu.cn")
    out = {}
    r = c.get("/healthz", secure=False)
    out["http"] = [r.status_code, r.get("Location", "")]
    r = c.get("/healthz", secure=True)
    out["healthz"] = [r.status_code, r.content.decode(), dict(r.headers)]
    r = Client(raise_request_exception=False, HTTP_HOST="evil.example.com").get("/healthz", secure=True)
    out["badhost"] = [r.status_code, r.content.decode()]
    print("RESULT" + json.dumps(out))
    """
)


def test_it_sends_safe_headers_and_redirects_to_https_in_production(tmp_path):
    proc = _run([sys.executable, "-c", PROD_SCRIPT], _prod_env(tmp_path))
    assert "RESULT" in proc.stdout, proc.stderr[-3000:]
    out = json.loads(proc.stdout.split("RESULT", 1)[1])
    status, location = out["http"]
    assert status == 301 and location.startswith("https://")  # SSL redirect
    status, body, headers = out["healthz"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    status, body = out["badhost"]
    assert status == 400  # Host header not in ALLOWED_HOSTS
    assert SECRET not in body


def test_it_shows_the_friendly_404_page_not_the_debug_page(as_director, settings):
    settings.DEBUG = False
    for client in (Client(), as_director):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        html = response.content.decode()
        assert "页面不存在" in html
        for debug_marker in ("URLconf", "Traceback", "DEBUG = True", "logistics.urls"):
            assert debug_marker not in html


def test_it_shows_the_friendly_error_page_without_details_when_a_view_crashes(
    as_director, monkeypatch, settings
):
    settings.DEBUG = False

    def boom(request):
        raise RuntimeError("geheimes-detail-12345 SELECT * FROM auth_user")

    monkeypatch.setattr("logistics.views.collect_cards", boom)
    as_director.raise_request_exception = False
    response = as_director.get(reverse("dashboard"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统暂时出现故障" in html
    assert "geheimes-detail" not in html
    assert "Traceback" not in html


def test_it_never_shows_the_secret_key_or_settings_on_any_page(as_director):
    for name in ("dashboard", "notifications", "org:room_list", "reports:index"):
        html = as_director.get(reverse(name)).content.decode()
        assert settings.SECRET_KEY not in html
        assert "DATABASE" not in html


def test_it_forbids_framing_and_keeps_media_off_public_urls(as_director, db):
    response = as_director.get(reverse("dashboard"))
    assert response["X-Frame-Options"] == "DENY"
    assert Client().get(settings.MEDIA_URL + "attachments/x.jpg").status_code in (302, 404)
