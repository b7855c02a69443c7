import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assets.importer import COLUMNS
from assets.models import Asset

HEAD = [c[0] for c in COLUMNS]


def xlsx(rows, header=HEAD):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("ledger.xlsx", out.getvalue())


def row(**kw):
    base = {
        "资产编号": "",
        "资产名称": "办公桌",
        "分类编码": "601",
        "规格型号": "1.4米",
        "单价（元）": 1200,
        "数量": 1,
        "购置日期": "2024-09-01",
        "来源": "购置",
        "经费来源": "公用经费",
        "校区": "",
        "存放地点": "",
        "责任人登录名": "",
        "状态": "在用",
        "备注": "",
    }
    base.update(kw)
    return [base[h] for h in HEAD]


def test_it_downloads_a_template_with_chinese_headings(as_staff):
    r = as_staff.get(reverse("assets:import_template"))
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb.active[1]][:3] == ["资产编号", "资产名称*", "分类编码*"]
    assert "分类编码" in wb.sheetnames


def test_it_imports_a_valid_ledger(as_staff, school, room, teacher):
    f = xlsx(
        [
            row(
                资产名称="钢琴",
                分类编码="302",
                存放地点=room.name,
                责任人登录名=teacher.username,
                资产编号="OLD-001",
            ),
            row(数量=3),
        ]
    )
    r = as_staff.post(reverse("assets:import"), {"file": f})
    assert r.status_code == 302
    assert Asset.objects.filter(school=school).count() == 4
    piano = Asset.objects.get(code="OLD-001")
    assert piano.room == room and piano.custodian == teacher


def test_it_lists_errors_by_row_and_column_and_imports_nothing(as_staff, school, room, make_asset):
    make_asset(code="DUP-9")
    f = xlsx(
        [
            row(),
            row(单价="x"),
            row(**{"单价（元）": -5}),
            row(购置日期="2099-01-01"),
            row(资产编号="DUP-9"),
            row(存放地点="不存在的房间"),
            row(分类编码="999"),
            row(资产名称=""),
        ]
    )
    r = as_staff.post(reverse("assets:import"), {"file": f})
    assert r.status_code == 200
    errors = r.context["row_errors"]
    cells = {(e[0], e[1]) for e in errors}
    assert (4, "单价（元）") in cells
    assert (5, "购置日期") in cells
    assert (6, "资产编号") in cells
    assert (7, "存放地点") in cells
    assert (8, "分类编码") in cells
    assert (9, "资产名称") in cells
    assert Asset.objects.filter(school=school).count() == 1


def test_it_refuses_a_file_that_is_not_excel(as_staff, school):
    for content in (b"name,price\n\xe6\xa1\x8c,1\n", b"PK\x03\x04garbage"):
        f = SimpleUploadedFile("ledger.xlsx", content)
        r = as_staff.post(reverse("assets:import"), {"file": f})
        assert r.status_code == 200
        text = r.content.decode()
        assert "Excel" in text
    assert not Asset.objects.exists()


def test_it_refuses_a_workbook_with_other_headings(as_staff):
    r = as_staff.post(reverse("assets:import"), {"file": xlsx([["a"]], header=["名称", "价格"])})
    assert "表头与模板不一致" in r.content.decode()


def test_it_imports_a_large_ledger_in_one_go(as_staff, school, room):
    import time

    rows = [
        row(资产名称=f"课桌椅{n}", 存放地点=room.name, 状态="闲置" if n % 2 else "在用") for n in range(1500)
    ]
    start = time.monotonic()
    r = as_staff.post(reverse("assets:import"), {"file": xlsx(rows)})
    elapsed = time.monotonic() - start
    assert r.status_code == 302
    assert Asset.objects.filter(school=school).count() == 1500
    assert Asset.objects.filter(school=school, status="idle").count() == 750
    assert len(set(Asset.objects.filter(school=school).values_list("code", flat=True))) == 1500
    assert elapsed < 20, elapsed
