"""Profile one benchmark page in-process on the bench data: where the time goes, and every query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/logistics_bench \\
        python -m benchmarks.profile asset_list [--repeat 20] [--school BENCH-001]

Prints the mean server time, the slowest queries (with their share) and the top functions by cumulative
time (cProfile), so a slow page can be pinned on SQL, template rendering or Python.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("page")
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--school", default="")
    p.add_argument("--schools", type=int, default=60)
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logistics.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/logistics_bench")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,testserver")
    # production settings, as the benchmark serves them (the manifest comes from the bench's collectstatic)
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "profile-" + os.urandom(24).hex())
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "bench" / "static"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from logistics.models import School

    from .pages import all_pages
    from .run import Context, _client_data, inprocess_client

    ctx = Context(args.schools)
    page = next((pg for pg in all_pages(ctx) if pg.key == args.page), None)
    if page is None or page.missing:
        raise SystemExit(f"no such page (or missing): {args.page}")
    school = School.objects.get(code=args.school) if args.school else ctx.schools_for(page)[0]
    client = inprocess_client(ctx, school, page.role)
    if page.prepare:
        page.prepare([school], args.repeat + 2)

    def once(n):
        method, path, data = page.request(school.pk, n)
        resp = client.get(path) if method == "GET" else client.post(path, _client_data(data))
        if resp.status_code not in page.expect:
            raise SystemExit(f"{method} {path} -> {resp.status_code}")
        return path

    path = once(0)  # warm
    with CaptureQueriesContext(connection) as cq:
        once(1)
    queries = sorted(cq.captured_queries, key=lambda q: -float(q["time"]))
    total_sql = sum(float(q["time"]) for q in queries)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for n in range(args.repeat):
        once(2 + n)
    profiler.disable()
    mean = (time.perf_counter() - started) / args.repeat * 1000
    print(f"{page.key} {path} on {school.code}: {mean:.1f} ms mean in-process, {len(queries)} queries")
    print(f"SQL of one request: {total_sql * 1000:.1f} ms")
    for q in queries[:8]:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:220]}")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
