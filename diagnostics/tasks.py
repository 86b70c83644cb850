"""Celery tasks of the diagnostics app: thin wrappers that each call one service."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.conf import settings

from diagnostics import reports


class ReportTask(Task):
    """Marks the report failed when its task fails for good (retries spent, or a bug)."""

    def on_failure(
        self,
        exc: BaseException,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: Any,
    ) -> None:
        report_id = args[0] if args else kwargs.get("report_id")
        if report_id is not None:
            reports.report_mark_failed(report_id=report_id, error=exc)


@shared_task(
    bind=True,
    base=ReportTask,
    serializer="json",
    # Acknowledged after it ran, and re-queued if the worker process dies mid-render:
    # the claim in report_render makes a second delivery harmless.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=reports.TRANSIENT_ERRORS,
    # Every retry is an attempt; report_render refuses once they are spent.
    max_retries=settings.REPORTS_MAX_ATTEMPTS - 1,
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
    soft_time_limit=settings.REPORTS_SOFT_TIME_LIMIT,
    time_limit=settings.REPORTS_TIME_LIMIT,
)
def render_report_task(self: Task, report_id: int) -> None:
    reports.report_render(report_id=report_id)


@shared_task(serializer="json", acks_late=True, soft_time_limit=240, time_limit=300)
def reports_sweep_task() -> None:
    reports.reports_sweep()


@shared_task(serializer="json", soft_time_limit=20, time_limit=30)
def worker_heartbeat_task() -> None:
    reports.worker_heartbeat_record()
