"""The agency pages: submitted diagnostics for consultants and staff, scoped by region.

Who may use what: agency users holding each view's permission, within their scope
(diagnostics.access: a consultant their region, a lead consultant and staff every
region, a consultant without a region nothing). Firms and everyone else get a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import AuthenticatedHttpRequest, agency_permission_required
from diagnostics.access import get_diagnostic_for_agency_user
from diagnostics.assisted import (
    agency_request_panel,
    draft_in_progress,
    verified_badge,
)
from diagnostics.forms import (
    AssignForm,
    NoteForm,
    RefreshReasonForm,
    ReviewStatusForm,
    StageOverrideForm,
)
from diagnostics.models import Diagnostic
from diagnostics.presenters import result_view
from diagnostics.questionnaire import questionnaire_content
from diagnostics.reports import gate_facts
from diagnostics.review import (
    OVERRIDE_PERMISSION,
    answer_lines,
    assignable_users,
    diagnostic_assign,
    diagnostic_override_stage,
    diagnostic_set_review_status,
    earlier_diagnostics,
    note_add,
    review_events,
    review_notes,
)
from programs.models import RecommendationRefresh
from programs.selectors import recommendations_for, with_uptake
from programs.services import recommendations_refresh


def _detail_context(
    request: AuthenticatedHttpRequest,
    diagnostic: Diagnostic,
    **forms: Form,
) -> dict[str, Any]:
    """Everything the consultant's detail page shows; `forms` replace the blank ones
    (a form sent back with its errors). A fixed number of queries, whatever the number
    of notes, events, answers or earlier diagnostics."""
    user = request.user
    content = questionnaire_content(diagnostic.version)
    recommendations = recommendations_for(diagnostic, include_near_misses=True)
    users = assignable_users(diagnostic)
    assignee = next((u for u in users if u.pk == diagnostic.assigned_to_id), None)
    if assignee is None and diagnostic.assigned_to_id is not None:
        # Assigned to someone who can no longer see it (moved region, left).
        assignee = diagnostic.assigned_to
    stage_names = [(rule.stage, rule.localized("name")) for rule in content.stage_rules]
    override_stage = diagnostic.stage_override
    blank: dict[str, Form] = {
        "note_form": NoteForm(auto_id="note-%s"),
        "assign_form": AssignForm(
            auto_id="assign-%s",
            users=users,
            initial={"assignee": diagnostic.assigned_to_id},
        ),
        "status_form": ReviewStatusForm(
            auto_id="status-%s", initial={"status": diagnostic.review_status}
        ),
        "override_form": StageOverrideForm(
            auto_id="override-%s",
            stage_names=stage_names,
            computed=diagnostic.stage,
            initial={"stage": override_stage},
        ),
    }
    blank.update(forms)
    return {
        "diagnostic": diagnostic,
        "company": diagnostic.company,
        "view": result_view(content, diagnostic),
        "answer_lines": answer_lines(content, diagnostic),
        "gates": gate_facts(content, diagnostic),
        "recommendations": with_uptake(
            [r for r in recommendations if r["kind"] == "recommended"],
            diagnostic.company_id,
        ),
        "agency_request": agency_request_panel(diagnostic),
        "draft": draft_in_progress(diagnostic.company_id),
        "verified_share": verified_badge(diagnostic),
        "near_misses": [r for r in recommendations if r["kind"] == "near_miss"],
        "refreshes": RecommendationRefresh.objects.filter(
            diagnostic=diagnostic
        ).select_related("refreshed_by")[:10],
        "can_refresh": user.has_perm("programs.refresh_recommendations"),
        "refresh_form": RefreshReasonForm(auto_id="refresh-%s"),
        "earlier": list(earlier_diagnostics(user, diagnostic)),
        "notes": review_notes(diagnostic),
        "events": review_events(diagnostic),
        "assignee": assignee,
        "can_assign_self": any(u.pk == user.pk for u in users),
        "stage_names": dict(stage_names),
        "can_override": user.has_perm(OVERRIDE_PERMISSION),
        **blank,
    }


def _redisplay(
    request: AuthenticatedHttpRequest, diagnostic: Diagnostic, **forms: Form
) -> HttpResponse:
    """The detail page again, with the form that failed and its errors; nothing saved."""
    return render(
        request,
        "diagnostics/agency_detail.html",
        _detail_context(request, diagnostic, **forms),
    )


@agency_permission_required("diagnostics.view_diagnostic")
@require_GET
def agency_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Consultants and staff: a firm's profile, answers, result, recommendations and
    near misses, its earlier diagnostics, and the review (notes, assignment, status,
    stage override, audit trail)."""
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    return render(
        request,
        "diagnostics/agency_detail.html",
        _detail_context(request, diagnostic),
    )


