"""Time and peak memory of one school's month pack in a busy month.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py seed_demo
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python -m benchmarks.monthpack --school XC-KG-001

Builds the pack from the whole registry (the apps' reports on the database's data) plus, with
--busy (default), synthetic sections with the row counts of a busy month of a large school (food
samples of every dish of every meal, visitors, disinfection, morning checks, stores movement, ...),
so the measurement does not depend on how much demo data there is. Prints one line of JSON.
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal

# (title, rows) of a busy month: 22 school days, 4 meals x 6 dishes, 12 classes, ...
BUSY_MONTH = [
    ("食品留样记录（模拟）", 22 * 4 * 6),
    ("进货查验记录（模拟）", 22 * 10),
    ("餐具消毒记录（模拟）", 22 * 12),
    ("晨午检记录（模拟）", 22 * 12),
    ("来访登记（模拟）", 22 * 25),
    ("物资出入库（模拟）", 300),
    ("固定资产变动（模拟）", 100),
    ("报修记录（模拟）", 60),
    ("安全检查明细（模拟）", 4 * 40),
    ("采购审批（模拟）", 40),
    ("水电气抄表（模拟）", 40),
]


def _busy_builder(title, count):
    from logistics.reports import Column, Report
    from logistics.reports.base import DATE, INT, MONEY

    def build(school, period):
        days = (period.end - period.start).days + 1

        def rows():
            for i in range(count):
                day = period.start + datetime.timedelta(days=i % days)
                yield (
                    f"{title[:4]}{i + 1:05d}",
                    day,
                    f"第{i % 12 + 1}班 / 总部 / 经手人{i % 7}",
                    i % 5 + 1,
                    Decimal(i % 400) + Decimal("0.35"),
                    "合格" if i % 17 else "=不合格，已处理",
                )

        return Report(
            title=title,
            columns=[
                Column("编号", width=14),
                Column("日期", DATE, 16),
                Column("地点/人员", width=30),
                Column("数量", INT, 8, total=True),
                Column("金额", MONEY, 12, total=True),
                Column("结果", width=20),
            ],
            rows=rows(),
            school=school,
            period=period,
        )

    return build


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--school", required=True)
    parser.add_argument("--month", default="")
    parser.add_argument("--no-busy", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logistics.settings")
    import django

    django.setup()
    from logistics.models import School
    from logistics.reports import Period, register, specs
    from monthend import services

    if not args.no_busy:
        for i, (title, count) in enumerate(BUSY_MONTH):
            register(f"bench.{i}", title=title, order=5000 + i)(_busy_builder(title, count))
    school = School.objects.get(code=args.school)
    period = Period.parse_month(args.month) if args.month else Period.previous_month()
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pack = services._create_version_for_command(school=school, period=period)
    t0 = time.perf_counter()
    pack = services.pack_build(pack_id=pack.pk)
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pages = ""
    if pack.pdf:
        info = subprocess.run(["pdfinfo", pack.pdf.path], capture_output=True, text=True).stdout
        pages = next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "")
    result = {
        "status": pack.status,
        "error": pack.error,
        "school": school.code,
        "month": period.key,
        "sections": len(specs(monthly_only=True)),
        "rows": sum(s.get("rows", 0) for s in pack.sections),
        "pdf_pages": pages,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "rss_before_mb": round(baseline_kb / 1024, 1),
        "xlsx_kb": pack.xlsx_size // 1024,
        "pdf_kb": pack.pdf_size // 1024,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0 if pack.status == "ready" else 1


if __name__ == "__main__":
    sys.exit(main())
