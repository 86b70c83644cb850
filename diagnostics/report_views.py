"""The PDF report's pages: its status (polled by htmx), a request for it, its download;
and the health endpoint that watches the workers which render it.

Who may use what: the firm's views are for members of the company that owns the
diagnostic, the agency views for consultants (the firms of their region) and staff,
through the same access helpers as the result and agency pages. Everyone else gets a 404.
`healthz` is public and says nothing about any firm.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import (
    AuthenticatedHttpRequest,
    agency_permission_required,
    sme_member_required,
)
from diagnostics import reports
from diagnostics.access import get_diagnostic_for_agency_user, get_diagnostic_for_member
from diagnostics.models import Diagnostic, Report, ReportStatus

AGENCY_PERMISSION = "diagnostics.view_diagnostic"


def _submitted_for_user(request: AuthenticatedHttpRequest, pk: int) -> Diagnostic:
    diagnostic = get_diagnostic_for_member(request.user, pk)
    if not diagnostic.is_submitted:
        raise Http404
    return diagnostic


def _status_fragment(
    request: HttpRequest, diagnostic: Diagnostic, scope: str
) -> HttpResponse:
    return render(
        request,
        "diagnostics/_report_status.html",
        {"diagnostic": diagnostic, "report_scope": scope},
    )


def _request(
    request: HttpRequest, diagnostic: Diagnostic, scope: str, back: str
) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Choose Korean or English for the report."))
        return redirect(back, pk=diagnostic.pk)
    reports.report_request(diagnostic=diagnostic, language=language)
    if request.headers.get("HX-Request") == "true":
        return _status_fragment(request, diagnostic, scope)
    messages.success(
        request,
        _(
            "The PDF report is being prepared; it appears on this page when it is ready."
        ),
    )
    return redirect(back, pk=diagnostic.pk)


def _download(diagnostic: Diagnostic, report_id: int) -> FileResponse:
    report = Report.objects.filter(
        pk=report_id, diagnostic=diagnostic, status=ReportStatus.READY
    ).first()
    if report is None:
        raise Http404
    try:
        handle = reports.reports_storage().open(report.file_name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    report.diagnostic = diagnostic
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=reports.report_filename(report),
        content_type="application/pdf",
    )
    # A firm's report: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


# --- The firm -------------------------------------------------------------------------


@never_cache
@sme_member_required
@require_GET
def report_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The report panel alone: htmx polls it while a report is on its way."""
    return _status_fragment(request, _submitted_for_user(request, pk), "firm")


@sme_member_required
@require_POST
def report_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask for the report in a language (again, after a failure)."""
    return _request(
        request, _submitted_for_user(request, pk), "firm", "diagnostics:result"
    )


@never_cache
@sme_member_required
@require_GET
def report_download(
    request: AuthenticatedHttpRequest, pk: int, report_id: int
) -> FileResponse:
    return _download(_submitted_for_user(request, pk), report_id)


# --- Consultants and staff ------------------------------------------------------------


@never_cache
@agency_permission_required(AGENCY_PERMISSION)
@require_GET
def agency_report_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    return _status_fragment(request, diagnostic, "agency")


@agency_permission_required(AGENCY_PERMISSION)
@require_POST
def agency_report_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    return _request(request, diagnostic, "agency", "diagnostics:agency_detail")


@never_cache
@agency_permission_required(AGENCY_PERMISSION)
@require_GET
def agency_report_download(
    request: AuthenticatedHttpRequest, pk: int, report_id: int
) -> FileResponse:
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    return _download(diagnostic, report_id)


# --- Health ---------------------------------------------------------------------------


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure is the answer, not a crash
        return f"error: {type(error).__name__}"
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").ping()
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _check_worker() -> dict[str, object]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "not applicable", "detail": "tasks run in the web process"}
    try:
        beat = reports.worker_heartbeat_at()
    except Exception as error:
        return {"status": f"error: {type(error).__name__}"}
    if beat is None:
        return {"status": "no heartbeat"}
    age = (timezone.now() - beat).total_seconds()
    fresh = age <= settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS
    return {
        "status": "ok" if fresh else "stale",
        "last_heartbeat": beat.isoformat(),
        "age_seconds": round(age),
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON for a load balancer and a monitor.

    The status code says whether this web process can serve: 200 when the database and
    Redis (when configured) answer, else 503. `status` says more, for a monitor: "ok",
    "degraded" when no worker ran the beat-scheduled heartbeat within
    WORKER_HEARTBEAT_MAX_AGE_SECONDS (reports are not being rendered; pages still
    work), or "unhealthy". Without Redis, tasks run in-process and the worker check is
    "not applicable".
    """
    database, redis, worker = _check_database(), _check_redis(), _check_worker()
    checks = {"database": database, "redis": redis, "worker": worker}
    serving = database == "ok" and redis in ("ok", "not configured")
    rendering = worker["status"] in ("ok", "not applicable")
    status = "unhealthy" if not serving else "ok" if rendering else "degraded"
    return JsonResponse(
        {"status": status, "checks": checks}, status=200 if serving else 503
    )
