"""The question bank admin. Steve (staff) edits drafts, copies and publishes versions; a
published version is read-only for everyone; Carol (consultant) and Alice never edit it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from diagnostics.models import (
    Area,
    Fact,
    Option,
    Question,
    QuestionnaireVersion,
    StageRule,
    VersionStatus,
)
from diagnostics.services import questionnaire_copy_to_draft
from tests.conftest import admin_form_data

pytestmark = pytest.mark.django_db

VERSIONS = reverse("admin:diagnostics_questionnaireversion_changelist")
QUESTIONS = reverse("admin:diagnostics_question_changelist")


@pytest.fixture
def client(client):
    # The admin speaks Korean by default; the assertions read its English messages.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def draft(version: QuestionnaireVersion) -> QuestionnaireVersion:
    return questionnaire_copy_to_draft(version=version)


def version_url(version: QuestionnaireVersion, view: str = "change") -> str:
    return reverse(f"admin:diagnostics_questionnaireversion_{view}", args=[version.pk])


def question_url(question: Question, view: str = "change") -> str:
    return reverse(f"admin:diagnostics_question_{view}", args=[question.pk])


def run_action(client, action: str, *versions: QuestionnaireVersion):
    return client.post(
        VERSIONS,
        {"action": action, "_selected_action": [str(v.pk) for v in versions]},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def counts(version: QuestionnaireVersion) -> dict[str, int]:
    return {
        "facts": Fact.objects.filter(version=version).count(),
        "areas": Area.objects.filter(version=version).count(),
        "questions": Question.objects.filter(version=version).count(),
        "options": Option.objects.filter(question__version=version).count(),
        "stage_rules": StageRule.objects.filter(version=version).count(),
    }


# --- A published version is read-only -----------------------------------------------------


def test_it_shows_a_published_version_without_a_save_button(client, steve, version):
    client.force_login(steve)
    response = client.get(version_url(version))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    assert 'name="title"' not in page  # shown as text, not as an input
    assert 'name="stage_rules-0-min_score"' not in page


def test_it_refuses_to_change_or_delete_a_published_version(client, steve, version):
    client.force_login(steve)
    response = client.post(version_url(version), {"title": "Changed", "number": "1"})
    assert response.status_code == 403
    assert client.get(version_url(version, "delete")).status_code == 403
    assert (
        client.post(version_url(version, "delete"), {"post": "yes"}).status_code == 403
    )
    version.refresh_from_db()
    assert version.title != "Changed"
    assert QuestionnaireVersion.objects.filter(pk=version.pk).exists()


def test_it_refuses_to_change_or_delete_a_published_question(client, steve, version):
    client.force_login(steve)
    question = Question.objects.filter(version=version).first()
    response = client.get(question_url(question))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    assert 'name="options-0-points"' not in page
    response = client.post(question_url(question), {"text_en": "Changed"})
    assert response.status_code == 403
    assert (
        client.post(question_url(question, "delete"), {"post": "yes"}).status_code
        == 403
    )
    question.refresh_from_db()
    assert question.text_en != "Changed"


def test_it_refuses_a_bulk_delete_of_published_questions(client, steve, version):
    client.force_login(steve)
    question = Question.objects.filter(version=version).first()
    response = client.post(
        QUESTIONS,
        {"action": "delete_selected", "_selected_action": [question.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Question.objects.filter(pk=question.pk).exists()


def test_it_refuses_a_new_question_in_a_published_version(client, steve, version):
    client.force_login(steve)
    response = client.get(reverse("admin:diagnostics_question_add"))
    assert response.status_code == 200
    choices = response.context["adminform"].form.fields["version"].queryset
    assert version not in choices


# --- Copy, edit and publish -----------------------------------------------------------------


def test_it_copies_a_version_to_a_new_draft(client, steve, version):
    client.force_login(steve)
    response = run_action(client, "copy_to_draft", version)
    assert response.status_code == 200
    assert "Copied v2 to draft v3." in messages_of(response)
    copy = QuestionnaireVersion.objects.get(number=3)
    assert copy.status == VersionStatus.DRAFT
    assert (copy.entry_fact_code, copy.entry_stage, copy.max_not_applicable) == (
        version.entry_fact_code,
        version.entry_stage,
        version.max_not_applicable,
    )
    assert counts(copy) == counts(version)
    assert counts(copy)["questions"] == 45
    assert counts(copy)["stage_rules"] == 9
    # The copy's options point at the copy's own facts, never at v2's.
    assert not Option.objects.filter(
        question__version=copy, sets_fact__version=version
    ).exists()
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED


def test_it_edits_a_draft_through_its_change_form(client, steve, draft):
    client.force_login(steve)
    response = client.get(version_url(draft))
    assert 'name="_save"' in response.content.decode()
    data = admin_form_data(response)
    data.update({"title": "Diagnostic 2027", "_save": "Save"})
    response = client.post(version_url(draft), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert draft.title == "Diagnostic 2027"
    assert draft.history.latest().history_user == steve


def test_it_keeps_a_draft_questions_history_with_who_and_when(client, steve, draft):
    question = draft.questions.order_by("order").first()
    client.force_login(steve)
    response = client.get(question_url(question))
    data = admin_form_data(response)
    data.update({"text_en": "Does your company export today?", "_save": "Save"})
    response = client.post(question_url(question), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = question.history.latest()
    assert (latest.history_user, latest.text_en) == (
        steve,
        "Does your company export today?",
    )
    history_page = client.get(question_url(question, "history"))
    assert history_page.status_code == 200
    assert steve.email in history_page.content.decode()


def test_it_offers_only_the_drafts_own_facts_and_areas(client, steve, version, draft):
    client.force_login(steve)
    question = Question.objects.filter(version=draft).first()
    response = client.get(question_url(question))
    form = response.context["adminform"].form
    assert set(form.fields["area"].queryset) == set(Area.objects.filter(version=draft))
    option_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    facts = set(option_form.fields["sets_fact"].queryset)
    assert facts == set(Fact.objects.filter(version=draft))


def test_it_refuses_an_option_setting_another_versions_fact(
    client, steve, version, draft
):
    client.force_login(steve)
    question = Question.objects.filter(version=draft).first()
    response = client.get(question_url(question))
    data = admin_form_data(response)
    data["options-0-sets_fact"] = str(Fact.objects.filter(version=version).first().pk)
    data["_save"] = "Save"
    response = client.post(question_url(question), data)
    assert response.status_code == 200  # the form comes back with the error
    assert not Option.objects.filter(
        question=question, sets_fact__version=version
    ).exists()


def _drop_stage_rule(draft: QuestionnaireVersion) -> None:
    StageRule.objects.filter(version=draft, stage=9).delete()


def _flatten_thresholds(draft: QuestionnaireVersion) -> None:
    four = StageRule.objects.get(version=draft, stage=4)
    StageRule.objects.filter(version=draft, stage=5).update(min_score=four.min_score)


def _strip_options(draft: QuestionnaireVersion) -> None:
    Option.objects.filter(question__version=draft, question__code="q_first").delete()


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            _drop_stage_rule,
            "Cannot publish v3: Stage rules must cover stages 1 to 9, once each, in order.",
        ),
        (
            _flatten_thresholds,
            "Cannot publish v3: Stage thresholds must rise with the stage.",
        ),
        (_strip_options, "Cannot publish v3: Question {code} has no options."),
    ],
)
def test_it_refuses_to_publish_an_invalid_draft(
    client, steve, version, draft, breakage, problem
):
    client.force_login(steve)
    first = Question.objects.filter(version=draft).order_by("order").first()
    Question.objects.filter(pk=first.pk).update(code="q_first")
    breakage(draft)
    response = run_action(client, "publish", draft)
    assert response.status_code == 200
    expected = problem.format(code="q_first")
    assert expected in messages_of(response)
    assert escape(expected) in response.content.decode()
    draft.refresh_from_db()
    version.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    assert version.status == VersionStatus.PUBLISHED


def test_it_publishes_a_valid_draft_and_retires_the_old_version(
    client, steve, version, draft
):
    client.force_login(steve)
    response = run_action(client, "publish", draft)
    assert "Published v3." in messages_of(response)
    draft.refresh_from_db()
    version.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert draft.published_at is not None
    assert version.status == VersionStatus.RETIRED
    # Now v3 is frozen too.
    assert client.post(version_url(draft), {"title": "x"}).status_code == 403


def test_it_refuses_to_publish_a_draft_that_misplaces_a_persona(
    client, steve, version, draft
):
    # A stage 8 that needs more than any firm's score: the firms abroad fall short.
    StageRule.objects.filter(version=draft, stage__in=[8, 9]).update(
        min_score=Decimal("99.5")
    )
    StageRule.objects.filter(version=draft, stage=9).update(min_score=Decimal("99.9"))
    client.force_login(steve)

    response = run_action(client, "publish", draft)

    problems = messages_of(response)[0]
    assert problems.startswith("Cannot publish v3: Persona 'branch-office-exporter'")
    assert "outside its expected stages 8-8" in problems
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_it_publishes_one_version_at_a_time(client, steve, version, draft):
    client.force_login(steve)
    other = questionnaire_copy_to_draft(version=version)
    response = run_action(client, "publish", draft, other)
    assert "Select exactly one version to publish." in messages_of(response)
    assert not QuestionnaireVersion.objects.filter(
        pk__in=[draft.pk, other.pk], status=VersionStatus.PUBLISHED
    ).exists()


def test_it_does_not_republish_a_retired_version(client, steve, version, draft):
    client.force_login(steve)
    run_action(client, "publish", draft)
    response = run_action(client, "publish", version)
    assert "Cannot publish v2: Only a draft can be published." in messages_of(response)
    version.refresh_from_db()
    assert version.status == VersionStatus.RETIRED


def test_it_keeps_a_threshold_edit_in_the_drafts_stage_rules(client, steve, draft):
    client.force_login(steve)
    response = client.get(version_url(draft))
    data = admin_form_data(response)
    rules = response.context["inline_admin_formsets"]
    rule_formset = next(i.formset for i in rules if i.formset.model is StageRule)
    prefix = rule_formset.prefix
    index = next(
        n for n, form in enumerate(rule_formset.forms) if form.instance.stage == 2
    )
    data[f"{prefix}-{index}-min_score"] = "11.50"
    data["_save"] = "Save"
    response = client.post(version_url(draft), data)
    assert response.status_code == 302
    assert StageRule.objects.get(version=draft, stage=2).min_score == Decimal("11.50")


# --- Who may enter --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["carol", "alice"])
def test_it_sends_consultants_and_firms_to_the_admin_login(
    client, who, request, version
):
    client.force_login(request.getfixturevalue(who))
    for url in [VERSIONS, version_url(version), QUESTIONS]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/admin/login/?next={url}"


def test_it_refuses_the_question_bank_to_a_consultant_with_admin_access(
    client, carol, version, draft
):
    carol.is_staff = True
    carol.save()
    client.force_login(carol)
    assert client.get(VERSIONS).status_code == 403
    assert client.get(version_url(draft)).status_code == 403
    assert client.post(version_url(draft), {"title": "x"}).status_code == 403
    response = client.post(
        VERSIONS, {"action": "publish", "_selected_action": [str(draft.pk)]}
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
