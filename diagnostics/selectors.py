"""Read queries for diagnostics that more than one view uses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import QuerySet

from accounts.models import Company
from diagnostics import scoring
from diagnostics.models import Answer, Diagnostic, DiagnosticStatus
from diagnostics.questionnaire import questionnaire_content

# A company's history page lists at most this many diagnostics (years of re-takes).
HISTORY_LIMIT = 50


def company_export_facts(company: Company) -> scoring.ExportFacts:
    """The export figures of the company's profile, as scoring reads them."""
    return scoring.ExportFacts(
        exports_last_year_usd=company.exports_last_year_usd,
        export_markets=company.export_markets,
        export_years=company.export_years,
        presence_level=company.presence_abroad,
    )


def submitted_diagnostics(company: Company) -> QuerySet[Diagnostic]:
    return (
        Diagnostic.objects.filter(company=company, status=DiagnosticStatus.SUBMITTED)
        .select_related("version")
        .order_by("-submitted_at")
    )


def diagnostics_overview(*, company: Company) -> dict[str, Any]:
    draft = Diagnostic.objects.filter(
        company=company, status=DiagnosticStatus.DRAFT
    ).first()
    answered = question_count = 0
    if draft is not None:
        # As the wizard counts: the questions the firm's track asks.
        content = questionnaire_content(draft.version)
        asked = content.asked(content.track_for(company_export_facts(company)))
        question_count = len(asked)
        answered = (
            Answer.objects.given()
            .filter(diagnostic=draft, question__in=[q.pk for q in asked])
            .count()
        )
    submitted = list(submitted_diagnostics(company)[:HISTORY_LIMIT])
    return {
        "draft": draft,
        "draft_answered": answered,
        "draft_question_count": question_count,
        "submitted": submitted,
        "latest": submitted[0] if submitted else None,
    }


class AnswerRow(NamedTuple):
    question_id: int
    option_id: int | None
    number_value: Decimal | None


def answers_by_question(diagnostic: Diagnostic) -> dict[int, AnswerRow]:
    """The diagnostic's given answers as plain rows (cleared ones are left out)."""
    rows = (
        Answer.objects.given()
        .filter(diagnostic=diagnostic)
        .values_list("question_id", "option_id", "number_value")
    )
    return {row[0]: AnswerRow(*row) for row in rows}


@dataclass(frozen=True)
class WizardState:
    """What a wizard page needs of a diagnostic, read in one query."""

    pk: int
    version_id: int
    status: str
    revision: int
    answers: dict[int, AnswerRow]
    # The company's export figures decide the track, so which questions are asked.
    figures: scoring.ExportFacts

    @property
    def is_submitted(self) -> bool:
        return self.status == DiagnosticStatus.SUBMITTED


def wizard_state(diagnostics: QuerySet[Diagnostic], *, pk: int) -> WizardState | None:
    """Diagnostic `pk` among `diagnostics` with its answers, in one query; or None.

    `diagnostics` is the caller's access-scoped queryset (diagnostics.access). The join
    gives one row per answer; the wizard reads it on every request.
    """
    rows = list(
        diagnostics.filter(pk=pk)
        .order_by()
        .values_list(
            "version_id",
            "status",
            "revision",
            "company__exports_last_year_usd",
            "company__export_markets",
            "company__export_years",
            "company__presence_abroad",
            "answers__question_id",
            "answers__option_id",
            "answers__number_value",
        )
    )
    if not rows:
        return None
    version_id, status, revision = rows[0][:3]
    figures = scoring.ExportFacts(*rows[0][3:7])
    answer_rows = [row[7:] for row in rows]
    # A cleared answer (no option, no number) is unanswered: see Answer.objects.given().
    answers = {
        row[0]: AnswerRow(*row)
        for row in answer_rows
        if row[1] is not None or row[2] is not None
    }
    return WizardState(pk, version_id, status, revision, answers, figures)
