"""python manage.py month_end --month 2026-10 [--school CODE] [--out DIR] [--new-version]

Does what the 02:00 job does, in this process: last month's (or --month's) pack for every school
(or one), reusing a pack that exists already unless --new-version; --out copies the files there.
"""

import shutil
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from logistics.models import School
from logistics.reports import Period
from monthend import services
from monthend.choices import PackStatus, PackTrigger


class Command(BaseCommand):
    help = "生成月报（Excel + PDF）"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="月份，如 2026-10（默认上个月）")
        parser.add_argument("--school", help="学校代码（默认全部学校）")
        parser.add_argument("--out", help="把生成的文件复制到此目录")
        parser.add_argument("--new-version", action="store_true", help="已有月报时仍生成新版本")

    def handle(self, *args, month=None, school=None, out=None, new_version=False, **options):
        try:
            period = Period.parse_month(month) if month else Period.previous_month()
        except ValueError as exc:
            raise CommandError(f"月份格式应为 2026-10：{month}") from exc
        schools = School.objects.select_related("district").order_by("code")
        if school:
            schools = schools.filter(code=school)
            if not schools.exists():
                raise CommandError(f"没有代码为 {school} 的学校")
        out_dir = Path(out) if out else None
        if out_dir:
            out_dir.mkdir(parents=True, exist_ok=True)
        failed = 0
        for s in schools:
            try:
                if new_version:
                    pack = services._create_version_for_command(school=s, period=period)
                else:
                    pack, _created = services.pack_schedule(
                        school=s, period=period, trigger=PackTrigger.COMMAND, enqueue=False
                    )
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
            if pack.status == PackStatus.PENDING:
                pack = services.pack_build(pack_id=pack.pk)
            if pack.status != PackStatus.READY:
                failed += 1
                self.stderr.write(f"{s.code} {s.name}：{pack.get_status_display()} {pack.error}")
                continue
            line = f"{s.code} {s.name} {period.label} 第{pack.version}版 SHA-256 {pack.xlsx_sha256[:12]}…"
            if out_dir:
                for fmt, field in (("xlsx", pack.xlsx), ("pdf", pack.pdf)):
                    with field.open("rb") as src, open(out_dir / pack.download_name(fmt), "wb") as dst:
                        shutil.copyfileobj(src, dst)
                line += f" -> {out_dir}"
            self.stdout.write(line)
        if failed:
            raise CommandError(f"{failed} 所学校的月报生成失败")
