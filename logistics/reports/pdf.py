"""PDF rendering with WeasyPrint and Noto Sans CJK SC (Debian fonts-noto-cjk)."""

from django.template.loader import render_to_string
from django.utils import timezone

from .base import column_totals, display_value, format_date


def report_context(report):
    numeric = [c.kind in ("money", "int", "decimal") for c in report.columns]
    rows = []
    raw_rows = []
    for i, row in enumerate(report.rows):
        raw_rows.append(row)
        cells = [(display_value(v, c.kind), n) for v, c, n in zip(row, report.columns, numeric, strict=False)]
        rows.append({"cells": cells, "highlight": i in report.highlight})
    totals = None
    if raw_rows and any(c.total for c in report.columns):
        sums = column_totals(report.columns, raw_rows)
        totals = [
            (display_value(t, c.kind) if t is not None else "", n)
            for t, c, n in zip(sums, report.columns, numeric, strict=False)
        ]
        if totals[0][0] == "":
            totals[0] = ("合计", False)
    return {"report": report, "rows": rows, "totals": totals}


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
