"""The consultant's detail page and its review forms. Carol (Seoul consultant) works on
firm A's (Seoul) diagnostic; Dave (Busan) and the firm's own members get a 404 for every
one of its pages; Steve (staff) may write notes and assign, but not override the stage."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diagnostics.models import (
    ConsultantNote,
    Diagnostic,
    DiagnosticStatus,
    ReviewEvent,
    ReviewEventKind,
    ReviewStatus,
)
from diagnostics.review import diagnostic_override_stage, note_add
from diagnostics.services import diagnostic_start, diagnostic_submit
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db

POSTS = [
    "diagnostics:agency_note_add",
    "diagnostics:agency_assign",
    "diagnostics:agency_set_status",
    "diagnostics:agency_override_stage",
]


@pytest.fixture
def submitted(alice, content) -> Diagnostic:
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    return diagnostic_submit(diagnostic=diagnostic, user=alice)


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(name: str, diagnostic: Diagnostic) -> str:
    return reverse(name, args=[diagnostic.pk])


def detail(diagnostic: Diagnostic, anchor: str) -> str:
    return url("diagnostics:agency_detail", diagnostic) + f"#{anchor}"


def other_stage(diagnostic: Diagnostic) -> int:
    return 1 if diagnostic.stage != 1 else 2


def nothing_saved() -> bool:
    return not ReviewEvent.objects.exists() and not ConsultantNote.objects.exists()


# --- Notes ----------------------------------------------------------------------------


def test_it_adds_a_note_and_shows_it_in_the_thread(english, carol, submitted):
    english.force_login(carol)
    response = english.post(
        url("diagnostics:agency_note_add", submitted), {"body": "Call in May."}
    )
    assert response.status_code == 302
    assert response.url == detail(submitted, "notes")
    note = ConsultantNote.objects.get()
    assert (note.diagnostic, note.author, note.body) == (
        submitted,
        carol,
        "Call in May.",
    )
    page = english.get(response.url).content.decode()
    assert "Your note was added." in page
    assert "Call in May." in page and "carol@example.com" in page


def test_a_blank_note_redisplays_the_page_with_the_error(english, carol, submitted):
    english.force_login(carol)
    response = english.post(
        url("diagnostics:agency_note_add", submitted), {"body": " "}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "error-summary" in page and "Write the note first." in page
    assert nothing_saved()


# --- Assignment -----------------------------------------------------------------------


def test_a_consultant_assigns_it_to_themselves(english, carol, submitted):
    english.force_login(carol)
    response = english.post(
        url("diagnostics:agency_assign", submitted), {"assignee": carol.pk}
    )
    assert response.status_code == 302
    assert response.url == detail(submitted, "review")
    submitted.refresh_from_db()
    assert submitted.assigned_to == carol
    assert submitted.review_status == ReviewStatus.IN_REVIEW
    page = english.get(response.url).content.decode()
    assert "This diagnostic is now assigned to carol@example.com." in page


def test_the_lead_assigns_a_colleague_then_unassigns(english, lena, carol, submitted):
    english.force_login(lena)
    english.post(url("diagnostics:agency_assign", submitted), {"assignee": carol.pk})
    response = english.post(
        url("diagnostics:agency_assign", submitted), {"assignee": ""}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.assigned_to is None
    kinds = list(
        ReviewEvent.objects.filter(kind=ReviewEventKind.ASSIGNED).values_list(
            "old_value", "new_value"
        )
    )
    assert kinds == [("carol@example.com", ""), ("", "carol@example.com")]


def test_a_consultant_of_another_region_cannot_be_assigned(
    english, lena, dave, submitted
):
    english.force_login(lena)
    response = english.post(
        url("diagnostics:agency_assign", submitted), {"assignee": dave.pk}
    )
    assert response.status_code == 200
    assert "Choose a consultant who can see this firm" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.assigned_to is None
    assert nothing_saved()


def test_the_colleague_list_names_only_who_sees_the_firm(
    english, carol, dave, lena, submitted
):
    english.force_login(carol)
    form = english.get(url("diagnostics:agency_detail", submitted)).context[
        "assign_form"
    ]
    emails = [label for value, label in form.fields["assignee"].choices if value]
    assert "dave@example.com" not in emails
    assert {"carol@example.com", "lena@example.com"} <= set(emails)


# --- Review status --------------------------------------------------------------------


def test_it_marks_the_diagnostic_reviewed(english, carol, submitted):
    english.force_login(carol)
    response = english.post(
        url("diagnostics:agency_set_status", submitted), {"status": "reviewed"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.review_status == ReviewStatus.REVIEWED
    event = ReviewEvent.objects.get()
    assert (event.actor, event.new_value) == (carol, "reviewed")
    assert "Review status: Reviewed." in english.get(response.url).content.decode()


def test_an_unknown_status_saves_nothing(english, carol, submitted):
    english.force_login(carol)
    response = english.post(
        url("diagnostics:agency_set_status", submitted), {"status": "done"}
    )
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.review_status == ReviewStatus.NEW
    assert nothing_saved()


# --- Stage override -------------------------------------------------------------------


def test_it_overrides_the_stage_and_shows_both(english, carol, submitted):
    english.force_login(carol)
    stage = other_stage(submitted)
    response = english.post(
        url("diagnostics:agency_override_stage", submitted),
        {"stage": stage, "reason": "Visited the plant: no exports yet."},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.stage_override, submitted.effective_stage) == (stage, stage)
    page = english.get(response.url).content.decode()
    assert f"The firm is now shown stage {stage}, with your reason." in page
    assert f"Computed: stage {submitted.stage}." in page
    assert "Visited the plant: no exports yet." in page  # the audit trail


def test_it_withdraws_the_override(english, carol, submitted):
    diagnostic_override_stage(
        diagnostic=submitted, stage=other_stage(submitted), reason="A.", actor=carol
    )
    english.force_login(carol)
    response = english.post(
        url("diagnostics:agency_override_stage", submitted),
        {"stage": "", "reason": "Figures confirmed."},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.stage_override is None
    assert ReviewEvent.objects.filter(kind=ReviewEventKind.OVERRIDE_CLEARED).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"stage": 2, "reason": ""}, "Give the reason for the stage"),
        ({"stage": 2, "reason": "   "}, "Give the reason for the stage"),
        ({"stage": 12, "reason": "Why"}, "Choose a stage from 1 to 9."),
        ({"stage": 2, "reason": "x" * 1001}, "1000 characters or fewer"),
    ],
)
def test_an_invalid_override_saves_nothing(english, carol, submitted, data, error):
    english.force_login(carol)
    response = english.post(url("diagnostics:agency_override_stage", submitted), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "error-summary" in page and error in page
    submitted.refresh_from_db()
    assert submitted.stage_override is None
    assert nothing_saved()


def test_an_override_to_the_computed_stage_is_explained(english, carol, submitted):
    english.force_login(carol)
    response = english.post(
        url("diagnostics:agency_override_stage", submitted),
        {"stage": submitted.stage, "reason": "Same."},
    )
    assert response.status_code == 200
    assert "is the computed stage" in response.content.decode()
    assert nothing_saved()


def test_staff_cannot_override_the_stage(english, steve, submitted):
    english.force_login(steve)
    response = english.post(
        url("diagnostics:agency_override_stage", submitted),
        {"stage": other_stage(submitted), "reason": "Why not."},
    )
    assert response.status_code == 404
    page = english.get(url("diagnostics:agency_detail", submitted)).content.decode()
    assert "Save the stage" not in page
    assert nothing_saved()


# --- Scope ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", POSTS)
@pytest.mark.parametrize("who", ["dave", "nora", "alice", "bob"])
def test_outsiders_get_404_and_change_nothing(client, submitted, name, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.post(
        url(name, submitted),
        {
            "body": "x",
            "assignee": user.pk,
            "status": "reviewed",
            "stage": 1,
            "reason": "x",
        },
    )
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.review_status == ReviewStatus.NEW
    assert submitted.stage_override is None and submitted.assigned_to is None
    assert nothing_saved()


@pytest.mark.parametrize("name", POSTS)
def test_the_forms_take_no_get(client, carol, submitted, name):
    client.force_login(carol)
    assert client.get(url(name, submitted)).status_code == 405


def test_a_firm_does_not_see_the_notes_on_its_result(client, alice, carol, submitted):
    note_add(diagnostic=submitted, author=carol, body="Owner seemed unsure.")
    client.force_login(alice)
    page = client.get(url("diagnostics:result", submitted)).content.decode()
    assert "Owner seemed unsure." not in page


# --- The page -------------------------------------------------------------------------


def test_the_page_shows_answers_with_points_area_and_provenance(
    english, carol, submitted
):
    english.force_login(carol)
    response = english.get(url("diagnostics:agency_detail", submitted))
    lines = response.context["answer_lines"]
    answered = [line for line in lines if line.answer]
    assert answered and all(
        line.points is not None or line.not_applicable for line in answered
    )
    assert all(line.area for line in lines)
    assert all(line.verified_by == "" for line in lines)
    assert "self-reported" in response.content.decode()


def test_the_page_links_the_firms_earlier_diagnostics(english, carol, submitted):
    earlier = _past_results(submitted, 1)[0]
    english.force_login(carol)
    page = english.get(url("diagnostics:agency_detail", submitted)).content.decode()
    assert url("diagnostics:agency_detail", earlier) in page


def _past_results(template: Diagnostic, count: int) -> list[Diagnostic]:
    return [
        Diagnostic.objects.create(
            company=template.company,
            version=template.version,
            status=DiagnosticStatus.SUBMITTED,
            submitted_at=timezone.now(),
            stage=template.stage,
            total_score=template.total_score,
            result=template.result,
        )
        for _ in range(count)
    ]


def _review_history(diagnostic: Diagnostic, actor, count: int) -> None:
    """`count` notes, earlier diagnostics and review events."""
    for index in range(count):
        note_add(diagnostic=diagnostic, author=actor, body=f"Note {index}")
        ReviewEvent.objects.create(
            diagnostic=diagnostic,
            actor=actor,
            kind=ReviewEventKind.STATUS,
            old_value="new",
            new_value="in_review",
        )
    _past_results(diagnostic, count)


def _count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_the_page_keeps_a_fixed_query_count(client, carol, lena, submitted):
    diagnostic_override_stage(
        diagnostic=submitted, stage=other_stage(submitted), reason="A.", actor=carol
    )
    client.force_login(carol)
    path = url("diagnostics:agency_detail", submitted)
    _review_history(submitted, lena, 2)
    client.get(path)
    few = _count(client, path)
    _review_history(submitted, lena, 18)
    assert _count(client, path) == few


def test_a_redisplayed_form_keeps_a_fixed_query_count(client, carol, lena, submitted):
    client.force_login(carol)
    path = url("diagnostics:agency_note_add", submitted)
    _review_history(submitted, lena, 2)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(path, {"body": ""})
        assert response.status_code == 200
        return len(queries)

    few = count()
    _review_history(submitted, lena, 18)
    assert count() == few


# --- What the firm sees ---------------------------------------------------------------


def test_the_firms_notice_shows_both_stages_and_the_reason(carol, submitted):
    from django.template.loader import render_to_string
    from django.utils import translation

    from diagnostics.review import override_notice

    stage = other_stage(submitted)
    diagnostic_override_stage(
        diagnostic=submitted, stage=stage, reason="Visited the plant.", actor=carol
    )
    with translation.override("en"):
        html = render_to_string(
            "diagnostics/_stage_override_notice.html",
            {"override_notice": override_notice(submitted)},
        )
    assert (
        f"set your stage to {stage} (computed from your answers: {submitted.stage})"
        in html
    )
    assert "Visited the plant." in html and "carol@example.com" not in html
    assert (
        render_to_string(
            "diagnostics/_stage_override_notice.html", {"override_notice": None}
        ).strip()
        == ""
    )


@pytest.mark.parametrize("name", ["diagnostics:history", "diagnostics:compare"])
def test_the_firms_history_and_compare_show_the_stage_it_is_given(
    english, alice, carol, submitted, name
):
    earlier = _past_results(submitted, 1)[0]
    stage = other_stage(submitted)
    diagnostic_override_stage(
        diagnostic=submitted, stage=stage, reason="Visited.", actor=carol
    )
    english.force_login(alice)
    path = reverse(name)
    if name == "diagnostics:compare":
        path += f"?a={earlier.pk}&b={submitted.pk}"
    response = english.get(path)
    assert response.status_code == 200
    shown = response.content.decode()
    if name == "diagnostics:history":
        assert f"<td>{stage} / 9</td>" in shown
    else:
        assert f"Stage {stage}</span>" in shown


def test_a_firms_diagnostic_in_progress_opens_in_assisted_mode(
    client, alice, carol, submitted
):
    client.force_login(carol)
    page = client.get(url("diagnostics:agency_detail", submitted)).content.decode()
    assert 'data-testid="draft-in-progress"' not in page
    draft = diagnostic_start(company=alice.company, user=alice)
    page = client.get(url("diagnostics:agency_detail", submitted)).content.decode()
    assert 'data-testid="draft-in-progress"' in page
    assisted = reverse("diagnostics:assisted", args=[draft.pk])
    assert f'href="{assisted}"' in page
    assert client.get(assisted).status_code == 200
