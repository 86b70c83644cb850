"""Read queries for diagnostics that more than one view uses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import QuerySet

from accounts.compiled_query import CompiledQuery
from accounts.models import Company, User
from diagnostics.models import Answer, Diagnostic, DiagnosticStatus
from diagnostics.questionnaire import questionnaire_content

# A company's history page lists at most this many diagnostics (years of re-takes).
HISTORY_LIMIT = 50
AGENCY_PAGE_SIZE = 50


def diagnostics_in_scope(user: User) -> QuerySet[Diagnostic]:
    """Submitted diagnostics an agency user may read.

    Staff and consultants without a region (lead consultants) see every firm; a
    consultant with a region sees the firms of that region.
    """
    submitted = Diagnostic.objects.filter(status=DiagnosticStatus.SUBMITTED)
    if user.is_staff or user.is_superuser or not user.region:
        return submitted
    return submitted.filter(company__region=user.region)


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
    answered = Answer.objects.given().filter(diagnostic=draft).count() if draft else 0
    question_count = len(questionnaire_content(draft.version).questions) if draft else 0
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

    @property
    def is_submitted(self) -> bool:
        return self.status == DiagnosticStatus.SUBMITTED


# The most requested query: the compiled SQL is reused (see CompiledQuery). No ORDER
# BY: it reads one diagnostic, and compiling Meta.ordering would cost more than the rest.
_WIZARD_STATE = CompiledQuery(
    lambda pk, company_id: (
        Diagnostic.objects.filter(pk=pk, company_id=company_id)
        .order_by()
        .values_list(
            "version_id",
            "status",
            "revision",
            "answers__question_id",
            "answers__option_id",
            "answers__number_value",
        )
    ),
    ["pk", "company_id"],
)


def wizard_state(*, company_id: int, pk: int) -> WizardState | None:
    """The company's diagnostic `pk` with its answers (one row per answer), or None."""
    rows = _WIZARD_STATE.rows(pk=pk, company_id=company_id)
    if not rows:
        return None
    version_id, status, revision = rows[0][:3]
    # A cleared answer (no option, no number) is unanswered: see Answer.objects.given().
    answers = {
        row[3]: AnswerRow(*row[3:])
        for row in rows
        if row[4] is not None or row[5] is not None
    }
    return WizardState(pk, version_id, status, revision, answers)
