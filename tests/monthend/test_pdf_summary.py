"""The report framework's PDF summary (logistics.reports.summary): long reports fold into groups."""

import datetime
from decimal import Decimal

import pytest

from logistics.reports import Agg, Column, Report, Summary, for_pdf
from logistics.reports.base import DATE, DECIMAL, INT, MONEY, TEXT
from logistics.reports.pdf import report_context
from logistics.reports.summary import FIRST, FLAGGED, JOIN, MAX, MIN, RATIO, SUM, summarise

D1, D2 = datetime.date(2026, 10, 1), datetime.date(2026, 10, 2)
ROWS = [
    ("A1", "电脑", D1, 2, Decimal("100.50"), "甲", Decimal("4.5")),
    ("A2", "电脑", D1, 1, Decimal("200.25"), "乙", None),
    ("B1", "家具", D2, 5, Decimal("10.00"), "甲", Decimal("2")),
    ("A3", "电脑", D2, 1, None, "甲", Decimal("6")),
    ("B2", "家具", D2, 1, Decimal("0.01"), "", Decimal("-1")),
]


def make_report(rows=ROWS, over=None, highlight=()):
    return Report(
        title="测试台账",
        columns=[
            Column("编号"),
            Column("分类"),
            Column("日期", DATE),
            Column("数量", INT, total=True),
            Column("金额", MONEY, total=True),
            Column("经手人"),
            Column("温度", DECIMAL),
        ],
        rows=iter(rows),
        subtitle="原副标题",
        notes=["原说明"],
        highlight=set(highlight),
        pdf_summary=Summary(
            by=["分类"],
            columns=[
                Agg("件数"),
                Agg("数量", SUM, of="数量"),
                Agg("金额", SUM, of="金额"),
                Agg("有金额", of="金额"),
                Agg("首日", FIRST, of="日期"),
                Agg("最低温度", MIN, of="温度"),
                Agg("最高温度", MAX, of="温度"),
                Agg("经手人", JOIN, of="经手人"),
                Agg("标红", FLAGGED),
            ],
            over=over,
            unit="件",
        ),
    )


def test_it_folds_rows_into_one_row_per_group_with_counts_sums_and_the_detail_line():
    summary = summarise(make_report(highlight={4}), ROWS, sheet="测试台账")
    assert [c.header for c in summary.columns] == [
        "分类",
        "件数",
        "数量",
        "金额",
        "有金额",
        "首日",
        "最低温度",
        "最高温度",
        "经手人",
        "标红",
    ]
    assert [c.kind for c in summary.columns] == [
        TEXT,
        INT,
        INT,
        MONEY,
        INT,
        DATE,
        DECIMAL,
        DECIMAL,
        TEXT,
        INT,
    ]
    assert [c.total for c in summary.columns] == [
        False,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        True,
    ]
    assert summary.rows == [
        ("电脑", 3, Decimal(4), Decimal("300.75"), 2, D1, Decimal("4.5"), Decimal("6"), "甲、乙", 0),
        ("家具", 2, Decimal(6), Decimal("10.01"), 2, D2, Decimal("-1"), Decimal("2"), "甲", 1),
    ]
    assert summary.highlight == {1}  # the group holding a highlighted row
    assert summary.summarised == 5 and summary.title == "测试台账"
    assert summary.subtitle == "原副标题\n按分类汇总；明细共 5 件，见 Excel 工作簿「测试台账」工作表。"
    assert summary.notes == ["原说明"]
    # the total row of the PDF adds up the summary rows: the same totals as the item rows
    totals = report_context(summary)["totals"]
    assert totals[:5] == [("合计", ""), ("5", "num"), ("10", "num"), ("310.76", "num"), ("4", "num")]


def test_for_pdf_keeps_a_short_report_as_it_is_and_summarises_a_long_one():
    short = make_report(over=5)
    assert for_pdf(short, sheet="x") is short and list(short.rows) == ROWS
    long = for_pdf(make_report(over=4), sheet="测试台账")
    assert long.summarised == 5 and len(long.rows) == 2
    assert for_pdf(long) is long  # a summary is not summarised again


def test_a_report_without_a_summary_is_untouched_and_keeps_its_generator():
    rows = iter(ROWS)
    report = Report(title="无汇总", columns=[Column("编号")], rows=rows)
    assert for_pdf(report) is report and report.rows is rows


def test_the_default_limit_applies_when_a_summary_names_none(monkeypatch):
    from logistics.reports import summary as summary_module

    monkeypatch.setattr(summary_module, "PDF_DETAIL_LIMIT", 4)
    assert for_pdf(make_report()).summarised == 5
    monkeypatch.setattr(summary_module, "PDF_DETAIL_LIMIT", 5)
    assert for_pdf(make_report()).summarised == 0


def test_it_refuses_a_summary_naming_a_column_the_report_does_not_have():
    report = make_report()
    bad = Summary(by=["类别"])
    with pytest.raises(ValueError, match="类别"):
        summarise(report, ROWS, summary=bad)
    with pytest.raises(ValueError):
        Agg("合计", SUM)  # a sum of what?


def test_an_empty_long_report_is_never_summarised():
    report = make_report(rows=[], over=0)
    assert for_pdf(report) is report and report.rows == []


def test_a_ratio_divides_the_sums_of_two_columns_of_the_group():
    rows = [("一班", Decimal("9"), Decimal("10")), ("一班", Decimal("8.5"), Decimal("10")), ("二班", 0, 0)]
    report = Report(
        title="评分",
        columns=[Column("班级"), Column("得分", DECIMAL), Column("满分", DECIMAL)],
        rows=rows,
        pdf_summary=Summary(by=["班级"], columns=[Agg("周数"), Agg("得分率", RATIO, of="得分", per="满分")]),
    )
    summary = summarise(report, rows)
    assert summary.rows == [("一班", 2, "87.5%"), ("二班", 1, "")]
    assert [c.kind for c in summary.columns] == [TEXT, INT, TEXT]
    with pytest.raises(ValueError, match="per"):
        Agg("得分率", RATIO, of="得分")


def test_sorted_groups_come_in_the_order_of_their_values_with_empty_ones_first():
    rows = [
        ("西区", "二班", 1),
        ("总部", "一班", 2),
        ("", "包干区", 3),
        ("西区", "一班", 4),
        ("总部", "一班", 5),
    ]
    report = Report(
        title="评分",
        columns=[Column("校区"), Column("班级"), Column("得分", INT)],
        rows=rows,
        pdf_summary=Summary(
            by=["校区", "班级"], columns=[Agg("周数"), Agg("得分", SUM, of="得分")], sort=True
        ),
    )
    assert summarise(report, rows).rows == [
        ("", "包干区", 1, Decimal(3)),
        ("总部", "一班", 2, Decimal(7)),
        ("西区", "一班", 1, Decimal(4)),
        ("西区", "二班", 1, Decimal(1)),
    ]
