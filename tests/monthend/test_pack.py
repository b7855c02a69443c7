"""The month-end pack: workbook and PDF content, storage, checksums, versions, the schedule."""

import datetime
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from openpyxl import load_workbook

from logistics.models import ChangeLog, Notification, Room
from logistics.reports import Period
from monthend import pack as pack_module
from monthend import services
from monthend.choices import PackStatus, PackTrigger
from monthend.models import MonthPack
from monthend.tasks import schedule_month_packs
from tests.factories import RoomFactory

from .conftest import compact, pdf_text

OCT = Period.month(2026, 10)


@pytest.fixture
def rooms(school, campus):
    RoomFactory(school=school, campus=campus, name="大一班", floor=1)
    RoomFactory(school=school, campus=campus, name='=HYPERLINK("http://x")', floor=2)
    RoomFactory(school=school, campus=campus, name="+SUM(A1)", floor=3)
    RoomFactory(school=school, campus=campus, name="-1", floor=None)
    RoomFactory(school=school, campus=campus, name="@cmd", floor=4)


def _build(school, period=OCT, django_capture_on_commit_callbacks=None):
    pack, created = services.pack_schedule(school=school, period=period, enqueue=False)
    assert created
    return services.pack_build(pack_id=pack.pk)


def test_it_writes_a_workbook_with_contents_first_and_totals_matching_the_database(
    school, rooms, test_reports, gap_hook, other_school
):
    RoomFactory(school=other_school, campus=other_school.campus_set.first(), name="别校房间", floor=9)
    pack = _build(school)
    assert pack.status == PackStatus.READY, pack.error
    wb = load_workbook(pack.xlsx.path)
    assert wb.sheetnames == ["目录", "员工证件一览表", "测试房间台账", "测试空台账"]
    contents = wb["目录"]
    assert contents["A1"].value == "阳光幼儿园 2026年10月 后勤月报"
    assert [c.value for c in contents[3]] == ["序号", "报表", "记录数", "工作表"]
    assert [c.value for c in contents[5]] == [2, "测试房间台账", 5, "测试房间台账"]
    assert contents["C6"].value == "本月无记录"
    column_b = [row[1].value for row in contents.iter_rows(min_row=7)]
    assert "2026年10月14日 午餐无留样记录" in column_b and "隐患「二楼消防通道堵塞」已逾期" in column_b

    ws = wb["测试房间台账"]
    assert ws["A1"].value == "阳光幼儿园 测试房间台账"
    assert ws.freeze_panes == "A4"
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["A"].width > 14  # the declared width, widened to the longest room name
    assert [c.value for c in ws[3]] == ["房间", "校区", "楼层", "日期", "金额", "类型"]
    data = list(ws.iter_rows(min_row=4, max_row=8, values_only=True))
    names = [r[0] for r in data]
    # user text that looks like a formula is stored as text, never as a formula
    for row in ws.iter_rows(min_row=4, max_row=8):
        assert row[0].data_type == "s", row[0].value
    assert set(names) == {"大一班", '=HYPERLINK("http://x")', "+SUM(A1)", "-1", "@cmd"}
    assert ws["D4"].value == datetime.datetime(2026, 10, 31)
    assert ws["F4"].value == "班级"
    totals = [c.value for c in ws[9]]
    db_floors = Room.objects.filter(school=school).aggregate(s=Sum("floor"))["s"]
    assert totals[0] == "合计" and totals[2] == db_floors == 10 and totals[4] == db_floors * 100
    assert ws["E9"].number_format == "#,##0.00"
    assert wb["测试空台账"]["A4"].value == "本月无记录"
    assert wb["员工证件一览表"]["A4"].value.startswith("本月无记录")


