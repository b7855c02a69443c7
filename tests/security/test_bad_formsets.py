"""Tampered and hostile formsets (and the hand-rolled row lists): never a 500, all or nothing.

Every view that posts a formset (canteen delivery lines, purchase request lines and their revision,
reimbursement receipts, morning-check findings) and every view that posts one field per row of its
own (the canteen's month-end count, a safety inspection's items, a fire self-check's items) gets a
valid POST first (the control: accepted, parent and lines written) and then:

* a tampered management form: TOTAL_FORMS huge, overflowing, negative, non-numeric, empty, missing;
  more rows than max_num (also with MAX_NUM_FORMS raised); INITIAL_FORMS negative or non-numeric;
* every row deleted, every row blank;
* one bad row among good rows (generated: a certainly invalid value in one or two of its fields and
  hostile values in the others);
* another school's rows: their ids in the row's id field (with DELETE), as a row's choice (a child of
  another school), as a hand-rolled row key.

A refused POST must write nothing (badinput.Watch: row counts, surviving SQL writes, files). Some
tampering is harmless by design (a plain formset has no row ids, so an id field is ignored, and
INITIAL_FORMS larger than TOTAL_FORMS only changes which rows may be blank): then the POST may be
accepted, but never half-saved (a parent without its lines) and never touching another school's rows.
Each POST runs in a savepoint that is rolled back, so every case starts from the same data.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from logistics.choices import Role
from tests.security.badinput import (
    forms_in,
    formsets_in,
    other_school_pool,
    poison_strategy,
    post_watched,
    profile,
    value_strategy,
)
from tests.security.matrix import World
from tests.security.test_bad_uploads import error_texts, first_choice, management

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@dataclass
class Spec:
    url: str
    base: dict  # the main form's fields, valid
    prefix: str  # the formset's prefix
    rows: list  # valid rows: {field: value}
    parent: str  # "app.Model" written once per accepted POST
    line: str  # "app.Model" written once per row
    row_fields: dict = field(default_factory=dict)  # field name -> form field (for poison)
    max_num: int | None = None  # when the formset validates it
    can_delete: bool = False
    rows_required: bool = True  # an accepted POST always has lines
    client_role: str = Role.DIRECTOR


def post_in_savepoint(client, url, data, world, objects=()):
    """POST inside a savepoint that is rolled back afterwards: (response, watch)."""
    return post_watched(client, url, data, world, objects=objects, rollback=True)


def payload(spec, rows, total=None, initial=0, mgmt=True):
    data = dict(spec.base)
    if mgmt:
        data.update(management(spec.prefix, len(rows) if total is None else total, initial))
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{spec.prefix}-{i}-{key}"] = value
    return data


def _table(label):
    return apps.get_model(label)._meta.db_table


def check(label, spec, response, watch, expect, failures):
    """expect: "refuse" (nothing written) or "harmless" (accepted or refused, never half-saved)."""
    if response.status_code >= 500:
        failures.append(f"{label}: {response.status_code}")
        return
    if changes := watch.other_school_changes():
        failures.append(f"{label}: another school's rows changed {changes}")
    if watch.rows != watch.rows_after:
        failures.append(f"{label}: another school's row was modified")
    if watch.nul_tables:
        failures.append(f"{label}: {watch.nul_problem()}")
    if expect == "refuse":
        if problems := watch.problems():
            failures.append(
                f"{label}: refused input was written ({'; '.join(problems)}), {response.status_code}"
            )
        elif response.status_code == 302:
            failures.append(f"{label}: answered 302 (accepted?) although nothing was written")
        return
    if response.status_code != 302:  # not accepted: nothing may be written
        if problems := watch.problems():
            failures.append(f"{label}: not accepted but written ({'; '.join(problems)})")
        return
    parents = watch.changed_tables().get(_table(spec.parent), 0)
    lines = watch.changed_tables().get(_table(spec.line), 0)
    if spec.rows_required and (parents != 1 or lines <= 0):
        failures.append(f"{label}: accepted as {parents} {spec.parent} with {lines} line(s)")


# --- the formset views ---------------------------------------------------------------------------------
def _page_formset(client, url):
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    formsets = formsets_in(page)
    assert formsets, f"GET {url}: no formset"
    return forms_in(page)[0], formsets[0]


def delivery(world):
    from canteen.models import Supplier

    client = world.clients[Role.DIRECTOR]
    url = reverse("canteen:delivery_create")
    _form, formset = _page_formset(client, url)
    supplier = next(
        s
        for s in Supplier.objects.filter(school=world.own, is_active=True).order_by("pk")
        if s.licence_valid_on(TODAY())
    )
    return Spec(
        url=url,
        base={"supplier": str(supplier.pk), "delivered_on": TODAY().isoformat(), "account": "children"},
        prefix="lines",
        rows=[
            {
                "name": "大米",
                "unit": "千克",
                "quantity": "20",
                "unit_price": "4.50",
                "production_date": TODAY().isoformat(),
                "label_check": "complete",
                "result": "accepted",
            },
            {
                "name": "鸡蛋",
                "unit": "千克",
                "quantity": "5.5",
                "unit_price": "9.80",
                "label_check": "bulk",
                "result": "accepted",
            },
            {
                "name": "面粉",
                "unit": "千克",
                "quantity": "10",
                "unit_price": "3.20",
                "label_check": "incomplete",
                "result": "rejected",
                "reject_reason": "包装破损",
            },
        ],
        parent="canteen.Delivery",
        line="canteen.DeliveryLine",
        row_fields=dict(formset.empty_form.fields),
        max_num=formset.max_num if formset.validate_max else None,
    )


def purchase_request(world):
    client = world.clients[Role.DIRECTOR]
    url = reverse("finance:request_create")
    form, formset = _page_formset(client, url)
    base = {
        "title": "购买打印纸",
        "reason": "办公室打印纸用完",
        "needed_by": (TODAY() + datetime.timedelta(days=7)).isoformat(),
    }
    if form.fields["budget_line"].required:
        base["budget_line"] = first_choice(form, "budget_line")
    return Spec(
        url=url,
        base=base,
        prefix="lines",
        rows=[
            {"name": "A4 打印纸", "unit": "箱", "quantity": "2", "unit_price": "120.00"},
            {"name": "订书机", "spec": "中号", "unit": "个", "quantity": "3", "unit_price": "18.50"},
        ],
        parent="finance.PurchaseRequest",
        line="finance.RequestLine",
        row_fields={k: v for k, v in formset.empty_form.fields.items() if k != "DELETE"},
        max_num=formset.max_num if formset.validate_max else None,
        can_delete=formset.can_delete,
    )


def request_revision(world):
    """A teacher's own request, sent back: revised lines replace the old ones."""
    from finance import services
    from finance.choices import RequestStatus
    from finance.models import PurchaseRequest

    teacher = world.users[Role.TEACHER]
    spec = purchase_request(world)  # the same form and rows
    budget = spec.base.get("budget_line")
    req = services.purchase_request_create(
        school=world.own,
        by=teacher,
        title="购买彩纸",
        reason="手工课",
        needed_by=TODAY() + datetime.timedelta(days=5),
        lines=[{"name": "彩纸", "unit": "包", "quantity": 4, "unit_price": "6.00"}],
        budget_line=apps.get_model("finance.BudgetLine").objects.get(pk=budget) if budget else None,
    )
    PurchaseRequest.objects.filter(pk=req.pk).update(status=RequestStatus.REJECTED)
    spec.url = reverse("finance:request_revise", kwargs={"pk": req.pk})
    spec.client_role = Role.TEACHER
    spec.rows_required = False  # the request exists already: its lines are replaced
    return spec


