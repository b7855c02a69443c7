from decimal import Decimal

from django.db import migrations, models
from django.db.models import F


def keep_special_not_below_general(apps, schema_editor):
    """A school that had raised its one threshold above 1500 元 keeps flagging 专用设备 below it: the
    new threshold starts at the higher of 1500 元 and the school's general one (never looser than before)."""
    AssetSettings = apps.get_model("assets", "AssetSettings")
    AssetSettings.objects.filter(fixed_asset_threshold__gt=Decimal("1500.00")).update(
        special_equipment_threshold=F("fixed_asset_threshold")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0004_list_paging_and_keyword_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="assetsettings",
            name="special_equipment_threshold",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("1500.00"),
                help_text="适用于「3 专用设备」及其下级分类；其他分类按固定资产起点。",
                max_digits=12,
                verbose_name="专用设备固定资产起点（元）",
            ),
        ),
        migrations.RunPython(keep_special_not_below_general, migrations.RunPython.noop),
    ]
