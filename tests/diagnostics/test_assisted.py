"""Assisted mode: a consultant enters or confirms a firm's answers with the firm."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diagnostics.access import get_diagnostic_for_assisted_mode
from diagnostics.assisted import (
    AnswersFrozen,
    answers_verify,
    assisted_answers_save,
    verified_share,
)
from diagnostics.demo import worst
from diagnostics.forms import field_name
from diagnostics.models import Answer, Diagnostic, QuestionKind, Report
from diagnostics.reports import (
    report_content_version,
    report_html,
    report_request,
)
from diagnostics.services import (
    AnswerValue,
    diagnostic_save_answers,
    diagnostic_start,
    diagnostic_submit,
)
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(alice, content) -> Diagnostic:
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    return answer_all(diagnostic, content, alice)


@pytest.fixture
def submitted(alice, content) -> Diagnostic:
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    return diagnostic_submit(diagnostic=diagnostic, user=alice)


def _choice_question(content, area_index: int = 0):
    return next(
        q for q in content.areas[area_index].questions if q.kind != QuestionKind.NUMBER
    )


def _other_option(content, question, answer: Answer):
    return next(o for o in content.options[question.pk] if o.pk != answer.option_id)


def _verified_rows(diagnostic) -> int:
    return Answer.objects.filter(
        diagnostic=diagnostic, verified_by__isnull=False
    ).count()


# --- Services -----------------------------------------------------------------------


def test_confirming_answers_marks_them_verified_and_keeps_the_count(
    draft, content, carol
):
    ids = [q.pk for q in content.areas[0].questions]
    assert answers_verify(diagnostic=draft, question_ids=ids, consultant=carol) == len(
        ids
    )
    draft.refresh_from_db()
    assert draft.verified_answers == len(ids) == _verified_rows(draft)
    answer = Answer.objects.get(diagnostic=draft, question_id=ids[0])
    assert answer.verified_by == carol and answer.verified_at is not None
    # Confirming again verifies nothing more: the count does not move.
    assert answers_verify(diagnostic=draft, question_ids=ids, consultant=carol) == 0
    draft.refresh_from_db()
    assert draft.verified_answers == len(ids)


def test_confirming_does_not_change_the_drafts_revision(draft, content, carol):
    revision = draft.revision
    answers_verify(
        diagnostic=draft, question_ids=[content.questions[0].pk], consultant=carol
    )
    draft.refresh_from_db()
    assert draft.revision == revision


def test_confirming_answers_of_a_submitted_result_queues_its_reports_anew(
    submitted, content, carol, sent, django_capture_on_commit_callbacks
):
    # The PDF prints the verified share: each language it exists in is rendered anew.
    for language in ("ko", "en"):
        report_request(diagnostic=submitted, language=language)
    before = set(Report.objects.values_list("pk", flat=True))
    ids = [q.pk for q in content.areas[0].questions]
    with django_capture_on_commit_callbacks(execute=True):
        answers_verify(diagnostic=submitted, question_ids=ids, consultant=carol)
    new = Report.objects.exclude(pk__in=before)
    assert sorted(new.values_list("language", flat=True)) == ["en", "ko"]
    assert sorted(sent) == sorted(new.values_list("pk", flat=True))
    # Confirming the same answers again changes nothing, so nothing is rendered.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answers_verify(diagnostic=submitted, question_ids=ids, consultant=carol)
    assert callbacks == [] and Report.objects.count() == len(before) + 2


def test_confirming_answers_of_a_draft_queues_no_report(
    draft, content, carol, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answers_verify(
            diagnostic=draft, question_ids=[content.questions[0].pk], consultant=carol
        )
    assert sent == [] and not Report.objects.exists()


def test_unanswered_questions_are_not_verified(alice, content, carol):
    empty = diagnostic_start(company=alice.company, user=alice)
    ids = [q.pk for q in content.questions]
    assert answers_verify(diagnostic=empty, question_ids=ids, consultant=carol) == 0
    empty.refresh_from_db()
    assert empty.verified_answers == 0


def test_a_consultants_entry_is_verified_and_counted(alice, content, carol):
    empty = diagnostic_start(company=alice.company, user=alice)
    question = _choice_question(content)
    option = content.options[question.pk][0]
    assisted_answers_save(
        diagnostic=empty,
        consultant=carol,
        values={question.pk: AnswerValue(option_id=option.pk)},
        verify_question_ids=[],
    )
    answer = Answer.objects.get(diagnostic=empty, question=question)
    assert answer.verified_by == carol
    assert answer.answered_by == carol
    empty.refresh_from_db()
    assert empty.verified_answers == 1


def test_a_firms_save_clears_the_verification_of_the_answers_it_changes(
    draft, content, alice, carol
):
    first, second = content.areas[0].questions[:2]
    answers_verify(
        diagnostic=draft, question_ids=[first.pk, second.pk], consultant=carol
    )
    draft.refresh_from_db()
    assert draft.verified_answers == 2
    answer = Answer.objects.get(diagnostic=draft, question=first)
    kept = Answer.objects.get(diagnostic=draft, question=second)
    changed = (
        AnswerValue(option_id=_other_option(content, first, answer).pk)
        if first.kind != QuestionKind.NUMBER
        else AnswerValue(number=(answer.number_value or 0) + 1)
    )
    same = AnswerValue(option_id=kept.option_id, number=kept.number_value)
    saved = diagnostic_save_answers(
        diagnostic=draft,
        user=alice,
        step=1,
        values={first.pk: changed, second.pk: same},
        base_revision=draft.revision,
    )
    assert saved.verified_answers == 1
    saved.refresh_from_db()
    assert saved.verified_answers == 1 == _verified_rows(saved)
    assert Answer.objects.get(pk=answer.pk).verified_by is None
    assert Answer.objects.get(pk=kept.pk).verified_by == carol


def test_a_cleared_answer_is_never_verified(draft, content, carol):
    question = content.questions[0]
    answers_verify(diagnostic=draft, question_ids=[question.pk], consultant=carol)
    assisted_answers_save(
        diagnostic=draft,
        consultant=carol,
        values={question.pk: None},
        verify_question_ids=[question.pk],
    )
    draft.refresh_from_db()
    assert draft.verified_answers == 0 == _verified_rows(draft)


def test_a_submitted_diagnostics_answers_can_only_be_confirmed(
    submitted, content, carol
):
    question = _choice_question(content)
    answer = Answer.objects.get(diagnostic=submitted, question=question)
    with pytest.raises(AnswersFrozen):
        assisted_answers_save(
            diagnostic=submitted,
            consultant=carol,
            values={
                question.pk: AnswerValue(
                    option_id=_other_option(content, question, answer).pk
                )
            },
            verify_question_ids=[question.pk],
        )
    assert Answer.objects.get(pk=answer.pk).option_id == answer.option_id
    assert (
        assisted_answers_save(
            diagnostic=submitted,
            consultant=carol,
            values=None,
            verify_question_ids=[question.pk],
        )
        == 1
    )
    submitted.refresh_from_db()
    assert submitted.verified_answers == 1


def test_verified_share_counts_the_questions_of_the_firms_track(
    submitted, content, carol
):
    asked = content.asked(submitted.result["track"])
    assert verified_share(submitted) == (0, len(asked))
    answers_verify(
        diagnostic=submitted, question_ids=[q.pk for q in asked[:3]], consultant=carol
    )
    submitted.refresh_from_db()
    assert verified_share(submitted) == (3, len(asked))


def test_the_report_shows_the_verified_share_and_changes_version_with_it(
    submitted, content, carol
):
    before = report_content_version(submitted)
    assert "verified by a consultant" not in report_html(
        diagnostic=submitted, language="en"
    )
    answers_verify(
        diagnostic=submitted,
        question_ids=[q.pk for q in content.questions[:2]],
        consultant=carol,
    )
    submitted.refresh_from_db()
    assert report_content_version(submitted) != before
    html = report_html(diagnostic=submitted, language="en")
    total = len(content.asked(submitted.result["track"]))
    assert f"2 of {total} answers verified by a consultant" in html


# --- Scope --------------------------------------------------------------------------


def test_the_regions_consultant_reaches_drafts_in_assisted_mode_only(
    draft, carol, lena
):
    assert get_diagnostic_for_assisted_mode(carol, draft.pk) == draft
    assert get_diagnostic_for_assisted_mode(lena, draft.pk) == draft


@pytest.mark.parametrize("who", ["dave", "nora", "alice", "bob"])
def test_others_get_404_on_the_assisted_pages(client, draft, who, request):
    client.force_login(request.getfixturevalue(who))
    assert (
        client.get(reverse("diagnostics:assisted", args=[draft.pk])).status_code == 404
    )
    response = client.post(
        reverse("diagnostics:assisted_save", args=[draft.pk]), {"area": "x"}
    )
    assert response.status_code == 404


def test_the_agency_detail_still_hides_drafts_from_consultants(client, draft, carol):
    client.force_login(carol)
    response = client.get(reverse("diagnostics:agency_detail", args=[draft.pk]))
    assert response.status_code == 404


# --- Pages --------------------------------------------------------------------------


def test_the_assisted_page_shows_the_answers_and_their_provenance(
    client, draft, content, carol
):
    question = content.questions[0]
    answers_verify(diagnostic=draft, question_ids=[question.pk], consultant=carol)
    client.force_login(carol)
    response = client.get(reverse("diagnostics:assisted", args=[draft.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "carol@example.com" in page  # the verifier
    assert "alice@example.com" in page  # who answered the others
    assert f'name="{field_name(question)}"' in page  # a draft can be changed
    assert 'name="verify_area"' in page


def test_a_submitted_diagnostics_page_offers_confirmation_only(
    client, submitted, content, carol
):
    client.force_login(carol)
    response = client.get(reverse("diagnostics:assisted", args=[submitted.pk]))
    page = response.content.decode()
    assert f'name="{field_name(content.questions[0])}"' not in page
    assert 'name="verify"' in page
    assert "the firm starts a new diagnostic" in page or "새 진단" in page


def test_confirming_an_area_through_the_page(client, submitted, content, carol):
    client.force_login(carol)
    area = content.areas[0]
    response = client.post(
        reverse("diagnostics:assisted_save", args=[submitted.pk]),
        {"area": area.area.code, "verify_area": "on"},
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#area-{area.area.code}")
    submitted.refresh_from_db()
    asked = content.asked_in(area, submitted.result["track"])
    assert submitted.verified_answers == len(asked) > 0


def test_confirming_selected_answers_through_the_page(
    client, submitted, content, carol
):
    client.force_login(carol)
    area = content.areas[1]
    chosen = [q.pk for q in content.asked_in(area, submitted.result["track"])[:2]]
    client.post(
        reverse("diagnostics:assisted_save", args=[submitted.pk]),
        {"area": area.area.code, "verify": chosen},
    )
    assert set(
        Answer.objects.filter(diagnostic=submitted, verified_by=carol).values_list(
            "question_id", flat=True
        )
    ) == set(chosen)


def test_changing_a_drafts_answer_through_the_page(client, draft, content, carol):
    client.force_login(carol)
    area = content.areas[0]
    question = _choice_question(content)
    answer = Answer.objects.get(diagnostic=draft, question=question)
    new = _other_option(content, question, answer)
    data = {"area": area.area.code, "revision": draft.revision}
    for q in area.questions:
        current = Answer.objects.get(diagnostic=draft, question=q)
        value = current.option_id if current.option_id else current.number_value
        data[field_name(q)] = str(value)
    data[field_name(question)] = str(new.pk)
    response = client.post(reverse("diagnostics:assisted_save", args=[draft.pk]), data)
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.option_id == new.pk and answer.verified_by == carol
    draft.refresh_from_db()
    # Only the changed answer: the others were posted as they were.
    assert draft.verified_answers == 1


def test_an_invalid_answer_comes_back_with_its_error(client, draft, content, carol):
    area = content.areas[0]
    question = _choice_question(content)
    client.force_login(carol)
    response = client.post(
        reverse("diagnostics:assisted_save", args=[draft.pk]),
        {
            "area": area.area.code,
            "revision": draft.revision,
            field_name(question): "999999",  # not one of its options
        },
    )
    assert response.status_code == 200
    assert b"error-summary" in response.content
    assert f'href="#id_{field_name(question)}_0"'.encode() in response.content
    draft.refresh_from_db()
    assert draft.verified_answers == 0


def test_a_stale_page_does_not_overwrite_the_firms_newer_answer(
    client, draft, content, alice, carol
):
    area = content.areas[0]
    question = _choice_question(content)
    answer = Answer.objects.get(diagnostic=draft, question=question)
    options = [o for o in content.options[question.pk] if o.pk != answer.option_id]
    stale_revision = draft.revision
    diagnostic_save_answers(
        diagnostic=draft,
        user=alice,
        step=1,
        values={question.pk: AnswerValue(option_id=options[0].pk)},
        base_revision=draft.revision,
    )
    client.force_login(carol)
    response = client.post(
        reverse("diagnostics:assisted_save", args=[draft.pk]),
        {
            "area": area.area.code,
            "revision": stale_revision,
            field_name(question): str(answer.option_id),
        },
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.option_id == options[0].pk
    assert answer.verified_by is None


def test_a_draft_submitted_meanwhile_refuses_changes(client, draft, content, carol):
    area = content.areas[0]
    question = _choice_question(content)
    answer = Answer.objects.get(diagnostic=draft, question=question)
    other = _other_option(content, question, answer)
    revision = draft.revision
    diagnostic_submit(diagnostic=draft, user=draft.started_by)
    client.force_login(carol)
    # The consultant's page was the draft's; the save arrives after the submit.
    response = client.post(
        reverse("diagnostics:assisted_save", args=[draft.pk]),
        {
            "area": area.area.code,
            "revision": revision,
            field_name(question): str(other.pk),
            "verify": [question.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("새 진단" in m or "new diagnostic" in m for m in messages)
    answer.refresh_from_db()
    assert answer.option_id != other.pk
    assert answer.verified_by is None


def test_the_assisted_page_does_a_fixed_number_of_queries(
    client, alice, content, carol
):
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice, choose=worst)
    client.force_login(carol)
    url = reverse("diagnostics:assisted", args=[diagnostic.pk])
    client.get(url)  # warms the questionnaire cache

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    answers_verify(
        diagnostic=diagnostic,
        question_ids=[q.pk for q in content.questions],
        consultant=carol,
    )
    assert count() == few


def test_the_assisted_page_queries_do_not_grow_with_the_answers(
    client, alice, content, carol
):
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    client.force_login(carol)
    url = reverse("diagnostics:assisted", args=[diagnostic.pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    empty = count()
    answer_all(diagnostic, content, alice)
    assert count() == empty