def reimbursement(world):
    client = world.clients[Role.DIRECTOR]
    url = reverse("finance:reimbursement_create")
    form, formset = _page_formset(client, url)
    base = {"purpose": "购买教具", "amount": "136.50"}
    if form.fields["budget_line"].queryset.exists():
        base["budget_line"] = first_choice(form, "budget_line")
    return Spec(
        url=url,
        base=base,
        prefix="receipts",
        rows=[
            {
                "invoice_number": "20260001",
                "invoice_date": TODAY().isoformat(),
                "seller": "文具店",
                "amount": "86.50",
            },
            {
                "invoice_number": "20260002",
                "invoice_date": TODAY().isoformat(),
                "seller": "书店",
                "amount": "50.00",
            },
        ],
        parent="finance.Reimbursement",
        line="finance.Receipt",
        row_fields={k: v for k, v in formset.empty_form.fields.items() if k != "DELETE"},
        max_num=formset.max_num if formset.validate_max else None,
        can_delete=formset.can_delete,
    )


def morning_check(world):
    from hygiene.models import Child, HealthCheck

    client = world.clients[Role.DIRECTOR]
    child = Child.objects.filter(school=world.own, is_active=True).order_by("room_id", "pk").first()
    room = child.room
    children = list(Child.objects.filter(room=room, is_active=True).order_by("pk")[:3])
    url = reverse("hygiene:check_create") + f"?room={room.pk}"
    _form, formset = _page_formset(client, url)
    day, session = TODAY(), "noon"
    while HealthCheck.objects.filter(room=room, date=day, session=session).exists():
        day -= datetime.timedelta(days=1)
    return Spec(
        url=url,
        base={"date": day.isoformat(), "session": session, "present": str(len(children)), "note": "正常"},
        prefix="f",
        rows=[
            {
                "child": str(c.pk),
                "symptom": symptom,
                "temperature": "37.8",
                "action": action,
                "detail": "已通知家长",
            }
            for c, symptom, action in zip(
                children,
                [first_choice(formset.empty_form, "symptom")] * 3,
                [first_choice(formset.empty_form, "action")] * 3,
                strict=False,
            )
        ][:2],
        parent="hygiene.HealthCheck",
        line="hygiene.CheckFinding",
        row_fields=dict(formset.empty_form.fields),
        max_num=formset.max_num if formset.validate_max else None,
        rows_required=False,  # a check without findings is normal
    )


