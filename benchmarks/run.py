"""`make bench` / `python -m benchmarks.run [--quick] [--schools N]`.

1. creates (or reuses) the PostgreSQL database named by DATABASE_URL, migrates it and seeds the district
   (`seed_district`, skipped where the data is already there), then VACUUM ANALYZE;
2. measures queries per request for every page in-process (CaptureQueriesContext) on a full school and
   on a tiny control school, and EXPLAINs (ANALYZE) every SELECT on the district data;
3. serves the site with gunicorn (production settings, 2 workers) and drives it over HTTP from this
   process with logged-in sessions of the page's role in different schools, at 1 and 20 users;
4. times the Excel and PDF exports beside the bare libraries, and the month-end pack, each in a child
   process so peak memory is its own;
5. prints a table and writes benchmarks/results.md.

It exits non-zero only on real breakage (an error response, a crash), never on slow numbers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.md"
ANALYSIS = Path(__file__).resolve().parent / "analysis.md"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/logistics_bench"
CONTROL_INDEX = 998
BIG_INDEX = 999


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="学校后勤管理系统基准测试 (make bench)")
    p.add_argument("--quick", action="store_true", help="CI smoke run: tiny data, short load (< 3 min)")
    p.add_argument("--schools", type=int, default=None, help="number of schools (default 60; quick 2)")
    p.add_argument("--assets", type=int, default=None, help="assets per school (default 5000; quick 200)")
    p.add_argument(
        "--days", type=int, default=None, help="days of records per school (default 365; quick 21)"
    )
    p.add_argument(
        "--big-school-assets", type=int, default=None, help="assets in BENCH-999 (default 105000; quick 2000)"
    )
    p.add_argument(
        "--users", default=None, help="concurrency levels, comma separated (default 1,20; quick 1,3)"
    )
    p.add_argument("--duration", type=float, default=None, help="seconds per page and level (default 8)")
    p.add_argument(
        "--think",
        type=float,
        default=None,
        help="mean think time in seconds of the many-user levels (default 1.0; quick 0.2; 0: none)",
    )
    p.add_argument(
        "--think-duration",
        type=float,
        default=None,
        help="seconds per page at a level with think time (default 20; quick 2)",
    )
    p.add_argument(
        "--no-saturation",
        action="store_true",
        help="skip the many-user levels without think time (back-to-back requests)",
    )
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--conn-max-age", type=int, default=60, help="CONN_MAX_AGE for gunicorn (default 60)")
    p.add_argument("--pages", default="", help="only these page keys, comma separated")
    p.add_argument("--skip-seed", action="store_true", help="use the data as it is")
    p.add_argument("--skip-exports", action="store_true", help="skip Excel/PDF/month-pack timings")
    p.add_argument("--excel-rounds", type=int, default=1, help="runs of the Excel pair (best time kept)")
    p.add_argument("--pdf-rounds", type=int, default=None, help="runs of the PDF pair (default 2; quick 1)")
    p.add_argument("--output", default=None, help="results file (default benchmarks/results.md; quick: none)")
    args = p.parse_args(argv)
    q = args.quick
    args.schools = args.schools or (2 if q else 60)
    args.assets = args.assets or (200 if q else 5000)
    args.days = args.days or (21 if q else 365)
    # the register lists assets on the books (about 96%): 105,000 give a 100,000-row export
    args.big_school_assets = (
        args.big_school_assets if args.big_school_assets is not None else (2000 if q else 105_000)
    )
    args.duration = args.duration or (1.0 if q else 8.0)
    args.think = args.think if args.think is not None else (0.2 if q else 1.0)
    args.think_duration = args.think_duration or (2.0 if q else 20.0)
    args.levels = load_levels(args.users or ("1,3" if q else "1,20"), args)
    args.excel_rows = 2000 if q else 100_000
    args.pdf_rows = 20 if q else 2000
    args.pdf_rounds = args.pdf_rounds or (1 if q else 2)
    if args.output is None and not q:
        args.output = str(RESULTS)
    return args


@dataclass(frozen=True)
class Level:
    """One load level: `users` sessions for `duration` s, each pausing ~`think` s between requests."""

    users: int
    think: float
    duration: float

    @property
    def label(self) -> str:
        return f"{self.users}（思考 {self.think:g} s）" if self.think else str(self.users)


def load_levels(users_spec: str, args) -> list[Level]:
    """One user back to back gives each page's own service time. Many users are run as people work,
    with a think time, and again back to back, which shows the server's capacity (requests per
    second) and how long a queue of that many simultaneous requests takes to drain."""
    levels = []
    for users in (int(x) for x in users_spec.split(",")):
        if users == 1 or not args.think:
            levels.append(Level(users, 0.0, args.duration))
            continue
        levels.append(Level(users, args.think, args.think_duration))
        if not args.no_saturation:
            levels.append(Level(users, 0.0, args.duration))
    return levels


# --- environment ------------------------------------------------------------------------------


def bench_env(args) -> dict:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DB)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "logistics.settings",
            "DEBUG": "false",
            "SECRET_KEY": env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            # plain HTTP on the loopback: no redirect to https, no HSTS
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "CONN_MAX_AGE": str(args.conn_max_age),
            "STATIC_ROOT": str(ROOT / "var" / "bench" / "static"),
            "MEDIA_ROOT": str(ROOT / "var" / "bench" / "media"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if not env.get("REDIS_URL") and _redis_up():
        env["REDIS_URL"] = "redis://127.0.0.1:6379/12"
    return env


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_database(url: str):
    """CREATE DATABASE if the PostgreSQL database in url does not exist yet."""
    parts = urllib.parse.urlparse(url)
    if not parts.scheme.startswith("postgres"):
        return
    import psycopg2

    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            log(f"creating database {name}")
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {msg}", flush=True)


def manage(env, *argv, quiet=False) -> float:
    started = time.monotonic()
    cmd = [sys.executable, "manage.py", *argv]
    log("$ " + " ".join(shlex.quote(a) for a in cmd[1:]))
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=quiet, text=True)
    if out.returncode != 0:
        if quiet:
            sys.stderr.write((out.stdout or "") + (out.stderr or ""))
        raise SystemExit(f"bench: `{' '.join(argv)}` failed ({out.returncode})")
    return time.monotonic() - started


def start_collectstatic(env):
    """collectstatic (hashing and compressing every file for WhiteNoise) unless the manifest in the
    bench's STATIC_ROOT is newer than every source file. Runs in the background."""
    manifest = Path(env["STATIC_ROOT"]) / "staticfiles.json"
    if manifest.exists():
        try:
            known = set(json.loads(manifest.read_text()).get("paths", {}))
        except ValueError:
            known = set()
        sources = [ROOT / "static", *ROOT.glob("*/static"), *ROOT.glob("*/*/static")]
        files = [(d, f) for d in sources if d.is_dir() for f in d.rglob("*") if f.is_file()]
        newest = max((f.stat().st_mtime for _d, f in files), default=0)
        every_file_known = all(f.relative_to(d).as_posix() in known for d, f in files)
        if every_file_known and manifest.stat().st_mtime > newest:
            log("static files up to date")
            return None
    log("$ manage.py collectstatic --noinput -v0 (background)")
    return subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_collectstatic(proc):
    if proc is None:
        return
    _out, err = proc.communicate()
    if proc.returncode != 0:
        sys.stderr.write(err or "")
        raise SystemExit(f"bench: collectstatic failed ({proc.returncode})")
    log("collectstatic done")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env, workers: int):
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "logistics.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    log(f"gunicorn pid {proc.pid} on 127.0.0.1:{port} ({workers} workers)")
    from .loadgen import Session

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("bench: gunicorn exited during start-up")
        try:
            status, *_ = Session(port).request("GET", "/healthz", timeout=5)
            if status in (200, 503):
                return proc, port, " ".join(shlex.quote(c) for c in cmd[1:])
        except OSError:
            pass
        time.sleep(0.3)
    stop_process(proc)
    raise SystemExit("bench: gunicorn did not answer /healthz within 60 s")


