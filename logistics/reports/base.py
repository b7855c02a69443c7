import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TEXT, INT, MONEY, DECIMAL, DATE, DATETIME = "text", "int", "money", "decimal", "date", "datetime"
PERCENT = "percent"  # a rate stored as a fraction (0.225), shown as 22.5%
NUMERIC_KINDS = frozenset({INT, MONEY, DECIMAL, PERCENT})
SIGNATURES = (gettext_lazy("制表人"), gettext_lazy("审核人"), gettext_lazy("校长"))


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: int = 14
    total: bool = False
    nowrap: bool = False  # a number or code that must not break across lines (QG202611-0003)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        last = calendar.monthrange(year, month)[1]
        return cls(datetime.date(year, month, 1), datetime.date(year, month, last))

    @classmethod
    def parse_month(cls, text: str) -> "Period":
        """'2026-10' -> October 2026. Raises ValueError on anything else."""
        year, month = (int(p) for p in text.split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError(text)
        return cls.month(year, month)

    @classmethod
    def previous_month(cls, today=None) -> "Period":
        today = today or timezone.localdate()
        first = today.replace(day=1)
        last_month = first - datetime.timedelta(days=1)
        return cls.month(last_month.year, last_month.month)

    @classmethod
    def current_month(cls, today=None) -> "Period":
        today = today or timezone.localdate()
        return cls.month(today.year, today.month)

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        if self.start.day == 1 and self.end == Period.month(self.start.year, self.start.month).end:
            return f"{self.start.year}年{self.start.month}月"
        return f"{format_date(self.start)}至{format_date(self.end)}"

    def as_of(self, today=None) -> datetime.date:
        """The day the period's figures stand at: its last day, or today while it is still running
        (a month pack built on 3 December says 截至 2026年12月3日 and judges expiry against that day)."""
        return min(self.end, today or timezone.localdate())

    def is_running(self, today=None) -> bool:
        return self.end > (today or timezone.localdate())

    def label_as_of(self, today=None) -> str:
        """The period's label, with 截至 the day while it is still running."""
        if self.is_running(today):
            return _("%(period)s（截至%(day)s）") % {
                "period": self.label,
                "day": format_date(self.as_of(today)),
            }
        return self.label

    def start_datetime(self):
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    def end_datetime(self):
        """Exclusive upper bound: midnight after the last day."""
        return timezone.make_aware(
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min)
        )


@dataclass
class Report:
    title: str
    columns: list[Column]
    rows: Iterable  # tuples in column order; may be a generator (rendered once)
    school: object = None
    period: Period | None = None
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)
    signatures: tuple = SIGNATURES
    landscape: bool = False
    empty_text: str = gettext_lazy("本月无记录")
    # Rows to highlight in red in Excel and the PDF (e.g. a day with no food samples): indexes into rows.
    highlight: set = field(default_factory=set)
    # Which rows the total row adds up (None: all): e.g. only accepted deliveries; then say so in
    # `total_label` ("合计（仅验收合格）"), so the total row says what it includes.
    in_total: object = None
    total_label: str = ""
    # How the report reads in a long PDF (the month-end pack) when it has many rows: a
    # logistics.reports.summary.Summary (groups, counts, sums); Excel always keeps every row.
    pdf_summary: object = None
    # Set on the summary made by summary.summarise (pdf_summary then says how it was made):
    # how many detail rows it folds.
    summarised: int = 0


def format_date(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    return f"{value.year}年{value.month}月{value.day}日"


def format_money(value) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


def text_width(text: str) -> float:
    """Rough width of text in half-ems (PDF) or Excel's width units: a CJK or full-width character
    2 (3 UTF-8 bytes), others 1.1."""
    wide = (len(text.encode()) - len(text)) // 2
    return 2 * wide + 1.1 * (len(text) - wide)


def correction_mark(obj) -> str:
    """What a report's 备注 says of a record corrected (更正) through the change log: each correction's
    date and reason. Reads `obj.corrections` as logistics.asof.rewind leaves it ('' when none)."""
    marks = []
    for entry in getattr(obj, "corrections", ()):
        marks.append(f"更正（{format_date(timezone.localtime(entry.at).date())}）：{entry.reason}")
    return "；".join(marks)


def format_percent(value) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(value) * 100:.1f}%"


def display_value(value, kind: str) -> str:
    """How a cell reads in the PDF and on screen."""
    if value is None:
        return ""
    if kind == MONEY:
        return format_money(value)
    if kind == PERCENT:
        return format_percent(value)
    if kind in (DATE, DATETIME):
        return format_date(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


class Totals:
    """The total row, added up as rows stream past (nothing kept but the sums). Only the rows the
    report's `in_total` accepts are added."""

    def __init__(self, columns, include=None):
        self.values = [Decimal(0) if c.total else None for c in columns]
        self._which = [i for i, c in enumerate(columns) if c.total]
        self._include = include

    @classmethod
    def of(cls, report):
        """The report's running total, or None when no column is totalled."""
        if not any(c.total for c in report.columns):
            return None
        return cls(report.columns, report.in_total)

    def label(self, report) -> str:
        return str(report.total_label or _("合计"))

    def add(self, row):
        if self._include is not None and not self._include(row):
            return
        for i in self._which:
            if row[i] not in (None, ""):
                self.values[i] += Decimal(row[i])
