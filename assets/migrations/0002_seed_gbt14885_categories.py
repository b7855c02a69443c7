"""Top-level categories of GB/T 14885 (固定资产分类与代码) and common school sub-categories, with
default useful lives (政府会计准则制度 固定资产折旧年限). Schools add their own sub-categories."""

from django.db import migrations

# (code, name, parent code, useful life in years; 0 = not depreciated)
CATEGORIES = [
    ("1", "土地、房屋及构筑物", None, 30),
    ("101", "房屋（钢筋混凝土结构）", "1", 50),
    ("102", "房屋（砖混结构）", "1", 30),
    ("103", "构筑物", "1", 20),
    ("2", "通用设备", None, 6),
    ("201", "计算机设备", "2", 6),
    ("202", "办公设备", "2", 6),
    ("203", "车辆", "2", 8),
    ("204", "空调及电气设备", "2", 5),
    ("205", "广播、电视、电影设备", "2", 5),
    ("3", "专用设备", None, 10),
    ("301", "教学仪器设备", "3", 10),
    ("302", "文艺体育设备", "3", 5),
    ("303", "炊事设备", "3", 5),
    ("304", "医疗保健设备", "3", 5),
    ("305", "幼儿大型玩具", "3", 5),
    ("4", "文物和陈列品", None, 0),
    ("5", "图书、档案", None, 0),
    ("501", "图书", "5", 0),
    ("502", "档案", "5", 0),
    ("6", "家具、用具、装具及动植物", None, 15),
    ("601", "家具", "6", 15),
    ("602", "用具、装具", "6", 5),
    ("603", "动植物", "6", 0),
]


def seed(apps, schema_editor):
    Category = apps.get_model("assets", "AssetCategory")
    by_code = {}
    for code, name, parent, years in CATEGORIES:
        obj, _ = Category.objects.get_or_create(
            school=None,
            code=code,
            defaults={"name": name, "parent": by_code.get(parent), "useful_life_years": years},
        )
        by_code[code] = obj


def unseed(apps, schema_editor):
    Category = apps.get_model("assets", "AssetCategory")
    Category.objects.filter(school=None, parent__isnull=False).delete()
    Category.objects.filter(school=None).delete()


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
