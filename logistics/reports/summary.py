"""How a long report reads in a PDF: one row per group, a total row, the detail left to Excel.

A report that can run to thousands of rows (the asset register, a month of food samples) declares
its summary next to its columns, in terms of those columns:

    Report(
        title="固定资产明细账",
        columns=[Column("资产编号"), Column("分类"), Column("原值", MONEY, total=True), ...],
        rows=...,
        pdf_summary=Summary(
            by=["分类"],
            columns=[Agg("件数"), Agg("原值", SUM, of="原值")],
            unit="件",
        ),
    )

`for_pdf(report, sheet=...)` gives the report itself while it has at most `Summary.over` rows, and
otherwise a new Report with the group columns, the aggregates, a total row and a line saying that
the item rows are in the Excel workbook's sheet `sheet`. The Excel sheet always keeps every row,
and a report's own PDF export (the user's download button) is not affected: only a caller that
asks for `for_pdf` (the month-end pack) gets the summary.

Rows are read once and folded as they stream, so memory does not grow with the report's length.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import chain, islice

from .base import INT, TEXT, Column, Report

COUNT, SUM, MIN, MAX, FIRST, JOIN, FLAGGED = "count", "sum", "min", "max", "first", "join", "flagged"
RATIO = "ratio"
_KINDS = {COUNT, SUM, MIN, MAX, FIRST, JOIN, FLAGGED, RATIO}

# Reports with more rows than this are summarised in the month-end pack's PDF (about five pages).
PDF_DETAIL_LIMIT = 200


@dataclass(frozen=True)
class Agg:
    """One column of the summary.

    COUNT: the group's rows, or with `of` the rows whose `of` cell is not empty.
    SUM / MIN / MAX: of the `of` column's non-empty cells.  FIRST: the group's first `of` cell.
    JOIN: the distinct non-empty `of` cells, in order, joined with "、".
    FLAGGED: the group's highlighted rows (Report.highlight).
    RATIO: sum of `of` / sum of `per`, as a percentage with one decimal ("93.5%").
    `total` puts the column's sum on the total row (default: COUNT, SUM and FLAGGED columns).
    """

    header: str
    kind: str = COUNT
    of: str = ""
    width: int = 0
    total: bool | None = None
    per: str = ""  # RATIO: the denominator's column

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"unknown aggregate {self.kind!r}")
        if self.kind not in (COUNT, FLAGGED) and not self.of:
            raise ValueError(f"{self.kind} needs the column it aggregates (of=...)")
        if (self.kind == RATIO) != bool(self.per):
            raise ValueError("per= goes with RATIO, and RATIO needs it")


@dataclass(frozen=True)
class Summary:
    by: Sequence[str]  # headers of the columns to group by, in the report's order of rows
    columns: Sequence[Agg] = (Agg("条数"),)
    over: int | None = None  # summarise only reports longer than this (None: PDF_DETAIL_LIMIT)
    label: str = ""  # e.g. "按分类汇总" (default: 按<by>汇总)
    unit: str = "条"  # "明细共 4,828 件"
    title: str = ""  # the summary's own title (default: the report's)
    sort: bool = False  # groups in the order of their values (default: as they first come)

    @property
    def heading(self) -> str:
        return self.label or f"按{'、'.join(self.by)}汇总"


@dataclass
class _Group:
    key: tuple
    cells: list
    highlight: bool = False


def _empty(value) -> bool:
    return value is None or value == ""


def detail_line(summary: Summary, count: int, sheet: str) -> str:
    where = f"Excel 工作簿「{sheet}」工作表" if sheet else "Excel 工作簿"
    return f"{summary.heading}；明细共 {count:,} {summary.unit}，见 {where}。"


def summarise(report: Report, rows: Iterable, *, sheet: str = "", summary: Summary | None = None) -> Report:
    """The summary Report of `report` over `rows` (read once)."""
    folder = _Folder(report, summary or report.pdf_summary)
    for n, row in enumerate(rows):
        folder.add(n, row)
    return folder.report(sheet)


class _Folder:
    """Folds rows into their groups as they come."""

    def __init__(self, report: Report, summary: Summary):
        index = {c.header: i for i, c in enumerate(report.columns)}
        named = [*summary.by, *(h for a in summary.columns for h in (a.of, a.per) if h)]
        missing = [h for h in named if h not in index]
        if missing:
            raise ValueError(f"{report.title}: no column {missing} to summarise")
        self.source, self.summary = report, summary
        self.by = [index[h] for h in summary.by]
        self.aggs = [(a, index[a.of] if a.of else None) for a in summary.columns]
        self.per = [index[a.per] if a.per else None for a in summary.columns]
        self.groups: dict[tuple, _Group] = {}
        self.count = 0

    def add(self, n: int, row) -> None:
        self.count += 1
        key = tuple(row[i] for i in self.by)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group(key, [_start(a) for a, _i in self.aggs])
        flagged = n in self.source.highlight
        group.highlight = group.highlight or flagged
        cells = group.cells
        for j, (agg, i) in enumerate(self.aggs):
            if agg.kind == RATIO:
                _fold_ratio(cells[j], row[i], row[self.per[j]])
            else:
                cells[j] = _fold(agg, cells[j], None if i is None else row[i], flagged)

    def report(self, sheet: str) -> Report:
        report, summary = self.source, self.summary
        columns = [report.columns[i] for i in self.by]
        for agg, i in self.aggs:
            source = report.columns[i] if i is not None else None
            kind = INT if agg.kind in (COUNT, FLAGGED) else TEXT if agg.kind in (JOIN, RATIO) else source.kind
            total = agg.total if agg.total is not None else agg.kind in (COUNT, SUM, FLAGGED)
            width = agg.width or (source.width if source and agg.kind != COUNT else 10)
            columns.append(Column(agg.header, kind, width, total=total))
        groups = list(self.groups.values())
        if summary.sort:
            groups.sort(key=lambda g: tuple((v is not None, "" if v is None else v) for v in g.key))
        out, highlight = [], set()
        for g in groups:
            if g.highlight:
                highlight.add(len(out))
            out.append((*g.key, *(_finish(a, c) for (a, _i), c in zip(self.aggs, g.cells, strict=True))))
        line = detail_line(summary, self.count, sheet)
        return replace(
            report,
            title=summary.title or report.title,
            columns=columns,
            rows=out,
            subtitle=f"{report.subtitle}\n{line}" if report.subtitle else line,
            highlight=highlight,
            landscape=len(columns) > 7,
            pdf_summary=summary,
            summarised=self.count,
        )


def _start(agg):
    if agg.kind in (COUNT, FLAGGED):
        return 0
    if agg.kind == RATIO:
        return [Decimal(0), Decimal(0)]
    return Decimal(0) if agg.kind == SUM else {} if agg.kind == JOIN else None


def _fold(agg, acc, value, flagged):
    kind = agg.kind
    if kind == COUNT:
        return acc + (1 if agg.of == "" or not _empty(value) else 0)
    if kind == FLAGGED:
        return acc + (1 if flagged else 0)
    if _empty(value):
        return acc
    if kind == SUM:
        return acc + Decimal(value)
    if kind == MIN:
        return value if acc is None or value < acc else acc
    if kind == MAX:
        return value if acc is None or value > acc else acc
    if kind == FIRST:
        return value if acc is None else acc
    acc.setdefault(str(value))  # JOIN: an ordered set
    return acc


def _fold_ratio(acc, value, per):
    if not _empty(value) and not _empty(per):
        acc[0] += Decimal(value)
        acc[1] += Decimal(per)


def _finish(agg, acc):
    if agg.kind == JOIN:
        return "、".join(acc)
    if agg.kind == RATIO:
        return f"{acc[0] * 100 / acc[1]:.1f}%" if acc[1] else ""
    return acc


def _limit(summary: Summary) -> int:
    return PDF_DETAIL_LIMIT if summary.over is None else summary.over


def for_pdf(report: Report, *, sheet: str = "") -> Report:
    """The report as a long document (the month-end pack) shows it: itself while it is short (or
    declares no summary), else its summary. Reads at most `over` + 1 rows before deciding."""
    summary = report.pdf_summary
    if summary is None or report.summarised:
        return report
    rows: Iterator = iter(report.rows)
    head = list(islice(rows, _limit(summary) + 1))
    if len(head) <= _limit(summary):
        report.rows = head
        return report
    return summarise(report, chain(head, rows), sheet=sheet)


class PdfVariant:
    """for_pdf while the rows stream elsewhere: the month-end pack writes a report's rows to its
    workbook sheet and keeps, on the way, what the PDF will show (the first `over` rows, or the
    summary once there are more), so the report is built and read once for both files.

        variant = PdfVariant(report)
        report.rows = variant.tee(report.rows)
        ... write report (every row) to the workbook's sheet `name` ...
        pdf_report = variant.result(sheet=name)
    """

    def __init__(self, report: Report):
        self.report, self.summary = report, report.pdf_summary
        self.head: list | None = []
        self.folder = None
        self.done = False

    def tee(self, rows: Iterable) -> Iterator:
        limit = _limit(self.summary)
        for n, row in enumerate(rows):
            if self.folder is not None:
                self.folder.add(n, row)
            elif n < limit:
                self.head.append(row)
            else:  # too long: fold what was kept and the rest
                self.folder = _Folder(self.report, self.summary)
                for i, kept in enumerate(self.head):
                    self.folder.add(i, kept)
                self.head = None
                self.folder.add(n, row)
            yield row
        self.done = True

    def result(self, *, sheet: str = "") -> Report:
        if not self.done:
            raise RuntimeError("PdfVariant.result() before every row was read")
        if self.folder is not None:
            return self.folder.report(sheet)
        return replace(self.report, rows=self.head)
