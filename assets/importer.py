"""Bulk import of an existing asset ledger from Excel: every row validated, all or nothing."""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import Membership, Room
from logistics.validation import money

from .choices import AssetSource, AssetStatus
from .models import Asset, AssetCategory
from .services.registry import MAX_UNITS_PER_REGISTRATION

# (heading, key, required)
COLUMNS = [
    ("资产编号", "code", False),
    ("资产名称", "name", True),
    ("分类编码", "category", True),
    ("规格型号", "spec", False),
    ("单价（元）", "unit_price", True),
    ("数量", "units", False),
    ("购置日期", "purchase_date", True),
    ("来源", "source", False),
    ("经费来源", "funding", False),
    ("校区", "campus", False),
    ("存放地点", "room", False),
    ("责任人登录名", "custodian", False),
    ("状态", "status", False),
    ("备注", "note", False),
]
MAX_ROWS = 20000
MAX_BYTES = 10 * 1024 * 1024
SOURCES = {label: value for value, label in AssetSource.choices}
STATUSES = {str(AssetStatus.IN_USE.label): AssetStatus.IN_USE, str(AssetStatus.IDLE.label): AssetStatus.IDLE}


MAX_ROWS_NAMED = 20  # row numbers named in one warning; the rest are counted


@dataclass(frozen=True)
class ImportResult:
    created: int  # assets written
    warnings: list[str] = field(default_factory=list)  # rows below the fixed-asset threshold that applies


class ImportError_(Exception):  # noqa: N801 - not the builtin
    def __init__(self, message, errors=()):
        super().__init__(message)
        self.message = message
        self.errors = list(errors)  # (row, column heading, message)


