"""Generated hostile input for the forms, formsets and file fields: never a 500, nothing written.

What is generated (Hypothesis strategies below):

* text: control characters (NUL, BEL, ESC, DEL, bidi overrides, zero-width, BOM), emoji (with joiners,
  skin tones, flags), rare CJK (extensions B-G, compatibility ideographs, the ideographic space),
  markup and injection strings, whitespace only, and text longer than the field allows;
* numbers: negative, zero, huge (40 digits), more decimals than the field (money with 3+ decimals),
  scientific notation, NaN/Infinity, full-width and Arabic-Indic digits, thousands separators;
* dates and times: impossible dates (2026-02-30, 2025-02-29, month 13, day 0), year 0/10000, far
  past and future, free text; times like 25:61;
* choices: unknown values, the label instead of the value, case and padding variants;
* model choices and hidden fields: ids of another school's objects and users, ids that do not exist,
  negative, non-numeric and overflowing ids; extra fields a form does not have (mass assignment:
  school, id, status, created_by ...);
* missing fields.

A POST is "poisoned" when at least one field holds a value the field certainly refuses; a poisoned POST
must be answered by a form error (or a 4xx / redirect with a message) and must write nothing: no row
count changes (one query over every table), no INSERT/UPDATE/DELETE that survives the request (the
request's SQL is captured; writes inside a rolled-back savepoint do not count), the edited object is
unchanged and no file appears under MEDIA_ROOT. An unpoisoned hostile POST may be accepted, but never
with a 500 and never touching another school's rows.

Example counts come from a Hypothesis profile: `badinput-ci` (derandomized, sized for the CI budget)
or `badinput-deep` (random, many more examples); choose with BADINPUT_PROFILE and override the count
with BADINPUT_EXAMPLES (BAD_INPUT_EXAMPLES is read too), e.g.

    BADINPUT_PROFILE=badinput-deep BADINPUT_EXAMPLES=300 pytest tests/security/test_bad_input.py
"""

from __future__ import annotations

import datetime
import io
import os
import re
import struct
import zlib
from pathlib import Path

from django import forms
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from logistics.choices import Role
from tests.security.matrix import kwargs_for, roles_for

