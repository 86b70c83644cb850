"""The firm's diagnostic pages: dashboard, wizard, review, submit, result, history,
compare; and the public method page.

Who may use what: the firm's pages are for members of the company that owns the
diagnostic (diagnostics.access); `method` is public. Everyone else gets a 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    AuthenticatedHttpRequest,
    company_for,
    is_agency_user,
    sme_member_required,
)
from diagnostics import services
from diagnostics.access import (
    diagnostics_for_member,
    get_diagnostic_for_member,
)
from diagnostics.assisted import consultant_request_panel, verified_badge
from diagnostics.forms import StepForm, step_initial
from diagnostics.insight_presenters import peer_view
from diagnostics.models import (
    Diagnostic,
    Question,
    QuestionnaireVersion,
    VersionStatus,
)
from diagnostics.presenters import (
    answer_label,
    comparison_rows,
    contradiction_texts,
    method_view,
    result_view,
    stage_line,
)
from diagnostics.questionnaire import (
    QuestionnaireContent,
    published_version,
    questionnaire_content,
    questionnaire_content_by_id,
)
from diagnostics.review import override_notice
from diagnostics.selectors import (
    HISTORY_LIMIT,
    answers_by_question,
    company_export_facts,
    diagnostics_overview,
    submitted_diagnostics,
    wizard_state,
)
from diagnostics.statistics import peer_comparison
from programs.models import UptakeStatus
from programs.selectors import recommendations_for, with_uptake


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Any signed-in user: firms see their diagnostics; agency users their tools."""
    user = request.user
    if user.company_id is None:
        if is_agency_user(user):
            return render(request, "diagnostics/agency_home.html")
        return redirect("accounts:company")
    context = diagnostics_overview(company=company_for(user))
    return render(request, "diagnostics/home.html", context)


@sme_member_required
@require_POST
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a diagnostic, or resume the open draft (one per company)."""
    try:
        diagnostic = services.diagnostic_start(
            company=company_for(request.user),
            user=request.user,
        )
    except services.NoPublishedVersion:
        messages.error(request, _("The diagnostic is not available right now."))
        return redirect("home")
    return redirect(diagnostic.get_absolute_url())


@never_cache
@sme_member_required
@require_http_methods(["GET", "POST"])
def step(request: AuthenticatedHttpRequest, pk: int, step: int) -> HttpResponse:
    """One area's questions; saves on every navigation, refuses stale pages."""
    user = request.user
    # The most visited page: the diagnostic and its answers come in one query.
    state = wizard_state(diagnostics_for_member(user), pk=pk)
    if state is None:
        raise Http404
    if state.is_submitted:
        return redirect("diagnostics:result", pk=pk)
    content = questionnaire_content_by_id(state.version_id)
    if not 1 <= step <= content.step_count:
        raise Http404
    area_content = content.areas[step - 1]
    # The profile's export figures decide the track before any question is asked.
    track = content.track_for(state.figures)
    questions = content.asked_in(area_content, track)
    asked = content.asked(track)

    if request.method == "POST":
        form = StepForm(request.POST, questions=questions, options=content.options)
        diagnostic = get_diagnostic_for_member(user, pk)
        try:
            saved, problem = _save_step(request, diagnostic, step, form)
        except services.DiagnosticLocked:
            return redirect("diagnostics:result", pk=pk)
        if _is_autosave(request):
            return _autosave_response(
                request,
                saved,
                problem,
                progress={"step": step, "content": content, "track": track},
            )
        if saved is not None:
            return _after_save(request, saved, step, content.step_count)
        if form.is_valid():  # the page was stale: show the newer answers
            messages.error(request, problem)
            return redirect("diagnostics:step", pk=pk, step=step)
        # Invalid answers: the page comes back with its error summary on top.
        revision = form["revision"].value()
    else:
        form = StepForm(
            initial=step_initial(questions, state.answers, state.revision),
            questions=questions,
            options=content.options,
        )
        revision = state.revision
    context = {
        "area_name": area_content.area.localized("name"),
        "area_description": area_content.area.localized("description"),
        "rows": form.rows(content.options),
        "error_items": form.error_items(),
        "error_title": _("Some answers need your attention. Nothing was saved."),
        "step": step,
        "revision": revision,
        "step_count": content.step_count,
        "steps": _steps(content, track, state.answers, step),
        "answered": _answered_count(state.answers, asked),
        "question_count": len(asked),
    }
    return render(request, "diagnostics/step.html", context)


