"""The authorization matrix engine: every URL x every role x own school / other school / anonymous.

What each URL needs is written down in `url_table.URLS`; this module walks the URL configuration,
asks for each route's entry, builds its kwargs from demo data (own school = the demo kindergarten,
other school = the demo primary school) and checks every answer:

* anonymous: a redirect to the login page (or the page itself for public URLs);
* each role working in the own school: 200 (or the entry's `ok`) when PERMISSIONS gives the role the
  entry's action, otherwise 403; POST-only views answer GET with 405;
* each role asking for the OTHER school's object: 404 when the role has the action (403 if not);
* POST by a role without the action: 403; POST to the other school's object by a role with it: 404;
  one role with the action POSTs to the own object and must not get 403/404/500.
"""

from __future__ import annotations

import datetime
from importlib import import_module

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from logistics.choices import Role
from logistics.middleware import SESSION_KEY
from logistics.permissions import PERMISSIONS
from tests.security.urlwalk import all_routes

ROLES = [
    Role.PRINCIPAL,
    Role.DIRECTOR,
    Role.STAFF,
    Role.CANTEEN,
    Role.HEALTH,
    Role.ACCOUNTANT,
    Role.TEACHER,
    Role.GUARD,
    Role.BUREAU,
]
DEMO_USER = {
    Role.PRINCIPAL: "principal",
    Role.DIRECTOR: "director",
    Role.STAFF: "staff",
    Role.CANTEEN: "canteen",
    Role.HEALTH: "health",
    Role.ACCOUNTANT: "accountant",
    Role.TEACHER: "teacher",
    Role.GUARD: "guard",
    Role.BUREAU: "bureau",
}
PUBLIC = "public"  # no login needed
LOGIN = "login"  # any signed-in user


# Rows that data migrations create. A transactional test elsewhere in the same process flushes
# every table, so they are put back (the functions are idempotent) before the demo data is seeded.
DATA_MIGRATIONS = [
    ("assets.migrations.0002_seed_gbt14885_categories", "seed"),
    ("canteen.migrations.0002_builtin_foods", "add_foods"),
]


def restore_migration_data():
    for module_name, function in DATA_MIGRATIONS:
        try:
            module = import_module(module_name)
        except ModuleNotFoundError:
            continue
        getattr(module, function)(apps, None)


class World:
    """The demo organisation (and the demo records of the apps asked for), plus logged-in clients."""

    def __init__(self, app_labels):
        from logistics.demo import seed_organisation

        restore_migration_data()
        _district, (self.kg, self.ps) = seed_organisation()
        for label in app_labels:
            try:
                module = import_module(f"{label}.demo")
            except ModuleNotFoundError:
                continue
            for demo in (self.kg, self.ps):
                module.seed(demo)
        self.own, self.other = self.kg.school, self.ps.school
        self.users = {role: self.kg.people.get(name) for role, name in DEMO_USER.items()}
        from django.contrib.auth import get_user_model

        self.users[Role.BUREAU] = get_user_model().objects.get(username="bureau")
        self.clients = {}
        for role, user in self.users.items():
            c = Client(raise_request_exception=False)
            c.force_login(user)
            session = c.session
            session[SESSION_KEY] = self.own.pk
            session.save()
            self.clients[role] = c
        self.anonymous = Client(raise_request_exception=False)

    def first(self, label, school):
        model = apps.get_model(label)
        return model._default_manager.filter(school=school).order_by("pk").first()


def roles_for(entry):
    if entry.perm in (PUBLIC, LOGIN):
        return set(ROLES)
    actions = entry.perm if isinstance(entry.perm, tuple) else (entry.perm,)
    allowed = set()
    for action in actions:
        if action not in PERMISSIONS:
            raise AssertionError(f"unknown action {action!r} in the URL table")
        allowed |= set(PERMISSIONS[action])
    return allowed


def kwargs_for(world, name, entry, school):
    obj = None
    if entry.obj:
        obj = entry.make(world, school) if entry.make else world.first(entry.obj, school)
        if obj is None:
            raise LookupError(
                f"{name}: no {entry.obj} of {school} in the demo data; give its URL table entry a make="
            )
    if entry.kwargs:
        return entry.kwargs(world, school, obj)
    return {"pk": obj.pk} if obj is not None else {}


