"""`manage.py backup` / `restore`: a checksummed dump that comes back complete into an empty database."""

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from PIL import Image

from logistics.attachments import save_attachment
from logistics.choices import Role
from logistics.models import Attachment, Membership, Room, School
from tests.factories import RoomFactory, member

BASE_DIR = Path(settings.BASE_DIR)
# pg_dump and the restoring subprocess must see committed rows. (serialized_rollback is not used: it
# collides with the content types that another transactional test's flush re-creates.)
TRANSACTIONAL = pytest.mark.django_db(transaction=True)


def _png(color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, format="PNG")
    return buf.getvalue()


def _populate(school):
    director = member(school, Role.DIRECTOR, username=f"bk_dir_{uuid.uuid4().hex[:6]}")
    for i in range(5):
        RoomFactory(school=school, campus=school.campus_set.first(), name=f"备份测试室{i}")
    attachments = []
    for color in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]:
        upload = SimpleUploadedFile("photo.png", _png(color), content_type="image/png")
        attachments.append(save_attachment(school=school, by=director, upload=upload))
    pdf_bytes = b"%PDF-1.4\n% test document\n%%EOF\n"
    pdf = SimpleUploadedFile("制度.pdf", pdf_bytes, content_type="application/pdf")
    attachments.append(save_attachment(school=school, by=director, upload=pdf))
    return attachments


def _run_manage(*args, env_extra, timeout=120):
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@TRANSACTIONAL
def test_it_writes_a_manifest_with_checksums_and_counts(school, tmp_path):
    _populate(school)
    out = tmp_path / "bk"
    call_command("backup", out=str(out), stdout=io.StringIO())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == connection.vendor
    assert set(manifest["files"]) == {
        "media.tar",
        "database.dump" if connection.vendor == "postgresql" else "database.sqlite3",
    }
    for meta in manifest["files"].values():
        assert len(meta["sha256"]) == 64
    assert manifest["row_counts"]["logistics.Attachment"] == 4
    assert manifest["row_counts"]["logistics.School"] == School.objects.count()


def test_it_refuses_a_backup_directory_that_is_not_empty(db, tmp_path):
    (tmp_path / "something").write_text("x")
    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", out=str(tmp_path), stdout=io.StringIO())


@TRANSACTIONAL
def test_it_refuses_a_tampered_backup_before_touching_anything(school, tmp_path):
    _populate(school)
    out = tmp_path / "bk"
    call_command("backup", out=str(out), stdout=io.StringIO())
    with open(out / "media.tar", "r+b") as fh:
        fh.seek(600)
        byte = fh.read(1)
        fh.seek(600)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(CommandError, match="校验失败"):
        call_command("restore", str(out), stdout=io.StringIO())


@TRANSACTIONAL
def test_it_refuses_to_restore_into_a_database_that_is_not_empty(school, tmp_path):
    _populate(school)
    out = tmp_path / "bk"
    call_command("backup", out=str(out), stdout=io.StringIO())
    rooms = Room.objects.count()
    with pytest.raises(CommandError, match="目标数据库不是空的"):
        call_command("restore", str(out), stdout=io.StringIO())
    assert Room.objects.count() == rooms  # nothing touched


def _assert_restored_files(attachments, media_root):
    for att in attachments:
        restored = Path(media_root) / att.file.name
        assert restored.is_file(), att.file.name
        assert restored.read_bytes() == Path(att.file.path).read_bytes()


@TRANSACTIONAL
def test_it_round_trips_on_sqlite(school, other_school, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite round trip")
    attachments = _populate(school)
    out = tmp_path / "bk"
    call_command("backup", out=str(out), stdout=io.StringIO())
    target = tmp_path / "restored.sqlite3"
    media = tmp_path / "restored-media"
    env = {"DATABASE_URL": f"sqlite:///{target}", "MEDIA_ROOT": str(media)}
    proc = _run_manage("restore", str(out), env_extra=env)
    assert proc.returncode == 0, proc.stderr
    assert "与备份一致" in proc.stdout

    import sqlite3

    with sqlite3.connect(target) as db:
        for model in (School, Room, Attachment, Membership):
            (n,) = db.execute(f"SELECT COUNT(*) FROM {model._meta.db_table}").fetchone()  # noqa: S608
            assert n == model.objects.count(), model
    _assert_restored_files(attachments, media)

    again = _run_manage("restore", str(out), env_extra={**env, "MEDIA_ROOT": str(tmp_path / "m2")})
    assert again.returncode != 0
    assert "目标数据库不是空的" in again.stderr


@TRANSACTIONAL
def test_it_round_trips_on_postgresql(school, other_school, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    import psycopg2

    attachments = _populate(school)
    out = tmp_path / "bk"
    call_command("backup", out=str(out), stdout=io.StringIO())
    assert (out / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump custom format

    s = connection.settings_dict
    restored_db = f"{s['NAME']}_restore_{os.getpid()}"[:60]
    admin = psycopg2.connect(
        dbname="postgres", user=s["USER"], password=s.get("PASSWORD") or None, host=s["HOST"], port=s["PORT"]
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{restored_db}"')
        cur.execute(f'CREATE DATABASE "{restored_db}"')
    try:
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{restored_db}"
        media = tmp_path / "restored-media"
        proc = _run_manage("restore", str(out), env_extra={"DATABASE_URL": url, "MEDIA_ROOT": str(media)})
        assert proc.returncode == 0, proc.stderr
        assert "与备份一致" in proc.stdout

        check = psycopg2.connect(
            dbname=restored_db,
            user=s["USER"],
            password=s.get("PASSWORD") or None,
            host=s["HOST"],
            port=s["PORT"],
        )
        try:
            with check.cursor() as cur:
                for model in (School, Room, Attachment, Membership):
                    cur.execute(f"SELECT COUNT(*) FROM {model._meta.db_table}")  # noqa: S608
                    assert cur.fetchone()[0] == model.objects.count(), model
                cur.execute("SELECT name FROM logistics_school ORDER BY id")
                assert [r[0] for r in cur.fetchall()] == list(
                    School.objects.order_by("id").values_list("name", flat=True)
                )
        finally:
            check.close()
        _assert_restored_files(attachments, media)

        again = _run_manage(
            "restore", str(out), env_extra={"DATABASE_URL": url, "MEDIA_ROOT": str(tmp_path / "m2")}
        )
        assert again.returncode != 0
        assert "目标数据库不是空的" in again.stderr
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{restored_db}" WITH (FORCE)')
        admin.close()