def _steps(
    content: QuestionnaireContent,
    track: str | None,
    answers: Mapping[int, object],
    step: int,
) -> list[dict[str, object]]:
    """The wizard's page buttons: each page's number, whether it is the page shown,
    and whether all its questions (those the firm's track asks) are answered."""
    asked = {question.pk for question in content.asked(track)}
    return [
        {
            "number": number,
            "current": number == step,
            "complete": all(
                question.pk in answers
                for question in area_content.questions
                if question.pk in asked
            ),
        }
        for number, area_content in enumerate(content.areas, start=1)
    ]


def _answered_count(answers: Mapping[int, object], asked: tuple[Question, ...]) -> int:
    """Answers to the questions the firm's track asks (others are kept, not counted)."""
    return sum(1 for question in asked if question.pk in answers)


def _is_autosave(request: HttpRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.POST.get("nav") == "autosave"
    )


def _save_step(
    request: AuthenticatedHttpRequest, diagnostic: Diagnostic, step: int, form: StepForm
) -> tuple[Diagnostic | None, str]:
    """Save the page's answers; returns the saved draft, or None and the reason."""
    if not form.is_valid():
        return None, _("Some answers need your attention. Nothing was saved.")
    try:
        saved = services.diagnostic_save_answers(
            diagnostic=diagnostic,
            user=request.user,
            step=step,
            values=form.answer_values(),
            base_revision=form.cleaned_data["revision"],
        )
    except services.StaleDraft as stale:
        codes = {"codes": ", ".join(stale.question_codes)}
        if _is_autosave(request):
            return None, _(
                "These answers were changed in another window or on another device "
                "(%(codes)s). Reload the page to see the newer answers."
            ) % codes
        return None, _(
            "These answers were changed in another window or on another device after "
            "you opened this page (%(codes)s). The newer answers are shown below; check "
            "them and save again."
        ) % codes
    return saved, ""


def _autosave_response(
    request: HttpRequest,
    saved: Diagnostic | None,
    problem: str,
    *,
    progress: dict[str, Any],
) -> HttpResponse:
    """The htmx reply to a change on the page: a status line, the new revision, and
    the progress line and page buttons swapped in with the new counts."""
    context: dict[str, object] = {"problem": problem, "saved": saved}
    if saved is not None:
        content: QuestionnaireContent = progress["content"]
        asked = content.asked(progress["track"])
        answers = answers_by_question(saved)
        context.update(
            answered=_answered_count(answers, asked),
            question_count=len(asked),
            step=progress["step"],
            step_count=content.step_count,
            steps=_steps(content, progress["track"], answers, progress["step"]),
            saved_at=timezone.localtime(saved.updated_at),
        )
    return render(request, "diagnostics/_autosave.html", context)


def _after_save(
    request: HttpRequest, diagnostic: Diagnostic, step: int, steps: int
) -> HttpResponse:
    navigation = request.POST.get("nav", "next")
    if navigation == "save":
        messages.success(
            request, _("Your answers are saved. Continue any time, from any device.")
        )
        return redirect("home")
    if navigation == "prev" and step > 1:
        return redirect("diagnostics:step", pk=diagnostic.pk, step=step - 1)
    if navigation.startswith("goto-") and navigation[5:].isdigit():
        target = int(navigation[5:])
        if 1 <= target <= steps:
            return redirect("diagnostics:step", pk=diagnostic.pk, step=target)
    if navigation == "review" or step >= steps:
        return redirect("diagnostics:review", pk=diagnostic.pk)
    return redirect("diagnostics:step", pk=diagnostic.pk, step=step + 1)


@never_cache
@sme_member_required
@require_GET
def review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """All answers on one page, with links back to each step; the way to submit."""
    diagnostic = get_diagnostic_for_member(request.user, pk)
    if diagnostic.is_submitted:
        return redirect("diagnostics:result", pk=diagnostic.pk)
    content = questionnaire_content(diagnostic.version)
    answers = answers_by_question(diagnostic)
    figures = company_export_facts(diagnostic.company)
    track = content.track_for(figures)
    sections = []
    missing = []
    for index, area_content in enumerate(content.areas, start=1):
        rows = [
            {
                "question": question,
                "text": question.localized("text"),
                "answer": answer_label(content, answers.get(question.pk)),
            }
            for question in content.asked_in(area_content, track)
        ]
        sections.append(
            {"step": index, "name": area_content.area.localized("name"), "rows": rows}
        )
        missing += [
            {"code": question.code, "step": index}
            for question in content.asked_in(area_content, track)
            if question.pk not in answers
        ]
    asked = content.asked(track)
    return render(
        request,
        "diagnostics/review.html",
        {
            "diagnostic": diagnostic,
            "sections": sections,
            "missing": missing,
            # Sent back by a refused submit: the list of missing questions is the
            # page's error summary.
            "submit_refused": request.GET.get("refused") == "incomplete",
            "answered": _answered_count(answers, asked),
            "question_count": len(asked),
            "track": track,
            "company": diagnostic.company,
            "contradictions": contradiction_texts(content, answers, figures),
        },
    )


