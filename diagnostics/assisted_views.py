"""Assisted mode (a consultant's visit to a firm) and consultant requests.

Who may use what:
- `assisted`, `assisted_save`, `agency_request_status`, `agency_visit`,
  `agency_visit_start`: agency users holding `diagnostics.view_diagnostic`, within
  their regions. Assisted mode reaches a firm's draft too
  (diagnostics.access.get_diagnostic_for_assisted_mode); the request status only a
  submitted diagnostic (get_diagnostic_for_agency_user).
- `consultant_request`, `consultant_request_cancel`: the members of the firm that owns
  the diagnostic (get_diagnostic_for_member).
Everyone else gets a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import (
    AuthenticatedHttpRequest,
    agency_permission_required,
    sme_member_required,
)
from diagnostics import services
from diagnostics.access import (
    firm_for_visit,
    firms_in_scope,
    get_diagnostic_for_agency_user,
    get_diagnostic_for_assisted_mode,
    get_diagnostic_for_member,
)
from diagnostics.assisted import (
    AnswersFrozen,
    ConsultantRequestError,
    assisted_answers_save,
    consultant_request_create,
    consultant_request_set_status,
    firm_visit_panel,
    verified_badge,
)
from diagnostics.assisted import (
    consultant_request_cancel as cancel_request,
)
from diagnostics.assisted_forms import (
    AssistedConfirmForm,
    ConsultantRequestForm,
    FirmLookupForm,
    RequestStatusForm,
)
from diagnostics.forms import StepForm, step_initial
from diagnostics.models import Answer, Diagnostic
from diagnostics.presenters import answer_label
from diagnostics.questionnaire import (
    AreaContent,
    QuestionnaireContent,
    questionnaire_content,
)
from diagnostics.selectors import AnswerRow, company_export_facts

VIEW_PERMISSION = "diagnostics.view_diagnostic"


# --- Assisted mode --------------------------------------------------------------------


def _track(content: QuestionnaireContent, diagnostic: Diagnostic) -> str | None:
    """The firm's track: frozen in the result once submitted; else from its profile."""
    if diagnostic.is_submitted and diagnostic.result is not None:
        track: str | None = diagnostic.result.get("track")
        return track
    return content.track_for(company_export_facts(diagnostic.company))


def _answer_details(diagnostic: Diagnostic) -> dict[int, dict[str, Any]]:
    """Every given answer with who wrote and who verified it, in one query."""
    rows = (
        Answer.objects.given()
        .filter(diagnostic=diagnostic)
        .values_list(
            "question_id",
            "option_id",
            "number_value",
            "answered_by__email",
            "verified_by__email",
            "verified_at",
        )
    )
    return {
        row[0]: {
            "row": AnswerRow(*row[:3]),
            "answered_by": row[3],
            "verified_by": row[4],
            "verified_at": row[5],
        }
        for row in rows
    }


def _assisted_page(
    request: AuthenticatedHttpRequest,
    diagnostic: Diagnostic,
    *,
    bound: tuple[str, StepForm] | None = None,
) -> HttpResponse:
    content = questionnaire_content(diagnostic.version)
    track = _track(content, diagnostic)
    details = _answer_details(diagnostic)
    answers = {pk: item["row"] for pk, item in details.items()}
    editable = not diagnostic.is_submitted
    sections = []
    for number, area_content in enumerate(content.areas, start=1):
        questions = content.asked_in(area_content, track)
        code = area_content.area.code
        form: StepForm | None = None
        if editable:
            if bound is not None and bound[0] == code:
                form = bound[1]
            else:
                form = StepForm(
                    initial=step_initial(questions, answers, diagnostic.revision),
                    questions=questions,
                    options=content.options,
                )
        inputs = form.rows(content.options) if form is not None else None
        rows = []
        for index, question in enumerate(questions):
            detail = details.get(question.pk)
            rows.append(
                {
                    "question": question,
                    "code": question.code,
                    "text": question.localized("text"),
                    "answer": answer_label(content, detail["row"] if detail else None),
                    "answered_by": detail["answered_by"] if detail else None,
                    "verified_by": detail["verified_by"] if detail else None,
                    "verified_at": detail["verified_at"] if detail else None,
                    "input": inputs[index] if inputs is not None else None,
                }
            )
        sections.append(
            {
                "number": number,
                "code": code,
                "name": area_content.area.localized("name"),
                "rows": rows,
                "answered": sum(1 for row in rows if row["answer"] is not None),
                "verified": sum(1 for row in rows if row["verified_by"]),
                "form": form,
                "error_items": form.error_items() if form is not None else [],
            }
        )
    return render(
        request,
        "diagnostics/assisted.html",
        {
            "diagnostic": diagnostic,
            "company": diagnostic.company,
            "editable": editable,
            "sections": sections,
            "revision": diagnostic.revision,
            "verified_share": verified_badge(diagnostic),
        },
    )