@agency_permission_required("diagnostics.view_diagnostic")
@require_POST
def agency_note_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add a note to the diagnostic's thread (internal: the firm never sees it)."""
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    form = NoteForm(request.POST, auto_id="note-%s")
    if form.is_valid():
        try:
            note_add(
                diagnostic=diagnostic,
                author=request.user,
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            form.add_error("body", error)
    if not form.is_valid():
        return _redisplay(request, diagnostic, note_form=form)
    messages.success(request, _("Your note was added."))
    return redirect(_detail_url(pk, "notes"))


@agency_permission_required("diagnostics.view_diagnostic")
@require_POST
def agency_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Assign the diagnostic to an agency user who can see it, or to no one."""
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    users = assignable_users(diagnostic)
    form = AssignForm(request.POST, auto_id="assign-%s", users=users)
    if form.is_valid():
        chosen = form.cleaned_data["assignee"]
        assignee = next((u for u in users if u.pk == chosen), None)
        try:
            diagnostic_assign(
                diagnostic=diagnostic, assignee=assignee, actor=request.user
            )
        except ValidationError as error:
            form.add_error("assignee", error)
    if not form.is_valid():
        return _redisplay(request, diagnostic, assign_form=form)
    if diagnostic.assigned_to_id is None:
        messages.success(request, _("This diagnostic is now assigned to no one."))
    else:
        messages.success(
            request,
            _("This diagnostic is now assigned to %(email)s.")
            % {"email": diagnostic.assigned_to.email if diagnostic.assigned_to else ""},
        )
    return redirect(_detail_url(pk, "review"))


@agency_permission_required("diagnostics.view_diagnostic")
@require_POST
def agency_set_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set the review status: new, in review or reviewed."""
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    form = ReviewStatusForm(request.POST, auto_id="status-%s")
    if form.is_valid():
        try:
            diagnostic_set_review_status(
                diagnostic=diagnostic,
                status=form.cleaned_data["status"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error("status", error)
    if not form.is_valid():
        return _redisplay(request, diagnostic, status_form=form)
    messages.success(
        request,
        _("Review status: %(status)s.")
        % {"status": diagnostic.get_review_status_display()},
    )
    return redirect(_detail_url(pk, "review"))


@agency_permission_required(OVERRIDE_PERMISSION)
@require_POST
def agency_override_stage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set the stage the firm is shown, or withdraw the override; reason required.

    Audited, shown to the firm with its reason, and its reports are rendered anew.
    """
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    content = questionnaire_content(diagnostic.version)
    form = StageOverrideForm(
        request.POST,
        auto_id="override-%s",
        stage_names=[(r.stage, r.localized("name")) for r in content.stage_rules],
        computed=diagnostic.stage,
    )
    if form.is_valid():
        try:
            diagnostic_override_stage(
                diagnostic=diagnostic,
                stage=form.cleaned_data["stage"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
    if not form.is_valid():
        return _redisplay(request, diagnostic, override_form=form)
    if diagnostic.stage_override is None:
        messages.success(request, _("The firm is shown its computed stage again."))
    else:
        messages.success(
            request,
            _("The firm is now shown stage %(stage)d, with your reason.")
            % {"stage": diagnostic.stage_override},
        )
    return redirect(_detail_url(pk, "review"))


def _detail_url(pk: int, anchor: str) -> str:
    return reverse("diagnostics:agency_detail", args=[pk]) + f"#{anchor}"


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
