"""Rendering one school's month-end pack: an Excel workbook and a PDF.

Every monthly report of the registry (logistics.reports) becomes a sheet and a PDF section; the
domain apps' gaps (hooks.month_gaps) go on the contents sheet and the PDF cover.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.reports import specs
from logistics.reports.base import SIGNATURES, format_date
from logistics.reports.pdf import render_pdf, report_context
from logistics.reports.summary import PdfVariant, for_pdf
from logistics.reports.xlsx import _HEAD_FONT, _TITLE_FONT, _text, add_report_sheet, safe_sheet_title


def empty_text():
    """What a sheet and a PDF section of a report with no rows this month say."""
    return _("本月无记录")


@dataclass
class Section:
    key: str
    title: str
    rows: int = 0
    sheet: str = ""
    # What the PDF shows of a report that declares a summary (its rows or the summary), kept while
    # its rows went to the workbook so that the PDF does not build and read the report again.
    pdf: object = None


class SectionError(Exception):
    """A report of the registry failed: the message names it."""


def pack_title(school, period):
    return _("%(school)s %(period)s 后勤月报") % {"school": school.name, "period": period.label}


def _section_error(spec, exc):
    message = _("报表「%(title)s」(%(key)s) 生成出错：%(error)s")
    return SectionError(message % {"title": spec.title, "key": spec.key, "error": exc})


def _build_reports(school, period, ready=None):
    """Fresh Report objects for every monthly spec (their rows are generators: one use each);
    `ready` maps a spec's key to a Report made already (Section.pdf), used instead."""
    for spec in specs(monthly_only=True):
        if ready and ready.get(spec.key) is not None:
            yield spec, ready[spec.key]
            continue
        try:
            report = spec.builder(school, period)
        except Exception as exc:
            raise _section_error(spec, exc) from exc
        report.school = report.school or school
        report.period = report.period or period
        empty = empty_text()
        if empty not in str(report.empty_text or ""):
            report.empty_text = (
                _("%(empty)s（%(why)s）") % {"empty": empty, "why": report.empty_text}
                if report.empty_text
                else empty
            )
        yield spec, report


def write_xlsx(school, period, target, gaps) -> list[Section]:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    used: set = set()
    contents = wb.create_sheet(safe_sheet_title(_("目录"), used))
    for col, width in zip("ABCD", (8, 40, 12, 24), strict=True):
        contents.column_dimensions[col].width = width
    contents.page_setup.paperSize = "9"
    contents.page_setup.fitToWidth = 1
    contents.page_setup.fitToHeight = 0
    contents.sheet_properties.pageSetUpPr.fitToPage = True
    contents.append([_text(contents, pack_title(school, period), _TITLE_FONT)])
    now = timezone.localtime()
    contents.append(
        [
            _text(
                contents,
                _("学校：%(school)s    期间：%(period)s    生成时间：%(now)s")
                % {"school": school.name, "period": period.label, "now": format_date(now)},
            )
        ]
    )
    headers = (_("序号"), _("报表"), _("记录数"), _("工作表"))
    contents.append([_text(contents, h, _HEAD_FONT) for h in headers])
    sections = []
    try:
        for spec, report in _build_reports(school, period):
            variant = PdfVariant(report) if report.pdf_summary is not None else None
            if variant is not None:
                report.rows = variant.tee(report.rows)
            try:
                ws, count = add_report_sheet(wb, report, used)
                pdf = variant.result(sheet=ws.title) if variant is not None else None
            except Exception as exc:
                raise _section_error(spec, exc) from exc
            sections.append(Section(spec.key, report.title, count, ws.title, pdf))
    except Exception:
        _discard(wb)
        raise
    for i, s in enumerate(sections, start=1):
        contents.append(
            [
                i,
                _text(contents, s.title),
                s.rows if s.rows else _text(contents, empty_text()),
                _text(contents, s.sheet),
            ]
        )
    contents.append([])
    contents.append([_text(contents, _("需关注事项"), _HEAD_FONT)])
    for g in gaps or [_("无")]:
        contents.append([None, _text(contents, g)])
    contents.append([])
    contents.append([_text(contents, "    ".join(_("%(who)s：__________") % {"who": s} for s in SIGNATURES))])
    wb.save(target)
    return sections


def _discard(wb):
    """Close the write-only sheets' temporary files of an abandoned workbook."""
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):  # best effort on an already failing path
            ws.close()


def _cover(school, period, gaps):
    district = getattr(school, "district", None)
    return {
        "title": pack_title(school, period),
        "subtitle": _("报送：%(bureau)s") % {"bureau": district.bureau_name} if district else "",
        "school": school.name,
        "period": period.label,
        "gaps": gaps,
        "signatures": SIGNATURES,
        "generated": format_date(timezone.localtime()),
    }