# --- Hypothesis profiles -----------------------------------------------------------------------------
# The CI default keeps the five bad-input files (test_bad_*.py) at about 65-85 s with `-n 2` on SQLite
# on a 2-core machine (about 70 s of CPU for the tests plus one test database per worker);
# `badinput-deep` is for a local search.
settings.register_profile(
    "badinput-ci",
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
settings.register_profile(
    "badinput-deep",
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=False,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def profile(scale=1.0):
    """The settings to run a bad-input property with; `scale` sizes it relative to the form fuzz."""
    base = settings.get_profile(os.environ.get("BADINPUT_PROFILE", "badinput-ci"))
    raw = os.environ.get("BADINPUT_EXAMPLES") or os.environ.get("BAD_INPUT_EXAMPLES")
    count = int(raw) if raw else base.max_examples
    return settings(base, max_examples=max(1, round(count * scale)))


ROLE_ORDER = [Role.DIRECTOR, Role.PRINCIPAL, Role.STAFF, Role.CANTEEN, Role.HEALTH, Role.ACCOUNTANT]

# --- value kinds ---------------------------------------------------------------------------------------
CONTROL = [chr(c) for c in (0, 1, 7, 8, 9, 10, 11, 12, 13, 27, 127)] + [
    "\u0085",  # next line
    "\u2028",  # line separator
    "\u202e",  # right-to-left override
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte-order mark
    "\u00a0",  # no-break space
]
RARE_CJK = ["𠀀", "𪚥", "𰻞", "𡃁", "𠮷", "龘", "靐", "齉", "丂", "〇", "㐀", "\uf900", "\u3000", "𱍐", "𲎯"]
EMOJI = ["😀", "💩", "🧑‍🍳", "👨‍👩‍👧‍👦", "🇨🇳", "❤️", "🏳️‍🌈", "\U0001f9d1\U0001f3fd", "🈶", "㊗️"]
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE logistics_school;--",
    "' OR '1'='1",
    "{{ 7*7 }}{% debug %}",
    "%s%s%n%x",
    "${jndi:ldap://x}",
    "../../etc/passwd",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "NULL",
    "None",
    "undefined",
]
PIECES = CONTROL + RARE_CJK + EMOJI + list("<>'\"&;=+-@ a中1")

text_piece = st.sampled_from(PIECES)
short_hostile_text = st.lists(text_piece, min_size=1, max_size=30).map("".join)


def overlong(max_length):
    """Text longer than `max_length` code points, made of multi-byte characters."""
    piece = st.sampled_from(["长", "𠀀", "😀", "a", "\u3000", "🧑\u200d🍳"])
    return st.tuples(piece, st.integers(max_length + 1, max_length * 2 + 10)).map(lambda t: t[0] * t[1])


def hostile_text(max_length=None):
    options = [
        short_hostile_text,
        st.sampled_from(MARKUP),
        st.sampled_from(["", " ", "\u3000\u3000", "\t\n", "\x00", "a\x00b"]),
    ]
    if max_length:
        options.append(overlong(max_length))
    else:
        options.append(overlong(2000))
    return st.one_of(options)


NUMBER_WORDS = [
    "-1",
    "-0",
    "-0.01",
    "0",
    "0.001",
    "1.234",
    "12.345",
    "1e400",
    "-1e400",
    "1e-400",
    "1E5",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-inf",
    "abc",
    " ",
    "",
    "1,000",
    "１２３",  # full-width digits
    "٣٤",  # Arabic-Indic digits
    "0x1A",
    "1_000",
    "+5",
    "5-",
    "12.3.4",
    "9" * 40,
    "-" + "9" * 40,
    "9223372036854775808",  # one past the largest 64-bit integer
    "2147483648",  # one past the largest 32-bit integer (PostgreSQL's integer)
    "-2147483649",
    "99999999.99",  # the largest decimal(10, 2)
    "100000000",  # one digit too many for decimal(10, 2)
    "999999999.99",
    "0.0000001",
    "1/2",
    "一百",
]
hostile_number = st.one_of(
    st.sampled_from(NUMBER_WORDS),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(min_value=-(10**9), max_value=10**9, places=3).map(str),
    st.decimals(min_value=-(10**6), max_value=10**6, places=6).map(str),
)
# money: more than two decimals first of all, then the rest
hostile_money = st.one_of(
    st.decimals(min_value=-(10**7), max_value=10**12, places=3).map(str),
    st.integers(3, 8).flatmap(lambda p: st.decimals(min_value=0, max_value=10**4, places=p).map(str)),
    hostile_number,
)

IMPOSSIBLE_DATES = [
    "2026-02-30",
    "2025-02-29",  # not a leap year
    "2026-04-31",
    "2026-13-01",
    "2026-00-10",
    "2026-01-00",
    "0000-00-00",
    "0000-01-01",
    "10000-01-01",
    "2026-1-1x",
    "2026/13/45",
    "31/12/2026",
    "明天",
    "2026年2月30日",
    "２０２６-０１-０１",
    "-2026-01-01",
]
hostile_date = st.one_of(
    st.sampled_from(IMPOSSIBLE_DATES),
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(
        lambda d: d.isoformat()
    ),
    st.tuples(st.integers(0, 10000), st.integers(0, 13), st.integers(0, 32)).map(
        lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"
    ),
    st.sampled_from(["", " "]),
)
IMPOSSIBLE_TIMES = ["25:00", "24:01", "12:60", "-1:00", "noon", "12:00:61", "１２:００", "99", ""]
hostile_time = st.one_of(
    st.sampled_from(IMPOSSIBLE_TIMES),
    st.tuples(st.integers(0, 30), st.integers(0, 70)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}"),
)
hostile_datetime = st.one_of(
    st.tuples(hostile_date, hostile_time).map(lambda t: f"{t[0]} {t[1]}"),
    st.tuples(hostile_date, hostile_time).map(lambda t: f"{t[0]}T{t[1]}"),
    st.sampled_from(["2026-02-30T10:00", "2026-01-01T25:00", "9999-12-31T23:59", "0001-01-01T00:00"]),
)
BAD_IDS = ["987654321", "-1", "0", "abc", "1.5", "1 OR 1=1", "99999999999999999999", "", " ", "１"]

# Extra keys a form does not have: must be ignored (no mass assignment).
MASS_ASSIGNMENT = [
    "school",
    "school_id",
    "id",
    "pk",
    "status",
    "created_by",
    "requester",
    "approved",
    "is_superuser",
]


# --- the world: ids of another school's rows -----------------------------------------------------------
def other_school_pool(world):
    """{model label: [pk, ...]} of every school-owned model's rows of the other school (cached)."""
    pool = getattr(world, "_other_pool", None)
    if pool is not None:
        return pool
    pool = {}
    for model in apps.get_models():
        if model._meta.proxy or not any(f.name == "school" for f in model._meta.fields):
            continue
        pks = list(
            model._default_manager.filter(school=world.other).order_by("pk").values_list("pk", flat=True)[:3]
        )
        if pks:
            pool[model._meta.label] = pks
    from logistics.models import Membership

    own = set(Membership.objects.filter(school=world.own).values_list("user_id", flat=True))
    users = (
        Membership.objects.filter(school=world.other)
        .exclude(user_id__in=own)
        .values_list("user_id", flat=True)
    )
    pool[get_user_model()._meta.label] = sorted(set(users))[:3]
    world._other_pool = pool
    return pool


def other_ids_for(field, world):
    qs = getattr(field, "queryset", None)
    if qs is None:
        return []
    return [str(pk) for pk in other_school_pool(world).get(qs.model._meta.label, [])]


def any_other_ids(world):
    return sorted({str(pk) for pks in other_school_pool(world).values() for pk in pks}, key=int)[:40]


def own_valid_id(field):
    qs = getattr(field, "queryset", None)
    if qs is None:
        return None
    obj = qs.order_by().first()
    return str(obj.pk) if obj is not None else None


# --- one field: hostile values and certainly invalid ones ----------------------------------------------
def _choice_values(field):
    out = []
    for value, label in getattr(field, "choices", []):
        if isinstance(label, list | tuple):  # an optgroup
            out.extend(str(v) for v, _label in label)
        else:
            out.append(str(value))
    return [v for v in out if v != ""]


def _choice_labels(field):
    return [
        str(label) for value, label in getattr(field, "choices", []) if not isinstance(label, list | tuple)
    ]


def value_strategy(field, world):
    """Hostile values for one field: some invalid, some valid-looking, some valid (to reach deeper)."""
    if isinstance(field, forms.FileField):
        return st.sampled_from([None, None, "not-a-file.jpg", "../../etc/passwd"])
    if isinstance(field, forms.BooleanField | forms.NullBooleanField):
        return st.sampled_from(["on", "", "false", "0", "maybe", "\x00", "True"])
    if isinstance(field, forms.ModelMultipleChoiceField):
        ids = other_ids_for(field, world) + BAD_IDS[:4]
        own = own_valid_id(field)
        if own:
            ids.append(own)
        return st.lists(st.sampled_from(ids), min_size=0, max_size=4)
    if isinstance(field, forms.ModelChoiceField):
        ids = other_ids_for(field, world) + BAD_IDS
        own = own_valid_id(field)
        if own:
            ids += [own, own]
        return st.sampled_from(ids)
    if isinstance(field, forms.MultipleChoiceField):
        values = _choice_values(field) + ["not-a-choice", "<script>"]
        return st.lists(st.sampled_from(values), max_size=4)
    if isinstance(field, forms.ChoiceField):
        valid = _choice_values(field)
        wrong = ["not-a-choice", "", "<script>", "\x00"] + _choice_labels(field)[:3]
        wrong += (
            [v.upper() for v in valid[:2]] + [f" {v} " for v in valid[:1]] + [v + "\x00" for v in valid[:1]]
        )
        return st.sampled_from(wrong + valid[:3])
    if isinstance(field, forms.DateTimeField):
        return hostile_datetime
    if isinstance(field, forms.DateField):
        return hostile_date
    if isinstance(field, forms.TimeField):
        return hostile_time
    if isinstance(field, forms.DecimalField) and field.decimal_places == 2:
        return hostile_money
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        if field.widget.is_hidden:
            return st.sampled_from(any_other_ids(world) + BAD_IDS) | hostile_number
        return hostile_number
    if field.widget.is_hidden:
        return st.sampled_from(
            any_other_ids(world) + BAD_IDS + ["approved", "paid", "<script>"]
        ) | hostile_text(getattr(field, "max_length", None))
    return hostile_text(getattr(field, "max_length", None))


def _outside(value, field):
    lo, hi = getattr(field, "min_value", None), getattr(field, "max_value", None)
    out = []
    if hi is not None:
        out.append(str(hi + 1))
    if lo is not None:
        out.append(str(lo - 1))
    return out


def poison_strategy(field, world):
    """Values this field certainly refuses, or None when there is no such value."""
    if isinstance(field, forms.ModelChoiceField):
        ids = other_ids_for(field, world) + ["987654321", "-1", "abc", "1.5"]
        if isinstance(field, forms.ModelMultipleChoiceField):
            return st.lists(st.sampled_from(ids), min_size=1, max_size=3)
        return st.sampled_from(ids)
    if isinstance(field, forms.ChoiceField):
        wrong = ["不存在的选项<script>", "\x00", "not-a-choice"] + [
            v + "\x00" for v in _choice_values(field)[:2]
        ]
        wrong = [v for v in wrong if not field.valid_value(v)]
        if isinstance(field, forms.MultipleChoiceField):
            return st.lists(st.sampled_from(wrong), min_size=1, max_size=2)
        return st.sampled_from(wrong)
    if isinstance(field, forms.DateTimeField):
        return st.sampled_from(["2026-02-30 10:00", "2026-01-01 25:00", "0000-00-00T00:00", "明天中午"])
    if isinstance(field, forms.DateField):
        return st.sampled_from(IMPOSSIBLE_DATES[:14])
    if isinstance(field, forms.TimeField):
        return st.sampled_from(IMPOSSIBLE_TIMES[:7])
    if isinstance(field, forms.DecimalField):
        bad = ["12.3.4x", "NaN", "Infinity", "-inf", "abc", "1e400", "9" * 40]
        if field.decimal_places is not None:
            bad.append("1." + "0" * field.decimal_places + "1")  # one decimal too many
            bad.append("0." + "0" * field.decimal_places + "5")
        return st.sampled_from(bad + _outside(None, field))
    if isinstance(field, forms.IntegerField):
        return st.sampled_from(["12.3.4x", "1.5", "abc", "1e400", "一"] + _outside(None, field))
    if isinstance(field, forms.FloatField):
        return st.sampled_from(["abc", "1e400", "-1e400", "NaN"] + _outside(None, field))
    if isinstance(field, forms.CharField):
        # every CharField refuses NUL (ProhibitNullCharactersValidator); overlong where there is a limit
        nul = st.tuples(short_hostile_text, short_hostile_text).map(lambda t: t[0] + "\x00" + t[1])
        if field.max_length:
            return st.one_of(nul, overlong(field.max_length))
        return nul
    if field.required and isinstance(field, forms.FileField):
        return st.just("")  # a missing required file
    return None


# --- a whole POST ---------------------------------------------------------------------------------------
def form_fields(form):
    return [(form.add_prefix(name), field) for name, field in form.fields.items()]


@st.composite
def hostile_post(draw, form, world, extra_forms=(), poison=True):
    """(data, poisoned): hostile values for the fields of `form` (and of `extra_forms`)."""
    data = {}
    for f in (form, *extra_forms):
        for key, field in form_fields(f):
            if draw(st.integers(0, 7)) == 0:
                continue  # a missing field
            value = draw(value_strategy(field, world))
            if value is not None:
                data[key] = value
    if draw(st.integers(0, 3)) == 0:
        for key in draw(st.lists(st.sampled_from(MASS_ASSIGNMENT), max_size=3, unique=True)):
            data[key] = draw(st.sampled_from(any_other_ids(world) + ["approved", "1", "on"]))
    poisoned = False
    if poison:
        poisonable = [(k, f) for k, f in form_fields(form) if poison_strategy(f, world) is not None]
        if poisonable:
            picked = draw(
                st.lists(st.sampled_from(poisonable), min_size=1, max_size=3, unique_by=lambda p: p[0])
            )
            for key, field in picked:
                data[key] = draw(poison_strategy(field, world))
            poisoned = True
    return data, poisoned


# --- "nothing written" ----------------------------------------------------------------------------------
def _tables():
    seen, out = set(), []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen or meta.label == "sessions.Session":
            continue
        seen.add(meta.db_table)
        scoped = any(f.name == "school" and f.is_relation for f in meta.fields)
        out.append((meta.db_table, model._meta.get_field("school").column if scoped else None))
    return out


_TABLES: list | None = None


def table_counts(other_school_id=None):
    """{table: rows} for every table, and {table: rows of the other school}: one query."""
    global _TABLES
    if _TABLES is None:
        _TABLES = _tables()
    qn = connection.ops.quote_name
    parts, params = [], []
    for table, _school_col in _TABLES:
        parts.append(f"(SELECT COUNT(*) FROM {qn(table)})")
    scoped = [(t, c) for t, c in _TABLES if c] if other_school_id is not None else []
    for table, school_col in scoped:
        parts.append(f"(SELECT COUNT(*) FROM {qn(table)} WHERE {qn(school_col)} = %s)")
        params.append(other_school_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    n = len(_TABLES)
    return dict(zip([t for t, _c in _TABLES], row[:n], strict=True)), dict(
        zip([t for t, _c in scoped], row[n:], strict=True)
    )


def media_files():
    root = Path(django_settings.MEDIA_ROOT)
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?([\w.]+)"?',
    re.IGNORECASE,
)
_SAVEPOINT = re.compile(r'^\s*(SAVEPOINT|RELEASE\s+SAVEPOINT|ROLLBACK\s+TO\s+SAVEPOINT)\s+"?(\w+)"?', re.I)
# written by every request that logs in or shows a message: not data
ALLOWED_WRITES = {"django_session"}


def surviving_writes(queries):
    """Tables written by `queries` (captured SQL) once rolled-back savepoints are discounted."""
    frames = [[]]
    names = []
    for q in queries:
        sql = q["sql"] or ""  # None for a statement the database refused (PostgreSQL)
        m = _SAVEPOINT.match(sql)
        if m:
            verb, name = m.group(1).upper().split()[0], m.group(2)
            if verb == "SAVEPOINT":
                names.append(name)
                frames.append([])
            elif name in names:
                i = names.index(name)
                if verb == "ROLLBACK":
                    del frames[i + 2 :]
                    del names[i + 1 :]
                    frames[i + 1] = []
                else:  # RELEASE
                    merged = [w for frame in frames[i + 1 :] for w in frame]
                    del frames[i + 1 :]
                    del names[i:]
                    frames[-1].extend(merged)
            continue
        m = _WRITE.match(sql)
        if m:
            frames[-1].append(m.group(1).split(".")[-1])
    return [t for frame in frames for t in frame if t not in ALLOWED_WRITES]


class Watch:
    """Around one request: did it write anything (rows, SQL, files, the edited object)?"""

    def __init__(self, world=None, objects=()):
        self.world = world
        self.objects = [o for o in objects if o is not None]
        self.broken = False
        self.nul_tables = []  # tables a statement tried to write NUL (\x00) text into

    def _rows(self):
        return [list(type(o)._default_manager.filter(pk=o.pk).values()) for o in self.objects]

    def __enter__(self):
        other = self.world.other.pk if self.world is not None else None
        self.counts, self.other_counts = table_counts(other)
        self.files = media_files()
        self.rows = self._rows()
        self._capture = CaptureQueriesContext(connection)
        self._capture.__enter__()
        self._wrapper = connection.execute_wrapper(self._look_for_nul)
        self._wrapper.__enter__()
        return self

    def _look_for_nul(self, execute, sql, params, many, context):
        """SQLite stores NUL in text, PostgreSQL refuses it (a 500 there): flag it on both."""
        m = _WRITE.match(sql or "")
        if m and params:
            rows = params if many else [params]
            for row in rows:
                values = row.values() if isinstance(row, dict) else row
                if any(isinstance(v, str) and "\x00" in v for v in values):
                    self.nul_tables.append(m.group(1))
                    break
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)
        self._capture.__exit__(*exc)
        other = self.world.other.pk if self.world is not None else None
        self.writes = surviving_writes(self._capture.captured_queries)
        self.files_after = media_files()
        try:
            self.counts_after, self.other_after = table_counts(other)
            self.rows_after = self._rows()
        except (DatabaseError, TransactionManagementError):
            # the request left the transaction unusable (PostgreSQL after a database error)
            self.broken = True
            self.counts_after, self.other_after, self.rows_after = self.counts, self.other_counts, self.rows
        return False

    def changed_tables(self):
        return {t: self.counts_after[t] - n for t, n in self.counts.items() if self.counts_after[t] != n}

    def other_school_changes(self):
        return {t: self.other_after[t] - n for t, n in self.other_counts.items() if self.other_after[t] != n}

    def new_files(self):
        return sorted(self.files_after - self.files)

    def problems(self):
        """Everything written: empty when the request left the data alone."""
        out = ["the request broke the database transaction"] if self.broken else []
        if changed := self.changed_tables():
            out.append(f"rows {changed}")
        if self.writes:
            out.append(f"SQL writes to {sorted(set(self.writes))}")
        if self.rows != self.rows_after:
            out.append("the edited object changed")
        if files := self.new_files():
            out.append(f"new files {files[:3]}")
        if self.nul_tables:
            out.append(self.nul_problem())
        return out

    def nul_problem(self):
        return f"NUL text written to {sorted(set(self.nul_tables))} (PostgreSQL refuses it: a 500 there)"


