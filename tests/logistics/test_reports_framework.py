import datetime
import subprocess
from decimal import Decimal

from openpyxl import load_workbook

from logistics.reports import Column, Period, Report
from logistics.reports.base import DATE, MONEY
from logistics.reports.pdf import render_pdf
from logistics.reports.xlsx import write_workbook


class _School:
    name = "阳光幼儿园"


def _report(rows):
    return Report(
        title="测试台账",
        school=_School(),
        period=Period.month(2026, 10),
        columns=[Column("名称"), Column("日期", DATE), Column("金额", MONEY, total=True)],
        rows=rows,
    )


def test_period_labels_and_bounds():
    p = Period.parse_month("2026-10")
    assert (p.start, p.end, p.label) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),
        "2026年10月",
    )
    assert Period.previous_month(datetime.date(2026, 1, 15)).key == "2025-12"


def test_excel_has_totals_frozen_header_and_text_not_formulas(tmp_path):
    rows = [("=1+1", datetime.date(2026, 10, 3), Decimal("12.50")), ("@SUM(A1)", None, Decimal("7.5"))]
    path = tmp_path / "r.xlsx"
    write_workbook([_report(rows)], path, contents_title="目录")
    wb = load_workbook(path)
    assert wb.sheetnames == ["目录", "测试台账"]
    ws = wb["测试台账"]
    assert ws.freeze_panes == "A4"
    assert ws["A4"].value == "=1+1" and ws["A4"].data_type == "s"
    assert ws["A5"].data_type == "s"
    assert ws["C6"].value == 20 and ws["A6"].value == "合计"
    assert ws.page_setup.fitToWidth == 1


def test_empty_report_says_so_in_excel_and_pdf(tmp_path):
    path = tmp_path / "e.xlsx"
    write_workbook([_report([])], path)
    assert load_workbook(path).active["A4"].value == "本月无记录"
    pdf = tmp_path / "e.pdf"
    render_pdf([_report([])], pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "本月无记录" in text and "制表人" in text


def test_pdf_escapes_user_html(tmp_path):
    pdf = tmp_path / "x.pdf"
    render_pdf([_report([("<b>粗体</b><script>x</script>", None, Decimal("1"))])], pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "<b>粗体</b>" in text


def test_snapshot_of_a_record_with_an_empty_file_field(db):
    from logistics.audit import snapshot
    from logistics.models import Attachment

    data = snapshot(Attachment(original_name="x", content_type="image/png", size=0, extension=".png"))
    assert data["file"] is None and data["original_name"] == "x"


def test_a_running_month_says_to_which_day_it_stands():
    december = Period.month(2026, 12)
    today = datetime.date(2026, 12, 3)
    assert december.is_running(today) and december.as_of(today) == today
    assert december.label_as_of(today) == "2026年12月（截至2026年12月3日）"
    november = Period.month(2026, 11)
    assert november.label_as_of(today) == "2026年11月" and november.as_of(today) == november.end


def test_the_total_adds_only_the_rows_it_says_it_includes(tmp_path):
    from logistics.reports.pdf import report_context

    rows = [("鸡蛋", None, Decimal("100.00"), "合格"), ("牛奶", None, Decimal("25.00"), "拒收")]

    def report():
        return Report(
            title="进货查验记录",
            school=_School(),
            period=Period.month(2026, 11),
            columns=[Column("品名"), Column("日期", DATE), Column("金额", MONEY, total=True), Column("结果")],
            rows=iter(rows),
            in_total=lambda row: row[3] == "合格",
            total_label="合计（仅验收合格）",
            highlight={1},
        )

    path = tmp_path / "r.xlsx"
    write_workbook([report()], path)
    ws = load_workbook(path).active
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "合计（仅验收合格）")
    assert total[2] == 100
    refused = next(r for r in ws.iter_rows() if r[0].value == "牛奶")
    assert refused[0].font.color.rgb.endswith("AA0000")  # the marked row is red in Excel too
    context = report_context(report())
    assert context["totals"][0] == ("合计（仅验收合格）", "") and context["totals"][2] == ("100.00", "num")
    assert context["rows"][1]["highlight"]


def test_a_code_column_never_breaks_in_the_pdf():
    from logistics.reports.pdf import report_context

    r = Report(
        title="请购审批台账",
        columns=[Column("单号", nowrap=True), Column("事由")],
        rows=[("QG202611-0003", "买纸")],
        period=Period.month(2026, 11),
    )
    assert report_context(r)["rows"][0]["cells"][0] == ("QG202611-0003", "nowrap")