FORMSETS: dict[str, tuple[str, Callable]] = {
    "canteen:delivery_create": ("canteen", delivery),
    "finance:request_create": ("finance", purchase_request),
    "finance:request_revise": ("finance", request_revision),
    "finance:reimbursement_create": ("finance", reimbursement),
    "hygiene:check_create": ("hygiene", morning_check),
}


def other_rows(world, label):
    model = apps.get_model(label)
    return list(model._default_manager.filter(school=world.other).order_by("pk")[:2])


def tampered_cases(spec, world):
    """(label, data, expect, objects to watch) for one formset view."""
    rows, p = spec.rows, spec.prefix
    good = payload(spec, rows)
    cases = []
    # Django refuses a management form it cannot read and more forms than absolute_max; a negative
    # count reads as no rows at all (refused where rows are required), a full-width digit as a digit
    required = "refuse" if spec.rows_required else "harmless"
    for total, expect in [
        ("100000", "refuse"),
        ("99999999999999999999", "refuse"),
        ("abc", "refuse"),
        ("", "refuse"),
        ("1.5", "refuse"),
        ("-1", required),
        ("１", "harmless"),
    ]:
        data = dict(good)
        data[f"{p}-TOTAL_FORMS"] = total
        cases.append((f"TOTAL_FORMS={total!r}", data, expect, ()))
    cases.append(("no management form", payload(spec, rows, mgmt=False), "refuse", ()))
    for initial, expect in [
        ("abc", "refuse"),
        ("", "refuse"),
        ("-1", "harmless"),
        ("99999999999999999999", "harmless"),
    ]:
        cases.append((f"INITIAL_FORMS={initial!r}", payload(spec, rows, initial=initial), expect, ()))
    cases.append(("INITIAL_FORMS > TOTAL_FORMS", payload(spec, rows, initial=len(rows) + 3), "harmless", ()))
    cases.append(("TOTAL_FORMS < rows posted", payload(spec, rows, total=1), "harmless", ()))
    if spec.max_num is not None:
        many = [dict(rows[i % len(rows)]) for i in range(spec.max_num + 1)]
        cases.append((f"{spec.max_num + 1} rows (max {spec.max_num})", payload(spec, many), "refuse", ()))
        data = payload(spec, many)
        data[f"{p}-MAX_NUM_FORMS"] = "100000"
        cases.append(("MAX_NUM_FORMS raised", data, "refuse", ()))
    blank = [dict.fromkeys(rows[0], "") for _ in rows]
    cases.append(
        ("every row blank", payload(spec, blank), "refuse" if spec.rows_required else "harmless", ())
    )
    if spec.can_delete:
        deleted = [{**r, "DELETE": "on"} for r in rows]
        cases.append(("every row deleted", payload(spec, deleted), "refuse", ()))
    theirs = other_rows(world, spec.line)
    if theirs:
        tampered = [{**r, "id": str(theirs[i % len(theirs)].pk)} for i, r in enumerate(rows)]
        if spec.can_delete:
            tampered[0]["DELETE"] = "on"
        cases.append(("another school's row ids (and DELETE)", payload(spec, tampered), "harmless", theirs))
        school = str(world.other.pk)
        cases.append(
            (
                "another school's id as a row's school",
                payload(spec, [{**r, "school": school} for r in rows]),
                "harmless",
                (),
            )
        )
    if "child" in spec.row_fields:
        pool = other_school_pool(world).get("hygiene.Child", [])
        if pool:
            bad = [dict(r) for r in rows]
            bad[-1]["child"] = str(pool[0])
            cases.append(("another school's child in a row", payload(spec, bad), "refuse", ()))
    return cases


