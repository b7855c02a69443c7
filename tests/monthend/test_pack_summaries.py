"""Long sections in the month-end pack: summarised in the PDF (read once with the workbook), every
row in the workbook, and the contents pointing at each section's first page."""

import datetime
import re
import subprocess
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from canteen.models import FoodSample, Fridge
from logistics.reports import REGISTRY, Agg, Column, Period, Report, Summary, register, specs
from logistics.reports import summary as summary_module
from logistics.reports.base import INT, MONEY
from logistics.reports.pdf import report_context
from logistics.reports.summary import SUM, for_pdf
from monthend import hooks, pack, services

from .conftest import compact, pdf_text

OCT = Period.month(2026, 10)
CALLS = Counter()


def long_report(school, period):
    """60 item rows in three groups; every seventh row highlighted."""
    CALLS["long"] += 1
    rows = [
        (f"W{i:03d}", ["甲组", "乙组", "丙组"][i % 3], i % 4 + 1, Decimal(i) + Decimal("0.25"))
        for i in range(60)
    ]
    return Report(
        title="测试长台账",
        columns=[
            Column("编号"),
            Column("组别"),
            Column("数量", INT, total=True),
            Column("金额", MONEY, total=True),
        ],
        rows=iter(rows),
        school=school,
        period=period,
        highlight={i for i in range(60) if i % 7 == 0},
        pdf_summary=Summary(
            by=["组别"],
            columns=[Agg("条数"), Agg("数量", SUM, of="数量"), Agg("金额", SUM, of="金额")],
            over=20,
        ),
    )


def pages_report(school, period):
    """Several pages of rows and no summary: listed item by item."""
    rows = ((f"P{i:03d}", "第一行\n第二行" * 3) for i in range(150))
    return Report(
        title="测试多页台账",
        columns=[Column("编号"), Column("说明")],
        rows=rows,
        school=school,
        period=period,
    )


@pytest.fixture
def long_reports(monkeypatch):
    for key, fn, title, order in (
        ("test.long", long_report, "测试长台账", 900),
        ("test.pages", pages_report, "测试多页台账", 901),
    ):
        monkeypatch.setitem(REGISTRY, key, None)
        register(key, title=title, order=order)(fn)
    keys = {"test.long", "test.pages"}
    monkeypatch.setattr(
        pack, "specs", lambda monthly_only=False: [s for s in specs(monthly_only) if s.key in keys]
    )
    monkeypatch.setattr(hooks.registry, "functions", lambda *a: [])
    CALLS.clear()


def _build(school):
    created, _new = services.pack_schedule(school=school, period=OCT, enqueue=False)
    return services.pack_build(pack_id=created.pk)