def stop_process(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def children_rss_mb(pid: int) -> list[float]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(int(line.split()[1]) / 1024)
        except (OSError, ValueError, IndexError):
            continue
    return out


def machine() -> dict:
    mem_kb = 0
    cpu = platform.processor()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load": load,
    }


# --- in-process part (after django.setup()) ----------------------------------------------------


class Context:
    """Schools and users of the seeded district, read once in-process."""

    def __init__(self, n_schools: int):
        from benchmarks.district import BUREAU_USERNAME, school_code
        from logistics.models import Membership, School

        codes = [school_code(i) for i in range(1, n_schools + 1)]
        by_code = {s.code: s for s in School.objects.filter(code__startswith="BENCH-")}
        self.regular = [by_code[c] for c in codes if c in by_code]
        self.control = by_code.get(school_code(CONTROL_INDEX))
        self.big = by_code.get(school_code(BIG_INDEX))
        self.users: dict = {}
        for m in (
            Membership.objects.active()
            .filter(school__code__startswith="BENCH-")
            .select_related("user")
            .order_by("user__username")
        ):
            self.users.setdefault((m.school_id, m.role), []).append(m.user)
        from django.contrib.auth import get_user_model

        self.bureau = get_user_model().objects.filter(username=BUREAU_USERNAME).first()
        self.cache: dict = {}

    def schools_for(self, page):
        if page.schools == "big":
            return [self.big] if self.big else []
        return self.regular

    def user(self, school, role, slot=0):
        from logistics.choices import Role

        if role == Role.BUREAU:
            return self.bureau
        users = self.users.get((school.pk, role)) or []
        return users[slot % len(users)] if users else None