def _is_login_redirect(response):
    return response.status_code == 302 and "/accounts/login/" in response.get("Location", "")


def run(world, names, table):
    """Check every URL in `names`; returns a list of human-readable failures."""
    failures = []

    def check(label, response, expected):
        code = response.status_code
        ok = code in expected if isinstance(expected, set | tuple | frozenset) else expected(response)
        if not ok:
            failures.append(
                f"{label}: got {code}, expected {expected if not callable(expected) else 'login'}"
            )

    for name in names:
        entry = table[name]
        if entry.skip:
            continue
        try:
            own_kwargs = kwargs_for(world, name, entry, world.own)
            other_kwargs = kwargs_for(world, name, entry, world.other) if entry.obj and entry.scoped else None
        except LookupError as exc:
            failures.append(str(exc))
            continue
        own_url = reverse(name, kwargs=own_kwargs)
        other_url = reverse(name, kwargs=other_kwargs) if other_kwargs is not None else None
        allowed = roles_for(entry) & set(entry.roles or ROLES)
        post_allowed = roles_for(entry.__class__(entry.post_perm)) if entry.post_perm else allowed
        visible = set(entry.visible_roles) if entry.visible_roles is not None else allowed

        # anonymous
        response = world.anonymous.get(own_url)
        if entry.perm == PUBLIC:
            check(f"anonymous GET {name}", response, set(entry.ok))
        elif entry.post_only:
            if not (_is_login_redirect(response) or response.status_code == 405):
                failures.append(f"anonymous GET {name}: got {response.status_code}, expected login or 405")
            response = world.anonymous.post(own_url, {})
            if not (_is_login_redirect(response) or response.status_code == 403):
                failures.append(f"anonymous POST {name}: got {response.status_code}, expected login")
        else:
            check(f"anonymous GET {name}", response, _is_login_redirect)

        # every role, working in the own school (GET)
        heavy = any(marker in own_url for marker in (".pdf", ".xlsx", ".zip", "export"))
        allowed_seen = 0
        for role in ROLES:
            response = world.clients[role].get(own_url)
            label = f"{role} GET {name}"
            if entry.post_only:
                check(label, response, {405} if role in allowed else {403, 405})
            elif role not in allowed:
                check(label, response, {403})
            elif entry.owner_only:
                check(label, response, {403, 404})  # only the person who raised it (see the app's tests)
            elif role in visible:
                check(label, response, set(entry.ok))
            else:
                check(label, response, {403, 404})  # not theirs to see (e.g. another person's request)
            if other_url and role in allowed and not entry.post_only:
                expected = {403, 404} if entry.owner_only else {404}
                if role in entry.cross_school:
                    expected = set(entry.ok)  # by design (the bureau reads every school of its district)
                check(f"{role} GET other school's {name}", world.clients[role].get(other_url), expected)
            if heavy:  # a generated file: one allowed role is enough for the file itself
                allowed_seen += role in allowed
                if allowed_seen:
                    allowed = allowed - {role}
        if entry.perm in (PUBLIC, LOGIN):
            continue

        # POST: refused without the action (the bureau never writes); another school's object is 404
        denied = [r for r in ROLES if r not in post_allowed and r != Role.BUREAU][:1] + [Role.BUREAU]
        for role in denied:
            check(f"{role} POST {name}", world.clients[role].post(own_url, {}), {403, 405})
        doers = [r for r in ROLES if r in post_allowed and r in visible and r != Role.BUREAU]
        if other_url and doers:
            check(
                f"{doers[-1]} POST other school's {name}",
                world.clients[doers[-1]].post(other_url, {}),
                {404, 405},
            )
        if entry.post_only and entry.post_check and doers and not entry.owner_only:
            response = world.clients[doers[-1]].post(own_url, {})
            if response.status_code in (403, 404) or response.status_code >= 500:
                failures.append(f"{doers[-1]} POST {name}: got {response.status_code} (allowed role)")
    return failures


def missing_entries(table):
    routes = all_routes()
    missing = sorted(set(routes) - set(table))
    stale = sorted(set(table) - set(routes))
    return missing, stale


