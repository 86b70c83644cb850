"""The report job on a real Redis and real Celery worker processes.

Alice (firm A) submits; a worker renders her report. The worker is another process: it
must see the test database, so these tests commit (transactional tests on PostgreSQL,
DATABASE_URL) and hand the test database's name to the worker. Each test runs its own
redis-server on a free port, without persistence, so that restarting it loses what it
held, as a crashed broker would; the shared Redis is never touched.

Without PostgreSQL or redis-server these tests skip, unless REQUIRE_SERVICES=1 (CI),
where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from kombu import pools as kombu_pools

from config.celery import app as celery_app
from diagnostics.models import Report, ReportStatus
from diagnostics.reports import HEARTBEAT_CACHE_KEY, reports_sweep
from diagnostics.services import diagnostic_start, diagnostic_submit
from diagnostics.tasks import render_report_task, worker_heartbeat_task
from tests.conftest import answer_all

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CELERY = Path(sys.executable).with_name("celery")
QUEUE = "celery"


def _needs_services() -> None:
    missing = []
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL (PostgreSQL: the worker must see the test data)")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if not missing:
        return
    message = "Missing: " + ", ".join(missing)
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1: {message}")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _services_present() -> None:
    """Checked before the test's data is made: a skip costs no setup."""
    _needs_services()


def _wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


class RedisServer:
    """A redis-server of the test's own, on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--loglevel", "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for(self._answers, 10, "redis-server to start")

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)

    def queued(self) -> int:
        return int(self.client().llen(QUEUE))


def _reset_producer_connections() -> None:
    # As Celery does after a fork, and with kombu's shared pools emptied: the next
    # publish opens a new connection, to the broker configured now.
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker() -> Iterator[RedisServer]:
    """This process's Celery app publishing to a redis-server of the test's own."""
    server = RedisServer()
    server.start()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=server.url, task_always_eager=False)
    _reset_producer_connections()
    yield server
    celery_app.conf.update(saved)
    _reset_producer_connections()
    server.stop()


def _worker_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


class Worker:
    """A `celery worker` process (one pool child) on the test database and broker."""

    def __init__(self, broker: RedisServer, storage: Path, log: Path, **env: str):
        self.log = log
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # The test database, which this process created: not the configured one.
            "DATABASE_URL": _worker_database_url(),
            "REDIS_URL": broker.url,
            "REPORTS_ROOT": str(storage),
            "REPORTS_STORAGE_BACKEND": "django.core.files.storage.FileSystemStorage",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    str(CELERY), "-A", "config", "worker",
                    "--concurrency=1", "--pool=prefork", "--loglevel=INFO",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "-n", f"reports-test-{self.log.stem}@%h",
                ],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its own process group: a kill reaches the pool child too.
                start_new_session=True,
            )  # fmt: skip
        _wait_for(lambda: " ready." in self.output(), 60, "the worker to start")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its pool child: a crash, no clean shutdown."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def storage(tmp_path, settings) -> Path:
    """The report files' directory, shared by this process and the workers."""
    location = tmp_path / "reports"
    settings.STORAGES = {
        **settings.STORAGES,
        "reports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location


@pytest.fixture
def workers(broker, storage, tmp_path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        log = tmp_path / f"worker{len(started) + 1}.log"
        worker = Worker(broker, storage, log, **env)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


def _submit(user, content):
    diagnostic = diagnostic_start(company=user.company, user=user)
    answer_all(diagnostic, content, user)
    return diagnostic_submit(diagnostic=diagnostic, user=user)


def _report(diagnostic) -> Report:
    return Report.objects.get(diagnostic=diagnostic)


def _status_is(diagnostic, status: str) -> Callable[[], bool]:
    return lambda: _report(diagnostic).status == status


def _files(storage: Path, diagnostic) -> list[Path]:
    return sorted((storage / str(diagnostic.pk)).glob("*.pdf"))


def test_a_worker_renders_the_report_of_a_submission(
    alice, content, broker, workers, storage
):
    workers()
    diagnostic = _submit(alice, content)
    _wait_for(_status_is(diagnostic, ReportStatus.READY), 60, "the report")
    report = _report(diagnostic)
    assert report.attempts == 1 and report.pages >= 5
    assert [path.name for path in _files(storage, diagnostic)] == [
        Path(report.file_name).name
    ]
    # The beat-scheduled heartbeat, run by the worker, lands in its cache (Redis).
    worker_heartbeat_task.delay()
    _wait_for(
        lambda: broker.client().exists(":1:" + HEARTBEAT_CACHE_KEY),
        30,
        "the heartbeat",
    )


def test_a_report_survives_a_worker_killed_mid_render(
    alice, content, workers, storage, settings
):
    # Short limits, the same in this process (the sweep) and the workers (the claim).
    settings.REPORTS_RENDERING_STALE_SECONDS = 3
    limits = {"REPORTS_RENDERING_STALE_SECONDS": "3"}
    first = workers(REPORTS_TEST_RENDER_DELAY="60", **limits)
    diagnostic = _submit(alice, content)
    _wait_for(_status_is(diagnostic, ReportStatus.RENDERING), 60, "the render")
    first.kill()  # mid-render: its sleep comes after the layout, before the write
    assert _files(storage, diagnostic) == []

    second = workers(**limits)
    started_at = _report(diagnostic).started_at
    _wait_for(
        lambda: reports_sweep().requeued == 1,
        30,
        f"the sweep to take back the render started at {started_at}",
    )
    _wait_for(_status_is(diagnostic, ReportStatus.READY), 60, "the report")
    report = _report(diagnostic)
    assert report.attempts == 2  # the killed render and the finished one
    assert len(_files(storage, diagnostic)) == 1

    # A late second delivery of the job finds a ready report and renders nothing.
    render_report_task.delay(report.pk)
    _wait_for(lambda: second.output().count("succeeded in") == 2, 30, "the duplicate")
    again = _report(diagnostic)
    assert (again.attempts, again.rendered_at) == (2, report.rendered_at)
    assert len(_files(storage, diagnostic)) == 1


def test_a_broker_restart_loses_the_message_and_the_sweep_recovers_it(
    alice, content, broker, workers, settings
):
    diagnostic = _submit(alice, content)
    assert broker.queued() == 1
    broker.stop()
    broker.start()  # nothing persisted: the message is gone
    assert broker.queued() == 0
    _reset_producer_connections()
    worker = workers()
    assert _report(diagnostic).status == ReportStatus.QUEUED

    settings.REPORTS_QUEUED_STALE_SECONDS = 0
    assert reports_sweep().requeued == 1
    _wait_for(_status_is(diagnostic, ReportStatus.READY), 60, "the report")
    assert _report(diagnostic).attempts == 1
    # The worker logs the task's end just after the report turned ready.
    _wait_for(lambda: "succeeded in" in worker.output(), 30, "the task's end")
    assert worker.output().count("succeeded in") == 1


def test_a_rolled_back_submission_sends_nothing(alice, content, broker):
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    with pytest.raises(RuntimeError), transaction.atomic():
        diagnostic_submit(diagnostic=diagnostic, user=alice)
        raise RuntimeError("a later step of the same transaction failed")
    assert broker.queued() == 0 and not Report.objects.exists()
    diagnostic_submit(diagnostic=diagnostic, user=alice)  # committed this time
    assert broker.queued() == 1
