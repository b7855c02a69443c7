from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from logistics.backup import BackupError, restore_backup


class Command(BaseCommand):
    # Disaster recovery must not be blocked by a system-check warning elsewhere in the project.
    requires_system_checks = []
    help = (
        "从备份目录恢复：先校验 SHA-256，再写入一个空数据库（没有任何表）和空的 MEDIA_ROOT，"
        "最后核对各表记录数。目标数据库不是空的时拒绝执行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="backup 命令写出的目录")

    def handle(self, *args, directory, **options):
        try:
            counts = restore_backup(Path(directory))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(counts.values())
        message = f"恢复完成：{len(counts)} 张表，共 {total} 条记录，与备份一致。"
        self.stdout.write(self.style.SUCCESS(message))
