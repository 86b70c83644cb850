"""The consultants' queue and its export.

Who may use what: agency users holding `diagnostics.view_diagnostic`, within their
scope (diagnostics.access: a consultant their regions, a lead consultant and staff
every region, a consultant without a region nothing). Firms and everyone else get a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import AuthenticatedHttpRequest, agency_permission_required
from accounts.models import Industry, Region
from diagnostics.access import sees_all_regions
from diagnostics.export import csv_chunks, export_rows, xlsx_file
from diagnostics.models import Phase, ReviewStatus
from diagnostics.queue import (
    QUESTION_COUNT,
    QUEUE_PAGE_SIZE,
    QueueFilter,
    phase_of,
    queue_counts,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@agency_permission_required("diagnostics.view_diagnostic")
@require_GET
def agency_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The queue: submitted diagnostics in the user's scope, filtered from the URL."""
    filterset = QueueFilter(request.GET, user=request.user)
    errors = filterset.error_messages()
    counts = queue_counts(filterset)
    status = filterset.form.cleaned_data.get("status") or ""
    queryset = filterset.qs.select_related("company", "assigned_to").only(
        "pk",
        "stage",
        "stage_override",
        "total_score",
        "submitted_at",
        "review_status",
        "verified_answers",
        "company__name_ko",
        "company__name_en",
        "company__region",
        "company__industry",
        "assigned_to__email",
        "assigned_to__first_name",
        "assigned_to__last_name",
    )
    paginator = Paginator(queryset, QUEUE_PAGE_SIZE)
    # The total is known from the counts: no separate COUNT query.
    paginator.count = counts[status] if status else counts["total"]
    page = paginator.get_page(request.GET.get("page"))
    # Labels looked up once: get_FOO_display() translates every choice on each call.
    phases = dict(Phase.choices)
    regions = {code: str(label) for code, label in Region.choices}
    industries = {code: str(label) for code, label in Industry.choices}
    review_statuses = {code: str(label) for code, label in ReviewStatus.choices}
    rows = [
        {
            "diagnostic": d,
            "region": regions.get(d.company.region, d.company.region),
            "industry": industries.get(d.company.industry, d.company.industry),
            "review_status": review_statuses.get(d.review_status, d.review_status),
            "phase": phases.get(phase_of(d.effective_stage), ""),
            "verified_percent": round(100 * d.verified_answers / QUESTION_COUNT),
        }
        for d in page
    ]
    statuses = [
        {"value": value, "label": label, "count": counts[value]}
        for value, label in ReviewStatus.choices
    ]
    return render(
        request,
        "diagnostics/agency_list.html",
        {
            "filter": filterset,
            "errors": errors,
            "page": page,
            "rows": rows,
            "statuses": statuses,
            "status": status,
            "total": counts["total"],
            "sees_all_regions": sees_all_regions(request.user),
            "is_filtered": any(
                value for key, value in request.GET.items() if key not in {"page"}
            ),
        },
    )


@agency_permission_required("diagnostics.view_diagnostic")
@require_GET
def agency_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """The filtered queue, every page of it, as CSV or XLSX; streamed."""
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    filterset = QueueFilter(request.GET, user=request.user)
    if filterset.error_messages():
        # The queue page says what is wrong; nothing is exported under a filter
        # that was not understood.
        for error in filterset.error_messages():
            messages.error(request, error)
        query = request.GET.urlencode()
        return redirect(
            reverse("diagnostics:agency_list") + (f"?{query}" if query else "")
        )
    rows = export_rows(filterset.qs)
    filename = f"exportready-diagnostics-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_chunks(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        xlsx_file(rows), as_attachment=True, filename=filename, content_type=XLSX_TYPE
    )
