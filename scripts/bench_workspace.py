"""`make bench`, the consultants' workspace at 100,000 diagnostics.

On a PostgreSQL database of its own (exportready_bench_workspace on the server of
DATABASE_URL, default 127.0.0.1), created, migrated, seeded and filled once with
`manage.py synthesize` (reused when it already holds the diagnostics), it prints:

  http    p50/p99 latency and req/s of the queue page (no filter, filters, a search,
          a consultant of two regions), of the detail page, of the statistics page
          (lead, and a consultant of two regions) and of a firm's result page with
          its peer comparison, served by gunicorn
          (config/gunicorn.py, 2 workers) to a logged-in lead consultant under wrk
          (16 connections), as scripts/bench.py measures the firms' pages.
  export  time and peak memory (VmHWM of a fresh process) of a full CSV and XLSX
          export of 10,000 and of 100,000 rows: memory must stay flat in the rows.

Targets, printed PASS/FAIL: queue p99 < 150 ms; statistics p99 < 400 ms; the result
page with its peer comparison at least 8% of the bare view's req/s (the result page's
floor in scripts/bench.py); the peak memory of an export of 100k rows within 1.5x of
the one of 10k rows. Exits 0 whether or not targets are met.

Usage: .venv/bin/python scripts/bench_workspace.py [--only http,export]
       [--diagnostics 100000] [--firms 20000] [--duration 5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench as base  # noqa: E402  (scripts/bench.py: gunicorn, wrk, environment)

ROOT = base.ROOT
DATABASE_NAME = "exportready_bench_workspace"
LEAD_EMAIL = "bench-lead@example.com"
CONSULTANT_EMAIL = "bench-consultant@example.com"
CONSULTANT_REGIONS = ["seoul", "busan"]
QUEUE_MAX_P99_MS = 150.0
STATISTICS_MAX_P99_MS = 400.0
RESULT_MIN_RATIO = 0.08
FIRM_EMAIL = "bench-firm@example.com"
EXPORT_MAX_MEMORY_RATIO = 1.5

EXPORT_PROBE = """
import sys, time
import django
django.setup()
from accounts.models import User
from diagnostics.export import csv_chunks, export_rows, xlsx_file
from diagnostics.queue import QueueFilter

fmt, rows = sys.argv[1], int(sys.argv[2])
user = User.objects.get(email=sys.argv[3])
def kb(field):
    # /proc, not ru_maxrss: a child's ru_maxrss starts at its parent's peak.
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
list(QueueFilter({}, user=user).qs[:10])  # connection and caches: the baseline
before = kb("VmRSS")
started = time.perf_counter()
queryset = QueueFilter({}, user=user).qs[:rows]
size = 0
if fmt == "csv":
    for chunk in csv_chunks(export_rows(queryset)):
        size += len(chunk)
else:
    with xlsx_file(export_rows(queryset)) as handle:
        while True:
            block = handle.read(1 << 16)
            if not block:
                break
            size += len(block)
seconds = time.perf_counter() - started
peak = kb("VmHWM")
print(f"{seconds:.3f} {before} {peak} {size}")
"""


def workspace_database_url() -> str:
    """DATABASE_URL (as scripts/bench.py takes it), with this bench's database name."""
    parts = urlsplit(base.local_database_url())
    return urlunsplit(parts._replace(path=f"/{DATABASE_NAME}"))


def load_fixtures(args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client

    from accounts.models import Role, User
    from accounts.services import user_assign_role
    from diagnostics.management.commands.synthesize import SYNTHETIC_PREFIX
    from diagnostics.models import Diagnostic
    from programs.services import recommendations_store

    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    users = {}
    for email, role, regions in [
        (LEAD_EMAIL, Role.LEAD_CONSULTANT, []),
        (CONSULTANT_EMAIL, Role.CONSULTANT, CONSULTANT_REGIONS),
    ]:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=base.BENCH_PASSWORD, regions=regions
            )
            user_assign_role(user=user, role=role)
        users[email] = user
    have = Diagnostic.objects.filter(
        company__name_ko__startswith=SYNTHETIC_PREFIX
    ).count()
    if have != args.diagnostics:
        print(
            f"Synthesizing {args.diagnostics:,} diagnostics of {args.firms:,} firms "
            f"(the database holds {have:,}) ...",
            flush=True,
        )
        started = time.monotonic()
        if have:
            call_command("synthesize", "--purge")
        call_command(
            "synthesize",
            "--firms",
            str(args.firms),
            "--diagnostics",
            str(args.diagnostics),
            "--seed",
            "1",
            "--batch",
            "5000",
        )
        print(f"  synthesized in {time.monotonic() - started:.0f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    detail = (
        Diagnostic.objects.filter(status="submitted")
        .order_by("-submitted_at")
        .values_list("pk", flat=True)
        .first()
    )
    # A member of the firm whose result is read: its page carries the peer comparison.
    assert detail is not None, "synthesize made no submitted diagnostic"
    # Synthetic diagnostics carry no recommendations; the measured one gets its real
    # ones, so that its result page is as long as a firm's (program cards included).
    measured = Diagnostic.objects.select_related("company", "version").get(pk=detail)
    if not measured.recommendations.exists():
        recommendations_store(diagnostic=measured)
    company_id = measured.company_id
    member = User.objects.filter(email=FIRM_EMAIL).first()
    if member is None:
        member = User.objects.create_user(
            email=FIRM_EMAIL, password=base.BENCH_PASSWORD, company_id=company_id
        )
        user_assign_role(user=member, role=Role.SME_MEMBER)
    elif member.company_id != company_id:
        member.company_id = company_id
        member.save(update_fields=["company"])
    users[FIRM_EMAIL] = member
    cookies = {}
    for email, user in users.items():
        client = Client()
        client.force_login(user)
        session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies[email] = f"{settings.SESSION_COOKIE_NAME}={session_id}"
    connections.close_all()
    return {"detail_id": detail, "cookies": cookies, "diagnostics": args.diagnostics}