def post_watched(client, url, data, world, objects=(), rollback=False):
    """POST in a savepoint: (response, Watch). The savepoint is rolled back when asked, and after a
    500 or a broken transaction (PostgreSQL aborts the transaction on a database error), so the next
    request starts from usable data."""
    with transaction.atomic():
        with Watch(world, objects=objects) as watch:
            response = client.post(url, data)
        if rollback or response.status_code >= 500 or watch.broken:
            transaction.set_rollback(True)
    return response, watch


# --- pages ----------------------------------------------------------------------------------------------
def forms_in(response):
    """Forms in the response's context (not formsets' management or row forms)."""
    found = {}
    inner = set()
    contexts = response.context if isinstance(response.context, list) else [response.context]
    for ctx in contexts:
        if ctx is None:
            continue
        for value in ctx.flatten().values():
            if isinstance(value, forms.BaseFormSet):
                inner.add(id(value.management_form))
                inner.update(id(f) for f in value.forms)
                inner.add(id(value.empty_form))
            elif isinstance(value, forms.BaseForm):
                found[id(value)] = value
    return [f for k, f in found.items() if k not in inner and type(f).__name__ != "ManagementForm"]


def formsets_in(response):
    found = {}
    contexts = response.context if isinstance(response.context, list) else [response.context]
    for ctx in contexts:
        if ctx is None:
            continue
        for value in ctx.flatten().values():
            if isinstance(value, forms.BaseFormSet):
                found[id(value)] = value
    return list(found.values())


