"""`make run`: the web server and the scheduler (Celery worker with embedded beat) together.

Without REDIS_URL the worker uses the filesystem broker under var/celery, so the scheduled jobs
(weekly inspection, month-end pack, ...) run on a bare machine too.
"""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from logistics.demo import DEMO_PASSWORD, demo_accounts


class Command(BaseCommand):
    help = "启动网站与定时任务（本地演示）。"

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-scheduler", action="store_true")

    def handle(self, *args, port, no_scheduler, **options):
        worker = None if no_scheduler else self._start_scheduler()
        self._banner(port)
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            if worker and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _start_scheduler(self):
        log_dir = settings.VAR_DIR / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / "celery.log", "ab")  # noqa: SIM115 - lives as long as the worker
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "logistics",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=INFO",
            "--schedule",
            str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
        ]
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR)

    def _banner(self, port):
        out = self.stdout.write
        out(self.style.SUCCESS(f"\n学校后勤管理系统已启动：http://127.0.0.1:{port}/"))
        broker = "Redis" if settings.REDIS_URL else "本地文件队列（无需 Redis）"
        out(f"定时任务：Celery worker + beat，{broker}；日志 var/log/celery.log")
        out(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, name, what in demo_accounts():
            out(f"  {username:<14} {name:<10} {what}")
        out("按 Ctrl+C 停止。\n")