@pytest.mark.parametrize("name", list(FORMSETS))
def test_it_refuses_tampered_formsets_all_or_nothing(name):
    app, build = FORMSETS[name]
    world = World([app])
    spec = build(world)
    client = world.clients[spec.client_role]
    failures = []

    # the control: the untouched rows are accepted, parent and lines written
    response, watch = post_in_savepoint(client, spec.url, payload(spec, spec.rows), world)
    changed = watch.changed_tables()
    assert response.status_code == 302, f"{name}: control refused: {error_texts(response)}"
    assert changed.get(_table(spec.line), 0) > 0 or not spec.rows_required, f"{name}: control wrote {changed}"

    for label, data, expect, watched in tampered_cases(spec, world):
        response, watch = post_in_savepoint(client, spec.url, data, world, objects=watched)
        check(f"{name} [{label}]", spec, response, watch, expect, failures)

    if name == "finance:request_revise":  # someone else's request: not theirs to revise
        other_client = world.clients[Role.DIRECTOR]
        response, watch = post_in_savepoint(other_client, spec.url, payload(spec, spec.rows), world)
        if response.status_code not in (403, 404) or watch.problems():
            failures.append(f"{name} [another user's request]: {response.status_code} {watch.problems()}")

    # one bad row among good rows (generated)
    @profile()
    @given(data=st.data())
    def one_bad_row(data):
        n = data.draw(st.integers(1, len(spec.rows) + 1), label="rows")
        rows = [dict(spec.rows[i % len(spec.rows)]) for i in range(n)]
        at = data.draw(st.integers(0, n - 1), label="bad row")
        names = [k for k, f in spec.row_fields.items() if poison_strategy(f, world) is not None]
        poisoned = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
        for key in [k for k in spec.row_fields if k not in poisoned and k != "DELETE"]:
            if data.draw(st.integers(0, 3)) == 0:
                value = data.draw(value_strategy(spec.row_fields[key], world))
                if value is not None:
                    rows[at][key] = value
        for key in poisoned:
            rows[at][key] = data.draw(poison_strategy(spec.row_fields[key], world))
        response, watch = post_in_savepoint(client, spec.url, payload(spec, rows), world)
        check(f"{name} [bad row {at} of {n}: {rows[at]!r}]", spec, response, watch, "refuse", failures)

    one_bad_row()
    assert not failures, "\n".join(failures[:30])


