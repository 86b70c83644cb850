"""Diagnostic and question-bank services, called directly (no views, no permissions)."""

from __future__ import annotations

import pytest

from diagnostics import scoring
from diagnostics.demo import best
from diagnostics.models import (
    Answer,
    Diagnostic,
    Option,
    PublishedVersionLocked,
    QuestionKind,
    QuestionnaireVersion,
    VersionStatus,
)
from diagnostics.questionnaire import questionnaire_content
from diagnostics.services import (
    AnswerValue,
    IncompleteDiagnostic,
    StaleDraft,
    TooManyNotApplicable,
    diagnostic_save_answers,
    diagnostic_start,
    diagnostic_submit,
    questionnaire_copy_to_draft,
)
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


def test_a_published_question_cannot_be_changed_or_deleted(content):
    question = content.questions[0]
    question.text_en = "Changed after publication"
    with pytest.raises(PublishedVersionLocked):
        question.save()
    with pytest.raises(PublishedVersionLocked):
        Option.objects.filter(question=question).first().delete()


def test_a_draft_copy_can_be_edited(version):
    draft = questionnaire_copy_to_draft(version=version)
    assert draft.status == VersionStatus.DRAFT
    question = draft.questions.order_by("order").first()
    question.text_en = "Edited in the draft"
    question.save()
    assert draft.questions.filter(text_en="Edited in the draft").exists()
    assert not version.questions.filter(text_en="Edited in the draft").exists()


def test_saving_answers_bumps_the_revision_and_records_it_on_each_answer(
    alice, content
):
    draft = diagnostic_start(company=alice.company, user=alice)
    question = content.areas[0].questions[0]
    value = best(question, content.options[question.pk])
    saved = diagnostic_save_answers(
        diagnostic=draft,
        user=alice,
        step=1,
        values={question.pk: value},
        base_revision=0,
    )
    assert saved.revision == 1
    answer = Answer.objects.get(diagnostic=draft, question=question)
    assert (answer.revision, answer.answered_by) == (1, alice)


def test_a_stale_page_names_the_questions_changed_since(alice, anna, content):
    draft = diagnostic_start(company=alice.company, user=alice)
    question = next(q for q in content.questions if q.kind != QuestionKind.NUMBER)
    first, second = content.options[question.pk][:2]
    diagnostic_save_answers(
        diagnostic=draft,
        user=alice,
        step=1,
        values={question.pk: AnswerValue(option_id=first.pk)},
        base_revision=0,
    )
    with pytest.raises(StaleDraft) as stale:
        diagnostic_save_answers(
            diagnostic=draft,
            user=anna,
            step=1,
            values={question.pk: AnswerValue(option_id=second.pk)},
            base_revision=0,
        )
    assert stale.value.question_codes == [question.code]


def _question(content):
    """A choice question every firm is asked (clearing works the same for numbers)."""
    return content.questions[0]


def _choice(content, question, index):
    return AnswerValue(option_id=content.options[question.pk][index].pk)


def _save(draft, user, values, base_revision):
    return diagnostic_save_answers(
        diagnostic=draft,
        user=user,
        step=1,
        values=values,
        base_revision=base_revision,
    )


def test_it_keeps_a_cleared_answer_as_a_row_without_a_value(alice, anna, content):
    draft = diagnostic_start(company=alice.company, user=alice)
    question = _question(content)
    saved = _save(draft, alice, {question.pk: _choice(content, question, 1)}, 0)

    cleared = _save(saved, anna, {question.pk: None}, saved.revision)

    answer = Answer.objects.get(diagnostic=draft, question=question)
    assert answer.is_cleared
    assert (answer.revision, answer.answered_by) == (cleared.revision, anna)
    assert not Answer.objects.given().filter(diagnostic=draft).exists()


def test_it_stores_no_row_for_a_question_never_answered(alice, content):
    draft = diagnostic_start(company=alice.company, user=alice)

    _save(draft, alice, {_question(content).pk: None}, 0)

    assert not Answer.objects.filter(diagnostic=draft).exists()


def test_it_refuses_a_stale_tab_bringing_back_a_cleared_answer(alice, anna, content):
    draft = diagnostic_start(company=alice.company, user=alice)
    question = _question(content)
    both_tabs_saw = _save(draft, alice, {question.pk: _choice(content, question, 1)}, 0)
    _save(both_tabs_saw, anna, {question.pk: None}, both_tabs_saw.revision)

    with pytest.raises(StaleDraft) as stale:
        _save(
            both_tabs_saw,
            alice,
            {question.pk: _choice(content, question, 1)},
            both_tabs_saw.revision,
        )

    assert stale.value.question_codes == [question.code]
    assert Answer.objects.get(diagnostic=draft, question=question).is_cleared


