"""Garbage files through every form that takes a file, end to end through its view.

For each form with a file field (tests/security/test_uploads.py covers the attachment layer itself),
the rest of the POST is valid (a control POST with a real image proves it: it is accepted), so the
file is the only thing wrong. Every garbage file (badinput.garbage_files: text named .jpg, zero bytes,
a truncated JPEG, a PNG claiming 60000x60000 pixels, a path-traversal name, an SVG with a script named
.png, HTML named .pdf, one byte over ATTACHMENT_MAX_BYTES) must be answered with a form error in
Chinese (or a 4xx), never a 500, and nothing written: no row anywhere (logistics.Attachment included),
no surviving SQL write and no file under MEDIA_ROOT. Where a field takes several files, one good file
next to the bad one must not be saved either (all or nothing). Hypothesis then corrupts real images
and PDFs byte by byte: whatever the result, never a 500, and a refused file leaves nothing behind.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from logistics.choices import Role
from logistics.models import Attachment
from tests.security.badinput import (
    forms_in,
    garbage_files,
    jpeg_bytes,
    noisy_jpeg,
    png_bytes,
    post_watched,
    profile,
)
from tests.security.matrix import World

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- what a refusal looks like ----------------------------------------------------------------------
def error_texts(response):
    """Form errors and error messages shown by the response."""
    texts = []
    if response.context is None:
        return texts
    for form in forms_in(response):
        for errors in form.errors.values():
            texts.extend(str(e) for e in errors)
    contexts = response.context if isinstance(response.context, list) else [response.context]
    for ctx in contexts:
        if ctx is None:
            continue
        storage = ctx.get("messages")
        if storage is not None:
            texts.extend(str(m) for m in storage if "error" in m.tags)
        for key in ("error", "errors"):  # views that render their own error line
            value = ctx.get(key)
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, list | tuple):
                texts.extend(str(v) for v in value)
    return texts


def check_refused(label, response, watch, failures):
    if response.status_code >= 500:
        failures.append(f"{label}: {response.status_code}")
        return
    if problems := watch.problems():
        failures.append(f"{label}: written ({'; '.join(problems)}), answered {response.status_code}")
        return
    if response.status_code in (200, 400):
        texts = error_texts(response)
        if not any(CJK.search(t) for t in texts):
            failures.append(f"{label}: answered {response.status_code} without an error in Chinese {texts}")
    elif response.status_code not in (403, 404, 413):
        failures.append(f"{label}: answered {response.status_code} (expected a form error or a 4xx)")


# --- the forms that take files ----------------------------------------------------------------------
def form_on(client, url, with_field=None):
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    found = [f for f in forms_in(page) if with_field is None or with_field in f.fields]
    assert found, f"GET {url}: no form with {with_field}"
    return found[0]


def initial_data(form):
    """The form's initial values as POST data (what the browser would send untouched)."""
    data = {}
    for bf in form:
        value = bf.value()
        if value in (None, "", []) or bf.field.widget.input_type == "file":
            continue
        if value is True:
            data[bf.html_name] = "on"
        elif value is False:
            continue
        elif isinstance(value, list | tuple):
            data[bf.html_name] = [str(getattr(v, "pk", v)) for v in value]
        elif isinstance(value, datetime.datetime):
            data[bf.html_name] = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, datetime.date):
            data[bf.html_name] = value.isoformat()
        else:
            data[bf.html_name] = str(getattr(value, "pk", value))
    return data


def first_choice(form, name):
    field = form.fields[name]
    if hasattr(field, "queryset"):
        obj = field.queryset.first()
        assert obj is not None, f"no choice for {name}"
        return str(obj.pk)
    return next(str(v) for v, _label in field.choices if v not in ("", None))


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


TODAY = timezone.localdate


def repair(world, client):
    url = reverse("assets:repair_create")
    form = form_on(client, url, "photo")
    data = {"room": first_choice(form, "room"), "description": "教室灯管不亮", "urgency": "normal"}
    return url, data, "photo"


