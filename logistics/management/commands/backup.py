from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from logistics.backup import BackupError, make_backup


class Command(BaseCommand):
    # Disaster recovery must not be blocked by a system-check warning elsewhere in the project.
    requires_system_checks = []
    help = (
        "备份数据库（PostgreSQL 用 pg_dump 自定义格式，SQLite 用在线备份）和媒体文件（tar），"
        "并写入 SHA-256 清单 manifest.json。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", help="备份目录（新建或为空）；默认 var/backups/<时间>")

    def handle(self, *args, out=None, **options):
        try:
            path = make_backup(Path(out) if out else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"备份完成：{path}"))
