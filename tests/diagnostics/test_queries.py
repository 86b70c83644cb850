"""Pages do a fixed number of queries whatever the amount of data around them.

Each test measures a page, adds many more diagnostics (and programs) to the database,
and measures again: the counts must be equal.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diagnostics.models import Diagnostic, DiagnosticStatus
from diagnostics.services import diagnostic_start, diagnostic_submit
from programs.models import Institution, Program
from tests.conftest import answer_all
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:
    # The uncached path: the agency's cached figures would hide what grows with data.
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _more_firms_with_results(content, count: int) -> None:
    for _ in range(count):
        company = CompanyFactory.create()
        user = UserFactory.create(company=company)
        diagnostic = diagnostic_start(company=company, user=user)
        answer_all(diagnostic, content, user)
        diagnostic_submit(diagnostic=diagnostic, user=user)


def _more_programs(count: int) -> None:
    institution = Institution.objects.first()
    Program.objects.bulk_create(
        Program(
            institution=institution,
            code=f"bulk-{index}",
            name_ko=f"대량 {index}",
            name_en=f"Bulk {index}",
            description_ko="설명",
            description_en="Description",
            support_type="training",
            bottlenecks=["manpower"],
        )
        for index in range(count)
    )


@pytest.fixture
def submitted(alice, content):
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    return diagnostic_submit(diagnostic=diagnostic, user=alice)


def test_the_wizard_page_query_count_does_not_grow_with_data(client, alice, content):
    draft = diagnostic_start(company=alice.company, user=alice)
    answer_all(draft, content, alice)
    client.force_login(alice)
    url = reverse("diagnostics:step", args=[draft.pk, 3])
    client.get(url)  # warm the question-bank cache, as a running site has it
    before = _count(client, url)
    _more_firms_with_results(content, 5)
    assert _count(client, url) == before
    assert before <= 6


def test_the_result_page_query_count_does_not_grow_with_data(
    client, alice, submitted, content
):
    client.force_login(alice)
    url = reverse("diagnostics:result", args=[submitted.pk])
    client.get(url)
    before = _count(client, url)
    _more_firms_with_results(content, 5)
    _more_programs(200)
    assert _count(client, url) == before
    # Session, user, diagnostic, reports, recommendations and the firm's uptake, the
    # consultant request, and the peer comparison (the scores' fingerprint, own
    # scores, industry, stage; uncached here).
    assert before <= 12


def _past_results(company, template, count: int) -> None:
    """Older submitted diagnostics of the company, copied from `template`."""
    for _ in range(count):
        Diagnostic.objects.create(
            company=company,
            version=template.version,
            status=DiagnosticStatus.SUBMITTED,
            submitted_at=timezone.now(),
            stage=template.stage,
            total_score=template.total_score,
            result=template.result,
        )


@pytest.mark.parametrize("name", ["diagnostics:review", "diagnostics:history", "home"])
def test_other_firm_pages_keep_a_fixed_query_count(
    client, alice, submitted, content, name
):
    draft = diagnostic_start(company=alice.company, user=alice)
    answer_all(draft, content, alice)
    client.force_login(alice)
    url = reverse(name, args=[draft.pk] if name == "diagnostics:review" else [])
    client.get(url)
    before = _count(client, url)
    _more_firms_with_results(content, 3)
    _past_results(alice.company, submitted, 5)
    assert _count(client, url) == before


def test_the_method_page_query_count_does_not_grow_with_data(client, content):
    url = reverse("diagnostics:method")
    client.get(url)
    before = _count(client, url)
    _more_firms_with_results(content, 3)
    assert _count(client, url) == before


def test_a_refresh_shows_at_once_on_the_result_page(client, alice, carol, submitted):
    from programs.models import Program
    from programs.services import recommendations_refresh

    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "en"})
    url = reverse("diagnostics:result", args=[submitted.pk])
    client.get(url)
    Program.objects.update(is_active=False)
    recommendations_refresh(diagnostic=submitted, user=carol, reason="catalog closed")
    page = client.get(url).content.decode()
    assert "No program recommendations are available" in page


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("alice", "accounts:company"),
        ("alice", "accounts:team"),
        ("alice", "diagnostics:compare"),
        ("carol", "diagnostics:agency_list"),
        ("carol", "diagnostics:agency_detail"),
        ("carol", "diagnostics:agency_visit"),
        ("steve", "home"),
        (None, "landing"),
        (None, "accounts:login"),
        (None, "accounts:signup"),
    ],
)
def test_every_other_page_keeps_a_fixed_query_count(
    client, submitted, content, who, name, request
):
    if who:
        client.force_login(request.getfixturevalue(who))
    args = [submitted.pk] if name == "diagnostics:agency_detail" else []
    url = reverse(name, args=args)
    if name == "diagnostics:compare":
        _past_results(submitted.company, submitted, 1)
        earlier = submitted.company.diagnostics.exclude(pk=submitted.pk).get()
        url += f"?a={earlier.pk}&b={submitted.pk}"
    if name == "diagnostics:agency_visit":
        url += f"?business_number={submitted.company.business_number}"
    client.get(url)
    before = _count(client, url)
    _more_firms_with_results(content, 3)
    _past_results(submitted.company, submitted, 3)
    assert _count(client, url) == before
