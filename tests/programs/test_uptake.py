"""A firm marks what it did with a recommended program: one answer per program."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diagnostics.services import diagnostic_start, diagnostic_submit
from programs.models import ProgramUptake, Recommendation, UptakeStatus
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def result_a(alice, content):
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    diagnostic_submit(diagnostic=diagnostic, user=alice)
    return diagnostic


def _url(diagnostic, recommendation) -> str:
    return reverse(
        "diagnostics:program_uptake", args=[diagnostic.pk, recommendation.pk]
    )


def _recommended(diagnostic) -> Recommendation:
    recommendation = diagnostic.recommendations.filter(
        kind=Recommendation.Kind.RECOMMENDED
    ).first()
    assert recommendation is not None
    return recommendation


def test_a_member_marks_a_program_applied_then_received_then_clears_it(
    client, alice, result_a
):
    client.force_login(alice)
    recommendation = _recommended(result_a)
    url = _url(result_a, recommendation)
    response = client.post(url, {"status": "applied"})
    assert response.status_code == 302
    assert response.url.endswith(f"#program-{recommendation.pk}")
    uptake = ProgramUptake.objects.get()
    assert (uptake.company, uptake.program, uptake.status) == (
        alice.company,
        recommendation.program,
        UptakeStatus.APPLIED,
    )
    client.post(url, {"status": "received"})
    assert ProgramUptake.objects.get().status == UptakeStatus.RECEIVED
    client.post(url, {"status": ""})
    assert not ProgramUptake.objects.exists()


def test_an_unknown_status_saves_nothing_and_says_so(client, alice, result_a):
    client.force_login(alice)
    response = client.post(
        _url(result_a, _recommended(result_a)), {"status": "won"}, follow=True
    )
    assert not ProgramUptake.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_another_firm_and_a_near_miss_get_404(client, alice, bob, result_a):
    recommendation = _recommended(result_a)
    client.force_login(bob)
    assert (
        client.post(_url(result_a, recommendation), {"status": "applied"}).status_code
        == 404
    )
    client.force_login(alice)
    near_miss = Recommendation.objects.create(
        diagnostic=result_a,
        program=recommendation.program,
        kind=Recommendation.Kind.NEAR_MISS,
        rank=99,
        fit_score=0,
        program_snapshot=recommendation.program_snapshot,
    )
    response = client.post(_url(result_a, near_miss), {"status": "applied"})
    assert response.status_code == 404
    assert not ProgramUptake.objects.exists()
