"""The question bank's lock at the data layer: a published or retired version's rows
refuse bulk writes as they refuse save() and delete(). No users here: these rules hold
for every caller (admin, shell, code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import QuerySet

from diagnostics.models import (
    Area,
    Fact,
    Option,
    PublishedVersionLocked,
    Question,
    QuestionnaireVersion,
    StageRule,
    VersionStatus,
)
from diagnostics.services import questionnaire_copy_to_draft, questionnaire_publish

pytestmark = pytest.mark.django_db

# Each model of a version's content, its rows in a version, and a harmless change.
CONTENT: dict[str, tuple[Callable[[QuestionnaireVersion], QuerySet[Any]], dict]] = {
    "fact": (lambda v: Fact.objects.filter(version=v), {"label_en": "Changed"}),
    "area": (lambda v: Area.objects.filter(version=v), {"name_en": "Changed"}),
    "question": (lambda v: Question.objects.filter(version=v), {"help_en": "Changed"}),
    "option": (
        lambda v: Option.objects.filter(question__version=v),
        {"label_en": "Changed"},
    ),
    "stage_rule": (
        lambda v: StageRule.objects.filter(version=v),
        {"rationale_en": "Changed"},
    ),
}


@pytest.fixture
def draft(version: QuestionnaireVersion) -> QuestionnaireVersion:
    return questionnaire_copy_to_draft(version=version)


@pytest.fixture
def retired(version: QuestionnaireVersion, draft) -> QuestionnaireVersion:
    questionnaire_publish(version=draft)
    version.refresh_from_db()
    assert version.status == VersionStatus.RETIRED
    return version


def _message(version: QuestionnaireVersion) -> str:
    return (
        f"Questionnaire version {version.pk} is {version.status}; copy it to a draft."
    )


@pytest.mark.parametrize("kind", CONTENT)
def test_it_refuses_a_bulk_update_of_published_content(kind, version):
    rows, change = CONTENT[kind]
    field = next(iter(change))
    before = list(rows(version).values_list(field, flat=True))

    with pytest.raises(PublishedVersionLocked) as locked:
        rows(version).update(**change)

    assert str(locked.value) == _message(version)
    assert list(rows(version).values_list(field, flat=True)) == before


@pytest.mark.parametrize("kind", CONTENT)
def test_it_refuses_a_bulk_delete_of_published_content(kind, version):
    rows, _ = CONTENT[kind]
    count = rows(version).count()

    with pytest.raises(PublishedVersionLocked, match=_message(version)):
        rows(version).delete()

    assert rows(version).count() == count


@pytest.mark.parametrize("kind", CONTENT)
def test_it_refuses_bulk_writes_to_retired_content(kind, retired):
    rows, change = CONTENT[kind]

    with pytest.raises(PublishedVersionLocked, match=_message(retired)):
        rows(retired).update(**change)
    with pytest.raises(PublishedVersionLocked, match=_message(retired)):
        rows(retired).delete()


@pytest.mark.parametrize("kind", CONTENT)
def test_it_refuses_a_bulk_write_that_mixes_draft_and_published_rows(
    kind, version, draft
):
    rows, change = CONTENT[kind]
    both = rows(version) | rows(draft)

    with pytest.raises(PublishedVersionLocked):
        both.update(**change)
    with pytest.raises(PublishedVersionLocked):
        both.delete()

    assert not rows(draft).filter(**change).exists()


@pytest.mark.parametrize("kind", CONTENT)
def test_it_updates_and_deletes_a_drafts_content_in_bulk(kind, draft):
    rows, change = CONTENT[kind]
    count = rows(draft).count()

    assert rows(draft).update(**change) == count
    if kind == "fact":  # options and stage rules point at facts; free them first
        Option.objects.filter(question__version=draft).update(sets_fact=None)
        StageRule.required_facts.through.objects.filter(fact__version=draft).delete()
    rows(draft).delete()

    assert not rows(draft).exists()


def test_it_refuses_to_move_a_drafts_question_into_a_published_version(version, draft):
    question = Question.objects.filter(version=draft).first()

    with pytest.raises(PublishedVersionLocked, match=_message(version)):
        Question.objects.filter(pk=question.pk).update(version=version)

    question.refresh_from_db()
    assert question.version == draft


def test_it_refuses_to_move_a_drafts_option_under_a_published_question(version, draft):
    option = Option.objects.filter(question__version=draft).first()
    published = Question.objects.filter(version=version).first()

    with pytest.raises(PublishedVersionLocked, match=_message(version)):
        Option.objects.filter(pk=option.pk).update(question_id=published.pk)


def test_it_refuses_a_bulk_create_under_a_published_question(version):
    question = Question.objects.filter(version=version).first()
    option = Option(
        question=question, order=99, label_ko="새", label_en="New", points=0
    )

    with pytest.raises(PublishedVersionLocked, match=_message(version)):
        Option.objects.bulk_create([option])

    assert not question.options.filter(order=99).exists()


def test_it_refuses_a_bulk_update_or_delete_of_a_published_version(version):
    with pytest.raises(PublishedVersionLocked, match=_message(version)):
        QuestionnaireVersion.objects.filter(pk=version.pk).update(title="Changed")
    with pytest.raises(PublishedVersionLocked, match=_message(version)):
        QuestionnaireVersion.objects.filter(pk=version.pk).delete()

    version.refresh_from_db()
    assert version.title != "Changed"


def test_it_refuses_a_bulk_update_or_delete_of_a_retired_version(retired):
    with pytest.raises(PublishedVersionLocked, match=_message(retired)):
        QuestionnaireVersion.objects.filter(pk=retired.pk).update(title="Changed")
    with pytest.raises(PublishedVersionLocked, match=_message(retired)):
        QuestionnaireVersion.objects.filter(pk=retired.pk).delete()


def test_it_lets_a_published_version_retire_in_bulk(version):
    """The one bulk change a locked version takes: questionnaire_publish retires it."""
    QuestionnaireVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.RETIRED
    )

    version.refresh_from_db()
    assert version.status == VersionStatus.RETIRED


def test_it_updates_and_deletes_a_draft_version_in_bulk(db):
    # An empty draft: a draft with content meets Option.sets_fact's PROTECT first.
    draft = QuestionnaireVersion.objects.create(number=99, title="Empty draft")

    assert QuestionnaireVersion.objects.filter(pk=draft.pk).update(title="New") == 1
    QuestionnaireVersion.objects.filter(pk=draft.pk).delete()

    assert not QuestionnaireVersion.objects.filter(pk=draft.pk).exists()