def _entries(sections):
    entries = []
    for s in sections:
        entries.append({"title": s.title, "empty": "" if s.rows else empty_text(), "page": "", "note": ""})
        if s.pdf is not None:  # summarised already (the workbook's pass): the cover's length knows it
            _note(entries[-1], s.pdf)
    return entries


def _pdf_reports(school, period, sections):
    """The reports as the PDF shows them: a long report that declares a summary (Report.pdf_summary)
    is summarised, pointing to its sheet of the workbook, which keeps every row."""
    sheets = {s.key: s.sheet for s in sections}
    ready = {s.key: s.pdf for s in sections}
    for spec, report in _build_reports(school, period, ready):
        try:
            yield spec, for_pdf(report, sheet=sheets.get(spec.key, ""))
        except Exception as exc:
            raise _section_error(spec, exc) from exc


def _note(entry, report):
    if report.summarised:
        entry["note"] = _("%(heading)s，明细见 Excel") % {"heading": report.pdf_summary.heading}


def write_pdf(school, period, target, gaps, sections):
    """The PDF: a cover (school, month, contents with page numbers, gaps, signatures) and a section
    per report. With poppler's `pdfunite` each section is laid out on its own and the parts are
    joined, so memory stays at the largest section's instead of growing with the whole pack
    (WeasyPrint keeps every page's layout until it writes). Without it, one document."""
    if shutil.which("pdfunite"):
        return _write_pdf_in_parts(school, period, target, gaps, sections)
    cover = _cover(school, period, gaps)
    cover["entries"] = entries = _entries(sections)
    reports = [r for _spec, r in _pdf_reports(school, period, sections)]
    for entry, report in zip(entries, reports, strict=False):
        _note(entry, report)
    render_pdf(
        reports,
        target,
        cover=cover,
        school=school,
        title=pack_title(school, period),
        template="monthend/pack_document.html",
    )
    return None


def _render(context):
    from weasyprint import HTML

    html = render_to_string("monthend/pack_part.html", context)
    return HTML(string=html, base_url=None).render()


# Rows laid out per part: bounds memory (WeasyPrint holds a part's pages until it writes them)
# while keeping the number of parts, each with its own font subset, small.
ROWS_PER_PART = 600


def _write_pdf_in_parts(school, period, target, gaps, sections):
    base = {"school": school, "doc_title": pack_title(school, period), "split": True}
    base["generated"] = format_date(timezone.localdate())
    cover = _cover(school, period, gaps)
    entries = _entries(sections)
    # the cover's length first (page numbers do not change it), then the sections from there on
    cover_pages = len(_render({**base, "cover": cover, "entries": entries, "total_pages": 9999}).pages)
    state = {"page": cover_pages + 1}
    with tempfile.TemporaryDirectory() as tmp:
        parts, group = [], []

        def flush():
            if not group:
                return
            document = _render({**base, "group": group, "first_page": state["page"]})
            for index, page in enumerate(document.pages):
                for anchor in page.anchors:
                    if anchor.startswith("section-"):
                        number = int(anchor.split("-")[1])
                        # a section over several pages has its anchor on each: keep the first
                        if number <= len(entries) and not entries[number - 1]["page"]:
                            entries[number - 1]["page"] = state["page"] + index
            parts.append(os.path.join(tmp, f"{len(parts) + 1:03d}.pdf"))
            document.write_pdf(parts[-1])
            state["page"] += len(document.pages)
            group.clear()

        rows = 0
        notes = [dict(e) for e in entries]
        for number, (spec, report) in enumerate(_pdf_reports(school, period, sections), start=1):
            try:
                group.append((number, report_context(report)))
            except Exception as exc:
                raise _section_error(spec, exc) from exc
            if number <= len(notes):
                _note(notes[number - 1], report)
            rows += len(group[-1][1]["rows"]) + 20  # a section costs at least a page
            if rows >= ROWS_PER_PART:
                flush()
                rows = 0
        flush()
        first = os.path.join(tmp, "000.pdf")
        total = state["page"] - 1
        for entry, noted in zip(entries, notes, strict=True):
            noted["page"] = entry["page"]
        cover_doc = _render({**base, "cover": cover, "entries": notes, "total_pages": total})
        if len(cover_doc.pages) != cover_pages:  # the notes made the contents longer: leave them out
            cover_doc = _render({**base, "cover": cover, "entries": entries, "total_pages": total})
        cover_doc.write_pdf(first)
        out = os.path.join(tmp, "pack.pdf")
        subprocess.run(["pdfunite", first, *parts, out], check=True, capture_output=True, timeout=600)
        with open(out, "rb") as src:
            if hasattr(target, "write"):
                shutil.copyfileobj(src, target)
            else:
                with open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    return state["page"] - 1
