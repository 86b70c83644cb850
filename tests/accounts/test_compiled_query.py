"""Compiled queries return what the ORM returns, and the session's user loads as Django's
ModelBackend would load it. No user-facing access here: these are the data layer's rules.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import UserBackend
from accounts.compiled_query import CompiledQuery
from accounts.models import User
from diagnostics.models import Answer, Diagnostic
from diagnostics.selectors import answers_by_question, wizard_state
from diagnostics.services import diagnostic_start
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


def _answers_with_numbers(diagnostic: Diagnostic) -> None:
    """Give the diagnostic's number answers awkward values that converters must keep."""
    numbers = Answer.objects.filter(diagnostic=diagnostic, option__isnull=True)
    assert numbers.exists(), "questionnaire v1 has number questions"
    numbers.update(number_value=Decimal("12.5"))


def test_it_returns_the_rows_the_orm_returns(alice, content):
    draft = answer_all(
        diagnostic_start(company=alice.company, user=alice), content, alice
    )
    _answers_with_numbers(draft)
    query = CompiledQuery(
        lambda pk: (
            Answer.objects.filter(diagnostic_id=pk)
            .order_by("question_id")
            .values_list("question_id", "option_id", "number_value", "created_at")
        ),
        ["pk"],
    )

    rows = query.rows(pk=draft.pk)

    expected = list(
        Answer.objects.filter(diagnostic_id=draft.pk)
        .order_by("question_id")
        .values_list("question_id", "option_id", "number_value", "created_at")
    )
    assert [tuple(row) for row in rows] == expected
    decimals = [row[2] for row in rows if row[2] is not None]
    # The ORM's converters ran: Decimals with the field's two places, aware datetimes.
    assert decimals and all(value == Decimal("12.50") for value in decimals)
    assert all(str(value) == "12.50" for value in decimals)
    assert all(row[3].tzinfo is not None for row in rows)


def test_each_call_runs_with_its_own_values(alice, bob):
    query = CompiledQuery(
        lambda pk: User.objects.filter(pk=pk, is_active=True).values_list("email"),
        ["pk"],
    )

    assert query.rows(pk=alice.pk) == [["alice@example.com"]]
    assert query.rows(pk=bob.pk) == [["bob@example.com"]]
    assert query.rows(pk=-1) == []


def test_it_compiles_once_per_database(alice):
    query = CompiledQuery(
        lambda pk: User.objects.filter(pk=pk).values_list("pk"), ["pk"]
    )
    query.rows(pk=alice.pk)
    compiled = query._compiled["default"]

    with CaptureQueriesContext(connection) as queries:
        query.rows(pk=alice.pk)

    assert query._compiled["default"] is compiled
    assert len(queries) == 1


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda pk: User.objects.values_list("pk"), id="argument unused"),
        pytest.param(
            lambda pk: User.objects.filter(Q(pk=pk) | Q(company_id=pk)).values_list(
                "pk"
            ),
            id="argument used twice",
        ),
        pytest.param(
            lambda pk: User.objects.filter(pk=pk + 1).values_list("pk"),
            id="argument changed on the way",
        ),
    ],
)
def test_it_refuses_a_query_that_does_not_pass_each_argument_once(build, alice):
    query = CompiledQuery(build, ["pk"])

    with pytest.raises(ImproperlyConfigured, match="must reach the SQL once"):
        query.rows(pk=alice.pk)


def test_the_wizard_state_matches_the_diagnostic_and_its_answers(alice, content):
    draft = answer_all(
        diagnostic_start(company=alice.company, user=alice), content, alice
    )
    _answers_with_numbers(draft)
    draft.refresh_from_db()

    state = wizard_state(company_id=alice.company_id, pk=draft.pk)

    assert state is not None
    assert (state.pk, state.version_id, state.status, state.revision) == (
        draft.pk,
        draft.version_id,
        draft.status,
        draft.revision,
    )
    assert state.answers == answers_by_question(draft)


def test_the_wizard_state_leaves_out_a_cleared_answer(alice, content):
    draft = answer_all(
        diagnostic_start(company=alice.company, user=alice), content, alice
    )
    cleared = Answer.objects.filter(diagnostic=draft, option__isnull=True).first()
    Answer.objects.filter(pk=cleared.pk).update(number_value=None)

    state = wizard_state(company_id=alice.company_id, pk=draft.pk)

    assert state is not None
    assert cleared.question_id not in state.answers
    assert state.answers == answers_by_question(draft)
    assert len(state.answers) == len(content.questions) - 1


def test_the_wizard_state_of_another_company_is_none(alice, bob, content):
    draft = diagnostic_start(company=alice.company, user=alice)

    assert wizard_state(company_id=bob.company_id, pk=draft.pk) is None


def test_the_wizard_state_of_a_draft_without_answers_has_none(alice, content):
    draft = diagnostic_start(company=alice.company, user=alice)

    state = wizard_state(company_id=alice.company_id, pk=draft.pk)

    assert state is not None and state.answers == {}


def _fields(user: User) -> dict[str, object]:
    return {field.attname: getattr(user, field.attname) for field in User._meta.fields}


def test_the_backend_loads_the_user_as_django_does(alice):
    loaded = UserBackend().get_user(alice.pk)

    assert loaded is not None
    assert _fields(loaded) == _fields(ModelBackend().get_user(alice.pk))
    assert loaded._state.adding is False and loaded._state.db == "default"


def test_the_backend_loads_no_unknown_or_inactive_user(alice):
    assert UserBackend().get_user(10**9) is None
    alice.is_active = False
    alice.save()

    assert UserBackend().get_user(alice.pk) is None


def test_a_logged_in_page_reads_the_user_with_one_query(client, alice):
    client.force_login(alice)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:home"))

    assert response.status_code == 200
    assert response.wsgi_request.user == alice
    user_queries = [q for q in queries if '"accounts_user"' in q["sql"]]
    assert len(user_queries) == 1