@never_cache
@agency_permission_required(VIEW_PERMISSION)
@require_GET
def assisted(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every question by area, its answer, who gave it and whether it was verified."""
    diagnostic = get_diagnostic_for_assisted_mode(request.user, pk)
    return _assisted_page(request, diagnostic)


def _frozen_message() -> str:
    return _(
        "This diagnostic has been submitted: its answers can only be confirmed now, "
        "not changed. To change answers, the firm starts a new diagnostic."
    )


def _area(content: QuestionnaireContent, code: str) -> AreaContent | None:
    return next((a for a in content.areas if a.area.code == code), None)


@agency_permission_required(VIEW_PERMISSION)
@require_POST
def assisted_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One area: answers entered or changed (drafts), and the answers confirmed."""
    diagnostic = get_diagnostic_for_assisted_mode(request.user, pk)
    page = reverse("diagnostics:assisted", args=[pk])
    content = questionnaire_content(diagnostic.version)
    area_content = _area(content, request.POST.get("area", ""))
    if area_content is None:
        messages.error(request, _("Choose the answers to confirm in one area."))
        return redirect(page)
    questions = content.asked_in(area_content, _track(content, diagnostic))
    question_ids = [question.pk for question in questions]
    confirm = AssistedConfirmForm(request.POST, question_ids=question_ids)
    if not confirm.is_valid():
        messages.error(request, _("Choose the answers to confirm in one area."))
        return redirect(page)
    verify_ids = (
        question_ids
        if confirm.cleaned_data["verify_area"]
        else confirm.cleaned_data["verify"]
    )
    values = None
    base_revision = None
    if diagnostic.is_submitted and "revision" in request.POST:
        # The page was the draft's: the firm submitted meanwhile, and the answers it
        # carried would be dropped unseen. Nothing is saved; the page shows what now is.
        messages.error(request, _frozen_message())
        return redirect(f"{page}#area-{area_content.area.code}")
    if not diagnostic.is_submitted:
        form = StepForm(request.POST, questions=questions, options=content.options)
        if not form.is_valid():
            return _assisted_page(
                request, diagnostic, bound=(area_content.area.code, form)
            )
        values = form.answer_values()
        base_revision = form.cleaned_data["revision"]
    try:
        verified = assisted_answers_save(
            diagnostic=diagnostic,
            consultant=request.user,
            values=values,
            verify_question_ids=verify_ids,
            base_revision=base_revision,
        )
    except services.StaleDraft as stale:
        messages.error(
            request,
            _(
                "The firm changed these answers after this page was opened "
                "(%(codes)s). The newer answers are shown; check them and save again."
            )
            % {"codes": ", ".join(stale.question_codes)},
        )
    except AnswersFrozen:
        messages.error(request, _frozen_message())
    else:
        if values is not None:
            messages.success(
                request,
                _("Answers saved as verified; %(count)d more answers confirmed.")
                % {"count": verified},
            )
        else:
            messages.success(
                request, _("%(count)d answers confirmed.") % {"count": verified}
            )
    return redirect(f"{page}#area-{area_content.area.code}")


# --- Visiting a firm -------------------------------------------------------------------


@never_cache
@agency_permission_required(VIEW_PERMISSION)
@require_GET
def agency_visit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Look a firm up by its business registration number (?business_number=) to open
    its diagnostic in assisted mode, or start one with it; for firms that have
    submitted nothing yet, which the queue does not list."""
    form = FirmLookupForm(request.GET if "business_number" in request.GET else None)
    panel = None
    if form.is_valid():
        company = firm_for_visit(request.user, form.cleaned_data["business_number"])
        if company is None:
            form.add_error(
                "business_number",
                _("No firm in your regions has this business registration number."),
            )
        else:
            panel = firm_visit_panel(company)
    return render(
        request, "diagnostics/agency_visit.html", {"form": form, **(panel or {})}
    )


@agency_permission_required(VIEW_PERMISSION)
@require_POST
def agency_visit_start(
    request: AuthenticatedHttpRequest, company_pk: int
) -> HttpResponse:
    """Open the firm's diagnostic in progress in assisted mode, starting one if it has
    none (the consultant is recorded as the one who started it)."""
    company = get_object_or_404(firms_in_scope(request.user), pk=company_pk)
    try:
        draft = services.diagnostic_start(company=company, user=request.user)
    except services.NoPublishedVersion:
        messages.error(request, _("No questionnaire is published yet."))
        return redirect(
            reverse("diagnostics:agency_visit")
            + f"?business_number={company.business_number}"
        )
    return redirect("diagnostics:assisted", pk=draft.pk)


# --- Consultant requests: the firm --------------------------------------------------------


def _result_panel(pk: int) -> str:
    return reverse("diagnostics:result", args=[pk]) + "#consultant-request"


@sme_member_required
@require_POST
def consultant_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The firm asks for a consultant's call or visit about its result."""
    diagnostic = get_diagnostic_for_member(request.user, pk)
    form = ConsultantRequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_result_panel(pk))
    try:
        consultant_request_create(
            diagnostic=diagnostic,
            user=request.user,
            kind=form.cleaned_data["kind"],
            preferred_time=form.cleaned_data["preferred_time"],
            message=form.cleaned_data["message"],
        )
    except ConsultantRequestError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _(
                "Your request was sent to the consultants of your region. You see its "
                "status on this page."
            ),
        )
    return redirect(_result_panel(pk))


@sme_member_required
@require_POST
def consultant_request_cancel(
    request: AuthenticatedHttpRequest, pk: int
) -> HttpResponse:
    """The firm withdraws its open request."""
    diagnostic = get_diagnostic_for_member(request.user, pk)
    try:
        cancel_request(diagnostic=diagnostic, user=request.user)
    except ConsultantRequestError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Your request for a consultant was cancelled."))
    return redirect(_result_panel(pk))


# --- Consultant requests: the consultant ----------------------------------------------------


@agency_permission_required(VIEW_PERMISSION)
@require_POST
def agency_request_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A consultant schedules, completes or cancels the firm's request; audited."""
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)
    detail = reverse("diagnostics:agency_detail", args=[pk]) + "#consultant-request"
    form = RequestStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status for the request."))
        return redirect(detail)
    consultant_request_obj = get_object_or_404(
        diagnostic.consultant_requests, pk=form.cleaned_data["request"]
    )
    try:
        consultant_request_set_status(
            request=consultant_request_obj,
            status=form.cleaned_data["status"],
            actor=request.user,
        )
    except ConsultantRequestError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The request's status was updated."))
    return redirect(detail)
