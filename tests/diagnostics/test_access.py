"""The access rules of diagnostics.access, tried on the cast: Alice's firm A is in Seoul;
Carol (Seoul) sees it, Dave (Busan) and Nora (no region) do not, Lena (lead) and Steve
(staff) see every region; nobody outside the firm sees its draft.
"""

from __future__ import annotations

import pytest
from django.http import Http404

from diagnostics.access import (
    diagnostics_for_member,
    diagnostics_in_scope,
    get_diagnostic_for_agency_user,
    get_diagnostic_for_member,
)
from diagnostics.services import diagnostic_start, diagnostic_submit
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(alice, content):
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    return diagnostic_submit(diagnostic=diagnostic, user=alice)


@pytest.fixture
def draft(alice, submitted):
    return diagnostic_start(company=alice.company, user=alice)


@pytest.mark.parametrize("who", ["carol", "lena", "steve"])
def test_it_lets_the_regions_consultant_the_lead_and_staff_read_a_submission(
    who, submitted, request
):
    user = request.getfixturevalue(who)

    assert list(diagnostics_in_scope(user)) == [submitted]
    assert get_diagnostic_for_agency_user(user, submitted.pk) == submitted


@pytest.mark.parametrize("who", ["dave", "nora", "alice", "bob"])
def test_it_fails_closed_for_other_regions_no_region_and_firms(who, submitted, request):
    user = request.getfixturevalue(who)

    assert not diagnostics_in_scope(user).exists()
    with pytest.raises(Http404):
        get_diagnostic_for_agency_user(user, submitted.pk)


def test_it_never_shows_a_draft_to_the_agency(lena, draft):
    with pytest.raises(Http404):
        get_diagnostic_for_agency_user(lena, draft.pk)


def test_it_shows_nothing_to_a_deactivated_lead(lena, submitted):
    lena.is_active = False
    lena.save()

    assert not diagnostics_in_scope(lena).exists()


def test_it_gives_a_member_their_firms_diagnostics_only(alice, anna, bob, draft):
    assert get_diagnostic_for_member(anna, draft.pk) == draft
    assert draft in diagnostics_for_member(alice)
    assert not diagnostics_for_member(bob).exists()
    with pytest.raises(Http404):
        get_diagnostic_for_member(bob, draft.pk)


@pytest.mark.parametrize("who", ["carol", "lena", "steve"])
def test_it_gives_agency_users_no_firm_diagnostics_as_members(who, draft, request):
    user = request.getfixturevalue(who)

    assert not diagnostics_for_member(user).exists()
    with pytest.raises(Http404):
        get_diagnostic_for_member(user, draft.pk)
