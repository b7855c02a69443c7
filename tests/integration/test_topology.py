"""The production topology on this machine, as README's deployment section starts it.

gunicorn (2 workers) + a Celery worker + Celery beat on Redis + PostgreSQL + WhiteNoise static files
(collectstatic into a temporary STATIC_ROOT), DEBUG off, on a free port of 127.0.0.1 over plain
HTTP (hence SECURE_SSL_REDIRECT=false and SECURE_COOKIES=false; nginx terminates TLS in production).

It logs in, creates a record, lets beat send an overdue scheduled job that the worker runs, downloads
a report, then holds 30 concurrent users for 60 seconds and checks that nothing failed or got lost.
Skipped unless DATABASE_URL points at PostgreSQL and REDIS_URL is set (the CI's second run).
"""

import datetime
import http.cookiejar
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from logistics.choices import Role
from logistics.models import Notification, Room
from tests.conftest import _database_url_for_subprocess
from tests.factories import CampusFactory, CertificateFactory, SchoolFactory, StaffProfileFactory, member

pytestmark = pytest.mark.integration

BASE_DIR = Path(settings.BASE_DIR)
USERS = int(os.environ.get("TOPOLOGY_USERS", "30"))
HOLD_SECONDS = float(os.environ.get("TOPOLOGY_SECONDS", "60"))
PASSWORD = "Topology-Pass-2026!"
BIN = Path(sys.executable).parent


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_url_for_topology():
    """A Redis database of its own, so the worker never takes other tests' messages."""
    url = urllib.parse.urlsplit(os.environ["REDIS_URL"])
    return urllib.parse.urlunsplit(url._replace(path="/" + os.environ.get("TOPOLOGY_REDIS_DB", "12")))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A tiny HTTP client with cookies that does not follow redirects."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, method, path, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        if method == "POST":
            req.add_header("Referer", self.base + path)
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)

    def set_cookie(self, name, value):
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0,
                name,
                value,
                None,
                False,
                "127.0.0.1",
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )
        )

    def csrf(self, path):
        status, _headers, body = self.request("GET", path)
        assert status == 200, (path, status)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert match, path
        return match.group(1).decode(), body


