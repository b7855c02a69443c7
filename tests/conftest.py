"""Personas of DESIGN.md rule 10 and the helpers every test uses.

`school` is a kindergarten with two campuses; `other_school` belongs to the same district and has its
own director (`outsider`). Each persona has a logged-in client fixture: `as_director`, ....
"""

import os

import pytest
from django.test import Client

from logistics.choices import Role, SchoolKind
from tests.factories import (
    BureauAccountFactory,
    CampusFactory,
    DistrictFactory,
    RoomFactory,
    SchoolFactory,
    member,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.LANGUAGE_CODE = "zh-hans"
    # Page and per-user caches (Redis in production) are in-process and empty for every test, so
    # no test sees another's entries (xdist workers would otherwise share Redis keys across databases).
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"pages-{tmp_path}",
        },
        "shell": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"shell-{tmp_path}",
        },
    }
    from logistics.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Rows that data migrations seed (asset categories, the food composition table) are flushed by
    transactional tests (browser, worker, concurrency); put them back before every database test so
    the test order never matters."""
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from assets.services import ensure_standard_categories
    from tests.canteen.conftest import ensure_builtin_foods

    ensure_standard_categories()
    ensure_builtin_foods()


@pytest.fixture
def district(db):
    return DistrictFactory(name="测试区")


@pytest.fixture
def school(district):
    s = SchoolFactory(district=district, name="阳光幼儿园", code="KG001", kind=SchoolKind.KINDERGARTEN)
    CampusFactory(school=s, name="总部", is_main=True)
    CampusFactory(school=s, name="西区分部")
    return s


@pytest.fixture
def other_school(district):
    s = SchoolFactory(district=district, name="另一所小学", code="PS999", kind=SchoolKind.PRIMARY)
    CampusFactory(school=s, name="本部", is_main=True)
    return s


@pytest.fixture
def campus(school):
    return school.campus_set.get(name="总部")


@pytest.fixture
def room(school, campus):
    return RoomFactory(school=school, campus=campus, name="大一班")


@pytest.fixture
def other_room(other_school):
    return RoomFactory(school=other_school, campus=other_school.campus_set.first(), name="一(1)班")


def _persona(role, username):
    @pytest.fixture
    def fixture(school):
        return member(school, role, username=username)

    return fixture


principal = _persona(Role.PRINCIPAL, "p_principal")
director = _persona(Role.DIRECTOR, "p_director")
staff = _persona(Role.STAFF, "p_staff")
canteen = _persona(Role.CANTEEN, "p_canteen")
health = _persona(Role.HEALTH, "p_health")
accountant = _persona(Role.ACCOUNTANT, "p_accountant")
teacher = _persona(Role.TEACHER, "p_teacher")
guard = _persona(Role.GUARD, "p_guard")


@pytest.fixture
def outsider(other_school):
    """The director of another school: must never see or change our school's data."""
    return member(other_school, Role.DIRECTOR, username="p_outsider")


@pytest.fixture
def bureau(district, school):
    return BureauAccountFactory(district=district, user__username="p_bureau").user


def _client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def client_for():
    return _client_for


for _name in (
    "principal",
    "director",
    "staff",
    "canteen",
    "health",
    "accountant",
    "teacher",
    "guard",
    "outsider",
    "bureau",
):

    def _make(name):
        @pytest.fixture
        def fixture(request):
            return _client_for(request.getfixturevalue(name))

        fixture.__name__ = f"as_{name}"
        return fixture

    globals()[f"as_{_name}"] = _make(_name)


# --- real services ------------------------------------------------------------------------------
def _database_url_for_subprocess():
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("postgresql"):
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return None


@pytest.fixture
def celery_worker_process(transactional_db, settings, tmp_path):
    """A real Celery worker in its own process, on Redis, using the test database.

    Needs REDIS_URL and PostgreSQL (SQLite's in-memory test database cannot be shared); skipped
    otherwise, which is how the bare-machine test run goes.
    """
    import subprocess
    import sys
    import time

    redis_url = os.environ.get("REDIS_URL")
    db_url = _database_url_for_subprocess()
    if not redis_url or not db_url:
        pytest.skip("needs REDIS_URL and PostgreSQL (DATABASE_URL) for a real worker")
    from logistics.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    app.conf.result_backend = redis_url
    queue = f"test-{os.getpid()}-{int(time.time() * 1000)}"
    app.conf.task_default_queue = queue
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "MEDIA_ROOT": settings.MEDIA_ROOT,
    }
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "logistics",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield app
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        app.conf.task_always_eager = True
        app.conf.task_default_queue = "celery"