def sample(world, client):
    from canteen.models import CanteenSettings

    cfg = CanteenSettings.for_school(world.own)
    url = reverse("canteen:sample_create")
    form = form_on(client, url, "photo")
    data = {
        "meal": "lunch",
        "dish_name": "番茄炒蛋（上传测试）",
        "quantity_g": str(cfg.sample_min_grams + 25),
        "fridge": first_choice(form, "fridge"),
        "fridge_temp": str((cfg.fridge_min_temp + cfg.fridge_max_temp) / 2),
    }
    return url, data, "photo"


def delivery(world, client):
    url = reverse("canteen:delivery_create")
    form = form_on(client, url, "ticket")
    data = {
        "supplier": _valid_supplier(world),
        "delivered_on": TODAY().isoformat(),
        "account": "children",
        "invoice_no": "FP-001",
        **management("lines", 1),
        "lines-0-name": "大米",
        "lines-0-unit": "千克",
        "lines-0-quantity": "20",
        "lines-0-unit_price": "4.50",
        "lines-0-label_check": "bulk",
        "lines-0-result": "accepted",
    }
    assert form.fields["supplier"].queryset.filter(pk=data["supplier"]).exists()
    return url, data, "ticket"


def _valid_supplier(world):
    from canteen.models import Supplier

    for s in Supplier.objects.filter(school=world.own, is_active=True).order_by("pk"):
        if s.licence_valid_on(TODAY()):
            return str(s.pk)
    raise AssertionError("no supplier with valid licences in the demo data")


def hazard_report(world, client):
    url = reverse("safety:hazard_report")
    form = form_on(client, url, "photos")
    data = {**initial_data(form), "title": "楼梯扶手松动", "location": "二楼东侧", "risk_level": "medium"}
    return url, data, "photos"


def hazard_rectify(world, client):
    from safety import services

    hazard = services.hazard_report(
        school=world.own,
        by=world.users[Role.DIRECTOR],
        title="消防通道堆放杂物",
        room=None,
        location="一楼",
        risk_level="medium",
        found_on=TODAY(),
        description="",
        photos=[],
    )
    services.hazard_assign(
        obj=hazard,
        by=world.users[Role.DIRECTOR],
        assignee=world.users[Role.DIRECTOR],
        deadline=TODAY() + datetime.timedelta(days=3),
        comment="",
        risk_level="medium",
    )
    url = reverse("safety:hazard_action", kwargs={"pk": hazard.pk, "action": "rectify"})
    return url, {"rectification": "杂物已清理"}, "photos"


def drill_record(world, client):
    from safety.models import Drill

    drill = Drill.objects.filter(school=world.own, status="planned").order_by("pk").first()
    assert drill is not None, "no planned drill in the demo data"
    url = reverse("safety:drill_record", kwargs={"pk": drill.pk})
    form = form_on(client, url, "photos")
    data = {
        **initial_data(form),
        "held_on": TODAY().isoformat(),
        "participants": "300",
        "floors": "3",
        "evacuation_minutes": "2",
        "evacuation_secs": "30",
        "reflection": "疏散有序",
    }
    return url, data, "photos"


def inspection(world, client):
    from safety import services
    from safety.choices import InspectionKind

    inspection, _created = services.inspection_create(
        school=world.own,
        kind=InspectionKind.WEEKLY,
        day=TODAY(),
        by=world.users[Role.DIRECTOR],
        assigned_to=None,
    )
    item = inspection.items.order_by("pk").first()
    assert item is not None
    url = reverse("safety:inspection_detail", kwargs={"pk": inspection.pk})
    from safety.models import InspectionItem

    result = InspectionItem._meta.get_field("result").choices[0][0]
    return (
        url,
        {"action": "save", f"result_{item.pk}": result, f"note_{item.pk}": "正常"},
        f"photos_{item.pk}",
    )