def inprocess_client(ctx, school, role):
    from django.test import Client

    from logistics.middleware import SESSION_KEY

    client = Client(SERVER_NAME="127.0.0.1")
    user = ctx.user(school, role)
    if user is None:
        return None
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = school.pk
    session.save()
    return client


def measure_queries(pages, ctx):
    """Queries per request on a full school and on the tiny control school, with the SQL for EXPLAIN."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = {}
    for page in pages:
        if page.missing:
            continue
        row = {"full": None, "control": None, "errors": [], "sql": []}
        targets = [("full", (ctx.schools_for(page) or [None])[0])]
        if page.schools == "regular" and ctx.control:
            targets.append(("control", ctx.control))
        for which, school in targets:
            if school is None:
                continue
            client = inprocess_client(ctx, school, page.role)
            if client is None:
                row["errors"].append(f"{school.code}: no {page.role} user")
                continue
            if page.prepare:
                page.prepare([school], 3)
            spec = page.request(school.pk, 10_000 + (1 if which == "full" else 2))
            if spec is None:
                row["errors"].append(f"{school.code}: nothing to request")
                continue
            method, path, data = spec
            # warm per-process caches (templates, content types) before counting; a write is done once
            # un-counted with its own object, then again counted with a fresh one
            if method == "GET":
                client.get(path)
            else:
                client.post(path, _client_data(data))
                spec = page.request(school.pk, 20_000 + (1 if which == "full" else 2))
                if spec is None:
                    row["errors"].append(f"{school.code}: nothing left to request")
                    continue
                method, path, data = spec
            data = _client_data(data)
            with CaptureQueriesContext(connection) as cq:
                resp = client.get(path) if method == "GET" else client.post(path, data)
            if resp.status_code not in page.expect:
                row["errors"].append(f"{school.code}: {method} {path} -> {resp.status_code}")
            row[which] = len(cq.captured_queries)
            if which == "full":
                row["sql"] = [(path, q["sql"]) for q in cq.captured_queries]
                for extra in page.filters:
                    extra_path = extra.format(**filter_values(school))
                    with CaptureQueriesContext(connection) as cq2:
                        r2 = client.get(extra_path)
                    if r2.status_code != 200:
                        row["errors"].append(f"{school.code}: GET {extra_path} -> {r2.status_code}")
                    row["sql"] += [(extra_path, q["sql"]) for q in cq2.captured_queries]
        out[page.key] = row
    return out


def _client_data(data):
    """The load client's form data for Django's test client: files become uploaded files."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = dict(data or {})
    for name, (filename, content, ctype) in (data.pop("_files", None) or {}).items():
        data[name] = SimpleUploadedFile(filename, content, ctype)
    return data


def filter_values(school) -> dict:
    from logistics.models import Campus, Room

    campus = Campus.objects.filter(school=school).order_by("pk").first()
    room = Room.objects.filter(school=school).order_by("pk").first()
    today = datetime.date.today()
    return {
        "campus": campus.pk if campus else "",
        "room": room.pk if room else "",
        "month": f"{today:%Y-%m}",
        "today": today.isoformat(),
    }


BIG_TABLE_ROWS = 20_000


def audit_filters(ctx) -> dict:
    """Every list page and filter form of the site on a full school (benchmarks/filters.py)."""
    from .filters import audit

    school = ctx.regular[0]
    made = {}

    def clients(school, role):
        if (school.pk, role) not in made:
            made[(school.pk, role)] = inprocess_client(ctx, school, role)
        return made[(school.pk, role)]

    rows, captured = audit(ctx, school, clients)
    findings = explain_all(captured)
    for row in rows:
        found = findings.get(row["name"], [])
        log(
            f"  {row['name']:<34} {row['role']:<10} {row['filters']:>2} requests, slowest "
            f"{row['slowest_ms']:6.1f} ms, {len(found)} findings{'; ' + '; '.join(row['errors']) if row['errors'] else ''}"  # noqa: E501
        )
    return {"school": school.code, "rows": rows, "findings": findings}