def test_it_accepts_a_stale_tab_that_also_leaves_the_answer_cleared(
    alice, anna, content
):
    draft = diagnostic_start(company=alice.company, user=alice)
    question = _question(content)
    both_tabs_saw = _save(draft, alice, {question.pk: _choice(content, question, 1)}, 0)
    _save(both_tabs_saw, anna, {question.pk: None}, both_tabs_saw.revision)

    _save(both_tabs_saw, alice, {question.pk: None}, both_tabs_saw.revision)

    assert Answer.objects.get(diagnostic=draft, question=question).is_cleared


def test_it_answers_a_cleared_question_again_on_the_same_row(alice, content):
    draft = diagnostic_start(company=alice.company, user=alice)
    question = _question(content)
    saved = _save(draft, alice, {question.pk: _choice(content, question, 1)}, 0)
    row = Answer.objects.get(diagnostic=draft, question=question).pk
    cleared = _save(saved, alice, {question.pk: None}, saved.revision)

    again = _save(
        cleared, alice, {question.pk: _choice(content, question, 2)}, cleared.revision
    )

    answer = Answer.objects.given().get(diagnostic=draft, question=question)
    assert (answer.pk, answer.option_id, answer.revision) == (
        row,
        content.options[question.pk][2].pk,
        again.revision,
    )


def test_it_refuses_submit_with_a_cleared_answer_and_names_it(alice, content):
    draft = answer_all(
        diagnostic_start(company=alice.company, user=alice), content, alice
    )
    question = _question(content)
    step = next(
        index
        for index, area in enumerate(content.areas, start=1)
        if question in area.questions
    )
    draft = diagnostic_save_answers(
        diagnostic=draft,
        user=alice,
        step=step,
        values={question.pk: None},
        base_revision=draft.revision,
    )

    with pytest.raises(IncompleteDiagnostic) as incomplete:
        diagnostic_submit(diagnostic=draft, user=alice)

    assert incomplete.value.question_codes == (question.code,)
    draft.refresh_from_db()
    assert not draft.is_submitted


def test_submit_refuses_an_incomplete_draft_and_names_what_is_missing(alice, content):
    draft = diagnostic_start(company=alice.company, user=alice)
    with pytest.raises(IncompleteDiagnostic) as incomplete:
        diagnostic_submit(diagnostic=draft, user=alice)
    # Firm A exports: the exporter track's questions, not the domestic-only ones.
    asked = content.asked(scoring.EXPORTER)
    assert incomplete.value.question_codes == tuple(q.code for q in asked)
    assert len(asked) < len(content.questions)


def test_submit_freezes_the_result_with_its_version(alice, content, version):
    draft = answer_all(
        diagnostic_start(company=alice.company, user=alice), content, alice
    )
    submitted = diagnostic_submit(diagnostic=draft, user=alice)
    again = diagnostic_submit(diagnostic=submitted, user=alice)
    assert again.submitted_at == submitted.submitted_at
    assert submitted.version == version
    # Best answers, and firm A's figures (US$120k to 2 markets for 3 years): stage 5.
    assert submitted.result["stage"] == submitted.stage == 5
    assert submitted.result["track"] == scoring.EXPORTER
    assert submitted.export_facts == {
        "exports_last_year_usd": 120_000,
        "export_markets": 2,
        "export_years": 3,
        "presence_level": 0,
    }
    assert Diagnostic.objects.filter(company=alice.company).count() == 1


def test_submit_refuses_more_not_applicable_answers_than_the_version_allows(
    alice, content
):
    draft_version = questionnaire_copy_to_draft(version=content.version)
    QuestionnaireVersion.objects.filter(pk=draft_version.pk).update(
        max_not_applicable=1
    )
    draft_version.refresh_from_db()
    draft_content = questionnaire_content(draft_version)
    # A firm on a version that allows one "not applicable" marks two.
    draft = Diagnostic.objects.create(
        company=alice.company, version=draft_version, started_by=alice
    )
    draft = answer_all(draft, draft_content, alice)
    marked = [
        q
        for q in draft_content.questions
        if any(o.not_applicable for o in draft_content.options[q.pk])
    ][:2]
    for question in marked:
        draft = diagnostic_save_answers(
            diagnostic=draft,
            user=alice,
            step=draft_content.step_of(question),
            values={
                question.pk: AnswerValue(
                    option_id=next(
                        o.pk
                        for o in draft_content.options[question.pk]
                        if o.not_applicable
                    )
                )
            },
            base_revision=draft.revision,
        )

    with pytest.raises(TooManyNotApplicable) as refused:
        diagnostic_submit(diagnostic=draft, user=alice)

    assert refused.value.limit == 1
    assert refused.value.question_codes == tuple(q.code for q in marked)
    draft.refresh_from_db()
    assert not draft.is_submitted