def purchase_request(world, client):
    url = reverse("finance:request_create")
    form = form_on(client, url, "attachments")
    data = {
        "title": "购买打印纸",
        "reason": "办公室打印纸用完",
        "needed_by": (TODAY() + datetime.timedelta(days=7)).isoformat(),
        **management("lines", 1),
        "lines-0-name": "A4 打印纸",
        "lines-0-unit": "箱",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "120.00",
    }
    if form.fields["budget_line"].required:
        data["budget_line"] = first_choice(form, "budget_line")
    return url, data, "attachments"


def quote(world, client):
    from finance.models import PurchaseRequest
    from finance.services import QUOTE_OPEN_STATUSES

    req = (
        PurchaseRequest.objects.filter(school=world.own, status__in=QUOTE_OPEN_STATUSES)
        .order_by("pk")
        .first()
    )
    assert req is not None, "no purchase request open for quotes in the demo data"
    url = reverse("finance:quote_add", kwargs={"pk": req.pk})
    data = {"supplier": "文具店", "amount": "230.00", "quoted_on": TODAY().isoformat(), "note": "含运费"}
    return url, data, "upload"


def reimbursement(world, client):
    url = reverse("finance:reimbursement_create")
    form = form_on(client, url, "attachments")
    data = {
        "purpose": "购买教具",
        "amount": "86.50",
        **management("receipts", 1),
        "receipts-0-invoice_number": "12345678",
        "receipts-0-invoice_date": TODAY().isoformat(),
        "receipts-0-seller": "文具店",
        "receipts-0-amount": "86.50",
    }
    if form.fields["budget_line"].queryset.exists():
        data["budget_line"] = first_choice(form, "budget_line")
    return url, data, "attachments"


def case_return(world, client):
    from hygiene.models import InfectiousCase

    case = InfectiousCase.objects.filter(school=world.own, status="isolating").order_by("pk").first()
    assert case is not None, "no isolating case in the demo data"
    InfectiousCase.objects.filter(pk=case.pk).update(isolation_until=TODAY())  # may return today
    url = reverse("hygiene:case_detail", kwargs={"pk": case.pk})
    data = {"returned_on": TODAY().isoformat(), "certificate": "市儿童医院 2026-001"}
    return url, data, "photo"


@dataclass(frozen=True)
class Target:
    name: str
    build: Callable
    multiple: bool = False
    role: str = Role.DIRECTOR


TARGETS = {
    "assets": [Target("assets:repair_create", repair)],
    "canteen": [Target("canteen:sample_create", sample), Target("canteen:delivery_create", delivery)],
    "safety": [
        Target("safety:hazard_report", hazard_report, multiple=True),
        Target("safety:hazard_action(rectify)", hazard_rectify, multiple=True),
        Target("safety:drill_record", drill_record, multiple=True),
        Target("safety:inspection_detail", inspection, multiple=True),
    ],
    "finance": [
        Target("finance:request_create", purchase_request, multiple=True),
        Target("finance:quote_add", quote),
        Target("finance:reimbursement_create", reimbursement, multiple=True),
    ],
    "hygiene": [Target("hygiene:case_detail", case_return)],
}