@sme_member_required
@require_POST
def submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Score and freeze the diagnostic; refused while questions are unanswered."""
    diagnostic = get_diagnostic_for_member(request.user, pk)
    try:
        diagnostic = services.diagnostic_submit(
            diagnostic=diagnostic, user=request.user
        )
    except services.IncompleteDiagnostic:
        # The review page lists the missing questions, each linked to its step; sent
        # back here it shows that list as the error, once.
        return redirect(
            reverse("diagnostics:review", args=[pk]) + "?refused=incomplete"
        )
    except services.TooManyNotApplicable as refused:
        messages.error(
            request,
            _(
                "At most %(limit)d questions may be answered “not applicable”; you "
                "marked %(codes)s. Choose an answer for some of them."
            )
            % {"limit": refused.limit, "codes": ", ".join(refused.question_codes)},
        )
        return redirect("diagnostics:review", pk=pk)
    return redirect("diagnostics:result", pk=diagnostic.pk)


@sme_member_required
@require_GET
def result(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The stage on the ladder, area chart, reasons, next-stage plan, recommendations."""
    diagnostic = get_diagnostic_for_member(request.user, pk)
    if not diagnostic.is_submitted:
        return redirect(diagnostic.get_absolute_url())
    content = questionnaire_content(diagnostic.version)
    context = {
        "diagnostic": diagnostic,
        "view": result_view(content, diagnostic),
        "recommendations": with_uptake(
            recommendations_for(diagnostic), diagnostic.company_id
        ),
        "uptake_choices": UptakeStatus.choices,
        "override_notice": override_notice(diagnostic),
        "consultant_request": consultant_request_panel(diagnostic),
        "verified_share": verified_badge(diagnostic),
        "peers": peer_view(
            content,
            peer_comparison(diagnostic),
            diagnostic.company.get_industry_display(),
        ),
    }
    return render(request, "diagnostics/result.html", context)


@sme_member_required
@require_GET
def history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The company's diagnostics over time, and a form to compare two of them."""
    company = company_for(request.user)
    diagnostics = list(submitted_diagnostics(company)[:HISTORY_LIMIT])
    return render(
        request,
        "diagnostics/history.html",
        {
            "diagnostics": diagnostics,
            "chart": stage_line(diagnostics) if diagnostics else None,
        },
    )


@sme_member_required
@require_GET
def compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Two of the company's submitted diagnostics, area by area (?a=<id>&b=<id>)."""
    company = company_for(request.user)
    try:
        ids = [int(request.GET["a"]), int(request.GET["b"])]
    except (KeyError, ValueError):
        messages.error(request, _("Choose two diagnostics to compare."))
        return redirect("diagnostics:history")
    found = {d.pk: d for d in submitted_diagnostics(company).filter(pk__in=ids)}
    if any(pk not in found for pk in ids):
        raise Http404
    if ids[0] == ids[1]:
        messages.error(
            request, _("That is the same result twice: choose two different ones.")
        )
        return redirect("diagnostics:history")
    # Submitted diagnostics all have a submitted_at; the column is nullable for drafts.
    first, second = sorted((found[ids[0]], found[ids[1]]), key=lambda d: d.submitted_at)  # type: ignore[arg-type, return-value]
    rows = comparison_rows(
        (questionnaire_content(first.version), first),
        (questionnaire_content(second.version), second),
    )
    return render(
        request,
        "diagnostics/compare.html",
        {
            "first": first,
            "second": second,
            "rows": rows,
            "total_delta": (
                second.total_score - first.total_score
                if first.total_score is not None and second.total_score is not None
                else None
            ),
        },
    )


@require_GET
def method(request: HttpRequest, number: int | None = None) -> HttpResponse:
    """Public: how a version scores, generated from its data; the published version by
    default, or any published or retired one (the version a past result was scored
    with). Drafts are not public."""
    version = (
        published_version()
        if number is None
        else QuestionnaireVersion.objects.exclude(status=VersionStatus.DRAFT)
        .filter(number=number)
        .first()
    )
    if version is None:
        raise Http404
    return render(
        request,
        "diagnostics/method.html",
        method_view(questionnaire_content(version)),
    )