def template_workbook(school) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "资产导入"
    ws.append([c[0] + ("*" if c[2] else "") for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(
        [
            "",
            "办公桌",
            "601",
            "1.4米",
            1200,
            2,
            "2024-09-01",
            "购置",
            "公用经费",
            "总部",
            "后勤办公室",
            "",
            "在用",
            "",
        ]
    )
    for i, width in enumerate([16, 16, 10, 14, 12, 8, 12, 8, 12, 10, 14, 14, 8, 16]):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ref = wb.create_sheet("分类编码")
    ref.append(["分类编码", "分类名称", "折旧年限"])
    for c in AssetCategory.objects.for_school(school).order_by("code"):
        ref.append([c.code, c.name, c.useful_life_years])
    notes = wb.create_sheet("说明")
    for line in [
        "带 * 的列必须填写；资产编号留空则自动编号。",
        "数量大于 1 时每件单独登记、单独编号（此时资产编号须留空）。",
        "购置日期格式 2024-09-01；单价最多两位小数。",
        "来源：购置 / 捐赠 / 调入 / 其他；状态：在用 / 闲置。",
        "存放地点须与系统中的房间名称一致；同名房间在多个校区时须填写校区。",
        "任何一行有错误时整个文件不会导入，请按错误列表修改后重新上传。",
    ]:
        notes.append([line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(v):
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _read_rows(upload):
    from xml.parsers.expat import ExpatError
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    if upload.size > MAX_BYTES:
        raise ImportError_(_("文件过大：不能超过 10 MB。"))
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        raise ImportError_(_("文件不是 Excel（.xlsx）文件，请使用下载的模板。"))
    try:  # read_only parses the sheet lazily: a broken one fails while rows are read
        wb = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        try:
            header = next(rows)
        except StopIteration as exc:
            raise ImportError_(_("文件是空的。")) from exc
        header = [_text(h).rstrip("*") for h in header]
        expected = [c[0] for c in COLUMNS]
        if header[: len(expected)] != expected:
            raise ImportError_(_("表头与模板不一致，请下载并使用导入模板。"))
        data = []
        for number, row in enumerate(rows, start=2):
            if row is None or all(v in (None, "") for v in row):
                continue
            data.append(
                (number, dict(zip([c[1] for c in COLUMNS], list(row) + [None] * len(COLUMNS), strict=False)))
            )
            if len(data) > MAX_ROWS:
                raise ImportError_(_("一次最多导入 %(n)d 行。") % {"n": MAX_ROWS})
        wb.close()
    except (BadZipFile, KeyError, IndexError, OSError, ValueError, TypeError, SyntaxError, ExpatError) as exc:
        raise ImportError_(_("无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式。")) from exc
    if not data:
        raise ImportError_(_("文件中没有数据行。"))
    return data


def import_assets(*, school, by, upload) -> ImportResult:
    """Validate every row first; write only if all are valid. Returns how many assets were created and
    a warning per threshold for the rows priced below it (imported all the same, as the registration
    form does: a school's old ledger is what it is)."""
    from . import selectors, services

    rows = _read_rows(upload)
    heading = {c[1]: c[0] for c in COLUMNS}
    categories = {c.code: c for c in AssetCategory.objects.for_school(school)}
    rooms: dict[str, list] = {}
    for r in Room.objects.filter(school=school).select_related("campus"):
        rooms.setdefault(r.name, []).append(r)
    members = {
        m.user.username: m.user
        for m in Membership.objects.active().filter(school=school).select_related("user")
    }
    existing_codes = set()
    file_codes = {_text(d["code"]) for _n, d in rows if _text(d["code"])}
    if file_codes:
        existing_codes = set(
            Asset.objects.filter(school=school, code__in=file_codes).values_list("code", flat=True)
        )
    errors = []
    seen_codes: dict[str, int] = {}
    parsed = []
    numbers = []
    today = timezone.localdate()
    for number, d in rows:

        def err(key, msg, number=number):
            errors.append((number, heading[key], msg))

        item = {}
        for key, _label, required in [(c[1], c[0], c[2]) for c in COLUMNS]:
            if required and _text(d[key]) == "":
                err(key, _("必填"))
        name = _text(d["name"])
        if len(name) > 100:
            err("name", _("名称过长（最多 100 字）"))
        item["name"] = name
        code = _text(d["code"])
        if code:
            if len(code) > 40:
                err("code", _("编号过长"))
            elif code in existing_codes:
                err("code", _("编号「%(c)s」已存在") % {"c": code})
            elif code in seen_codes:
                err("code", _("编号「%(c)s」与第 %(r)d 行重复") % {"c": code, "r": seen_codes[code]})
            seen_codes[code] = number
        item["code"] = code
        cat = _text(d["category"])
        if cat and cat not in categories:
            err("category", _("未知的分类编码「%(c)s」") % {"c": cat})
        item["category"] = categories.get(cat)
        price = d["unit_price"]
        try:
            price = Decimal(str(price)) if price not in (None, "") else None
            if price is not None:
                price = money(price, _("单价"), allow_zero=True)
        except (InvalidOperation, ValidationError) as exc:
            msg = exc.messages[0] if isinstance(exc, ValidationError) else _("不是有效的金额")
            err("unit_price", msg)
            price = None
        item["unit_price"] = price
        units = d["units"]
        try:
            units = int(Decimal(str(units))) if units not in (None, "") else 1
            if not 1 <= units <= MAX_UNITS_PER_REGISTRATION:
                raise ValueError
            if code and units != 1:
                err("units", _("指定资产编号时数量只能为 1"))
        except (InvalidOperation, ValueError, OverflowError):  # OverflowError: "inf"
            err("units", _("数量应为 1 到 1000 的整数"))
            units = 1
        item["units"] = units
        day = d["purchase_date"]
        if isinstance(day, datetime.datetime):
            day = day.date()
        elif isinstance(day, str) and day.strip():
            try:
                day = datetime.date.fromisoformat(day.strip().replace("/", "-"))
            except ValueError:
                err("purchase_date", _("日期格式应为 2024-09-01"))
                day = None
        elif day not in (None, "") and not isinstance(day, datetime.date):
            err("purchase_date", _("日期格式应为 2024-09-01"))
            day = None
        if isinstance(day, datetime.date):
            if day > today:
                err("purchase_date", _("购置日期不能晚于今天"))
            elif day.year < 1950:
                err("purchase_date", _("购置日期不合理"))
        item["purchase_date"] = day if isinstance(day, datetime.date) else None
        source = _text(d["source"]) or str(AssetSource.PURCHASE.label)
        if source not in SOURCES:
            err("source", _("来源应为 购置/捐赠/调入/其他"))
        item["source"] = SOURCES.get(source, AssetSource.PURCHASE)
        item["funding"] = _text(d["funding"])[:60]
        room_name, campus_name = _text(d["room"]), _text(d["campus"])
        room = None
        if room_name:
            candidates = rooms.get(room_name, [])
            if campus_name:
                candidates = [r for r in candidates if r.campus.name == campus_name]
            if not candidates:
                err("room", _("未知的房间「%(r)s」") % {"r": room_name})
            elif len(candidates) > 1:
                err("campus", _("多个校区都有「%(r)s」，请填写校区") % {"r": room_name})
            else:
                room = candidates[0]
        item["room"] = room
        login = _text(d["custodian"])
        if login and login not in members:
            err("custodian", _("「%(u)s」不是本校在岗人员的登录名") % {"u": login})
        item["custodian"] = members.get(login)
        status = _text(d["status"])
        if status and status not in STATUSES:
            err("status", _("状态应为 在用 或 闲置"))
        item["status"] = STATUSES.get(status) if status else None
        item["spec"] = _text(d["spec"])[:100]
        item["note"] = _text(d["note"])[:200]
        parsed.append(item)
        numbers.append(number)
    if errors:
        raise ImportError_(_("有 %(n)d 处错误，未导入任何资产。") % {"n": len(errors)}, errors)
    warnings = _low_value_warnings(selectors.capitalisation_rule(school), parsed, numbers)
    try:
        created = services.assets_bulk_register(school=school, by=by, items=parsed, source_ref=_("Excel导入"))
    except ValidationError as exc:
        raise ImportError_(" ".join(exc.messages)) from exc
    return ImportResult(created=created, warnings=warnings)


def _low_value_warnings(rule, items, numbers) -> list[str]:
    """One warning per threshold that rows fall below, naming the rows (the first MAX_ROWS_NAMED)."""
    rows_by_message: dict[str, list[int]] = {}
    for item, number in zip(items, numbers, strict=True):
        message = rule.low_value_message(item["category"], item["unit_price"])
        if message:
            rows_by_message.setdefault(message, []).append(number)
    warnings = []
    for message, rows in rows_by_message.items():
        named = "、".join(str(n) for n in rows[:MAX_ROWS_NAMED]) + ("…" if len(rows) > MAX_ROWS_NAMED else "")
        warnings.append(
            _("第 %(rows)s 行（共 %(n)d 行）：%(message)s")
            % {"rows": named, "n": len(rows), "message": message}
        )
    return warnings
