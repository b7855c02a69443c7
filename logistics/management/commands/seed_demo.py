from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from logistics.demo import DEMO_PASSWORD, demo_accounts, seed_all


class Command(BaseCommand):
    help = "创建演示数据（一个区县、一所三园区幼儿园和一所小学、每个角色一个账号）。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, quiet=False, **options):
        if not settings.DEBUG:
            raise CommandError(
                "DEBUG 已关闭：演示数据只能在开发环境创建 (seed_demo refuses to run with DEBUG off)."
            )
        with transaction.atomic():
            district, schools = seed_all()
        if not quiet:
            self.stdout.write(self.style.SUCCESS(f"演示数据已就绪：{district.name}，{len(schools)} 所学校。"))
            self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
            for username, name, what in demo_accounts():
                self.stdout.write(f"  {username:<14} {name:<10} {what}")
