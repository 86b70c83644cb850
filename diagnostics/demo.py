"""Answer sets for demo data, the benchmark and the tests, filled in through the services."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from accounts.models import User
from diagnostics.models import Diagnostic, Option, Question, QuestionKind
from diagnostics.questionnaire import QuestionnaireContent
from diagnostics.services import AnswerValue, diagnostic_save_answers

Chooser = Callable[[Question, Sequence[Option]], AnswerValue]


def answer_value(question: Question, option: Option) -> AnswerValue:
    """The answer that picks `option`: its id, or for a number band its lowest value."""
    if question.kind == QuestionKind.NUMBER:
        low = option.band_min if option.band_min is not None else question.number_min
        return AnswerValue(number=Decimal(low or 0))
    return AnswerValue(option_id=option.pk)


def _scored(options: Sequence[Option]) -> list[Option]:
    # "Not applicable" is no level of answer: neither the best nor the worst.
    return [option for option in options if not option.not_applicable]


def best(question: Question, options: Sequence[Option]) -> AnswerValue:
    chosen = max(_scored(options), key=lambda o: (o.points, o.order))
    return answer_value(question, chosen)


def worst(question: Question, options: Sequence[Option]) -> AnswerValue:
    chosen = min(_scored(options), key=lambda o: (o.points, -o.order))
    return answer_value(question, chosen)


def diagnostic_fill(
    *,
    diagnostic: Diagnostic,
    content: QuestionnaireContent,
    user: User,
    choose: Chooser = best,
) -> Diagnostic:
    """Answer every question of a draft, page by page, as a firm would."""
    for step, area_content in enumerate(content.areas, start=1):
        values = {
            question.pk: choose(question, content.options[question.pk])
            for question in area_content.questions
        }
        diagnostic = diagnostic_save_answers(
            diagnostic=diagnostic,
            user=user,
            step=step,
            values=values,
            base_revision=diagnostic.revision,
        )
    return diagnostic
