"""The PDF report's figures on this machine: render time, size, memory, throughput.

One run prints, section by section:

  render      A typical report (the bench firm: stage 5, ten programs, 45 answers)
              rendered in this process, interleaved: Korean and English in NanumGothic,
              and the English report in DejaVu Sans, a Latin-only font, as the floor.
              Median and spread of the HTML and of the layout, file sizes, and the
              Korean-to-floor ratio.
  memory      Peak resident memory of a fresh process (Django, WeasyPrint) that renders
              one Korean report, and one English report.
  throughput  Reports per minute from one `celery worker --concurrency=2` (two pool
              processes) on a redis-server of the script's own, with the render time the
              workers recorded.
  soak        The same worker rendering --soak reports one after the other (500 by
              default): the resident memory of its processes after 1, 100 and the last
              report, with the settings' worker_max_tasks_per_child and
              worker_max_memory_per_child in force.

Targets (from the issue): Korean within 1.3x the Latin-only floor, under 100 KB, under
250 MB peak memory; worker memory bounded.

Data: DATABASE_URL when set (PostgreSQL: `seed --demo` runs, which adds the demo
accounts when missing; the copies of the demo result made here are deleted at the end),
else a SQLite file in a temporary directory. Report files go to a
temporary directory. Everything runs on 127.0.0.1. The script reports and exits 0
whether or not the targets are met.

Usage: .venv/bin/python scripts/bench_reports.py [--renders 9] [--throughput 40]
       [--soak 500] [--skip render,memory,throughput,soak]
(`make bench` will call it next to scripts/bench.py.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).with_name("celery")

KOREAN_TO_FLOOR_MAX = 1.3
SIZE_MAX_BYTES = 100_000
PEAK_MEMORY_MAX_MB = 250

DEMO_BUSINESS_NUMBER = "1248100998"  # the demo firm that `seed --demo` makes
LATIN_FLOOR_CSS = 'html, .chart text { font-family: "DejaVu Sans" !important; }'

MEMORY_SCRIPT = """
import resource, sys
import django
django.setup()
from diagnostics.models import Diagnostic
from diagnostics.report_pdf import pdf_render
from diagnostics.reports import report_html
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
diagnostic = Diagnostic.objects.get(pk=int(sys.argv[1]))
before = rss()
pdf_render(html=report_html(diagnostic=diagnostic, language=sys.argv[2]))
print(before, rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` when it is missing."""
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    params: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "dbname": "postgres",
        "connect_timeout": 5,
    }
    if parts.password:
        params["password"] = parts.password
    name = parts.path.strip("/")
    with psycopg.connect(**params, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(0.05)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def median_ms(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:,.0f} ms "
        f"(min {min(values) * 1000:,.0f}, max {max(values) * 1000:,.0f}, n={len(values)})"
    )


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "REDIS_URL": self.redis_url,
            "REPORTS_ROOT": str(tmp / "reports"),
            "REPORTS_STORAGE_BACKEND": "django.core.files.storage.FileSystemStorage",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        if not os.environ.get("DATABASE_URL"):
            self.env["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
        self.env.pop("REPORTS_TEST_RENDER_DELAY", None)
        os.environ.update(self.env)
        self.redis = subprocess.Popen(
            [
                "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--loglevel", "warning",
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.worker: subprocess.Popen[bytes] | None = None
        self.copies: list[int] = []
        import django

        django.setup()

    def close(self) -> None:
        self.stop_worker()
        self.redis.terminate()
        self.redis.wait(timeout=10)

    # --- Data --------------------------------------------------------------------------

    def prepare(self) -> Any:
        """The demo firm's latest result (stage 5, ten programs): a typical report."""
        from django.core.management import call_command

        from diagnostics.models import Diagnostic

        wait_for(self._redis_answers, 10, "redis-server")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed", demo=True, verbosity=0)
        self._redis().delete("celery")  # reports the seed queued: not measured
        diagnostic = (
            Diagnostic.objects.filter(
                company__business_number=DEMO_BUSINESS_NUMBER, status="submitted"
            )
            .order_by("-submitted_at")
            .first()
        )
        if diagnostic is None:
            raise SystemExit("The demo firm has no submitted diagnostic.")
        return diagnostic

    def cleanup(self) -> None:
        """Remove the copies the worker sections made."""
        from diagnostics.models import Diagnostic

        if self.copies:
            Diagnostic.objects.filter(pk__in=self.copies).delete()

    def clones(self, template: Any, count: int) -> list[Any]:
        """Copies of a submitted diagnostic, answers and programs included: distinct
        reports of the same size, for the workers to render side by side."""
        from diagnostics.models import Answer, AreaScore, Diagnostic
        from programs.models import Recommendation

        answers = list(Answer.objects.filter(diagnostic=template))
        scores = list(AreaScore.objects.filter(diagnostic=template))
        programs = list(Recommendation.objects.filter(diagnostic=template))
        made = []
        for _ in range(count):
            copy = Diagnostic.objects.get(pk=template.pk)
            copy.pk = None
            copy.save()
            for answer in answers:
                answer.pk = None
                answer.diagnostic = copy
            Answer.objects.bulk_create(answers)
            for area_score in scores:
                area_score.pk = None
                area_score.diagnostic = copy
            AreaScore.objects.bulk_create(scores)
            for row in programs:
                row.pk = None
                row.diagnostic = copy
            Recommendation.objects.bulk_create(programs)
            made.append(copy)
            self.copies.append(copy.pk)
        return made

    def _redis(self) -> Any:
        import redis

        return redis.Redis.from_url(self.redis_url, socket_timeout=2)

    def _redis_answers(self) -> bool:
        try:
            return bool(self._redis().ping())
        except Exception:
            return False

    # --- Sections ----------------------------------------------------------------------

    def section_render(self, diagnostic: Any) -> None:
        from diagnostics.report_pdf import pdf_render
        from diagnostics.reports import report_html

        print("\n== render: one typical report, in this process ==")
        variants = {
            "Korean, NanumGothic": ("ko", ""),
            "English, NanumGothic": ("en", ""),
            "English, DejaVu Sans (Latin-only floor)": ("en", LATIN_FLOOR_CSS),
        }
        html_times: dict[str, list[float]] = {name: [] for name in variants}
        layout_times: dict[str, list[float]] = {name: [] for name in variants}
        sizes: dict[str, tuple[int, int]] = {}
        for language, css in variants.values():  # warm-up: fonts, templates
            pdf_render(
                html=report_html(diagnostic=diagnostic, language=language),
                extra_css=css,
            )
        for _ in range(self.args.renders):
            for name, (language, css) in variants.items():
                started = time.perf_counter()
                html = report_html(diagnostic=diagnostic, language=language)
                built = time.perf_counter()
                rendered = pdf_render(html=html, extra_css=css)
                done = time.perf_counter()
                html_times[name].append(built - started)
                layout_times[name].append(done - built)
                sizes[name] = (len(rendered.data), rendered.pages)
                if css == "" and language == "ko":
                    (self.tmp / "typical-ko.pdf").write_bytes(rendered.data)
        for name in variants:
            size, pages = sizes[name]
            print(f"{name}:")
            print(f"  HTML   {median_ms(html_times[name])}")
            print(f"  layout {median_ms(layout_times[name])}")
            print(f"  file   {size:,} bytes, {pages} pages")
        total = {
            name: statistics.median(
                built + laid
                for built, laid in zip(
                    html_times[name], layout_times[name], strict=True
                )
            )
            for name in variants
        }
        names = list(variants)
        ratio = total[names[0]] / total[names[2]]
        english_ratio = total[names[1]] / total[names[2]]
        korean_size = sizes[names[0]][0]
        print(
            f"Korean report, HTML and layout: {total[names[0]] * 1000:,.0f} ms; "
            f"floor {total[names[2]] * 1000:,.0f} ms; ratio {ratio:.2f} "
            f"(target <= {KOREAN_TO_FLOOR_MAX}: {verdict(ratio <= KOREAN_TO_FLOOR_MAX)})"
        )
        print(f"English in NanumGothic to the floor: ratio {english_ratio:.2f}")
        print(
            f"Korean file size {korean_size / 1000:.1f} KB "
            f"(target < {SIZE_MAX_BYTES / 1000:.0f} KB: "
            f"{verdict(korean_size < SIZE_MAX_BYTES)})"
        )

    def section_memory(self, diagnostic: Any) -> None:
        print("\n== memory: a fresh process rendering one report ==")
        for language in ("ko", "en"):
            out = subprocess.run(
                [sys.executable, "-c", MEMORY_SCRIPT, str(diagnostic.pk), language],
                cwd=ROOT,
                env=self.env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            before, after, peak = (int(value) / 1024 for value in out[-3:])
            print(
                f"{language}: peak {peak:.0f} MB (resident before the render "
                f"{before:.0f} MB, after {after:.0f} MB; target < {PEAK_MEMORY_MAX_MB} "
                f"MB: {verdict(peak < PEAK_MEMORY_MAX_MB)})"
            )

    def start_worker(self, concurrency: int) -> None:
        log = (self.tmp / "worker.log").open("ab")
        self.worker = subprocess.Popen(
            [
                str(CELERY), "-A", "config", "worker", f"--concurrency={concurrency}",
                "--pool=prefork", "--loglevel=INFO", "--without-gossip",
                "--without-mingle", "--without-heartbeat", "-n", "bench-reports@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_for(
            lambda: " ready." in (self.tmp / "worker.log").read_text(errors="replace"),
            60,
            "the worker",
        )

    def stop_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker = None

    def render_all(self, reports: list[Any], timeout: float) -> float:
        """Queue the reports (fresh or again) and wait until all are ready; seconds."""
        from django.db import transaction

        from diagnostics.models import Report, ReportStatus
        from diagnostics.reports import reports_storage
        from diagnostics.tasks import render_report_task

        ids = [report.pk for report in reports]
        storage = reports_storage()
        for name in Report.objects.filter(pk__in=ids).exclude(file_name=""):
            storage.delete(name.file_name)
        started = time.perf_counter()
        with transaction.atomic():
            Report.objects.filter(pk__in=ids).update(
                status=ReportStatus.QUEUED, attempts=0, file_name="", started_at=None
            )
        for report_id in ids:
            render_report_task.delay(report_id)
        wait_for(
            lambda: (
                Report.objects.filter(pk__in=ids, status=ReportStatus.READY).count()
                == len(ids)
            ),
            timeout,
            f"{len(ids)} reports",
        )
        failed = Report.objects.filter(pk__in=ids, status=ReportStatus.FAILED).count()
        if failed:
            raise SystemExit(f"{failed} reports failed; see {self.tmp}/worker.log")
        return time.perf_counter() - started

    def worker_memory(self) -> str:
        assert self.worker is not None
        main = rss_mb(self.worker.pid)
        pool = [f"{rss_mb(pid):.0f}" for pid in children(self.worker.pid)]
        return f"main {main:.0f} MB, pool processes {' / '.join(pool)} MB"

    def section_workers(self, diagnostic: Any) -> None:
        from diagnostics.models import Report
        from diagnostics.reports import report_request

        count = self.args.throughput
        copies = self.clones(diagnostic, count)
        reports = [report_request(diagnostic=d, language="ko") for d in copies]
        self._redis().delete("celery")  # sent on commit; render_all sends them again
        self.start_worker(concurrency=2)
        try:
            first = self.render_all(reports[:1], 120)
            print("\n== soak: one worker, two pool processes ==")
            print(f"after 1 report ({first:.1f} s): {self.worker_memory()}")
            if "throughput" not in self.args.skip:
                self.render_all(reports[:2], 120)  # both pool processes warm
                elapsed = self.render_all(reports, 60 + count * 10)
                render_ms = [
                    r.render_ms
                    for r in Report.objects.filter(pk__in=[x.pk for x in reports])
                    if r.render_ms is not None
                ]
                print("\n== throughput: one worker, two pool processes ==")
                print(
                    f"{count} reports in {elapsed:.1f} s: "
                    f"{count / elapsed * 60:.0f} reports per minute; layout in the "
                    f"workers median {statistics.median(render_ms):,.0f} ms"
                )
            if "soak" in self.args.skip:
                return
            print(f"\n== soak (continued): {self.args.soak} reports ==")
            done = 1 + 2 + (0 if "throughput" in self.args.skip else count)
            batch = reports[:20]
            checkpoints = sorted({100, self.args.soak})
            started = time.perf_counter()
            while done < self.args.soak:
                size = min(len(batch), self.args.soak - done)
                self.render_all(batch[:size], 60 + size * 10)
                done += size
                while checkpoints and done >= checkpoints[0]:
                    print(f"after {done} reports: {self.worker_memory()}")
                    checkpoints.pop(0)
            print(f"({time.perf_counter() - started:.0f} s)")
        finally:
            self.stop_worker()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=9)
    parser.add_argument("--throughput", type=int, default=40)
    parser.add_argument("--soak", type=int, default=500)
    parser.add_argument("--skip", default="", help="comma-separated section names")
    args = parser.parse_args()
    args.skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is needed (scripts/setup.sh --with-test-tools).")
    sys.path.insert(0, str(ROOT))
    if os.environ.get("DATABASE_URL"):
        ensure_database(os.environ["DATABASE_URL"])
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as directory:
        tmp = Path(directory)
        bench = Bench(args, tmp)
        try:
            from django.conf import settings

            print(
                f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; database "
                f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
                f"worker_max_tasks_per_child={settings.CELERY_WORKER_MAX_TASKS_PER_CHILD}, "
                f"worker_max_memory_per_child="
                f"{settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD} KiB; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            diagnostic = bench.prepare()
            if "render" not in args.skip:
                bench.section_render(diagnostic)
            if "memory" not in args.skip:
                bench.section_memory(diagnostic)
            if not {"throughput", "soak"} <= args.skip:
                bench.section_workers(diagnostic)
            print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
        finally:
            try:
                bench.cleanup()
            finally:
                bench.close()


if __name__ == "__main__":
    main()
