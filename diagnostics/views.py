"""The diagnostic wizard, review, submit, result, history, the public method page, and
the agency pages.

Who may use what: the firm's pages are for members of the company that owns the
diagnostic; `method` is public; the agency pages are for consultants (the firms of their
region) and staff. Everyone else gets a 404.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import agency_permission_required, company_for, sme_member_required
from accounts.models import User
from diagnostics import services
from diagnostics.forms import RefreshReasonForm, StepForm, step_initial
from diagnostics.models import Answer, Diagnostic
from diagnostics.presenters import comparison_rows, result_view, stage_line
from diagnostics.questionnaire import (
    AreaContent,
    QuestionnaireContent,
    published_version,
    questionnaire_content,
    questionnaire_content_by_id,
)
from diagnostics.selectors import (
    AGENCY_PAGE_SIZE,
    HISTORY_LIMIT,
    AnswerRow,
    answers_by_question,
    diagnostics_in_scope,
    submitted_diagnostics,
    wizard_state,
)
from programs.models import RecommendationRefresh
from programs.selectors import recommendations_for
from programs.services import recommendations_refresh


def get_diagnostic_for_user(user: User, pk: int) -> Diagnostic:
    """The diagnostic if it belongs to the user's company; else 404."""
    if user.company_id is None:
        raise Http404
    try:
        # get(), not first(): no ORDER BY to compile for a single row.
        return Diagnostic.objects.select_related("version").get(
            pk=pk, company_id=user.company_id
        )
    except Diagnostic.DoesNotExist:
        raise Http404 from None


@sme_member_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Start a diagnostic, or resume the open draft (one per company)."""
    try:
        diagnostic = services.diagnostic_start(
            company=company_for(request.user),
            user=request.user,  # type: ignore[arg-type]
        )
    except services.NoPublishedVersion:
        messages.error(request, _("The diagnostic is not available right now."))
        return redirect("accounts:home")
    return redirect(diagnostic.get_absolute_url())


@never_cache
@sme_member_required
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    """One area's questions; saves on every navigation, refuses stale pages."""
    user: User = request.user  # type: ignore[assignment]
    # The most visited page: the diagnostic and its answers come in one query.
    state = wizard_state(company_id=user.company_id, pk=pk)  # type: ignore[arg-type]
    if state is None:
        raise Http404
    if state.is_submitted:
        return redirect("diagnostics:result", pk=pk)
    content = questionnaire_content_by_id(state.version_id)
    if not 1 <= step <= content.step_count:
        raise Http404
    area_content = content.areas[step - 1]
    questions = area_content.questions

    if request.method == "POST":
        form = StepForm(request.POST, questions=questions, options=content.options)
        diagnostic = get_diagnostic_for_user(user, pk)
        try:
            saved, problem = _save_step(request, diagnostic, step, form)
        except services.DiagnosticLocked:
            return redirect("diagnostics:result", pk=pk)
        if _is_autosave(request):
            return _autosave_response(request, saved, problem, len(content.questions))
        if saved is not None:
            return _after_save(request, saved, step, content.step_count)
        messages.error(request, problem)
        if form.is_valid():  # the page was stale: show the newer answers
            return redirect("diagnostics:step", pk=pk, step=step)
        revision, questions_key = form["revision"].value(), None
    else:
        initial = step_initial(questions, state.answers, state.revision)
        form = SimpleLazyObject(
            lambda: StepForm(
                initial=initial, questions=questions, options=content.options
            )
        )
        revision = state.revision
        # A blank or answered page looks the same for every firm with those answers.
        questions_key = f"{state.version_id}:{step}:{_answers_signature(initial)}"
    context = {
        "area_name": area_content.area.localized("name"),
        "area_description": area_content.area.localized("description"),
        "rows": SimpleLazyObject(lambda: form.rows(content.options)),
        "questions_key": questions_key,
        "step": step,
        "revision": revision,
        "step_count": content.step_count,
        "steps": range(1, content.step_count + 1),
        "answered": len(state.answers),
        "question_count": len(content.questions),
    }
    return render(request, "diagnostics/step.html", context)


def _answers_signature(initial: dict[str, object]) -> str:
    answers = sorted((k, v) for k, v in initial.items() if k.startswith("q_"))
    return ";".join(f"{name}={value}" for name, value in answers)


def _is_autosave(request: HttpRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.POST.get("nav") == "autosave"
    )


