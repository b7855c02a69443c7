"""PDF rendering with WeasyPrint and Noto Sans CJK SC (Debian fonts-noto-cjk)."""

from django.template.loader import render_to_string
from django.utils import timezone

from .base import DATE, NUMERIC_KINDS, Totals, display_value, format_date, text_width


def report_context(report):
    # each cell's CSS class: numbers right-aligned and unbroken, codes unbroken
    classes = ["num" if c.kind in NUMERIC_KINDS else ("nowrap" if c.nowrap else "") for c in report.columns]
    kinds = [c.kind for c in report.columns]
    highlight = report.highlight
    totals = Totals.of(report)
    widths = _Widths(report)
    rows = []
    for i, row in enumerate(report.rows):
        if totals is not None:
            totals.add(row)
        cells = [(display_value(v, k), n) for v, k, n in zip(row, kinds, classes, strict=False)]
        widths.add(cells)
        rows.append({"cells": cells, "highlight": i in highlight})
    total_cells = None
    if rows and totals is not None:
        total_cells = [
            (display_value(t, c.kind) if t is not None else "", n)
            for t, c, n in zip(totals.values, report.columns, classes, strict=False)
        ]
        if total_cells[0][0] == "":
            total_cells[0] = (totals.label(report), "")
        widths.add(total_cells)
    return {"report": report, "rows": rows, "totals": total_cells, "widths": widths.percentages()}


# Usable width of the page in half-ems of the 9pt table font (A4, 12 mm side margins), and what
# each column's padding and border take.
PAGE_WIDTH = {False: 117, True: 172}
CELL_PADDING = 1.5


class _Widths:
    """Column widths from the cells' text, worked out as the rows go by, the way CSS's automatic
    table layout would (each column gets at least its unbreakable content, the rest of the page in
    proportion to the columns' full content). With them the table is laid out as `table-layout:
    fixed`: WeasyPrint's automatic layout first measures every cell of the whole table, which took
    about a third of its time on long tables."""

    def __init__(self, report):
        # numbers do not wrap (td.num), nor should a date ("2026年10月1\n日")
        self.whole = [c.kind in NUMERIC_KINDS or c.kind == DATE or c.nowrap for c in report.columns]
        self.widest = [text_width(c.header) for c in report.columns]
        self.narrowest = [min(w, 4) for w in self.widest]  # a heading breaks between characters
        self.page = PAGE_WIDTH[bool(report.landscape or len(report.columns) > 7)]

    def add(self, cells):
        widest, narrowest, whole = self.widest, self.narrowest, self.whole
        for j, (text, _num) in enumerate(cells):
            if text:
                w = text_width(text)
                if w > widest[j]:
                    widest[j] = w
                if whole[j] and w > narrowest[j]:
                    narrowest[j] = w

    def percentages(self):
        widest = [max(w, 2) for w in self.widest]
        narrowest = [min(n, w) for n, w in zip(self.narrowest, widest, strict=True)]
        room = self.page - CELL_PADDING * len(widest)
        if sum(widest) <= room:
            chosen = widest
        else:
            spare = max(room - sum(narrowest), 0)
            stretch = sum(w - n for w, n in zip(widest, narrowest, strict=True)) or 1
            chosen = [n + spare * (w - n) / stretch for w, n in zip(widest, narrowest, strict=True)]
        total = sum(w + CELL_PADDING for w in chosen)
        return [f"{(w + CELL_PADDING) * 100 / total:.2f}%" for w in chosen]


def render_html(reports, *, cover=None, school=None, title=None, template="reports/document.html"):
    sections = [report_context(r) for r in reports]
    landscape = any(r.landscape or len(r.columns) > 7 for r in reports)
    return render_to_string(
        template,
        {
            "sections": sections,
            "cover": cover,
            "school": school or (reports[0].school if reports else None),
            "doc_title": title or (reports[0].title if reports else ""),
            "landscape": landscape,
            "generated": format_date(timezone.localdate()),
        },
    )


def html_to_pdf(html: str, target=None):
    from weasyprint import HTML

    return HTML(string=html, base_url=None).write_pdf(target)


def render_pdf(reports, target=None, **kwargs):
    return html_to_pdf(render_html(list(reports), **kwargs), target)