def _wait_http(url, procs, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            assert proc.poll() is None, f"{name} exited early with {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - our own server
                return resp.status
        except urllib.error.HTTPError as err:
            return err.code
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _session_cookie_for(user, secret):
    """A real server-side session for a load-test user (saves 30 slow PBKDF2 logins)."""
    from django.contrib.sessions.backends.db import SessionStore

    with _settings_secret(secret):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key


class _settings_secret:
    def __init__(self, secret):
        self.secret = secret

    def __enter__(self):
        self.old = settings.SECRET_KEY
        settings.SECRET_KEY = self.secret

    def __exit__(self, *exc):
        settings.SECRET_KEY = self.old


def _prepare_overdue_beat_schedule(path, env_tz):
    """Beat's persistent schedule with the certificate job last run yesterday: beat must catch up."""
    from logistics.beat import CatchUpScheduler
    from logistics.celery import app

    scheduler = CatchUpScheduler(app=app, schedule_filename=str(path), lazy=False)
    entry = scheduler.schedule["certificate-expiry-alerts"]
    entry.last_run_at = app.now() - datetime.timedelta(days=2)
    scheduler.schedule["certificate-expiry-alerts"] = entry
    scheduler.sync()
    scheduler.close()


@pytest.fixture
def topology(transactional_db, tmp_path, settings):
    db_url = _database_url_for_subprocess()
    if not os.environ.get("REDIS_URL") or not db_url:
        pytest.skip("needs PostgreSQL (DATABASE_URL) and REDIS_URL")
    if not shutil.which("gunicorn", path=str(BIN)):
        pytest.skip("gunicorn is not installed")
    # The data exists before beat starts: its first act is to catch up the overdue daily job.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    school = SchoolFactory(name="拓扑测试幼儿园", code="TOPO01")
    campus = CampusFactory(school=school, name="总部", is_main=True)
    director = member(school, Role.DIRECTOR, username="topo_director")
    director.password = make_password(PASSWORD)
    director.save(update_fields=["password"])
    staff_profile = StaffProfileFactory(school=school)
    CertificateFactory(staff=staff_profile, expires_on=timezone.localdate() + datetime.timedelta(days=7))
    port = _free_port()
    secret = secrets.token_urlsafe(50)
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": db_url,
        "REDIS_URL": _redis_url_for_topology(),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "FLUSHDB"], capture_output=True, check=False)
    beat_schedule = tmp_path / "celerybeat-schedule"
    _prepare_overdue_beat_schedule(beat_schedule, settings.TIME_ZONE)

    logs = {}
    procs = {}

    def start(name, args):
        logs[name] = tmp_path / f"{name}.log"
        procs[name] = subprocess.Popen(  # noqa: S603
            args,
            cwd=BASE_DIR,
            env=env,
            stdout=open(logs[name], "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )

    # collectstatic is the slow part (compressing): run it while the rest starts.
    start("collectstatic", [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"])
    start(
        "worker",
        [str(BIN / "celery"), "-A", "logistics", "worker", "--loglevel=INFO", "--concurrency=2",
         "--without-gossip", "--without-mingle"],
    )  # fmt: skip
    start(
        "beat",
        [str(BIN / "celery"), "-A", "logistics", "beat", "--loglevel=INFO", "--schedule", str(beat_schedule)],
    )
    try:
        # WhiteNoise indexes STATIC_ROOT when a worker boots: gunicorn starts after collectstatic.
        assert procs["collectstatic"].wait(timeout=240) == 0, logs["collectstatic"].read_text()
        del procs["collectstatic"]
        start(
            "gunicorn",
            [str(BIN / "gunicorn"), "logistics.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "--timeout", "60", "--access-logfile", "-"],
        )  # fmt: skip
        _wait_http(f"http://127.0.0.1:{port}/healthz", procs)
        yield {
            "base": f"http://127.0.0.1:{port}",
            "secret": secret,
            "procs": procs,
            "logs": logs,
            "school": school,
            "campus": campus,
            "director": director,
        }
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for name, path in logs.items():  # shown by pytest only when the test failed
            text = path.read_text(errors="replace") if path.exists() else ""
            print(f"----- {name} log (tail) -----\n{text[-4000:]}")


# Decided before any fixture runs, so that a skipped run never flushes the database.
@pytest.mark.skipif(
    not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")),
    reason="needs PostgreSQL (DATABASE_URL) and REDIS_URL",
)
def test_it_runs_the_production_topology_under_30_concurrent_users(topology):
    school, campus, director = topology["school"], topology["campus"], topology["director"]
    base = topology["base"]

    # --- health, static files through WhiteNoise ---------------------------------------------
    b = Browser(base)
    status, _h, body = b.request("GET", "/healthz")
    assert status == 200, body
    assert b'"broker": "ok"' in body and b'"database": "ok"' in body
    token, login_page = b.csrf("/accounts/login/")
    css = re.search(rb'href="(/static/[^"]+\.css)"', login_page)
    assert css, "no stylesheet on the login page"
    status, headers, _css = b.request("GET", css.group(1).decode(), headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("Content-Encoding") in ("gzip", "br")
    assert "max-age=" in headers.get("Cache-Control", "")  # hashed name, cached for long by WhiteNoise

    # --- log in, create a record, download a report -------------------------------------------
    status, headers, body = b.request(
        "POST",
        "/accounts/login/",
        {"username": "topo_director", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert status == 302, re.findall(r"alert[^<]*<[^<]*", body.decode())[:3] or body[:300]
    status, _h, body = b.request("GET", "/")
    assert status == 200 and "拓扑测试幼儿园" in body.decode()
    token, _ = b.csrf("/org/rooms/new/")
    status, _h, body = b.request(
        "POST",
        "/org/rooms/new/",
        {"campus": campus.pk, "name": "拓扑-主流程", "room_type": "office", "csrfmiddlewaretoken": token},
    )
    assert status == 302, body[:2000]
    assert Room.objects.filter(school=school, name="拓扑-主流程").exists()
    status, headers, body = b.request("GET", "/reports/org.certificates.xlsx")
    assert status == 200 and body[:2] == b"PK", (status, body[:200])
    status, headers, body = b.request("GET", "/reports/org.certificates.pdf")
    assert status == 200 and body[:5] == b"%PDF-", (status, body[:200])

    # --- beat catches up the overdue daily job; the worker runs it -----------------------------
    _wait_for(
        lambda: Notification.objects.filter(user=director, dedupe_key__startswith="cert-expiry:").exists(),
        timeout=60,
        what="the certificate-expiry job sent by beat and run by the worker",
    )

    # --- 30 concurrent users for 60 seconds ---------------------------------------------------
    users = [member(school, Role.DIRECTOR, username=f"topo_user{i}") for i in range(USERS)]
    cookies = [_session_cookie_for(u, topology["secret"]) for u in users]
    errors, created, requests_done = [], [], [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + HOLD_SECONDS

    def user_loop(i):
        rnd = random.Random(i)
        browser = Browser(base)
        browser.set_cookie("sessionid", cookies[i])
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            try:
                if n % 4 == 0:
                    token, _ = browser.csrf("/org/rooms/new/")
                    name = f"拓扑-负载-{i}-{n}"
                    status, _h, body = browser.request(
                        "POST",
                        "/org/rooms/new/",
                        {
                            "campus": campus.pk,
                            "name": name,
                            "room_type": "office",
                            "csrfmiddlewaretoken": token,
                        },
                    )
                    if status == 302:
                        with lock:
                            created.append(name)
                    else:
                        raise AssertionError(f"create answered {status}")
                else:
                    path = rnd.choice(["/", "/org/rooms/", "/notifications/", "/reports/", "/healthz"])
                    status, _h, _b = browser.request("GET", path)
                    if status != 200:
                        raise AssertionError(f"GET {path} answered {status}")
                with lock:
                    requests_done[0] += 1
            except Exception as exc:  # noqa: BLE001 - every failure is collected and reported
                with lock:
                    errors.append(f"user {i}: {exc!r}")
            time.sleep(rnd.uniform(0.2, 0.8))

    threads = [threading.Thread(target=user_loop, args=(i,)) for i in range(USERS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=HOLD_SECONDS + 120)
    elapsed = time.monotonic() - started
    summary = f"{requests_done[0]} requests, {len(created)} records in {elapsed:.0f}s, {len(errors)} errors"
    print("topology:", summary)

    assert not errors, errors[:20]
    assert requests_done[0] > USERS * 5  # every user kept working (the machine may be slow)
    stored = set(
        Room.objects.filter(school=school, name__startswith="拓扑-负载-").values_list("name", flat=True)
    )
    assert stored == set(created), "records lost or duplicated"
    for name, proc in topology["procs"].items():
        assert proc.poll() is None, f"{name} died during the run"