def _save_step(
    request: HttpRequest, diagnostic: Diagnostic, step: int, form: StepForm
) -> tuple[Diagnostic | None, str]:
    """Save the page's answers; returns the saved draft, or None and the reason."""
    if not form.is_valid():
        return None, _("Some answers need your attention. Nothing was saved.")
    try:
        saved = services.diagnostic_save_answers(
            diagnostic=diagnostic,
            user=request.user,  # type: ignore[arg-type]
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
    request: HttpRequest, saved: Diagnostic | None, problem: str, question_count: int
) -> HttpResponse:
    """The htmx reply to a change on the page: a status line and the new revision."""
    context: dict[str, object] = {"problem": problem, "saved": saved}
    if saved is not None:
        context.update(
            answered=Answer.objects.given().filter(diagnostic=saved).count(),
            question_count=question_count,
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
        return redirect("accounts:home")
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
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """All answers on one page, with links back to each step; the way to submit."""
    diagnostic = get_diagnostic_for_user(request.user, pk)  # type: ignore[arg-type]
    if diagnostic.is_submitted:
        return redirect("diagnostics:result", pk=diagnostic.pk)
    content = questionnaire_content(diagnostic.version)
    answers = answers_by_question(diagnostic)
    sections = []
    for index, area_content in enumerate(content.areas, start=1):
        rows = []
        for question in area_content.questions:
            answer = answers.get(question.pk)
            rows.append(
                {
                    "question": question,
                    "text": question.localized("text"),
                    "answer": _answer_label(content, answer),
                }
            )
        sections.append(
            {"step": index, "name": area_content.area.localized("name"), "rows": rows}
        )
    missing = [q for q in content.questions if q.pk not in answers]
    return render(
        request,
        "diagnostics/review.html",
        {
            "diagnostic": diagnostic,
            "sections": sections,
            "missing": missing,
            "answered": len(answers),
            "question_count": len(content.questions),
        },
    )


def _answer_label(
    content: QuestionnaireContent, answer: AnswerRow | None
) -> str | None:
    if answer is None:
        return None
    if answer.option_id is not None:
        return content.option_by_id[answer.option_id].localized("label")
    question = content.question_by_id[answer.question_id]
    unit = question.localized("unit")
    number = f"{answer.number_value.normalize():f}"
    return f"{number} {unit}".strip()


@sme_member_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Score and freeze the diagnostic; refused while questions are unanswered."""
    diagnostic = get_diagnostic_for_user(request.user, pk)  # type: ignore[arg-type]
    try:
        diagnostic = services.diagnostic_submit(
            diagnostic=diagnostic, user=request.user
        )  # type: ignore[arg-type]
    except services.IncompleteDiagnostic as incomplete:
        count = len(incomplete.question_codes)
        messages.error(
            request,
            ngettext(
                "%(count)d question is still unanswered: %(codes)s.",
                "%(count)d questions are still unanswered: %(codes)s.",
                count,
            )
            % {"count": count, "codes": ", ".join(incomplete.question_codes)},
        )
        return redirect("diagnostics:review", pk=pk)
    return redirect("diagnostics:result", pk=diagnostic.pk)


@sme_member_required
@require_GET
def result(request: HttpRequest, pk: int) -> HttpResponse:
    """The stage on the ladder, area chart, reasons, next-stage plan, recommendations."""
    diagnostic = get_diagnostic_for_user(request.user, pk)  # type: ignore[arg-type]
    if not diagnostic.is_submitted:
        return redirect(diagnostic.get_absolute_url())
    content = questionnaire_content(diagnostic.version)
    # Lazy: the page body is a cached fragment keyed on the frozen result, so on a
    # cache hit neither the wording nor the recommendations query is needed.
    context = {
        "diagnostic": diagnostic,
        "view": SimpleLazyObject(lambda: result_view(content, diagnostic)),
        "recommendations": SimpleLazyObject(lambda: recommendations_for(diagnostic)),
    }
    return render(request, "diagnostics/result.html", context)


@sme_member_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    """The company's diagnostics over time, and a form to compare two of them."""
    company = company_for(request.user)  # type: ignore[arg-type]
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
def compare(request: HttpRequest) -> HttpResponse:
    """Two of the company's submitted diagnostics, area by area (?a=<id>&b=<id>)."""
    company = company_for(request.user)  # type: ignore[arg-type]
    try:
        ids = [int(request.GET["a"]), int(request.GET["b"])]
    except (KeyError, ValueError):
        messages.error(request, _("Choose two diagnostics to compare."))
        return redirect("diagnostics:history")
    found = {d.pk: d for d in submitted_diagnostics(company).filter(pk__in=ids)}
    if any(pk not in found for pk in ids):
        raise Http404
    first, second = sorted((found[ids[0]], found[ids[1]]), key=lambda d: d.submitted_at)  # type: ignore[arg-type, return-value]
    rows = comparison_rows(
        (questionnaire_content(first.version), first),
        (questionnaire_content(second.version), second),
    )
    return render(
        request,
        "diagnostics/compare.html",
        {"first": first, "second": second, "rows": rows},
    )


@require_GET
def method(request: HttpRequest) -> HttpResponse:
    """Public: how the published version scores, generated from its data."""
    version = published_version()
    if version is None:
        raise Http404
    content = questionnaire_content(version)
    total_weight = sum(q.weight for q in content.questions)
    areas = [
        _method_area(content, area_content, total_weight)
        for area_content in content.areas
    ]
    rules = [
        {
            "rule": rule,
            "name": rule.localized("name"),
            "rationale": rule.localized("rationale"),
            "facts": [
                content.facts[code].localized("label")
                for code in sorted(content.required_facts[rule.pk])
            ],
        }
        for rule in content.stage_rules
    ]
    return render(
        request,
        "diagnostics/method.html",
        {"version": version, "areas": areas, "rules": rules},
    )


def _method_area(
    content: QuestionnaireContent, area_content: AreaContent, total_weight: Decimal
) -> dict[str, object]:
    weight = sum(q.weight for q in area_content.questions)
    rows = []
    for question in area_content.questions:
        options = [
            f"{option.localized('label')} ({option.points.normalize():f})"
            for option in content.options[question.pk]
        ]
        rows.append(
            {
                "code": question.code,
                "text": question.localized("text"),
                "weight": question.weight,
                "options": options,
            }
        )
    return {
        "name": area_content.area.localized("name"),
        "questions": area_content.questions,
        "rows": rows,
        "weight": weight,
        "share": weight * 100 / total_weight,
    }


# --- Agency views: consultants and staff, scoped to their region ---------------------------


def get_diagnostic_for_agency_user(user: User, pk: int) -> Diagnostic:
    """A submitted diagnostic within the user's scope (see diagnostics_in_scope); else 404."""
    diagnostic = (
        diagnostics_in_scope(user)
        .select_related("version", "company")
        .filter(pk=pk)
        .first()
    )
    if diagnostic is None:
        raise Http404
    return diagnostic


@agency_permission_required("diagnostics.view_diagnostic")
@require_GET
def agency_list(request: HttpRequest) -> HttpResponse:
    """Consultants and staff: submitted diagnostics in their scope, newest first."""
    paginator = Paginator(
        diagnostics_in_scope(request.user)  # type: ignore[arg-type]
        .select_related("company")
        .only(
            "pk",
            "stage",
            "total_score",
            "submitted_at",
            "company__name_ko",
            "company__name_en",
            "company__region",
            "company__industry",
        )
        .order_by("-submitted_at", "-pk"),
        AGENCY_PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "diagnostics/agency_list.html", {"page": page})


@agency_permission_required("diagnostics.view_diagnostic")
@require_GET
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Consultants and staff: a firm's result, answers, recommendations and near misses."""
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)  # type: ignore[arg-type]
    content = questionnaire_content(diagnostic.version)
    answers = answers_by_question(diagnostic)
    rows = [
        {
            "question": question,
            "text": question.localized("text"),
            "answer": _answer_label(content, answers.get(question.pk)),
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
def agency_refresh_recommendations(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-compute a diagnostic's recommendations against today's catalog; audited."""
    diagnostic = get_diagnostic_for_agency_user(request.user, pk)  # type: ignore[arg-type]
    form = RefreshReasonForm(request.POST)
    if not form.is_valid():
        for error in form.errors["reason"]:
            messages.error(request, error)
        return redirect("diagnostics:agency_detail", pk=pk)
    recommendations_refresh(
        diagnostic=diagnostic,
        user=request.user,  # type: ignore[arg-type]
        reason=form.cleaned_data["reason"],
    )
    messages.success(
        request, _("Recommendations were recomputed with today's catalog.")
    )
    return redirect("diagnostics:agency_detail", pk=pk)