# Pages whose names look like lists or details but that take a form POSTed to themselves.
SELF_POSTING = {
    "hygiene:case_detail",
    "hygiene:check_detail",
    "hygiene:disinfection_detail",
    "safety:hazmat_detail",
    "finance:income_list",
    "finance:statement_list",
}
# GET-able pages that are files, not forms (a label sheet takes seconds to render).
NOT_FORMS = {"assets:labels", "assets:import_template", "canteen:account_month", "hygiene:ranking"}


def form_pages(world, table, prefix):
    """(name, url, role, obj) of every page of the app whose GET may show a form to some role."""
    pages = []
    for name, entry in table.items():
        if not prefix(name) or entry.post_only or entry.skip or entry.owner_only or name in NOT_FORMS:
            continue
        if entry.perm in ("public", "login") and name != "password_change":
            continue
        markers = ("list", "detail", "home", "today", "export", "pdf", "index")
        if name not in SELF_POSTING and any(marker in name for marker in markers):
            continue
        allowed = roles_for(entry)
        if entry.visible_roles is not None:
            allowed &= set(entry.visible_roles)
        role = next((r for r in ROLE_ORDER if r in allowed), None)
        if role is None:
            continue
        try:
            kwargs = kwargs_for(world, name, entry, world.own)
        except LookupError:
            continue
        obj = None
        if entry.obj and not entry.kwargs:
            obj = apps.get_model(entry.obj)._default_manager.filter(pk=kwargs.get("pk")).first()
        pages.append((name, reverse(name, kwargs=kwargs), role, obj))
    return pages