def section_http(bench: base.Bench) -> None:
    """Queue (with and without filters) and detail pages, lead consultant, wrk -c16."""
    if shutil.which("wrk") is None:
        raise base.BenchError("wrk is not installed (`make setup-test` installs it)")
    f = bench.fixtures
    lead, consultant = f["cookies"][LEAD_EMAIL], f["cookies"][CONSULTANT_EMAIL]
    firm = f["cookies"][FIRM_EMAIL]
    search = quote("합성기업 0123")
    pages = [
        ("bare view", "/bench/bare/", lead, False),
        ("queue", "/diagnostic/agency/", lead, True),
        (
            "queue, filters",
            "/diagnostic/agency/?status=new&phase=use&region=gyeonggi&industry=C"
            "&sort=-stage",
            lead,
            True,
        ),
        ("queue, search", f"/diagnostic/agency/?q={search}", lead, True),
        ("queue, page 40", "/diagnostic/agency/?sort=company&page=40", lead, True),
        ("queue, 2 regions", "/diagnostic/agency/?status=new", consultant, True),
        ("detail", f"/diagnostic/agency/{f['detail_id']}/", lead, False),
        ("statistics", "/diagnostic/agency/statistics/", lead, False),
        ("statistics, 2 regions", "/diagnostic/agency/statistics/", consultant, False),
        ("result with peers", f"/diagnostic/{f['detail_id']}/result/", firm, False),
    ]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in pages}
    with base.gunicorn(bench) as server:
        for _name, path, cookie, _queue in pages:
            status, location = base.http_get(server.port, path, cookie)
            if status != 200:
                raise base.BenchError(f"GET {path} answered {status} {location}")
        for number in range(1, bench.args.rounds + 1):
            for name, path, cookie, _queue in pages:
                bench.fixtures["cookie"] = cookie
                url = f"http://{base.HOST}:{server.port}{path}"
                if number == 1 and bench.args.warmup:
                    base.wrk(bench, url, bench.args.warmup)
                # Timeouts (wrk's 2 s) are counted, not fatal: a slow page is a figure.
                result = base.wrk(bench, url, bench.args.duration)
                if result["non_2xx"]:
                    raise base.BenchError(f"{path}: {result['non_2xx']} non-2xx")
                if (
                    "timeout 0" not in result["socket_errors"]
                    and result["socket_errors"]
                ):
                    # Requests that timed out have no latency in wrk's figures: a
                    # page that times out fails its target, whatever p99 says.
                    result["p99_ms"] = max(result["p99_ms"], 2000.0)
                runs[name].append(result)
            print(
                f"  round {number}: "
                + ", ".join(
                    f"{name} p99 {r[-1]['p99_ms']:.0f} ms" for name, r in runs.items()
                ),
                flush=True,
            )
    for name, path, _cookie, is_queue in pages:
        result = {
            "path": path,
            "rps": statistics.median(r["rps"] for r in runs[name]),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs[name]),
            "p99_ms": max(r["p99_ms"] for r in runs[name]),
            "errors": "; ".join(
                r["socket_errors"] for r in runs[name] if r["socket_errors"]
            ),
            "rounds": runs[name],
        }
        bench.rows.append(base.Row("http", name, result))
        if name.startswith("statistics"):
            bench.checks.append(
                base.Check(
                    f"{name} p99 < {STATISTICS_MAX_P99_MS:g} ms",
                    result["p99_ms"] < STATISTICS_MAX_P99_MS,
                    f"{result['p99_ms']:.1f} ms",
                )
            )
        if name == "result with peers":
            bare = statistics.median(r["rps"] for r in runs["bare view"])
            ratio = result["rps"] / bare if bare else 0.0
            bench.checks.append(
                base.Check(
                    f"result with peers >= {RESULT_MIN_RATIO:.0%} of bare",
                    ratio >= RESULT_MIN_RATIO,
                    f"{ratio:.1%}",
                )
            )
        if is_queue:
            bench.checks.append(
                base.Check(
                    f"{name} p99 < {QUEUE_MAX_P99_MS:g} ms",
                    result["p99_ms"] < QUEUE_MAX_P99_MS,
                    f"{result['p99_ms']:.1f} ms",
                )
            )


