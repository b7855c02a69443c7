"""Child-process tasks of the benchmark, one per process so peak memory (ru_maxrss) is the task's own.

    python -m benchmarks.tasks excel|excel-bare|pdf|pdf-bare --rows N
    python -m benchmarks.tasks monthpack [--school CODE] [--month YYYY-MM]

Each prints one JSON line: {"seconds", "peak_mb", "base_mb", "rows", ...} or {"missing": why}.
`excel` and `pdf` go through the project's report framework with the assets app's register report;
`excel-bare` writes the same rows with plain openpyxl write-only, `pdf-bare` gives WeasyPrint the very
HTML the framework renders, so the ratios show the framework's own cost.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def register_report(school, rows: int):
    """The assets app's register report for `school`, cut to `rows` rows; None if it does not exist."""
    from logistics.reports import Period
    from logistics.reports.registry import REGISTRY

    spec = REGISTRY.get("assets.register")
    if spec is None:
        keys = [k for k in REGISTRY if k.startswith("assets.") and "register" in k]
        spec = REGISTRY[keys[0]] if keys else None
    if spec is None:
        return None
    report = spec.builder(school, Period.current_month())
    report.rows = itertools.islice(iter(report.rows), rows)
    return report


def school_for(rows: int):
    from django.db.models import Count

    from logistics.models import School

    try:
        from assets.models import Asset
    except ImportError:
        return None
    big = School.objects.filter(code="BENCH-999").first()
    if big and Asset.objects.filter(school=big).count() >= rows:
        return big
    best = Asset.objects.values("school").annotate(n=Count("id")).order_by("-n").first()
    return School.objects.get(pk=best["school"]) if best else None


def task_excel(rows: int, bare: bool):
    from logistics.reports.xlsx import write_workbook

    school = school_for(rows)
    report = register_report(school, rows) if school else None
    if report is None:
        return {"missing": "资产应用尚无登记册报表（assets.register）"}
    base = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "register.xlsx"
        started = time.perf_counter()
        if bare:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet(report.title[:28])
            ws.append([c.header for c in report.columns])
            n = 0
            for n, row in enumerate(report.rows, start=1):  # noqa: B007
                ws.append(list(row))
            wb.save(target)
        else:
            counted = _Counter(report.rows)
            report.rows = counted
            write_workbook([report], target)
            n = counted.n
        seconds = time.perf_counter() - started
        size = target.stat().st_size
    return {
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "base_mb": base,
        "rows": n,
        "bytes": size,
        "school": school.code,
    }


class _Counter:
    def __init__(self, rows):
        self.rows, self.n = iter(rows), 0

    def __iter__(self):
        for row in self.rows:
            self.n += 1
            yield row


def task_pdf(rows: int, bare: bool):
    from logistics.reports.pdf import html_to_pdf, render_html

    school = school_for(rows)
    report = register_report(school, rows) if school else None
    if report is None:
        return {"missing": "资产应用尚无登记册报表（assets.register）"}
    report.rows = list(report.rows)  # the same rows for both runs, fetched before the clock starts
    n = len(report.rows)
    base = rss_mb()
    if bare:
        html = render_html([report])  # outside the clock: the bare run is WeasyPrint on this HTML
        started = time.perf_counter()
        pdf = html_to_pdf(html)
    else:
        from logistics.reports.pdf import render_pdf

        started = time.perf_counter()
        pdf = render_pdf([report])
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": peak_mb(), "base_mb": base, "rows": n, "bytes": len(pdf or b"")}


def task_monthpack(school_code: str, month: str):
    """Time `manage.py month_end` for one school and month in its own process (os.wait4 rusage)."""
    from django.core.management import get_commands

    if "month_end" not in get_commands():
        return {"missing": "尚无 month_end 命令（月报）"}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "manage.py",
            "month_end",
            "--month",
            month,
            "--school",
            school_code,
            "--out",
            tmp,
            "--new-version",  # build it now even if the month's pack exists (each bench run adds a version)
        ]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        files = sorted(p.name for p in Path(tmp).rglob("*") if p.is_file())
        sizes = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    if proc.returncode != 0:
        return {"error": output.decode("utf-8", "replace")[-1500:]}
    return {
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,
        "school": school_code,
        "month": month,
        "files": files,
        "bytes": sizes,
        "rows": 0,
    }


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("task", choices=["excel", "excel-bare", "pdf", "pdf-bare", "monthpack"])
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--school", default="BENCH-001")
    p.add_argument("--month", default="")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logistics.settings")
    import django

    django.setup()
    if args.task.startswith("excel"):
        out = task_excel(args.rows, bare=args.task.endswith("bare"))
    elif args.task.startswith("pdf"):
        out = task_pdf(args.rows, bare=args.task.endswith("bare"))
    else:
        from logistics.reports import Period

        month = args.month or Period.previous_month().key
        out = task_monthpack(args.school, month)
    print(json.dumps(out, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