# --- files ----------------------------------------------------------------------------------------------
def jpeg_bytes(size=(64, 48), color=(200, 60, 20)):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def noisy_jpeg(size=(200, 160)):
    from PIL import Image

    buf = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def png_bytes(size=(40, 30)):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()


def png_huge_dimensions(width=60000, height=60000):
    """A tiny PNG whose header claims 3.6 gigapixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


def oversized_jpeg(limit):
    """A real JPEG padded (after its end marker) to one byte over `limit`."""
    head = jpeg_bytes()
    return head + b"\0" * (limit + 1 - len(head))


def garbage_files(limit):
    """(case, filename, bytes, content type): files every upload field must refuse."""
    full = noisy_jpeg()
    return [
        ("text-as-jpg", "photo.jpg", "这不是图片，是一段文字。\n".encode() * 20, "image/jpeg"),
        ("zero-bytes", "empty.jpg", b"", "image/jpeg"),
        ("truncated-jpeg", "cut.jpg", full[: len(full) // 2], "image/jpeg"),
        ("png-huge-dimensions", "bomb.png", png_huge_dimensions(), "image/png"),
        ("path-traversal-name", "../../etc/passwd.jpg", b"root:x:0:0:root:/root:/bin/bash\n", "image/jpeg"),
        ("svg-script-as-png", "image.png", SVG_WITH_SCRIPT, "image/png"),
        ("html-as-pdf", "quote.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
        ("oversized", "big.jpg", oversized_jpeg(limit), "image/jpeg"),
    ]
