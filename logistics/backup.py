"""Backups: one directory holding the database dump, the media files and a SHA-256 manifest.

    DIR/database.dump      PostgreSQL: `pg_dump --format=custom` (one consistent snapshot)
    DIR/database.sqlite3   SQLite: a copy made with SQLite's online backup API (consistent too)
    DIR/media.tar          every file under MEDIA_ROOT
    DIR/manifest.json      engine, time, SHA-256 and size of each file, row counts per model

The database is dumped first and the media afterwards: uploads are only ever added under new random
names, so every file the dump refers to is in the tar (a few newer files may be in it too, harmless).

`restore` verifies every checksum before touching anything, then loads into an EMPTY database (no
tables at all) and an empty MEDIA_ROOT, and finally compares the row counts with the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_DUMP = "database.sqlite3"
MEDIA_TAR = "media.tar"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A clear, user-facing reason why a backup or restore cannot go on."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _vendor(alias="default"):
    return connections[alias].vendor


def _pg_env_and_args(alias="default"):
    s = connections[alias].settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", s["HOST"]]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", s["USER"]]
    return env, args


def row_counts(alias="default") -> dict[str, int]:
    """Rows per concrete, managed model (the numbers a restore must reproduce)."""
    counts = {}
    tables = set(_existing_tables(alias))
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table not in tables:
            continue
        counts[meta.label] = model._default_manager.using(alias).count()
    return dict(sorted(counts.items()))


def _dump_database(out: Path, alias="default") -> str:
    vendor = _vendor(alias)
    if vendor == "postgresql":
        env, args = _pg_env_and_args(alias)
        target = out / PG_DUMP
        proc = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise BackupError(f"pg_dump 失败：{proc.stderr.strip()}")
        return PG_DUMP
    if vendor == "sqlite":
        connection = connections[alias]
        connection.ensure_connection()
        target = out / SQLITE_DUMP
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
        return SQLITE_DUMP
    raise BackupError(f"不支持的数据库：{vendor}")


def _tar_media(out: Path) -> str:
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(out / MEDIA_TAR, "w") as tar:
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(media)), recursive=False)
    return MEDIA_TAR


def default_backup_dir() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "var" / "backups" / stamp


def make_backup(out: Path | None = None, alias="default") -> Path:
    out = Path(out) if out else default_backup_dir()
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise BackupError(f"备份目录不是空的：{out}。请指定一个新目录。")
    counts = row_counts(alias)
    names = [_dump_database(out, alias), _tar_media(out)]
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "engine": _vendor(alias),
        "files": {n: {"sha256": sha256_of(out / n), "size": (out / n).stat().st_size} for n in names},
        "row_counts": counts,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return out


def read_manifest(src: Path) -> dict:
    path = Path(src) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} 中没有 {MANIFEST}：这不是一个备份目录。")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} 已损坏：{exc}") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')!r}")
    return manifest


def verify(src: Path) -> dict:
    """Check every file of the backup against the manifest; returns the manifest."""
    src = Path(src)
    manifest = read_manifest(src)
    for name, meta in manifest["files"].items():
        path = src / name
        if not path.is_file():
            raise BackupError(f"备份缺少文件：{name}")
        if sha256_of(path) != meta["sha256"]:
            raise BackupError(f"校验失败：{name} 的 SHA-256 与清单不符，备份已损坏或被改动。")
    return manifest


def _existing_tables(alias="default"):
    connection = connections[alias]
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _media_has_files() -> bool:
    media = Path(settings.MEDIA_ROOT)
    return media.is_dir() and any(p.is_file() for p in media.rglob("*"))


def restore_backup(src: Path, alias="default") -> dict:
    """Verify, then load into an empty database and media directory. Returns the restored counts."""
    src = Path(src)
    manifest = verify(src)
    vendor = _vendor(alias)
    if manifest["engine"] != vendor:
        raise BackupError(f"备份来自 {manifest['engine']} 数据库，不能恢复到 {vendor}。")
    tables = _existing_tables(alias)
    if tables:
        raise BackupError(
            f"目标数据库不是空的（已有 {len(tables)} 张表，例如 {sorted(tables)[0]}）。"
            "为了不覆盖现有数据，恢复只能写入一个新建的空数据库。"
        )
    if _media_has_files():
        raise BackupError(f"媒体目录 {settings.MEDIA_ROOT} 不是空的：请指定一个空的 MEDIA_ROOT。")

    if vendor == "postgresql":
        env, args = _pg_env_and_args(alias)
        proc = subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args, str(src / PG_DUMP)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise BackupError(f"pg_restore 失败：{proc.stderr.strip()}")
    else:
        connection = connections[alias]
        connection.ensure_connection()
        source = sqlite3.connect(src / SQLITE_DUMP)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    connections[alias].close()

    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(src / MEDIA_TAR, "r") as tar:
        tar.extractall(media, filter="data")  # refuses absolute paths, "..", links out of the tree

    counts = row_counts(alias)
    expected = manifest["row_counts"]
    differing = {k: (v, counts.get(k)) for k, v in expected.items() if counts.get(k) != v}
    if differing:
        raise BackupError(f"恢复后的记录数与备份不一致：{differing}")
    return counts