@pytest.mark.parametrize(
    ("in_parts", "rows_per_part"),
    [(True, 600), (True, 1), (False, 0)],
    ids=["parts-joined", "a-part-per-section", "one-document"],
)
def test_it_writes_a_pdf_with_cover_contents_gaps_every_section_and_signatures(
    school, rooms, test_reports, gap_hook, monkeypatch, in_parts, rows_per_part
):
    if not in_parts:
        monkeypatch.setattr(pack_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(pack_module, "ROWS_PER_PART", rows_per_part)
    pack = _build(school)
    raw = pdf_text(pack.pdf.path)
    text, cover = compact(raw), compact(raw.split("\f")[0])
    for expected in (
        "阳光幼儿园2026年10月后勤月报",
        "目录",
        "员工证件一览表",
        "测试房间台账",
        "测试空台账",
        "需关注事项",
    ):
        assert expected in cover, expected
    assert "2026年10月14日午餐无留样记录" in cover and "二楼消防通道堵塞" in cover
    assert "测试区教育局" in cover
    for sig in ("制表人", "审核人", "校长"):
        assert text.count(sig) >= 4  # cover and every section
    pages = [p for p in raw.split("\f") if p.strip()]
    assert len(pages) == 4
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页" in compact(page)
    if in_parts:
        assert "全册共4页" in cover
    else:
        assert "第1页/共4页" in cover
    assert "本月无记录" in text
    assert "1.员工证件一览表" in text and "2.测试房间台账" in text and "3.测试空台账" in text
    assert '=HYPERLINK("http://x")' in text
    assert "1,000.00" in text  # money total with two decimals
    # the contents show each section's first page: the cover is page 1
    toc = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\d+\. (\S+).*?\.{3,}\s*(\d+)$", raw, re.M)}
    assert toc == {"员工证件一览表": 2, "测试房间台账": 3, "测试空台账": 4}


def test_it_stores_files_under_media_root_with_checksums_and_sections(school, rooms, test_reports, settings):
    pack = _build(school)
    for field, sha, size in (
        (pack.xlsx, pack.xlsx_sha256, pack.xlsx_size),
        (pack.pdf, pack.pdf_sha256, pack.pdf_size),
    ):
        assert field.path.startswith(settings.MEDIA_ROOT)
        data = Path(field.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha and len(data) == size
    assert services.file_sha256(pack.xlsx) == pack.xlsx_sha256
    assert [s["title"] for s in pack.sections] == ["员工证件一览表", "测试房间台账", "测试空台账"]
    assert [s["rows"] for s in pack.sections] == [0, 5, 0]
    assert pack.finished_at and pack.duration_ms > 0
    # the transitions are in the change log: pending -> running -> ready
    moves = [
        (c.before or {}).get("status", "") + ">" + (c.after or {}).get("status", "")
        for c in ChangeLog.objects.filter(object_id=str(pack.pk), action="transition").order_by("id")
    ]
    assert moves == ["pending>running", "running>ready"]


def test_the_scheduled_task_run_twice_makes_one_version_per_school(
    school, other_school, test_reports, django_capture_on_commit_callbacks, director
):
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule_month_packs("2026-10") == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule_month_packs("2026-10") == 0
    packs = MonthPack.objects.filter(month="2026-10")
    assert packs.count() == 2
    assert set(packs.values_list("status", "version", "trigger")) == {
        (PackStatus.READY, 1, PackTrigger.SCHEDULED)
    }
    # the director is told once
    assert Notification.objects.filter(user=director, dedupe_key__startswith="monthpack:").count() == 1


def test_the_scheduled_task_defaults_to_last_month(school, test_reports, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        schedule_month_packs()
    assert list(MonthPack.objects.values_list("month", flat=True)) == [Period.previous_month().key]


def test_building_twice_is_a_no_op(school, test_reports):
    pack = _build(school)
    again = services.pack_build(pack_id=pack.pk)
    assert again.pk == pack.pk and again.xlsx_sha256 == pack.xlsx_sha256
    assert MonthPack.objects.count() == 1


def test_a_failing_report_fails_the_pack_and_the_next_run_makes_a_new_version(
    school, test_reports, monkeypatch
):
    from logistics.reports.registry import REGISTRY, register

    def broken(school, period):
        raise RuntimeError("数据库不可用")

    monkeypatch.setitem(REGISTRY, "org.certificates", REGISTRY["org.certificates"])
    register("org.certificates", title="员工证件一览表", order=10)(broken)
    pack = _build(school)
    assert pack.status == PackStatus.FAILED
    assert "员工证件一览表" in pack.error and "数据库不可用" in pack.error
    assert not pack.xlsx and not pack.pdf
    monkeypatch.undo()
    from .conftest import ROOM_REPORT  # noqa: F401  (registry restored; the next run succeeds)

    again, created = services.pack_schedule(school=school, period=OCT, enqueue=False)
    assert created and again.version == 2


def test_a_new_version_keeps_the_old_one(school, director, test_reports):
    first = _build(school)
    second = services.pack_request(school=school, period=OCT, by=director, enqueue=False)
    services.pack_build(pack_id=second.pk)
    assert list(MonthPack.objects.order_by("version").values_list("version", "status")) == [
        (1, PackStatus.READY),
        (2, PackStatus.READY),
    ]
    first.refresh_from_db()
    assert first.xlsx and Path(first.xlsx.path).read_bytes()


def test_a_new_version_is_refused_while_one_is_being_generated_and_for_the_future(school, director, teacher):
    services.pack_request(school=school, period=OCT, by=director, enqueue=False)
    with pytest.raises(ValidationError, match="正在生成"):
        services.pack_request(school=school, period=OCT, by=director, enqueue=False)
    with pytest.raises(ValidationError, match="未来"):
        services.pack_request(school=school, period=Period.month(2099, 1), by=director)
    with pytest.raises(ValidationError):
        services.pack_request(school=school, period=Period.month(2026, 9), by=teacher)
    assert MonthPack.objects.count() == 1


def test_the_command_generates_and_copies_the_files(school, other_school, test_reports, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "out"
    call_command("month_end", "--month", "2026-10", "--school", "KG001", "--out", str(out))
    pack = MonthPack.objects.get()
    assert pack.school == school and pack.trigger == PackTrigger.COMMAND and pack.status == PackStatus.READY
    files = sorted(p.name for p in out.iterdir())
    assert files == ["KG001-2026-10-月报-v1.pdf", "KG001-2026-10-月报-v1.xlsx"]
    assert hashlib.sha256((out / files[1]).read_bytes()).hexdigest() == pack.xlsx_sha256
    call_command("month_end", "--month", "2026-10", "--school", "KG001")  # idempotent
    assert MonthPack.objects.count() == 1
    call_command("month_end", "--month", "2026-10", "--school", "KG001", "--new-version")
    assert MonthPack.objects.filter(version=2, status=PackStatus.READY).count() == 1
    call_command("month_end", "--month", "2026-10")  # every school
    assert MonthPack.objects.filter(school=other_school).count() == 1


def test_the_command_refuses_bad_input(school):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="月份格式"):
        call_command("month_end", "--month", "2026-13")
    with pytest.raises(CommandError, match="NOPE"):
        call_command("month_end", "--month", "2026-10", "--school", "NOPE")
    assert MonthPack.objects.count() == 0


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_the_workbook_without_error(school, rooms, test_reports, tmp_path):
    pack = _build(school)
    src = tmp_path / "pack.xlsx"
    shutil.copy(pack.xlsx.path, src)
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "lo"),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    converted = tmp_path / "lo" / "pack.pdf"
    assert converted.exists() and converted.stat().st_size > 1000
    text = compact(pdf_text(converted))
    assert "后勤月报" in text and "测试房间台账" in text and "大一班" in text
