"""The two fixed-asset thresholds (固定资产起点): 1000 元 in general, 1500 元 for 专用设备 (GB/T 14885
class 3 and every category under it). Below the one that applies, registration and import still
write the asset and warn that it is normally a low-value consumable (低值易耗品)."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assets import selectors, services
from assets.models import Asset, AssetCategory, AssetSettings
from logistics.audit import ChangeLog
from tests.assets.test_import import row, xlsx
from tests.helpers import form_errors

SPECIAL = "专用设备单价低于固定资产起点 1500.00 元"
GENERAL = "单价低于固定资产起点 1000.00 元"


def warnings_of(response):
    """The warnings shown on the page a POST redirected to (the client must follow the redirect, so
    that each request's messages are consumed and none carries over into the next one)."""
    assert response.redirect_chain, form_errors(response)
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


@pytest.fixture
def register(as_staff, school):
    def post(category, price, name="资产"):
        data = {
            "name": name,
            "category": category.pk,
            "unit_price": price,
            "units": 1,
            "purchase_date": "2026-03-01",
            "source": "purchase",
        }
        response = as_staff.post(reverse("assets:asset_create"), data, follow=True)
        assert Asset.objects.filter(school=school, name=name).exists()
        return warnings_of(response)

    return post


@pytest.fixture
def own_lab_category(school, categories):
    """A school's own sub-category under 301 教学仪器设备, with a code that does not start with 3."""
    return AssetCategory.objects.create(
        school=school, parent=categories["301"], code="JX-01", name="物理实验仪器", useful_life_years=10
    )


def test_it_flags_special_equipment_below_1500(register, categories):
    assert register(categories["301"], "1200.00", name="显微镜") == [
        "专用设备单价低于固定资产起点 1500.00 元：一般应作为低值易耗品入库管理。"
    ]


def test_it_flags_the_top_level_special_equipment_class_too(register, categories):
    assert any(SPECIAL in w for w in register(categories["3"], "1499.99"))


def test_it_accepts_special_equipment_at_1500(register, categories):
    assert register(categories["302"], "1500.00", name="钢琴") == []


def test_it_accepts_a_general_asset_at_1200(register, categories):
    assert register(categories["201"], "1200.00", name="台式电脑") == []
    assert register(categories["601"], "1200.00", name="办公桌") == []


def test_it_still_flags_a_general_asset_below_1000_with_the_general_message(register, categories):
    warnings = register(categories["201"], "999.99", name="打印机")
    assert len(warnings) == 1 and warnings[0].startswith(GENERAL)
    assert "专用设备" not in warnings[0]


def test_it_applies_the_1500_rule_to_a_schools_own_subcategory_of_special_equipment(
    register, own_lab_category
):
    assert any(SPECIAL in w for w in register(own_lab_category, "1200.00", name="示波器"))
    assert register(own_lab_category, "1500.00", name="信号发生器") == []


def test_it_goes_by_the_category_tree_not_by_a_code_that_starts_with_3(register, school, categories):
    odd = AssetCategory.objects.create(school=school, parent=categories["2"], code="399", name="其他通用设备")
    assert register(odd, "1200.00", name="碎纸机") == []


def test_it_takes_the_thresholds_from_the_school_setting(register, school, categories):
    AssetSettings.objects.create(
        school=school, fixed_asset_threshold=Decimal("800.00"), special_equipment_threshold=Decimal("1200.00")
    )
    assert register(categories["301"], "1200.00", name="天平") == []
    warnings = register(categories["301"], "1100.00", name="电子秤")
    assert warnings == ["专用设备单价低于固定资产起点 1200.00 元：一般应作为低值易耗品入库管理。"]
    assert register(categories["201"], "900.00", name="路由器") == []


def test_it_knows_which_categories_are_special_equipment(school, other_school, categories, own_lab_category):
    ids = selectors.special_equipment_ids(school)
    special = {c.pk for code, c in categories.items() if code.startswith("3")}
    assert ids == special | {own_lab_category.pk}
    assert own_lab_category.pk not in selectors.special_equipment_ids(other_school)


def test_it_gives_finance_the_threshold_for_a_category_or_the_general_one(school, categories):
    """Finance's acceptance passes no category (a purchase is registered under 2 通用设备): general."""
    assert services.fixed_asset_threshold(school) == Decimal("1000.00")
    assert services.fixed_asset_threshold(school, categories["303"]) == Decimal("1500.00")
    assert services.fixed_asset_threshold(school, categories["203"]) == Decimal("1000.00")
    AssetSettings.objects.create(school=school, special_equipment_threshold=Decimal("2000.00"))
    assert services.fixed_asset_threshold(school, categories["303"]) == Decimal("2000.00")
    assert services.fixed_asset_threshold(school) == Decimal("1000.00")


def test_it_defaults_a_new_setting_row_to_1500(school):
    assert AssetSettings.for_school(school).special_equipment_threshold == Decimal("1500.00")


# --- Excel import ---------------------------------------------------------------------------------
def test_it_imports_rows_below_a_threshold_and_warns_naming_rows_and_threshold(as_staff, school, categories):
    f = xlsx(
        [
            row(资产名称="显微镜", 分类编码="301", **{"单价（元）": 1200}),  # row 2: 专用设备 below 1500
            row(资产名称="钢琴", 分类编码="302", **{"单价（元）": 1500}),  # row 3: at 1500
            row(资产名称="办公桌", 分类编码="601", **{"单价（元）": 1200}),  # row 4: general, above 1000
            row(资产名称="椅子", 分类编码="601", **{"单价（元）": 300}),  # row 5: general, below 1000
            row(资产名称="烤箱", 分类编码="303", **{"单价（元）": 1499}),  # row 6: 专用设备 below 1500
        ]
    )
    r = as_staff.post(reverse("assets:import"), {"file": f}, follow=True)
    assert Asset.objects.filter(school=school).count() == 5
    warnings = warnings_of(r)
    assert sorted(warnings) == sorted(
        [
            "第 2、6 行（共 2 行）：专用设备单价低于固定资产起点 1500.00 元：一般应作为低值易耗品入库管理。",
            "第 5 行（共 1 行）：单价低于固定资产起点 1000.00 元：一般应作为低值易耗品入库管理。",
        ]
    )


def test_it_applies_the_school_setting_in_the_import(as_staff, school, own_lab_category):
    AssetSettings.objects.create(school=school, special_equipment_threshold=Decimal("1300.00"))
    f = xlsx(
        [
            row(资产名称="示波器", 分类编码="JX-01", **{"单价（元）": 1200}),
            row(资产名称="显微镜", 分类编码="301", **{"单价（元）": 1300}),
        ]
    )
    r = as_staff.post(reverse("assets:import"), {"file": f}, follow=True)
    assert warnings_of(r) == [
        "第 2 行（共 1 行）：专用设备单价低于固定资产起点 1300.00 元：一般应作为低值易耗品入库管理。"
    ]


def test_it_imports_a_clean_ledger_without_warnings(as_staff, categories):
    f = xlsx([row(), row(分类编码="302", **{"单价（元）": 2000})])
    assert warnings_of(as_staff.post(reverse("assets:import"), {"file": f}, follow=True)) == []


# --- the setting --------------------------------------------------------------------------------
def test_it_edits_the_special_equipment_threshold_beside_the_general_one(as_director, school):
    url = reverse("assets:settings")
    page = as_director.get(url).content.decode()
    assert "专用设备固定资产起点（元）" in page and "固定资产起点（元）" in page
    data = {"fixed_asset_threshold": "1000.00", "special_equipment_threshold": "1800.00", "code_prefix": "ZC"}
    r = as_director.post(url, data)
    assert r.status_code == 302, form_errors(r)
    cfg = AssetSettings.objects.get(school=school)
    assert cfg.special_equipment_threshold == Decimal("1800.00")
    assert ChangeLog.objects.filter(object_id=str(cfg.pk)).exists()


@pytest.mark.parametrize(
    "value,message",
    [
        ("-1500", "专用设备固定资产起点应在 0 到 1,000,000 元之间"),
        ("0", "专用设备固定资产起点应在 0 到 1,000,000 元之间"),
        ("1500.001", "确认小数不超过 2 位"),
        ("abc", "输入一个数字"),
        ("", "这个字段是必填项"),
        ("999.99", "专用设备固定资产起点不能低于固定资产起点"),
    ],
)
def test_it_refuses_an_invalid_special_equipment_threshold_and_writes_nothing(
    as_director, school, value, message
):
    AssetSettings.for_school(school)
    before = ChangeLog.objects.count()
    data = {"fixed_asset_threshold": "1000.00", "special_equipment_threshold": value, "code_prefix": "ZC"}
    r = as_director.post(reverse("assets:settings"), data)
    assert r.status_code == 400
    assert any(message in e for e in form_errors(r)), form_errors(r)
    assert AssetSettings.objects.get(school=school).special_equipment_threshold == Decimal("1500.00")
    assert ChangeLog.objects.count() == before


def test_it_names_at_most_twenty_rows_in_an_import_warning(school, categories):
    from assets.importer import _low_value_warnings

    rule = selectors.capitalisation_rule(school)
    items = [{"category": categories["305"], "unit_price": Decimal("900.00")}] * 25
    (warning,) = _low_value_warnings(rule, items, list(range(2, 27)))
    assert warning.startswith("第 2、3、") and "、21… 行（共 25 行）：专用设备" in warning


def test_it_migrates_without_setting_the_special_threshold_below_a_raised_general_one(school, other_school):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("assets.migrations.0005_special_equipment_threshold")
    AssetSettings.objects.create(school=school, fixed_asset_threshold=Decimal("2000.00"))
    AssetSettings.objects.create(school=other_school, fixed_asset_threshold=Decimal("1200.00"))
    migration.keep_special_not_below_general(apps, None)
    assert AssetSettings.objects.get(school=school).special_equipment_threshold == Decimal("2000.00")
    assert AssetSettings.objects.get(school=other_school).special_equipment_threshold == Decimal("1500.00")