def _file(name, data, content_type):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize("app", list(TARGETS))
def test_it_refuses_garbage_files_on_every_form_that_takes_files(app, settings):
    world = World([app])
    failures = []
    for target in TARGETS[app]:
        client = world.clients[target.role]
        url, data, field = target.build(world, client)
        for case, filename, content, content_type in garbage_files(settings.ATTACHMENT_MAX_BYTES):
            variants = [[_file(filename, content, content_type)]]
            if target.multiple:  # a good photo next to the bad file: neither is kept
                variants.append(
                    [_file("good.png", png_bytes(), "image/png"), _file(filename, content, content_type)]
                )
            for files in variants:
                upload = files if target.multiple else files[0]
                response, watch = post_watched(client, url, {**data, field: upload}, world)
                check_refused(
                    f"{target.name} [{case}{' + good' if len(files) > 1 else ''}]", response, watch, failures
                )
        if target.multiple:  # eleven good photos: more than a field takes at once
            files = [_file(f"p{i}.png", png_bytes(), "image/png") for i in range(11)]
            response, watch = post_watched(client, url, {**data, field: files}, world, rollback=True)
            if response.status_code >= 500:
                failures.append(f"{target.name} [11 files]: {response.status_code}")
        # control: the same POST with a real photo (named like a path traversal) is accepted, and the
        # file is stored under MEDIA_ROOT under a random name
        control = _file("../../etc/passwd.jpg", jpeg_bytes(), "image/jpeg")
        response, watch = post_watched(
            client, url, {**data, field: [control] if target.multiple else control}, world
        )
        added = watch.changed_tables().get(Attachment._meta.db_table, 0)
        if response.status_code != 302 or added != 1:
            failures.append(
                f"{target.name}: the control POST with a real photo was not accepted "
                f"({response.status_code}, {added} attachment(s), errors {error_texts(response)})"
            )
        else:
            att = Attachment.objects.order_by("-pk").first()
            stored = att.file.path
            if (
                not stored.startswith(str(settings.MEDIA_ROOT))
                or "passwd" in stored
                or "/" in att.original_name
            ):
                failures.append(f"{target.name}: stored as {stored!r} named {att.original_name!r}")
    assert not failures, "\n".join(failures)


# --- corrupted images and documents (generated) ---------------------------------------------------------
@st.composite
def corrupted(draw, original):
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        if how == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif how == "cut":
            del data[at : at + draw(st.integers(1, 400))]
            if not data:
                data = bytearray(b"\xff")
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            data[at : at + 16] = b"\0" * len(data[at : at + 16])
    return bytes(data)


def _pdf():
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("app", "index"),
    [("assets", 0), ("finance", 1)],
    ids=["images-only:repair-photo", "documents:quote-upload"],
)
def test_it_never_fails_on_corrupted_images_or_documents(app, index):
    world = World([app])
    target = TARGETS[app][index]
    client = world.clients[target.role]
    url, data, field = target.build(world, client)
    originals = [noisy_jpeg(), png_bytes((90, 70)), _pdf()]
    failures = []

    @profile(scale=2)
    @given(which=st.integers(0, len(originals) - 1), data_=st.data())
    def post_corrupted(which, data_):
        content = data_.draw(corrupted(originals[which]))
        name = data_.draw(
            st.sampled_from(["photo.jpg", "photo.png", "doc.pdf", "无后缀", "a" * 300 + ".jpg"])
        )
        response, watch = post_watched(
            client, url, {**data, field: _file(name, content, "image/jpeg")}, world, rollback=True
        )
        if response.status_code >= 500:
            failures.append(
                f"{target.name}: {response.status_code} for {name} {content[:40]!r}… ({len(content)} bytes)"
            )
        elif response.status_code != 302 and (problems := watch.problems()):
            failures.append(f"{target.name}: refused but written ({'; '.join(problems)})")

    post_corrupted()
    assert not failures, "\n".join(failures[:20])