# --- rows posted as one field per object ----------------------------------------------------------------
def _rows_case(world, app):
    """(client, url, base data, {key: valid value}, line label, other school's row, key for a row)."""
    director = world.clients[Role.DIRECTOR]
    if app == "canteen":
        from canteen.models import PantryBatch

        batches = list(PantryBatch.objects.filter(school=world.own, quantity_left__gt=0).order_by("pk")[:4])
        rows = {f"b{b.pk}": str(b.quantity_left) for b in batches}
        theirs = PantryBatch.objects.filter(school=world.other).order_by("pk").first()
        return director, reverse("canteen:pantry_count"), {}, rows, "canteen.PantryCountLine", theirs, "b{}"
    from safety import services
    from safety.choices import InspectionKind

    if app == "safety-inspection":
        inspection, _created = services.inspection_create(
            school=world.own,
            kind=InspectionKind.WEEKLY,
            day=TODAY(),
            by=world.users[Role.DIRECTOR],
            assigned_to=None,
        )
        rows = {f"result_{i.pk}": "pass" for i in inspection.items.order_by("pk")[:4]}
        theirs = apps.get_model("safety.InspectionItem").objects.filter(school=world.other).first()
        url = reverse("safety:inspection_detail", kwargs={"pk": inspection.pk})
        return director, url, {"action": "save"}, rows, "safety.InspectionItem", theirs, "result_{}"
    check_, _created = services.fire_selfcheck_start(
        school=world.own, by=world.users[Role.DIRECTOR], month=TODAY()
    )
    rows = {f"result_{i.pk}": "ok" for i in check_.items.order_by("pk")[:4]}
    theirs = apps.get_model("safety.FireSelfCheckItem").objects.filter(school=world.other).first()
    url = reverse("safety:selfcheck_detail", kwargs={"pk": check_.pk})
    return director, url, {"action": "save"}, rows, "safety.FireSelfCheckItem", theirs, "result_{}"


BAD_ROW_VALUES = {
    "canteen": [
        "abc",
        "-1",
        "-0.01",
        "1e400",
        "NaN",
        "Infinity",
        "1.234",
        "999999999",
        "1" * 40,
        "１２.３４５",
    ],
    "safety": ["not-a-choice", "<script>", "PASS", "\x00", "pass\x00", "合格"],
}


@pytest.mark.parametrize("app", ["canteen", "safety-inspection", "safety-selfcheck"])
def test_it_refuses_bad_rows_in_hand_rolled_row_lists(app):
    world = World([app.split("-")[0]])
    client, url, base, rows, line, theirs, key = _rows_case(world, app)
    assert rows, f"{app}: no rows in the demo data"
    failures = []
    bad_values = BAD_ROW_VALUES[app.split("-")[0]]
    for value in bad_values:
        for at in (0, len(rows) - 1):
            data = {**base, **rows}
            data[list(rows)[at]] = value
            response, watch = post_in_savepoint(client, url, data, world)
            if response.status_code >= 500:
                failures.append(f"{app} [row {at} = {value!r}]: {response.status_code}")
            elif problems := watch.problems():
                failures.append(f"{app} [row {at} = {value!r}]: written ({'; '.join(problems)})")
    if theirs is not None:  # another school's row as a key: refused or ignored, and never touched
        for value in [next(iter(rows.values())), "0"]:
            data = {**base, **rows, key.format(theirs.pk): value}
            response, watch = post_in_savepoint(client, url, data, world, objects=[theirs])
            if response.status_code >= 500 or watch.rows != watch.rows_after or watch.other_school_changes():
                failures.append(f"{app} [another school's row {theirs.pk}]: {response.status_code}, touched")
    # notes: hostile text next to valid results is stored as text or refused, never a 500; NUL (which
    # PostgreSQL cannot store) is refused
    if app.startswith("safety"):
        for note in ["\x00", "正常\x00", "<script>alert(1)</script>", "𠀀😀" * 200, "\u202e" * 10]:
            data = {**base, **rows, **{k.replace("result_", "note_"): note for k in rows}, "summary": note}
            response, watch = post_in_savepoint(client, url, data, world)
            if response.status_code >= 500:
                failures.append(f"{app} [note {note[:10]!r}]: {response.status_code}")
            elif "\x00" in note and (problems := watch.problems()):
                failures.append(f"{app} [note {note[:10]!r}]: written ({'; '.join(problems)})")
    # control: the valid rows are accepted
    response, watch = post_in_savepoint(client, url, {**base, **rows}, world)
    assert response.status_code == 302 and watch.changed_tables() or watch.writes, (
        f"{app}: control refused ({response.status_code}, {error_texts(response)})"
    )
    assert not failures, "\n".join(failures)