# --- kwargs builders used by the table ------------------------------------------------------------
class K:
    @staticmethod
    def const(**values):
        return lambda world, school, obj: dict(values)

    @staticmethod
    def pk_and(**values):
        return lambda world, school, obj: {"pk": obj.pk, **values}

    @staticmethod
    def history(world, school, obj):
        room = world.first("logistics.Room", school)
        return {"content_type_id": ContentType.objects.get_for_model(room).pk, "object_id": str(room.pk)}

    @staticmethod
    def uuid(world, school, obj):
        return {"uuid": obj.uuid}

    @staticmethod
    def staff_pk(world, school, obj):
        return {"staff_pk": obj.pk}

    @staticmethod
    def last_month(world, school, obj):
        first = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        return {"month": first.strftime("%Y-%m")}

    @staticmethod
    def month_of(field):
        return lambda world, school, obj: {"month": getattr(obj, field).strftime("%Y-%m")}

    @staticmethod
    def this_week(world, school, obj):
        return {"week": timezone.localdate().isoformat()}

    @staticmethod
    def public_token(world, school, obj):
        return {"token": school.public_token}

    @staticmethod
    def stocktake_room(world, school, obj):
        line = obj.lines.select_related("expected_room").first() if hasattr(obj, "lines") else None
        room = line.expected_room if line is not None and line.expected_room_id else None
        room = room or world.first("logistics.Room", school)
        return {"pk": obj.pk, "room_pk": room.pk}

    @staticmethod
    def delivery_line(world, school, obj):
        return {"pk": obj.delivery_id, "line_pk": obj.pk}


class M:
    """Object makers for the table's `make=`: (world, school) -> object."""

    @staticmethod
    def notification_for_director(world, school):
        from logistics.models import Notification

        return Notification.objects.create(
            school=school, user=world.users[Role.DIRECTOR], title="矩阵测试", url="/"
        )

    @staticmethod
    def attachment(world, school):
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        from logistics.attachments import save_attachment

        buf = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buf, format="PNG")
        upload = SimpleUploadedFile("m.png", buf.getvalue(), content_type="image/png")
        return save_attachment(school=school, by=world.users[Role.DIRECTOR], upload=upload)

    @staticmethod
    def where(label, **lookup):
        def make(world, school):
            model = apps.get_model(label)
            return model._default_manager.filter(school=school, **lookup).order_by("pk").first()

        return make

    @staticmethod
    def month_pack(world, school):
        from monthend.models import MonthPack

        month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
        trigger = MonthPack._meta.get_field("trigger").choices[0][0]
        version = MonthPack.objects.filter(school=school, month=month).count() + 1
        return MonthPack.objects.create(school=school, month=month, version=version, trigger=trigger)

    @staticmethod
    def duty(world, school):
        from monthend.models import Duty

        recurrence = Duty._meta.get_field("recurrence").choices[0][0]
        return Duty.objects.create(school=school, title="矩阵测试事项", recurrence=recurrence, month=8)

    @staticmethod
    def duty_task(world, school):
        from monthend.models import DutyTask

        duty = M.duty(world, school)
        return DutyTask.objects.create(
            school=school, duty=duty, title=duty.title, due_on=timezone.localdate()
        )

    @staticmethod
    def repair_by_director(world, school):
        from assets.services import repair_raise

        room = world.first("logistics.Room", school)
        return repair_raise(
            school=school,
            by=world.users[Role.DIRECTOR],
            room=room,
            asset=None,
            description="矩阵测试报修",
            urgency="normal",
            photo=None,
        )

    @staticmethod
    def loan(world, school):
        from finance.models import Loan

        fields = {f.name for f in Loan._meta.get_fields()}
        data = {"school": school, "borrower": world.users[Role.DIRECTOR], "purpose": "矩阵测试"}
        data["settle_by"] = timezone.localdate() + datetime.timedelta(days=30)
        if "amount" in fields:
            data["amount"] = 100
        return Loan.objects.create(**data)

    @staticmethod
    def not_by(label, field, hidden=("canteen", "health", "teacher", "guard")):
        """The first object of `label` that none of the `hidden` roles' users raised."""

        def make(world, school):
            hidden_users = [world.users[Role(r)] for r in hidden]
            model = apps.get_model(label)
            qs = model._default_manager.filter(school=school).exclude(**{f"{field}__in": hidden_users})
            return qs.order_by("pk").first()

        return make