def explain_all(query_rows):
    """EXPLAIN ANALYZE each captured SELECT; flag sequential scans of big tables and slow queries."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cur:
        cur.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        sizes = dict(cur.fetchall())
    findings = {}
    for key, row in query_rows.items():
        seen = set()
        for path, sql in row.get("sql", []):
            head = sql.lstrip().upper()
            if not head.startswith("SELECT") or "FOR UPDATE" in head or sql in seen:
                continue
            seen.add(sql)
            try:
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                    plan = cur.fetchone()[0]
            except Exception as exc:  # noqa: BLE001 - a query we cannot explain is reported, not fatal
                findings.setdefault(key, []).append({"path": path, "sql": sql[:300], "error": str(exc)[:200]})
                continue
            if isinstance(plan, str):
                plan = json.loads(plan)
            top = plan[0]
            ms = top.get("Execution Time", 0.0)
            scans = []
            _walk(top["Plan"], scans, sizes)
            if scans or ms > 20:
                findings.setdefault(key, []).append(
                    {"path": path, "sql": sql[:400], "ms": round(ms, 1), "seq_scans": scans}
                )
    return findings


def _walk(node, scans, sizes):
    if node.get("Node Type") == "Seq Scan":
        rel = node.get("Relation Name")
        if sizes.get(rel, 0) >= BIG_TABLE_ROWS:
            scans.append(
                {
                    "table": rel,
                    "rows": int(sizes[rel]),
                    "filter": node.get("Filter", ""),
                    "actual": node.get("Actual Rows"),
                }
            )
    for child in node.get("Plans", []) or []:
        _walk(child, scans, sizes)


# --- load --------------------------------------------------------------------------------------


class SessionPool:
    """Logged-in HTTP sessions by (role, school, slot), made once and reused across pages."""

    def __init__(self, port, ctx, password):
        self.port, self.ctx, self.password = port, ctx, password
        self.sessions: dict = {}
        self.login_times: list = []

    def for_page(self, page, count):
        schools = self.ctx.schools_for(page)
        if not schools:
            return []
        wanted = []
        for i in range(count):
            school = schools[i % len(schools)]
            slot = i // len(schools)
            wanted.append((page.role, school, slot))
        todo = [w for w in wanted if (w[0], w[1].pk, w[2]) not in self.sessions]

        def make(w):
            role, school, slot = w
            from .loadgen import Session

            user = self.ctx.user(school, role, slot)
            if user is None:
                raise SystemExit(f"bench: no {role} user in {school.code}")
            s = Session(self.port)
            t0 = time.perf_counter()
            s.login(user.username, self.password)
            self.login_times.append(time.perf_counter() - t0)
            s.switch_school(school.pk)
            s.school_id = school.pk
            return (role, school.pk, slot), s

        with ThreadPoolExecutor(4) as pool:
            for k, s in pool.map(make, todo):
                self.sessions[k] = s
        return [self.sessions[(w[0], w[1].pk, w[2])] for w in wanted]


def drive(page, pool, levels, quick):
    from .loadgen import run_load

    rows = []
    for level in levels:
        users = level.users
        sessions = pool.for_page(page, users)
        if not sessions:
            rows.append({"users": users, "level": level, "error": "no sessions"})
            continue

        def make(session, n):
            return page.request(session.school_id, n)

        max_requests = 5 * users if quick else 400 * users
        if page.prepare:
            schools = sorted({s.school_id for s in sessions})
            page.prepare(
                [s for s in pool.ctx.schools_for(page) if s.pk in schools] or pool.ctx.schools_for(page),
                min(max_requests, int(level.duration * 250)) + 10,
            )
        # warm-up: a few requests, not measured
        run_load(sessions[:2], make, duration=30, max_requests=min(4, 2 * len(sessions)), expect=page.expect)
        res = run_load(
            sessions,
            make,
            duration=level.duration,
            max_requests=max_requests,
            expect=page.expect,
            think=level.think,
        )
        rows.append(
            {
                "users": users,
                "level": level,
                "requests": res.requests,
                "ok": len(res.latencies),
                "rps": res.rps,
                "p50": res.pct(50),
                "p95": res.pct(95),
                "p99": res.pct(99),
                "errors": res.errors[:5],
                "error_count": len(res.errors),
            }
        )
        r = rows[-1]
        if page.verify:
            r["verified"] = page.verify(page, pool.ctx, None)
            if r["verified"].startswith("错误"):
                r["error_count"] += 1
                r["errors"].append((0, page.key, r["verified"]))
            log(f"  {page.key:<16} {level.label:>12} users: {r['verified']}")
        log(
            f"  {page.key:<16} {level.label:>12} users: {r['ok']:>5} ok {r['error_count']:>3} err "
            f"{r['rps']:7.1f} req/s  p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}  p99 {r['p99']:7.1f} ms"
        )
    return rows


# --- child tasks (exports, month pack) ---------------------------------------------------------


def child(env, *argv, timeout=1800):
    cmd = [sys.executable, "-m", "benchmarks.tasks", *argv]
    log("$ python -m benchmarks.tasks " + " ".join(argv))
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        return {"error": (out.stderr or out.stdout)[-1500:]}
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"unreadable output: {out.stdout[-500:]}"}


def best_of(old, new):
    """The faster of two runs of a child task (peak memory: the larger); errors win."""
    if old is None or "seconds" not in old or "seconds" not in new:
        return new if old is None or "error" in new or "missing" in new else old
    best = dict(new if new["seconds"] < old["seconds"] else old)
    best["peak_mb"] = max(old["peak_mb"], new["peak_mb"])
    best["runs"] = old.get("runs", 1) + 1
    best["all_seconds"] = old.get("all_seconds", [old["seconds"]]) + [new["seconds"]]
    return best


# --- report ------------------------------------------------------------------------------------


def fmt_ms(v):
    return "—" if v is None or v != v else f"{v:.0f}"


def describe_levels(levels) -> str:
    parts = []
    for level in levels:
        if level.think:
            parts.append(
                f"{level.users} 个用户各自在收到响应后停顿 {0.5 * level.think:g}–{1.5 * level.think:g} 秒"
                f"（平均 {level.think:g} 秒，远比真人看页面、填表快）再发下一个请求，{level.duration:g} 秒"
            )
        elif level.users == 1:
            parts.append(f"1 个用户无停顿连续请求 {level.duration:g} 秒（页面自身的服务时间）")
        else:
            parts.append(
                f"{level.users} 个用户无停顿连续请求 {level.duration:g} 秒（容量参考：服务器每秒能处理多少"
                f"请求；延迟≈{level.users} 个请求同时排队的时间，不是目标所指的场景）"
            )
    return (
        "；".join(parts) + "。每个虚拟用户一个已登录会话，按页面角色分布在不同学校；客户端为本进程的线程"
        "（标准库 http.client），与服务同机。"
    )


def finding_lines(findings) -> list[str]:
    lines = []
    for key, items in findings.items():
        lines.append(f"- **{key}**")
        for f in items:
            if "error" in f:
                lines.append(f"  - 无法 EXPLAIN: `{f['sql'][:160]}` — {f['error']}")
                continue
            scans = ", ".join(
                f"{s['table']}（约 {s['rows']:,} 行，条件 `{s['filter'][:120]}`）" for s in f["seq_scans"]
            )
            lines.append(
                f"  - `{f['path']}` {f['ms']} ms{'；顺序扫描 ' + scans if scans else ''}: `{f['sql'][:240]}`"
            )
    return lines


def filter_audit_lines(audit) -> list[str]:
    rows, findings = audit["rows"], audit["findings"]
    lines = [
        "",
        "## 所有列表页的筛选（EXPLAIN）",
        "",
        f"在完整学校 {audit['school']} 上，自动找出所有带 GET 筛选表单的页面（无参数的命名 URL，"
        "能打开它的第一个角色），把表单里的每个字段各试一次（下拉框取第一项和最后一项，月份取本月，"
        "搜索框填“王”，页面上的筛选链接各点一次），连同不带筛选的页面本身，每条 SELECT 做 "
        "`EXPLAIN (ANALYZE)`，同上列出大表顺序扫描和超过 20 ms 的查询。",
        "",
        f"共 {len(rows)} 个页面、{sum(r['filters'] for r in rows)} 次请求；有发现的页面 {len(findings)} 个。",
        "",
        "| 页面 | 路径 | 角色 | 请求（含不筛选） | 最慢 ms（整次请求） | 发现 |",
        "|---|---|---|---:|---:|---|",
    ]
    for r in rows:
        found = len(findings.get(r["name"], []))
        note = "；".join(r["errors"]) or (f"{found} 条（见下）" if found else "无")
        lines.append(
            f"| {r['name']} | `{r['path']}` | {r['role']} | {r['filters']} | {r['slowest_ms']:.0f} | {note} |"
        )
    if findings:
        lines += ["", "发现："] + finding_lines(findings)
    return lines


def render_results(meta, pages, loads, queries, findings, exports, seed_info, failures) -> str:
    lines = []
    add = lines.append
    add("# 基准测试结果 (make bench)")
    add("")
    add(f"- 日期: {meta['date']}")
    m = meta["machine"]
    add(
        f"- 机器: {m['nproc']} 核 ({m['cpu']}), 内存 {m['memory_gb']} GB, Python {m['python']}, "
        f"Linux {m['kernel']}; 开始时负载 {m['load'][0]:.2f} / {m['load'][1]:.2f} / {m['load'][2]:.2f}"
    )
    add(f"- 命令: `{meta['command']}`")
    add(f"- 代码: {meta.get('commit', '')}")
    add(f"- 服务: `{meta['gunicorn']}`")
    add(f"- 设置: {meta['settings']}")
    add(f"- 数据库: {meta['database']} ({meta.get('db_size', '?')})")
    add(f"- 数据: {seed_info}")
    add(f"- 负载: {describe_levels(meta['levels'])}")
    add(f"- 登录: {meta.get('logins', '')}")
    add("")
    add("## 页面延迟与吞吐")
    add("")
    add("| 页面 | 角色 | 并发 | 请求 | 错误 | 请求/秒 | p50 ms | p95 ms | p99 ms | 目标 p95 | 结果 |")
    add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for page in pages:
        if page.missing:
            add(
                f"| {page.label} | {page.role} | — | — | — | — | — | — | — | {page.target_ms} | 缺失：{page.missing} |"  # noqa: E501
            )
            continue
        for r in loads.get(page.key, []):
            if "error" in r:
                add(
                    f"| {page.label} | {page.role} | {r['level'].label} | — | — | — | — | — | — | {page.target_ms} | {r['error']} |"  # noqa: E501
                )
                continue
            verdict = "达标" if r["p95"] <= page.target_ms else "未达标"
            if r["level"].users > 1 and not r["level"].think:
                verdict = f"容量参考（{verdict}）"
            if r["error_count"]:
                verdict = f"错误 {r['error_count']}"
            if r.get("verified"):
                verdict += f"；{r['verified']}"
            add(
                f"| {page.label} | {page.role} | {r['level'].label} | {r['requests']} | {r['error_count']} | "
                f"{r['rps']:.1f} | {fmt_ms(r['p50'])} | {fmt_ms(r['p95'])} | {fmt_ms(r['p99'])} | "
                f"{page.target_ms} | {verdict} |"
            )
    add("")
    add("## 每次请求的查询数")
    add("")
    add(
        "完整学校（BENCH-001 / 大校 BENCH-999）与对照小校（BENCH-998，数据极少）各请求一次；两者相同即查询数不随数据增长。"  # noqa: E501
    )
    add("")
    add("| 页面 | 完整学校 | 对照小校 | 是否固定 |")
    add("|---|---:|---:|---|")
    for page in pages:
        q = queries.get(page.key)
        if page.missing or q is None:
            continue
        fixed = "—" if q["control"] is None else ("是" if q["full"] == q["control"] else "否（不同）")
        errs = f"；错误：{'; '.join(q['errors'])}" if q["errors"] else ""
        add(
            f"| {page.label} | {q['full']} | {q['control'] if q['control'] is not None else '—'} | {fixed}{errs} |"  # noqa: E501
        )
    add("")
    add("## EXPLAIN 检查（区县数据上）")
    add("")
    add(
        f"每页捕获的每条 SELECT 都做 `EXPLAIN (ANALYZE)`；列出对超过 {BIG_TABLE_ROWS:,} 行的表的顺序扫描，"
        "以及执行超过 20 ms 的查询。"
    )
    add("")
    if not findings:
        add(
            "没有发现（所有筛选都走索引，且没有慢查询）。"
            if meta["vendor"] == "postgresql"
            else "（非 PostgreSQL，未检查）"
        )
    lines += finding_lines(findings)
    audit = meta.get("filter_audit")
    if audit:
        lines += filter_audit_lines(audit)
    add("")
    add("## 导出与月报")
    add("")
    add(
        "| 任务 | 行数 | 用时 s | 峰值内存 MB | 对照（裸库） | 对照用时 s | 对照峰值 MB | 比值 | 目标 | 结果 |"  # noqa: E501
    )
    add("|---|---:|---:|---:|---|---:|---:|---:|---|---|")
    for e in exports:
        add(e)
    add("")
    if failures:
        add("## 故障")
        add("")
        for f in failures:
            add(f"- {f}")
        add("")
    if ANALYSIS.exists():
        add(ANALYSIS.read_text().strip())
        add("")
    return "\n".join(lines) + "\n"


def runs_note(ours, bare):
    parts = []
    for name, r in (("本项", ours), ("对照", bare)):
        if r and r.get("all_seconds"):
            parts.append(f"{name}各次 " + " / ".join(f"{x:.1f}" for x in r["all_seconds"]) + " s")
    return ("；" + "，".join(parts) + "（取最快）") if parts else ""


def export_rows(exports_raw, args):
    rows = []

    def line(name, rows_n, ours, bare, bare_name, target_ratio, mem_target=None, time_target=None):
        if ours is None:
            rows.append(f"| {name} | — | — | — | — | — | — | — | — | 未运行 |")
            return
        if "error" in ours or "missing" in ours:
            why = ours.get("missing") or ("错误：" + ours["error"].strip().splitlines()[-1][:160])
            rows.append(f"| {name} | — | — | — | — | — | — | — | — | {why} |")
            return
        ratio = None
        b_s = b_m = "—"
        if bare and "seconds" in bare:
            ratio = ours["seconds"] / bare["seconds"] if bare["seconds"] else None
            b_s, b_m = f"{bare['seconds']:.2f}", f"{bare['peak_mb']:.0f}"
        ok = True
        targets = []
        if target_ratio:
            targets.append(f"≤{target_ratio}×")
            ok &= ratio is None or ratio <= target_ratio  # no bare run (quick mode): not judged
        if mem_target:
            targets.append(f"<{mem_target} MB")
            ok &= ours["peak_mb"] < mem_target
        if time_target:
            targets.append(f"<{time_target} s")
            ok &= ours["seconds"] < time_target
        n_rows = ours.get("rows", rows_n)
        rows_text = f"{n_rows:,}" if n_rows else "—"
        rows.append(
            f"| {name} | {rows_text} | {ours['seconds']:.2f} | {ours['peak_mb']:.0f} | {bare_name} | "  # noqa: E501
            f"{b_s} | {b_m} | {'—' if ratio is None else f'{ratio:.2f}'} | {', '.join(targets)} | "
            f"{'达标' if ok else '未达标'}{runs_note(ours, bare)} |"
        )

    line(
        "资产登记册 Excel",
        args.excel_rows,
        exports_raw.get("excel"),
        exports_raw.get("excel_bare"),
        "openpyxl write-only",
        1.3,
        mem_target=200,
    )
    line(
        "资产登记册 PDF",
        args.pdf_rows,
        exports_raw.get("pdf"),
        exports_raw.get("pdf_bare"),
        "WeasyPrint 同一 HTML",
        1.3,
    )
    line("月报（一校一月）", 0, exports_raw.get("monthpack"), None, "—", None, time_target=30)
    return rows


def main(argv=None):
    args = parse_args(argv)
    env = bench_env(args)
    os.environ.update(env)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    started = time.monotonic()
    failures = []
    meta = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "command": "python -m benchmarks.run "
        + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
        "duration": args.duration,
        "levels": args.levels,
        "settings": (
            "DEBUG=false, 随机 SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=false, SECURE_HSTS_SECONDS=0, "  # noqa: E501
            f"CONN_MAX_AGE={args.conn_max_age}, REDIS_URL={'set' if env.get('REDIS_URL') else 'unset'}；"
            "SECURE_COOKIES 保持生产值 true（Cookie 带 Secure 标志），客户端在纯 HTTP 上手动携带 Cookie"
        ),
    }
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        meta["commit"] = rev.stdout.strip() or "（非 git 目录）"
    except OSError:
        meta["commit"] = "（未知）"
    db_url = env["DATABASE_URL"]
    parts = urllib.parse.urlparse(db_url)
    meta["database"] = parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()
    ensure_database(db_url)
    static = start_collectstatic(env)  # in the background: it needs no database
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    seed_info = "未生成（--skip-seed）"
    if not args.skip_seed:
        seconds = manage(
            env,
            "seed_district",
            "--schools",
            str(args.schools),
            "--assets",
            str(args.assets),
            "--days",
            str(args.days),
            "--big-school-assets",
            str(args.big_school_assets),
            "--control-school",
        )
        seed_info = (
            f"{args.schools} 所学校 × {args.assets:,} 件资产、{args.days} 天记录；另有大校 BENCH-999 "
            f"（{args.big_school_assets:,} 件资产）与对照小校 BENCH-998；本次 seed_district 用时 {seconds:.0f} 秒"  # noqa: E501
            "（已有数据跳过）"
        )

    import django

    django.setup()
    from django.db import connection

    meta["vendor"] = connection.vendor
    if connection.vendor == "postgresql":
        t0 = time.monotonic()
        connection.ensure_connection()
        old = connection.connection.autocommit
        connection.connection.autocommit = True
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
            cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            meta["db_size"] = cur.fetchone()[0]
        connection.connection.autocommit = old
        log(f"VACUUM ANALYZE {time.monotonic() - t0:.0f} s, database {meta['db_size']}")

    from benchmarks.district import BENCH_PASSWORD

    from .pages import all_pages

    ctx = Context(args.schools)
    if not ctx.regular:
        raise SystemExit("bench: no BENCH-* schools (run without --skip-seed)")
    pages = all_pages(ctx)
    if args.pages:
        wanted = {k.strip() for k in args.pages.split(",")}
        pages = [p for p in pages if p.key in wanted]
    log("queries per request (in-process)")
    queries = measure_queries(pages, ctx)
    for key, q in queries.items():
        log(f"  {key:<16} full {q['full']}  control {q['control']}  {'; '.join(q['errors'])}")
        failures += [f"{key}: {e}" for e in q["errors"]]
    log("EXPLAIN")
    findings = explain_all(queries)
    log("every list page's filters (EXPLAIN)")
    meta["filter_audit"] = audit_filters(ctx)
    connection.close()

    loads = {}
    gunicorn = None
    finish_collectstatic(static)
    try:
        gunicorn, port, gcmd = start_gunicorn(env, args.workers)
        meta["gunicorn"] = gcmd
        pool = SessionPool(port, ctx, BENCH_PASSWORD)
        for page in pages:
            if page.missing:
                log(f"  {page.key:<16} missing: {page.missing}")
                continue
            try:
                loads[page.key] = drive(page, pool, args.levels, args.quick)
            except Exception as exc:  # noqa: BLE001 - report and carry on with the other pages
                failures.append(f"{page.key}: {exc!r}")
                log(f"  {page.key} FAILED: {exc!r}")
                continue
            for r in loads[page.key]:
                if r.get("error_count"):
                    failures.append(
                        f"{page.key} @{r['level'].label}: {r['error_count']} errors, e.g. {r['errors'][:2]}"
                    )
        if pool.login_times:
            lt = sorted(pool.login_times)
            meta["logins"] = f"{len(lt)} 次 HTTP 登录，中位 {lt[len(lt) // 2] * 1000:.0f} ms（PBKDF2）"
        meta["worker_rss"] = children_rss_mb(gunicorn.pid)
    finally:
        stop_process(gunicorn)
    meta.setdefault("gunicorn", "(not started)")

    exports_raw = {}
    if not args.skip_exports:
        log("exports and month pack (child processes)")
        pairs = [
            ("excel", "excel-bare", args.excel_rows, args.excel_rounds),
            ("pdf", "pdf-bare", args.pdf_rows, args.pdf_rounds),
        ]
        for ours, bare, rows, rounds in pairs:
            for _round in range(rounds):  # alternate framework and bare; keep the best time of each
                for key, task in ((ours, ours), (ours + "_bare", bare)):
                    if args.quick and task == "pdf-bare":
                        continue  # the quick run only checks that the framework's PDF path works
                    exports_raw[key] = best_of(exports_raw.get(key), child(env, task, "--rows", str(rows)))
        exports_raw["monthpack"] = child(env, "monthpack")
        for k, v in exports_raw.items():
            log(f"  {k}: {v}")
            if "error" in v:
                failures.append(f"{k}: {v['error'].strip().splitlines()[-1][:300]}")
    exports = export_rows(exports_raw, args)

    text = render_results(meta, pages, loads, queries, findings, exports, seed_info, failures)
    print()
    print(text)
    if args.output:
        Path(args.output).write_text(text)
        log(f"wrote {args.output}")
    log(f"done in {time.monotonic() - started:.0f} s")
    if failures:
        log("FAILED: " + " | ".join(failures[:10]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
