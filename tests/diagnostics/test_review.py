"""The review services. Carol (Seoul) and Lena (every region) may be assigned firm A's
(Seoul) diagnostic; Dave (Busan), Nora (no region) and Alice (a firm's member) may not.
Every change writes its audit event; a call that changes nothing writes none."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from diagnostics import reports
from diagnostics.models import (
    ConsultantNote,
    Diagnostic,
    Report,
    ReviewEvent,
    ReviewEventKind,
    ReviewStatus,
)
from diagnostics.review import (
    assignable_users,
    diagnostic_assign,
    diagnostic_override_stage,
    diagnostic_set_review_status,
    note_add,
    override_notice,
)
from diagnostics.services import diagnostic_start, diagnostic_submit
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(alice, content) -> Diagnostic:
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    return diagnostic_submit(diagnostic=diagnostic, user=alice)


def other_stage(diagnostic: Diagnostic) -> int:
    return 1 if diagnostic.stage != 1 else 2


def only_event(diagnostic: Diagnostic) -> ReviewEvent:
    (event,) = ReviewEvent.objects.filter(diagnostic=diagnostic)
    return event


# --- Assignment -----------------------------------------------------------------------


def test_it_assigns_an_in_review_diagnostic_with_one_event(submitted, carol, lena):
    Diagnostic.objects.filter(pk=submitted.pk).update(
        review_status=ReviewStatus.IN_REVIEW
    )
    submitted.refresh_from_db()
    diagnostic_assign(diagnostic=submitted, assignee=carol, actor=lena)
    event = only_event(submitted)
    assert (event.kind, event.actor, event.old_value, event.new_value) == (
        ReviewEventKind.ASSIGNED,
        lena,
        "",
        "carol@example.com",
    )
    submitted.refresh_from_db()
    assert submitted.assigned_to == carol


def test_assigning_a_new_diagnostic_puts_it_in_review_and_records_both(
    submitted, carol
):
    assert submitted.review_status == ReviewStatus.NEW
    diagnostic_assign(diagnostic=submitted, assignee=carol, actor=carol)
    submitted.refresh_from_db()
    assert submitted.review_status == ReviewStatus.IN_REVIEW
    events = {
        e.kind: (e.old_value, e.new_value)
        for e in ReviewEvent.objects.filter(diagnostic=submitted)
    }
    assert events == {
        ReviewEventKind.ASSIGNED: ("", "carol@example.com"),
        ReviewEventKind.STATUS: (ReviewStatus.NEW, ReviewStatus.IN_REVIEW),
    }


def test_unassigning_records_the_previous_assignee(submitted, carol, lena):
    diagnostic_assign(diagnostic=submitted, assignee=carol, actor=carol)
    ReviewEvent.objects.all().delete()
    diagnostic_assign(diagnostic=submitted, assignee=None, actor=lena)
    event = only_event(submitted)
    assert (event.old_value, event.new_value, event.actor) == (
        "carol@example.com",
        "",
        lena,
    )
    submitted.refresh_from_db()
    assert submitted.assigned_to is None
    assert submitted.review_status == ReviewStatus.IN_REVIEW  # unassigning keeps it


def test_assigning_the_same_person_again_writes_nothing(submitted, carol):
    diagnostic_assign(diagnostic=submitted, assignee=carol, actor=carol)
    count = ReviewEvent.objects.count()
    diagnostic_assign(diagnostic=submitted, assignee=carol, actor=carol)
    diagnostic_assign(diagnostic=submitted, assignee=carol, actor=carol)
    assert ReviewEvent.objects.count() == count


def test_unassigning_an_unassigned_diagnostic_writes_nothing(submitted, carol):
    diagnostic_assign(diagnostic=submitted, assignee=None, actor=carol)
    assert not ReviewEvent.objects.exists()


@pytest.mark.parametrize("who", ["dave", "nora", "alice"])
def test_the_assignee_must_see_the_diagnostic(submitted, carol, who, request):
    outsider = request.getfixturevalue(who)
    with pytest.raises(ValidationError, match=outsider.email):
        diagnostic_assign(diagnostic=submitted, assignee=outsider, actor=carol)
    submitted.refresh_from_db()
    assert submitted.assigned_to is None
    assert not ReviewEvent.objects.exists()


def test_an_inactive_consultant_cannot_be_assigned(submitted, carol, lena):
    carol.is_active = False
    carol.save()
    with pytest.raises(ValidationError):
        diagnostic_assign(diagnostic=submitted, assignee=carol, actor=lena)


def test_assignable_users_are_those_who_see_the_diagnostic(
    submitted, carol, dave, nora, lena, steve, alice
):
    assert [u.email for u in assignable_users(submitted)] == [
        "carol@example.com",
        "lena@example.com",
        "steve@example.com",
    ]


# --- Review status --------------------------------------------------------------------


def test_it_sets_the_review_status_with_one_event(submitted, carol):
    diagnostic_set_review_status(
        diagnostic=submitted, status=ReviewStatus.REVIEWED, actor=carol
    )
    event = only_event(submitted)
    assert (event.kind, event.actor, event.old_value, event.new_value) == (
        ReviewEventKind.STATUS,
        carol,
        ReviewStatus.NEW,
        ReviewStatus.REVIEWED,
    )
    submitted.refresh_from_db()
    assert submitted.review_status == ReviewStatus.REVIEWED
    assert submitted.reviewed_at is not None


def test_the_first_review_time_stays_when_a_review_is_reopened(submitted, carol):
    diagnostic_set_review_status(
        diagnostic=submitted, status=ReviewStatus.REVIEWED, actor=carol
    )
    submitted.refresh_from_db()
    first = submitted.reviewed_at
    for status in (ReviewStatus.IN_REVIEW, ReviewStatus.REVIEWED):
        diagnostic_set_review_status(diagnostic=submitted, status=status, actor=carol)
    submitted.refresh_from_db()
    assert submitted.reviewed_at == first
    assert submitted.review_events.count() == 3


def test_setting_the_same_status_writes_nothing(submitted, carol):
    diagnostic_set_review_status(
        diagnostic=submitted, status=ReviewStatus.NEW, actor=carol
    )
    assert not ReviewEvent.objects.exists()


def test_an_unknown_status_is_refused(submitted, carol):
    with pytest.raises(ValidationError):
        diagnostic_set_review_status(diagnostic=submitted, status="done", actor=carol)
    assert not ReviewEvent.objects.exists()


# --- Stage override -------------------------------------------------------------------


def test_an_override_keeps_the_computed_stage_and_result(submitted, carol):
    computed, result = submitted.stage, submitted.result
    stage = other_stage(submitted)
    diagnostic_override_stage(
        diagnostic=submitted, stage=stage, reason="Visited the plant.", actor=carol
    )
    submitted.refresh_from_db()
    assert submitted.stage == computed and submitted.result == result
    assert submitted.stage_override == stage
    assert submitted.effective_stage == stage
    event = only_event(submitted)
    assert (event.kind, event.old_value, event.new_value, event.reason) == (
        ReviewEventKind.OVERRIDE,
        "",
        str(stage),
        "Visited the plant.",
    )


def test_withdrawing_an_override_records_the_stage_it_had(submitted, carol, lena):
    stage = other_stage(submitted)
    diagnostic_override_stage(
        diagnostic=submitted, stage=stage, reason="Visited.", actor=carol
    )
    ReviewEvent.objects.all().delete()
    diagnostic_override_stage(
        diagnostic=submitted, stage=None, reason="Figures confirmed.", actor=lena
    )
    submitted.refresh_from_db()
    assert submitted.stage_override is None
    assert submitted.effective_stage == submitted.stage
    event = only_event(submitted)
    assert (event.kind, event.actor, event.old_value, event.new_value) == (
        ReviewEventKind.OVERRIDE_CLEARED,
        lena,
        str(stage),
        "",
    )


def test_the_same_override_again_writes_nothing(submitted, carol):
    stage = other_stage(submitted)
    diagnostic_override_stage(
        diagnostic=submitted, stage=stage, reason="Visited.", actor=carol
    )
    diagnostic_override_stage(
        diagnostic=submitted, stage=stage, reason="Again.", actor=carol
    )
    diagnostic_override_stage(
        diagnostic=Diagnostic.objects.get(pk=submitted.pk),
        stage=stage,
        reason="From a stale page.",
        actor=carol,
    )
    assert ReviewEvent.objects.count() == 1


def test_withdrawing_without_an_override_writes_nothing(submitted, carol):
    diagnostic_override_stage(
        diagnostic=submitted, stage=None, reason="Nothing.", actor=carol
    )
    assert not ReviewEvent.objects.exists()


@pytest.mark.parametrize("reason", ["", "   \n ", "x" * 1001])
def test_an_override_needs_a_reason_of_sensible_length(submitted, carol, reason):
    with pytest.raises(ValidationError):
        diagnostic_override_stage(
            diagnostic=submitted,
            stage=other_stage(submitted),
            reason=reason,
            actor=carol,
        )
    submitted.refresh_from_db()
    assert submitted.stage_override is None
    assert not ReviewEvent.objects.exists()


@pytest.mark.parametrize("stage", [0, 10, -1])
def test_an_override_is_a_stage_from_1_to_9(submitted, carol, stage):
    with pytest.raises(ValidationError) as refused:
        diagnostic_override_stage(
            diagnostic=submitted, stage=stage, reason="Why not.", actor=carol
        )
    assert refused.value.code == "invalid_stage"
    assert not ReviewEvent.objects.exists()


def test_an_override_to_the_computed_stage_is_refused(submitted, carol):
    with pytest.raises(ValidationError) as refused:
        diagnostic_override_stage(
            diagnostic=submitted, stage=submitted.stage, reason="Same.", actor=carol
        )
    assert refused.value.code == "override_is_computed"
    assert not ReviewEvent.objects.exists()


def test_an_override_queues_a_new_report_in_each_language_after_commit(
    submitted, carol, sent, django_capture_on_commit_callbacks
):
    # Whichever language the submission queued its report in, there is one in each.
    for language in ("ko", "en"):
        reports.report_request(diagnostic=submitted, language=language)
    before = set(Report.objects.values_list("pk", flat=True))
    assert {r.language for r in Report.objects.all()} == {"ko", "en"}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        diagnostic_override_stage(
            diagnostic=submitted,
            stage=other_stage(submitted),
            reason="Visited.",
            actor=carol,
        )
        assert sent == []  # nothing leaves before the commit
    new = Report.objects.exclude(pk__in=before)
    assert sorted(new.values_list("language", flat=True)) == ["en", "ko"]
    assert len(callbacks) == 2 and sorted(sent) == sorted(r.pk for r in new)


def test_a_refused_override_queues_no_report(
    submitted, carol, sent, django_capture_on_commit_callbacks
):
    count = Report.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            diagnostic_override_stage(
                diagnostic=submitted,
                stage=other_stage(submitted),
                reason="",
                actor=carol,
            )
    assert Report.objects.count() == count and callbacks == [] and sent == []


def test_the_reports_content_changes_with_the_override(submitted, carol):
    before = reports.report_content_version(submitted)
    diagnostic_override_stage(
        diagnostic=submitted, stage=other_stage(submitted), reason="A.", actor=carol
    )
    overridden = reports.report_content_version(submitted)
    diagnostic_override_stage(
        diagnostic=submitted, stage=None, reason="B.", actor=carol
    )
    assert len({before, overridden}) == 2
    # Withdrawn, the report says what it said before the override.
    assert reports.report_content_version(submitted) == before


def test_the_report_prints_the_override_without_the_consultant(submitted, carol):
    stage = other_stage(submitted)
    diagnostic_override_stage(
        diagnostic=submitted, stage=stage, reason="Visited the plant.", actor=carol
    )
    override = reports.report_override(submitted)
    assert override is not None
    assert (override["stage"], override["computed_stage"], override["reason"]) == (
        stage,
        submitted.stage,
        "Visited the plant.",
    )
    html = reports.report_html(diagnostic=submitted, language="en")
    assert "Visited the plant." in html
    assert "carol@example.com" not in html


def test_the_report_never_prints_the_internal_notes(submitted, carol):
    note_add(diagnostic=submitted, author=carol, body="Owner seemed unsure.")
    assert reports.report_notes(submitted) == []
    html = reports.report_html(diagnostic=submitted, language="en")
    assert "Owner seemed unsure." not in html


def test_the_firms_notice_reads_the_latest_override(submitted, carol):
    assert override_notice(submitted) is None
    stage = other_stage(submitted)
    diagnostic_override_stage(
        diagnostic=submitted, stage=stage, reason="First.", actor=carol
    )
    diagnostic_override_stage(
        diagnostic=submitted, stage=None, reason="Withdrawn.", actor=carol
    )
    assert override_notice(submitted) is None
    diagnostic_override_stage(
        diagnostic=submitted, stage=stage, reason="Second.", actor=carol
    )
    notice = override_notice(submitted)
    assert notice is not None
    assert (notice.stage, notice.computed_stage, notice.reason) == (
        stage,
        submitted.stage,
        "Second.",
    )
    assert notice.at is not None


def test_no_notice_costs_no_query(submitted, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert override_notice(submitted) is None


# --- Notes ----------------------------------------------------------------------------


def test_it_adds_a_note_and_no_report(submitted, carol, sent):
    count = Report.objects.count()
    note = note_add(diagnostic=submitted, author=carol, body="  Call in May.  ")
    assert (note.author, note.body) == (carol, "Call in May.")
    assert list(ConsultantNote.objects.filter(diagnostic=submitted)) == [note]
    assert Report.objects.count() == count
    assert not ReviewEvent.objects.exists()


@pytest.mark.parametrize("body", ["", "  \n ", "x" * 4001])
def test_a_note_is_not_blank_nor_too_long(submitted, carol, body):
    with pytest.raises(ValidationError):
        note_add(diagnostic=submitted, author=carol, body=body)
    assert not ConsultantNote.objects.exists()


def test_a_note_of_4000_characters_is_kept(submitted, carol):
    note_add(diagnostic=submitted, author=carol, body="x" * 4000)
    assert ConsultantNote.objects.get().body == "x" * 4000