def test_a_long_section_is_summarised_from_the_same_read_as_the_workbook(school, long_reports):
    built = _build(school)
    assert built.status == "ready", built.error
    assert CALLS["long"] == 1  # built and read once for both files
    ws = load_workbook(built.xlsx.path)["测试长台账"]
    items = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] and str(r[0]).startswith("W")]
    assert len(items) == 60
    expected = {}
    for _code, group, qty, amount in items:
        n, q, a = expected.get(group, (0, 0, Decimal(0)))
        expected[group] = (n + 1, q + qty, a + Decimal(str(amount)))

    layout = subprocess.run(
        ["pdftotext", "-layout", built.pdf.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    found = {}
    for line in layout.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 4 and cells[0] in ("甲组", "乙组", "丙组", "合计"):
            found[cells[0]] = (int(cells[1]), int(cells[2]), Decimal(cells[3].replace(",", "")))
    assert {k: v for k, v in found.items() if k != "合计"} == expected
    assert found["合计"] == (60, sum(v[1] for v in expected.values()), sum(v[2] for v in expected.values()))
    text = compact(layout)
    assert "按组别汇总；明细共60条，见Excel工作簿「测试长台账」工作表。" in text
    assert "W001" not in text  # no item rows in the PDF
    assert "P149" in text  # a section without a summary keeps its rows
    # the workbook's contents sheet counts the item rows, not the summary's
    contents = [tuple(c.value for c in row[:3]) for row in load_workbook(built.xlsx.path)["目录"].iter_rows()]
    assert (1, "测试长台账", 60) in contents


def test_the_contents_give_each_sections_first_page_even_when_it_runs_over_several(
    school, long_reports, monkeypatch
):
    monkeypatch.setattr(pack, "ROWS_PER_PART", 10)
    built = _build(school)
    raw = pdf_text(built.pdf.path)
    pages = raw.split("\f")
    toc = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\d+\. (\S+).*?\.{3,}\s*(\d+)$", raw, re.M)}
    assert set(toc) == {"测试长台账", "测试多页台账"}
    first = {
        title: next(i for i, p in enumerate(pages, start=1) if i > 1 and f"{n}. {title}" in p)
        for n, title in ((1, "测试长台账"), (2, "测试多页台账"))
    }
    assert toc == first
    last = max(i for i, p in enumerate(pages, start=1) if "P149" in p)
    assert last > first["测试多页台账"]  # the section runs over several pages
    assert "（按组别汇总，明细见Excel）" in compact(pages[0])


def test_highlighted_rows_mark_their_group_in_the_summary():
    report = long_report(None, OCT)
    summary = for_pdf(report, sheet="测试长台账")
    # rows 0, 7, 14, ... are highlighted: each group holds some
    assert summary.highlight == {0, 1, 2}
    context = report_context(summary)
    assert [r["highlight"] for r in context["rows"]] == [True, True, True]


@pytest.fixture
def samples(school, canteen, campus):
    fridge = Fridge.objects.create(school=school, name="1号留样柜", campus=campus)
    now = timezone.now()
    made = []
    for day in (datetime.date(2026, 10, 8), datetime.date(2026, 10, 9)):
        for meal, dishes in (("breakfast", ["小米粥", "鸡蛋"]), ("lunch", ["番茄炒蛋", "米饭", "青菜"])):
            for n, dish in enumerate(dishes):
                made.append(
                    FoodSample.objects.create(
                        school=school,
                        day=day,
                        meal=meal,
                        dish_name=dish,
                        quantity_g=Decimal(125 + 10 * n),
                        fridge=fridge,
                        fridge_temp=Decimal("4.5") + n,
                        taken_by=canteen,
                        taken_at=now,
                        discard_after=now,
                        discarded_at=now if meal == "lunch" else None,
                        discarded_by=canteen if meal == "lunch" else None,
                    )
                )
    return made


def test_the_food_samples_read_as_one_row_per_meal_in_the_pack(school, samples, monkeypatch):
    monkeypatch.setattr(summary_module, "PDF_DETAIL_LIMIT", 5)
    report = REGISTRY["canteen.samples"].builder(school, OCT)
    detail = list(report.rows)
    report = REGISTRY["canteen.samples"].builder(school, OCT)
    summary = for_pdf(report, sheet="食品留样记录")
    assert summary.summarised == len(detail) == 10
    assert [c.header for c in summary.columns] == [
        "日期",
        "餐次",
        "留样份数",
        "最少留样量(克)",
        "最高温度(℃)",
        "已销毁份数",
    ]
    assert summary.rows == [
        (datetime.date(2026, 10, 8), "早餐", 2, Decimal("125.0"), Decimal("5.5"), 0),
        (datetime.date(2026, 10, 8), "午餐", 3, Decimal("125.0"), Decimal("6.5"), 3),
        (datetime.date(2026, 10, 9), "早餐", 2, Decimal("125.0"), Decimal("5.5"), 0),
        (datetime.date(2026, 10, 9), "午餐", 3, Decimal("125.0"), Decimal("6.5"), 3),
    ]
    assert sum(r[2] for r in summary.rows) == len(detail)
    assert "按餐次汇总；明细共 10 份，见 Excel 工作簿「食品留样记录」工作表。" in summary.subtitle
