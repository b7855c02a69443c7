"""One report definition -> Excel (openpyxl write-only) and PDF (WeasyPrint) (DESIGN.md rule 7).

A domain app declares its month-end sheets in its own `reports.py`:

    @register("assets.register", title="固定资产明细账", order=100)
    def asset_register(school, period):
        return Report(title=..., columns=[Column("资产编号"), ...], rows=(... tuples ...))

and gets downloads on the reports page and a section in the month-end pack for free. A report that
can run long declares `pdf_summary=Summary(...)` (summary.py): the pack's PDF then shows one row per
group with a total and points to the Excel sheet, which keeps every row.
"""

from .base import Column, Period, Report, format_date, format_money
from .registry import REGISTRY, ReportSpec, register, specs
from .summary import Agg, Summary, for_pdf

__all__ = [
    "Agg",
    "Column",
    "Period",
    "Report",
    "format_date",
    "format_money",
    "REGISTRY",
    "ReportSpec",
    "register",
    "specs",
    "Summary",
    "for_pdf",
]
