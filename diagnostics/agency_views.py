"""The agency pages: submitted diagnostics for consultants and staff, scoped by region.

Who may use what: agency users holding each view's permission, within their scope
(diagnostics.access: a consultant their region, a lead consultant and staff every
region, a consultant without a region nothing). Firms and everyone else get a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import AuthenticatedHttpRequest, agency_permission_required
from diagnostics.access import get_diagnostic_for_agency_user
from diagnostics.forms import RefreshReasonForm
from diagnostics.presenters import answer_label, result_view
from diagnostics.questionnaire import questionnaire_content
from diagnostics.selectors import answers_by_question
from programs.models import RecommendationRefresh
from programs.selectors import recommendations_for
from programs.services import recommendations_refresh


@agency_permission_required("diagnostics.view_diagnostic")
@require_GET
def agency_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Consultants and staff: a firm's result, answers, recommendations and near misses."""
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    content = questionnaire_content(diagnostic.version)
    answers = answers_by_question(diagnostic)
    rows = [
        {
            "question": question,
            "text": question.localized("text"),
            "answer": answer_label(content, answers.get(question.pk)),
        }
        for question in content.questions
    ]
    recommendations = recommendations_for(diagnostic, include_near_misses=True)
    return render(
        request,
        "diagnostics/agency_detail.html",
        {
            "diagnostic": diagnostic,
            "company": diagnostic.company,
            "view": result_view(content, diagnostic),
            "rows": rows,
            "recommendations": [
                r for r in recommendations if r["kind"] == "recommended"
            ],
            "near_misses": [r for r in recommendations if r["kind"] == "near_miss"],
            "refreshes": RecommendationRefresh.objects.filter(
                diagnostic=diagnostic
            ).select_related("refreshed_by")[:10],
            "can_refresh": request.user.has_perm("programs.refresh_recommendations"),
            "refresh_form": RefreshReasonForm(auto_id="refresh-%s"),
        },
    )


@agency_permission_required("programs.refresh_recommendations")
@require_POST
def agency_refresh_recommendations(
    request: AuthenticatedHttpRequest, pk: int
) -> HttpResponse:
    """Re-compute a diagnostic's recommendations against today's catalog; audited."""
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    form = RefreshReasonForm(request.POST)
    if not form.is_valid():
        for error in form.errors["reason"]:
            # An ErrorList yields text; django-stubs also allows ValidationError items.
            messages.error(request, str(error))
        return redirect("diagnostics:agency_detail", pk=pk)
    recommendations_refresh(
        diagnostic=diagnostic,
        user=request.user,
        reason=form.cleaned_data["reason"],
    )
    messages.success(
        request, _("Recommendations were recomputed with today's catalog.")
    )
    return redirect("diagnostics:agency_detail", pk=pk)