# --- the Excel import -------------------------------------------------------------------------------------
def _xlsx(rows, header=True):
    from openpyxl import Workbook

    from assets.importer import COLUMNS

    wb = Workbook()
    ws = wb.active
    if header:
        ws.append([c[0] + ("*" if c[2] else "") for c in COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _zip(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD_ROW = ["", "办公桌", "601", "1.4米", 1200, 1, "2024-09-01", "购置", "公用经费", "", "", "", "在用", ""]


def garbage_workbooks():
    from assets.importer import MAX_BYTES

    good = _xlsx([GOOD_ROW])
    return [
        ("zero-bytes", b""),
        ("text-as-xlsx", "资产编号,资产名称\n".encode()),
        ("csv-with-formula", b'=cmd|" /C calc"!A0,x\n'),
        ("jpeg-as-xlsx", jpeg_bytes()),
        ("truncated-xlsx", good[: len(good) // 2]),
        ("zip-without-workbook", _zip({"hello.txt": "你好"})),
        ("zip-with-broken-workbook", _zip({"[Content_Types].xml": "<x", "xl/workbook.xml": "<<<"})),
        ("only-a-header", _xlsx([])),
        ("no-header", _xlsx([GOOD_ROW], header=False)),
        ("oversized", b"PK\x03\x04" + b"\0" * MAX_BYTES),
        ("units-infinite", _xlsx([[*GOOD_ROW[:5], "inf", *GOOD_ROW[6:]]])),
        ("units-nan", _xlsx([[*GOOD_ROW[:5], "NaN", *GOOD_ROW[6:]]])),
        ("price-infinite", _xlsx([[*GOOD_ROW[:4], "Infinity", *GOOD_ROW[5:]]])),
        ("price-three-decimals", _xlsx([[*GOOD_ROW[:4], "12.345", *GOOD_ROW[5:]]])),
        ("impossible-date", _xlsx([[*GOOD_ROW[:6], "2026-02-30", *GOOD_ROW[7:]]])),
        ("good-row-then-bad-row", _xlsx([GOOD_ROW, [*GOOD_ROW[:2], "不存在的分类", *GOOD_ROW[3:]]])),
    ]


def test_it_refuses_garbage_workbooks_in_the_asset_import():
    world = World(["assets"])
    client = world.clients[Role.DIRECTOR]
    url = reverse("assets:import")
    failures = []
    for case, content in garbage_workbooks():
        for name in ("assets.xlsx", "../../etc/passwd.xlsx"):
            response, watch = post_watched(client, url, {"file": _file(name, content, XLSX)}, world)
            check_refused(f"assets:import [{case} as {name}]", response, watch, failures)
    # control: the good row alone is imported
    response, watch = post_watched(
        client, url, {"file": _file("assets.xlsx", _xlsx([GOOD_ROW]), XLSX)}, world
    )
    assert response.status_code == 302 and watch.changed_tables(), error_texts(response)
    assert not failures, "\n".join(failures)


CELL = st.one_of(
    st.none(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=datetime.date(1900, 1, 1)),
    st.sampled_from(
        ["inf", "NaN", "-0", "1e400", "12.345", "2026-02-30", "在用", "闲置", "购置", "601", "=1+1", "\x00"]
    ),
    st.text(alphabet=st.sampled_from(list("a中𠀀😀 <>'\"") + ["\u202e", "\t"]), max_size=120),
)


@st.composite
def hostile_rows(draw):
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row = list(GOOD_ROW)
        for col in draw(st.lists(st.integers(0, len(GOOD_ROW) - 1), min_size=1, max_size=6, unique=True)):
            row[col] = draw(CELL)
        rows.append(row)
    # one cell every import refuses: a category code that does not exist
    bad = draw(st.integers(0, len(rows) - 1))
    rows[bad][2] = draw(st.sampled_from(["不存在", "999999", "60l", "\x00"]))
    return rows


def test_it_refuses_generated_hostile_workbooks_without_a_500_or_a_write():
    world = World(["assets"])
    client = world.clients[Role.DIRECTOR]
    url = reverse("assets:import")
    failures = []

    @profile(scale=2)
    @given(rows=hostile_rows())
    def post_workbook(rows):
        try:
            content = _xlsx(rows)
        except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses some values itself
            return
        response, watch = post_watched(client, url, {"file": _file("assets.xlsx", content, XLSX)}, world)
        check_refused(f"assets:import {rows!r}", response, watch, failures)

    post_workbook()
    assert not failures, "\n".join(failures[:20])
