"""Rendering one school's month-end pack: an Excel workbook and a PDF.

Every monthly report of the registry (logistics.reports) becomes a sheet and a PDF section; the
domain apps' gaps (hooks.month_gaps) go on the contents sheet and the PDF cover.
"""

import contextlib
from dataclasses import dataclass, field

from django.utils import timezone

from logistics.reports import specs
from logistics.reports.base import SIGNATURES, format_date
from logistics.reports.pdf import render_pdf
from logistics.reports.xlsx import _HEAD_FONT, _TITLE_FONT, _text, add_report_sheet, safe_sheet_title

EMPTY = "本月无记录"


@dataclass
class Section:
    key: str
    title: str
    rows: int = 0
    sheet: str = ""


@dataclass
class PackContent:
    sections: list = field(default_factory=list)
    gaps: list = field(default_factory=list)


class SectionError(Exception):
    """A report of the registry failed: the message names it."""


def pack_title(school, period):
    return f"{school.name} {period.label} 后勤月报"


def _build_reports(school, period):
    """Fresh Report objects for every monthly spec (their rows are generators: one use each)."""
    for spec in specs(monthly_only=True):
        try:
            report = spec.builder(school, period)
        except Exception as exc:
            raise SectionError(f"报表「{spec.title}」({spec.key}) 生成出错：{exc}") from exc
        report.school = report.school or school
        report.period = report.period or period
        if EMPTY not in (report.empty_text or ""):
            report.empty_text = f"{EMPTY}（{report.empty_text}）" if report.empty_text else EMPTY
        yield spec, report


def write_xlsx(school, period, target, gaps) -> list[Section]:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    used: set = set()
    contents = wb.create_sheet(safe_sheet_title("目录", used))
    for col, width in zip("ABCD", (8, 40, 12, 24), strict=True):
        contents.column_dimensions[col].width = width
    contents.page_setup.paperSize = "9"
    contents.page_setup.fitToWidth = 1
    contents.page_setup.fitToHeight = 0
    contents.sheet_properties.pageSetUpPr.fitToPage = True
    contents.append([_text(contents, pack_title(school, period), _TITLE_FONT)])
    now = timezone.localtime()
    contents.append(
        [_text(contents, f"学校：{school.name}    期间：{period.label}    生成时间：{format_date(now)}")]
    )
    contents.append([_text(contents, h, _HEAD_FONT) for h in ("序号", "报表", "记录数", "工作表")])
    sections = []
    try:
        for spec, report in _build_reports(school, period):
            try:
                ws, count = add_report_sheet(wb, report, used)
            except Exception as exc:
                raise SectionError(f"报表「{spec.title}」({spec.key}) 生成出错：{exc}") from exc
            sections.append(Section(spec.key, report.title, count, ws.title))
    except Exception:
        _discard(wb)
        raise
    for i, s in enumerate(sections, start=1):
        contents.append(
            [
                i,
                _text(contents, s.title),
                s.rows if s.rows else _text(contents, EMPTY),
                _text(contents, s.sheet),
            ]
        )
    contents.append([])
    contents.append([_text(contents, "需关注事项", _HEAD_FONT)])
    for g in gaps or ["无"]:
        contents.append([None, _text(contents, g)])
    contents.append([])
    contents.append([_text(contents, "    ".join(f"{s}：__________" for s in SIGNATURES))])
    wb.save(target)
    return sections


def _discard(wb):
    """Close the write-only sheets' temporary files of an abandoned workbook."""
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):  # best effort on an already failing path
            ws.close()


def write_pdf(school, period, target, gaps, sections):
    reports = [r for _spec, r in _build_reports(school, period)]
    district = getattr(school, "district", None)
    cover = {
        "title": pack_title(school, period),
        "subtitle": f"报送：{district.bureau_name}" if district else "",
        "school": school.name,
        "period": period.label,
        "contents": [r.title for r in reports],
        "gaps": gaps,
        "signatures": SIGNATURES,
        "generated": format_date(timezone.localtime()),
    }
    render_pdf(
        reports,
        target,
        cover=cover,
        school=school,
        title=pack_title(school, period),
        template="monthend/pack_document.html",
    )