def section_export(bench: base.Bench) -> None:
    """Full CSV and XLSX exports of 10k and 100k rows: time and peak memory."""
    sizes = [min(10_000, bench.args.diagnostics), bench.args.diagnostics]
    for fmt in ("csv", "xlsx"):
        peaks = {}
        for rows in sizes:
            done = subprocess.run(
                [sys.executable, "-c", EXPORT_PROBE, fmt, str(rows), LEAD_EMAIL],
                env=bench.env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            if done.returncode != 0:
                raise base.BenchError(f"export probe failed:\n{done.stderr[-2000:]}")
            seconds, before_kb, peak_kb, size = done.stdout.split()[-4:]
            metrics = {
                "rows": rows,
                "seconds": float(seconds),
                "rows_per_s": rows / float(seconds),
                "baseline_mb": int(before_kb) / 1024,
                "peak_mb": int(peak_kb) / 1024,
                "growth_mb": (int(peak_kb) - int(before_kb)) / 1024,
                "bytes": int(size),
            }
            peaks[rows] = metrics["peak_mb"]
            bench.rows.append(base.Row("export", f"{fmt} {rows:,} rows", metrics))
            print(
                f"  {fmt} {rows:>7,} rows: {metrics['seconds']:6.1f} s, peak "
                f"{metrics['peak_mb']:.0f} MB (+{metrics['growth_mb']:.0f} MB over the "
                f"{metrics['baseline_mb']:.0f} MB baseline), {int(size) / 1e6:.1f} MB",
                flush=True,
            )
        small, large = peaks[sizes[0]], peaks[sizes[-1]]
        bench.checks.append(
            base.Check(
                f"{fmt} export peak memory, {sizes[-1]:,} rows within "
                f"{EXPORT_MAX_MEMORY_RATIO:g}x of {sizes[0]:,}",
                large <= EXPORT_MAX_MEMORY_RATIO * small,
                f"{large:.0f} MB vs {small:.0f} MB ({large / small:.2f}x)",
            )
        )


SECTIONS = [("http", section_http), ("export", section_export)]


def report(bench: base.Bench) -> None:
    http_rows = [row for row in bench.rows if row.section == "http"]
    if http_rows:
        a = bench.args
        print(
            f"\nWorkspace pages, gunicorn {a.workers} workers, wrk -t{a.threads} "
            f"-c{a.connections} -d{a.duration}s x {a.rounds} rounds "
            f"({bench.fixtures['diagnostics']:,} diagnostics); median, worst p99:"
        )
        print(f"  {'page':<18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for row in http_rows:
            m = row.metrics
            print(
                f"  {row.name:<18} {m['rps']:8.1f} {m['p50_ms']:8.1f} {m['p99_ms']:8.1f}"
                + (f"  socket errors: {m['errors']}" if m["errors"] else "")
            )
    export_rows = [row for row in bench.rows if row.section == "export"]
    if export_rows:
        print("\nExports (fresh process each; peak resident memory, VmHWM):")
        for row in export_rows:
            m = row.metrics
            print(
                f"  {row.name:<20} {m['seconds']:7.1f} s {m['rows_per_s']:9.0f} rows/s"
                f"  peak {m['peak_mb']:6.0f} MB  (+{m['growth_mb']:.0f} MB)"
            )
    if bench.checks:
        print("\nTargets:")
        for check in bench.checks:
            print(
                f"  {'PASS' if check.passed else 'FAIL'}  {check.name}: {check.detail}"
            )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = [name for name, _ in SECTIONS]
    parser.add_argument("--only", default=",".join(names))
    parser.add_argument("--diagnostics", type=int, default=100_000)
    parser.add_argument("--firms", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(names)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="exportready-bench-workspace-"))
    started = time.monotonic()
    try:
        os.environ["DATABASE_URL"] = workspace_database_url()
        env = base.prepare_environment(args, tmp)
        bench = base.Bench(args=args, tmp=tmp, env=env)
        print(f"Load average before: {base.load_average()}")
        print(f"Database: {env['DATABASE_URL']}")
        base.ensure_database(env["DATABASE_URL"])
        base.setup_django(env, tmp)
        bench.fixtures = load_fixtures(args)
        failed = []
        for name, section in SECTIONS:
            if name not in args.only:
                continue
            print(
                f"\n[{name}] {textwrap.shorten(section.__doc__ or '', 80)}", flush=True
            )
            try:
                section(bench)
            except Exception as error:
                failed.append(name)
                print(f"  section {name} broke: {error!r}", file=sys.stderr)
                if not isinstance(error, base.BenchError):
                    traceback.print_exc()
        report(bench)
        print(f"\nLoad average after: {base.load_average()}")
        print(f"Done in {time.monotonic() - started:.0f} s.")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "rows": [row.__dict__ for row in bench.rows],
                        "checks": [check.__dict__ for check in bench.checks],
                        "broken_sections": failed,
                    },
                    indent=2,
                )
            )
        return 1 if failed else 0
    except base.BenchError as error:
        print(f"\nbench_workspace: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
