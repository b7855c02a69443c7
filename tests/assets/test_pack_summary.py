"""The month-end pack's PDF shows the asset register and depreciation as per-category summaries
that agree with the workbook's item rows; the register's own PDF export keeps its item rows."""

import datetime
import re
import subprocess
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from logistics.reports import Period, specs
from logistics.reports import summary as summary_module
from monthend import hooks, pack, services
from tests.monthend.conftest import compact, pdf_text

OCT = Period.month(2026, 10)
KEYS = ("assets.register", "assets.depreciation")


@pytest.fixture
def only_asset_reports(monkeypatch):
    monkeypatch.setattr(
        pack, "specs", lambda monthly_only=False: [s for s in specs(monthly_only) if s.key in KEYS]
    )
    monkeypatch.setattr(hooks.registry, "functions", lambda *a: [])


@pytest.fixture
def assets_in_three_categories(make_asset, categories, room):
    day = datetime.date(2024, 3, 15)
    make_asset(name="台式电脑", price="4500.00", room=room, units=4, purchase_date=day)
    make_asset(
        name="笔记本电脑", price="6123.45", room=room, units=2, purchase_date=datetime.date(2025, 9, 1)
    )
    make_asset(name="办公桌", price="1200.00", category=categories["601"], units=3, purchase_date=day)
    make_asset(name="百科全书", price="1999.99", category=categories["501"], units=2, purchase_date=day)


def _build(school):
    created, _new = services.pack_schedule(school=school, period=OCT, enqueue=False)
    return services.pack_build(pack_id=created.pk)


def _sheet_sums(ws, category_col, money_cols):
    """Per category from the workbook's item rows: count and the sums of `money_cols` (0-based)."""
    header = [c.value for c in ws[3]]
    sums = defaultdict(lambda: [0] + [Decimal(0)] * len(money_cols))
    for row in ws.iter_rows(min_row=4, values_only=True):
        if row[0] in (None, "合计") or row[category_col] is None:
            continue
        acc = sums[row[category_col]]
        acc[0] += 1
        for j, col in enumerate(money_cols):
            acc[j + 1] += Decimal(str(row[col])).quantize(Decimal("0.01"))
    return header, dict(sums)


def _pdf_rows(layout_text, title):
    """Rows of the section titled `title` in `pdftotext -layout` output, as lists of cells."""
    start = layout_text.index(title, layout_text.index("\f"))  # after the cover
    end = layout_text.index("\f", start)
    rows = []
    for line in layout_text[start:end].splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) >= 5 and re.fullmatch(r"[\d,]+\.\d\d", cells[-1]):
            rows.append(cells)
    return rows


def _money(text):
    return Decimal(text.replace(",", ""))


def test_the_pack_pdf_summarises_register_and_depreciation_by_category_matching_the_workbook(
    school, assets_in_three_categories, only_asset_reports, monkeypatch, tmp_path
):
    monkeypatch.setattr(summary_module, "PDF_DETAIL_LIMIT", 5)  # 11 assets: "too long"
    built = _build(school)
    assert built.status == "ready", built.error
    wb = load_workbook(built.xlsx.path)
    layout = subprocess.run(
        ["pdftotext", "-layout", built.pdf.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    text = compact(layout)

    # the workbook keeps every item row
    header, register = _sheet_sums(wb["固定资产明细账"], 2, (6, 7, 8))
    assert header[:9] == [
        "资产编号",
        "名称",
        "分类",
        "规格型号",
        "购置日期",
        "数量",
        "原值",
        "累计折旧",
        "净值",
    ]
    assert {k: v[0] for k, v in register.items()} == {"计算机设备": 6, "家具": 3, "图书": 2}
    header, depreciation = _sheet_sums(wb["固定资产折旧明细表"], 2, (3, 6, 7, 8))
    assert header[:9] == [
        "资产编号",
        "名称",
        "分类",
        "原值",
        "年限",
        "已提月数",
        "本月折旧",
        "累计折旧",
        "净值",
    ]
    assert {k: v[0] for k, v in depreciation.items()} == {
        "计算机设备": 6,
        "家具": 3,
    }  # books: no depreciation

    # the PDF: one row per category, equal to the sums of the item rows, and a total row
    rows = _pdf_rows(layout, "固定资产明细账")
    by_category = {r[0]: r for r in rows}
    assert set(by_category) == {"计算机设备", "家具", "图书", "合计"}
    for name, (count, original, acc, net) in register.items():
        cells = by_category[name]
        assert int(cells[1]) == count and int(cells[2]) == count  # 件数, 数量 (one unit each)
        assert [_money(c) for c in cells[3:6]] == [original, acc, net], name
    total = by_category["合计"]
    assert int(total[1]) == 11
    assert _money(total[3]) == sum(v[1] for v in register.values()) == Decimal("37846.88")
    assert _money(total[5]) == sum(v[3] for v in register.values())

    rows = _pdf_rows(layout, "固定资产折旧明细表")
    by_category = {r[0]: r for r in rows}
    assert set(by_category) == {"计算机设备", "家具", "合计"}
    for name, (count, original, month, acc, net) in depreciation.items():
        cells = by_category[name]
        assert int(cells[1]) == count
        assert [_money(c) for c in cells[2:6]] == [original, month, acc, net], name
    assert _money(by_category["合计"][3]) == sum(v[2] for v in depreciation.values())

    # where the detail is, and no item rows in the PDF
    assert "按分类汇总；明细共11件，见Excel工作簿「固定资产明细账」工作表" in text
    assert "按分类汇总；明细共9件，见Excel工作簿「固定资产折旧明细表」工作表" in text
    assert "平均年限法按月计提" in text  # the report's own notes stay
    assert "台式电脑" not in text and "ZC" not in text
    cover = compact(layout.split("\f")[0])
    assert "固定资产明细账（按分类汇总，明细见Excel）" in cover


def test_a_short_register_is_listed_item_by_item_in_the_pack(
    school, assets_in_three_categories, only_asset_reports
):
    built = _build(school)  # 11 assets, under the default limit
    text = compact(pdf_text(built.pdf.path))
    assert "台式电脑" in text and "办公桌" in text and "明细共" not in text


def test_the_register_export_to_pdf_keeps_its_item_rows(
    as_staff, school, assets_in_three_categories, monkeypatch, tmp_path
):
    monkeypatch.setattr(summary_module, "PDF_DETAIL_LIMIT", 5)
    r = as_staff.get(reverse("reports:download", args=["assets.register", "pdf"]))
    assert r.status_code == 200
    out = tmp_path / "register.pdf"
    out.write_bytes(b"".join(r.streaming_content))
    text = compact(pdf_text(out))
    assert text.count("台式电脑") == 4 and "百科全书" in text and "明细共" not in text


def test_the_summary_page_fits_the_page_and_uses_the_chinese_font(
    school, assets_in_three_categories, only_asset_reports, monkeypatch, tmp_path
):
    monkeypatch.setattr(summary_module, "PDF_DETAIL_LIMIT", 5)
    built = _build(school)
    fonts = subprocess.run(["pdffonts", built.pdf.path], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "-f", "2", "-l", "2", built.pdf.path, "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', bbox)
    width = float(page.group(1))
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox))
    assert right < width - 20  # inside the right margin: the table is not cut off
    # the page as an image (looked at by hand when this test was written: pytest --basetemp=DIR)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", built.pdf.path, str(tmp_path / "page")],
        check=True,
    )
    (image,) = tmp_path.glob("page*.png")
    assert image.stat().st_size > 5000
