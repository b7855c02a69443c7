"""MonthPack, Duty, DutySettings and DutyTask now belong to the `monthend` app (issue 15).

monthend 0001 renamed their tables and moved their content types; this only removes the models from
logistics' migration state. Nothing happens in the database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("logistics", "0003_changelog_transition"),
        ("monthend", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="DutyTask"),
                migrations.DeleteModel(name="Duty"),
                migrations.DeleteModel(name="DutySettings"),
                migrations.DeleteModel(name="MonthPack"),
            ],
        ),
    ]
