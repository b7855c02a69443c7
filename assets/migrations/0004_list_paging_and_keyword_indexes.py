"""Indexes for the asset list on district data (issue #9), on PostgreSQL only.

- asset_school_id_status: (school_id, id) INCLUDE (status). The list pages newest first within a
  school; with this index a page's ids come from an index-only scan whether the list is unfiltered
  or filtered to "在账" (status IN ...), which (school, status, id) cannot return in id order.
  SQLite needs nothing: its (school_id) index already ends in the rowid, which is id.
- asset_name_trgm, asset_spec_trgm: pg_trgm GIN indexes on UPPER(name) and UPPER(spec), the
  expressions Django's `icontains` compares (`UPPER("name"::text) LIKE UPPER('%q%')`), for the
  list's keyword search (assets.selectors.keyword_filter).

None of them is in Asset.Meta.indexes: SQLite has no GIN, and an INCLUDE index there makes Django's
system check warn (models.W040). On SQLite this migration does nothing.

pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner may create it. It is created
here rather than with django.contrib.postgres's TrigramExtension because that operation's reverse
fails on SQLite (it queries pg_extension) and would drop an extension other apps may come to use;
unapplying this migration drops only the indexes.
"""

from django.db import migrations

INDEXES = {
    "asset_school_id_status": 'ON "assets_asset" ("school_id", "id") INCLUDE ("status")',
    "asset_name_trgm": 'ON "assets_asset" USING gin (UPPER("name"::text) gin_trgm_ops)',
    "asset_spec_trgm": 'ON "assets_asset" USING gin (UPPER("spec"::text) gin_trgm_ops)',
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" {definition}')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0003_lean_stocktake_line_indexes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
