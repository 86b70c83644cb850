"""The wizard's one-query read of a diagnostic. Scope comes from diagnostics.access: a
firm's member reads their company's diagnostics; nobody else reads any.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diagnostics.access import diagnostics_for_member
from diagnostics.models import Answer
from diagnostics.selectors import (
    answers_by_question,
    company_export_facts,
    wizard_state,
)
from diagnostics.services import diagnostic_start
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


def test_the_wizard_state_matches_the_diagnostic_and_its_answers(
    alice, draft_v1, content_v1
):
    # Version 1 has number questions, whose values must come back as Decimals.
    draft = answer_all(draft_v1, content_v1, alice)
    Answer.objects.filter(diagnostic=draft, option__isnull=True).update(
        number_value=Decimal("12.5")
    )
    draft.refresh_from_db()

    with CaptureQueriesContext(connection) as queries:
        state = wizard_state(diagnostics_for_member(alice), pk=draft.pk)

    assert len(queries) == 1
    assert state is not None
    assert (state.pk, state.version_id, state.status, state.revision) == (
        draft.pk,
        draft.version_id,
        draft.status,
        draft.revision,
    )
    assert state.answers == answers_by_question(draft)
    assert Decimal("12.50") in {a.number_value for a in state.answers.values()}
    assert state.figures == company_export_facts(alice.company)


def test_the_wizard_state_of_another_company_is_none(alice, bob, content):
    draft = diagnostic_start(company=alice.company, user=alice)

    assert wizard_state(diagnostics_for_member(bob), pk=draft.pk) is None


def test_the_wizard_state_of_a_draft_without_answers_has_none(alice, content):
    draft = diagnostic_start(company=alice.company, user=alice)

    state = wizard_state(diagnostics_for_member(alice), pk=draft.pk)

    assert state is not None and state.answers == {}


def test_the_wizard_state_leaves_out_a_cleared_answer(alice, draft_v1, content_v1):
    draft = answer_all(draft_v1, content_v1, alice)
    cleared = Answer.objects.filter(diagnostic=draft, option__isnull=True).first()
    Answer.objects.filter(pk=cleared.pk).update(number_value=None)

    state = wizard_state(diagnostics_for_member(alice), pk=draft.pk)

    assert state is not None
    assert cleared.question_id not in state.answers
    assert state.answers == answers_by_question(draft)
    assert len(state.answers) == len(content_v1.questions) - 1
