"""Agency insight: the statistics page, and a firm's answer on a recommended program.

Who may use what: the statistics page is for agency users holding
`diagnostics.view_diagnostic`, within their scope (a consultant their regions, lead
consultants and staff every region); the uptake form is for the firm's own members
(404 for anyone else, as every firm page).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import (
    AuthenticatedHttpRequest,
    agency_permission_required,
    sme_member_required,
)
from diagnostics.access import get_diagnostic_for_member
from diagnostics.insight import FLOOR
from diagnostics.insight_presenters import statistics_view
from diagnostics.statistics import agency_statistics
from programs.forms import UptakeForm
from programs.models import Recommendation
from programs.services import program_uptake_set


@agency_permission_required("diagnostics.view_diagnostic")
@require_GET
def agency_statistics_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Stage distribution, movement, time to review and uptake, k-anonymous."""
    statistics = agency_statistics(request.user)
    return render(
        request,
        "diagnostics/statistics.html",
        {
            "statistics": statistics,
            "view": statistics_view(statistics),
            "floor": FLOOR,
        },
    )


@sme_member_required
@require_POST
def program_uptake(
    request: AuthenticatedHttpRequest, pk: int, recommendation_id: int
) -> HttpResponse:
    """The firm marks a recommended program applied for, received or not relevant."""
    diagnostic = get_diagnostic_for_member(request.user, pk)
    try:
        recommendation = Recommendation.objects.select_related("diagnostic").get(
            pk=recommendation_id,
            diagnostic=diagnostic,
            kind=Recommendation.Kind.RECOMMENDED,
            program__isnull=False,
        )
    except Recommendation.DoesNotExist:
        raise Http404 from None
    form = UptakeForm(request.POST)
    if form.is_valid():
        program_uptake_set(
            recommendation=recommendation,
            status=form.cleaned_data["status"] or None,
            user=request.user,
        )
        messages.success(request, _("Saved what you did with this program."))
    else:
        messages.error(request, _("Choose one of the answers offered."))
    return redirect(f"{diagnostic.get_absolute_url()}#program-{recommendation.pk}")
