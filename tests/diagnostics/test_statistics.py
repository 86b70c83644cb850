"""Agency insight against hand-counted fixtures: stage movement, uptake, percentiles,
the k-anonymity floor on the page, scoping, and fixed query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company
from diagnostics.agency_cache import data_version, scores_version
from diagnostics.insight import FLOOR
from diagnostics.models import AreaScore, Diagnostic, DiagnosticStatus, ReviewStatus
from diagnostics.questionnaire import QuestionnaireContent
from diagnostics.services import diagnostic_start, diagnostic_submit
from diagnostics.statistics import agency_statistics, peer_comparison
from programs.models import Program, ProgramUptake, Recommendation, UptakeStatus
from tests.conftest import answer_all
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def submitted(
    company: Company,
    content: QuestionnaireContent,
    *,
    stage: int,
    days_ago: int = 10,
    score: int = 50,
    override: int | None = None,
    reviewed_after_days: int | None = None,
) -> Diagnostic:
    """A submitted diagnostic stored directly: the statistics read only its rows."""
    submitted_at = NOW - timedelta(days=days_ago)
    diagnostic = Diagnostic.objects.create(
        company=company,
        version=content.version,
        status=DiagnosticStatus.SUBMITTED,
        submitted_at=submitted_at,
        stage=stage,
        stage_override=override,
        total_score=Decimal(score),
        result={},
        reviewed_at=submitted_at + timedelta(days=reviewed_after_days)
        if reviewed_after_days is not None
        else None,
        review_status=ReviewStatus.REVIEWED
        if reviewed_after_days is not None
        else ReviewStatus.NEW,
    )
    AreaScore.objects.bulk_create(
        AreaScore(diagnostic=diagnostic, area=area.area, score=Decimal(score))
        for area in content.areas
    )
    return diagnostic


def firms(count: int, **fields: object) -> list[Company]:
    return [CompanyFactory.create(**fields) for _ in range(count)]


# --- Stage distribution and movement ---------------------------------------------------


def test_it_counts_each_firm_once_by_its_latest_diagnostic(content, lena):
    for company in firms(12):
        submitted(company, content, stage=2, days_ago=100)
        submitted(company, content, stage=5, days_ago=5)
    statistics = agency_statistics(lena)
    assert statistics.firms == 12
    assert statistics.diagnostics == 24
    assert statistics.stages.cell("all", 5) == 12
    assert statistics.stages.cell("all", 2) == 0


def test_stage_movement_pairs_consecutive_diagnostics(content, lena):
    # 11 firms go 2 -> 4 -> 4; 10 firms go 6 -> 5 (an override counts).
    for company in firms(11):
        submitted(company, content, stage=2, days_ago=300)
        submitted(company, content, stage=4, days_ago=200)
        submitted(company, content, stage=4, days_ago=100)
    for company in firms(10):
        submitted(company, content, stage=6, days_ago=300)
        submitted(company, content, stage=6, override=5, days_ago=100)
    statistics = agency_statistics(lena)
    assert statistics.movement.cell(2, 4) == 11
    assert statistics.movement.cell(4, 4) == 11
    assert statistics.movement.cell(6, 5) == 10
    summary = statistics.movement_summary
    assert [summary.cell("all", key) for key in ("up", "same", "down")] == [11, 11, 10]


def test_a_consultant_sees_small_groups_of_their_region_hidden(content, carol, lena):
    for company in firms(12, region="seoul"):
        submitted(company, content, stage=3)
    for company in firms(3, region="seoul"):
        submitted(company, content, stage=9)
    for company in firms(5, region="busan"):
        submitted(company, content, stage=1)
    scoped = agency_statistics(carol)
    assert scoped.firms == 15  # Seoul only
    assert scoped.stages.cell("all", 9) is None
    assert scoped.stages.cell("all", 3) is None  # else 15 - 12 gives the 3 away
    assert scoped.stages.cell("all", 1) == 0
    whole = agency_statistics(lena)
    # The whole agency's distribution is published as it is.
    assert [whole.stages.cell("all", s) for s in (1, 3, 9)] == [5, 12, 3]
    # ...but its breakdown by region keeps the floor.
    assert whole.by_region.cell("busan", 1) is None
    assert whole.by_region.cell("seoul", 9) is None


def test_time_to_review_falls_in_buckets(content, lena):
    for company in firms(10):
        submitted(company, content, stage=3, reviewed_after_days=3)
    for company in firms(12):
        submitted(company, content, stage=3)
    review = agency_statistics(lena).review_times
    assert review.cell("all", "7") == 10
    assert review.cell("all", "waiting") == 12
    assert review.cell("all", "1") == 0


# --- Programme uptake ------------------------------------------------------------------


def test_uptake_counts_what_firms_did_with_a_recommended_program(content, lena):
    program = Program.objects.order_by("pk").first()
    assert program is not None
    companies = firms(20)
    for index, company in enumerate(companies):
        diagnostic = submitted(company, content, stage=4)
        recommendation = Recommendation.objects.create(
            diagnostic=diagnostic,
            program=program,
            kind=Recommendation.Kind.RECOMMENDED,
            rank=1,
            fit_score=Decimal(1),
            program_snapshot={"code": program.code},
        )
        status = (
            UptakeStatus.APPLIED
            if index < 10
            else UptakeStatus.RECEIVED
            if index < 12
            else None
        )
        if status:
            ProgramUptake.objects.create(
                company=company,
                program=program,
                recommendation=recommendation,
                status=status,
            )
    [row] = agency_statistics(lena).programs
    assert row["firms"] == 20
    assert row["uptake"].cell("all", "applied") == 10
    # 2 received and 0 not relevant: hidden, and with them the next smallest (8 with
    # no answer), so that 20 - 10 cannot give the 2 away.
    assert row["uptake"].cell("all", "received") is None
    assert row["rate"] is None


def test_uptake_rate_is_published_when_every_part_is_large_enough(content, lena):
    program = Program.objects.order_by("pk").first()
    assert program is not None
    for index, company in enumerate(firms(30)):
        diagnostic = submitted(company, content, stage=4)
        recommendation = Recommendation.objects.create(
            diagnostic=diagnostic,
            program=program,
            kind=Recommendation.Kind.RECOMMENDED,
            rank=1,
            fit_score=Decimal(1),
            program_snapshot={"code": program.code},
        )
        if index < 20:
            ProgramUptake.objects.create(
                company=company,
                program=program,
                recommendation=recommendation,
                status=UptakeStatus.APPLIED if index < 10 else UptakeStatus.RECEIVED,
            )
    [row] = agency_statistics(lena).programs
    assert row["rate"] == 67  # 20 of 30


# --- Peer comparison -------------------------------------------------------------------


def test_peer_percentile_per_area_needs_ten_other_firms(content, company_a):
    company_a.industry = "C"
    company_a.save()
    mine = submitted(company_a, content, stage=4, score=60)
    # Same industry: 4 below, 2 equal, 4 above -> (4 + 1) / 10 = 50.
    for score in (10, 20, 30, 40, 60, 60, 70, 80, 90, 95):
        submitted(CompanyFactory.create(industry="C"), content, stage=7, score=score)
    comparison = peer_comparison(mine)
    assert comparison.industry_peers == 10
    assert {row.by_industry for row in comparison.rows} == {50}
    # Stage 4: no other firm yet.
    assert {row.by_stage for row in comparison.rows} == {None}


def test_peer_percentile_ignores_earlier_diagnostics_and_the_firm_itself(
    content, company_a
):
    company_a.industry = "C"
    company_a.save()
    submitted(company_a, content, stage=4, score=10, days_ago=200)
    mine = submitted(company_a, content, stage=4, score=60)
    for _ in range(9):
        company = CompanyFactory.create(industry="C")
        submitted(company, content, stage=4, score=90, days_ago=300)
        submitted(company, content, stage=4, score=10)
    comparison = peer_comparison(mine)
    assert comparison.industry_peers == 9
    assert {row.by_industry for row in comparison.rows} == {None}
    submitted(CompanyFactory.create(industry="C"), content, stage=4, score=10)
    comparison = peer_comparison(mine)
    assert {row.by_industry for row in comparison.rows} == {100}
    assert {row.by_stage for row in comparison.rows} == {100}


def test_peer_comparison_does_a_fixed_number_of_queries(
    content, company_a, django_assert_num_queries
):
    mine = submitted(company_a, content, stage=4)
    # The scores' fingerprint (2), own scores, same industry, same stage.
    with django_assert_num_queries(5):
        peer_comparison(mine)
    for _ in range(FLOOR + 2):
        submitted(CompanyFactory.create(industry=company_a.industry), content, stage=4)
    with django_assert_num_queries(5):
        peer_comparison(mine)
    with django_assert_num_queries(2):  # unchanged data: from the cache
        peer_comparison(mine)


# --- The page --------------------------------------------------------------------------


def _statistics_page(client, user):
    client.force_login(user)
    return client.get(reverse("diagnostics:agency_statistics"))


def test_the_statistics_page_shows_charts_and_tables(client, content, lena):
    for company in firms(12):
        submitted(company, content, stage=5)
    response = _statistics_page(client, lena)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") >= 4
    assert 'id="chart-stages-title"' in html
    assert "<table" in html


def test_firms_cannot_open_the_statistics_page(client, alice, content):
    assert _statistics_page(client, alice).status_code == 404


def test_the_statistics_page_does_a_fixed_number_of_queries(
    client, content, lena, django_assert_num_queries
):
    client.force_login(lena)
    url = reverse("diagnostics:agency_statistics")
    for company in firms(3):
        submitted(company, content, stage=2)
    client.get(url)  # warm the session and permission caches of this client
    cache.clear()  # the uncached path: the one that could grow with data
    with django_assert_num_queries(17) as few:
        client.get(url)
    for company in firms(15):
        submitted(company, content, stage=3, days_ago=200)
        submitted(company, content, stage=6)
    cache.clear()
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_statistics_are_cached_until_the_data_changes(client, content, lena):
    for company in firms(12):
        submitted(company, content, stage=5)
    assert agency_statistics(lena).firms == 12
    with CaptureQueriesContext(connection) as cached:
        assert agency_statistics(lena).firms == 12
    assert len(cached) == 5  # the data's fingerprint only
    submitted(CompanyFactory.create(), content, stage=5)
    assert agency_statistics(lena).firms == 13


def test_a_drafts_autosave_keeps_the_cached_figures_and_a_submission_renews_them(
    content, lena, alice
):
    for company in firms(12):
        submitted(company, content, stage=5)
    assert agency_statistics(lena).firms == 12
    fingerprints = (data_version(), scores_version())
    # Firms fill in drafts all day; no figure reads a draft.
    draft = answer_all(
        diagnostic_start(company=alice.company, user=alice), content, alice
    )
    assert (data_version(), scores_version()) == fingerprints
    with CaptureQueriesContext(connection) as cached:
        assert agency_statistics(lena).firms == 12
    assert len(cached) == 5  # the fingerprint only: the figures came from the cache
    diagnostic_submit(diagnostic=draft, user=alice)
    assert data_version() != fingerprints[0] and scores_version() != fingerprints[1]
    assert agency_statistics(lena).firms == 13


def test_cached_statistics_never_cross_scopes(content, carol, lena):
    for company in firms(12, region="busan"):
        submitted(company, content, stage=5)
    assert agency_statistics(lena).firms == 12
    assert agency_statistics(carol).firms == 0
