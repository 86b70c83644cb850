"""Recommendations stored at submission: shown with reasons, frozen against catalog edits,
refreshed only on purpose and with a record. A firm sees its own; consultants and staff
see near misses too."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from diagnostics.demo import worst
from diagnostics.services import diagnostic_start, diagnostic_submit
from programs.models import Institution, Program, Recommendation, RecommendationRefresh
from programs.rules import Reason
from programs.services import recommendations_refresh
from programs.wording import SENTENCES, reason_sentence
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


def _program(code: str, **rules) -> Program:
    defaults = {
        "institution": Institution.objects.get(code="kotra"),
        "code": code,
        "name_ko": f"{code} 국문",
        "name_en": f"{code} English",
        "description_ko": "설명",
        "description_en": "What the firm gets.",
        "support_type": "mentoring",
        "bottlenecks": ["sales_routes"],
    }
    return Program.objects.create(**{**defaults, **rules})


@pytest.fixture
def only_test_programs(db):
    """An empty catalog but for the programs a test adds."""
    Program.objects.update(is_active=False)


def _submit(user, content, choose=worst):
    diagnostic = diagnostic_start(company=user.company, user=user)
    answer_all(diagnostic, content, user, choose=choose)
    return diagnostic_submit(diagnostic=diagnostic, user=user)


def test_it_stores_ranked_recommendations_with_reasons_in_both_languages(
    alice, content, only_test_programs
):
    _program("gateway", export_max_usd=500_000, stage_max=5)
    diagnostic = _submit(alice, content)
    row = Recommendation.objects.get(diagnostic=diagnostic, kind="recommended")
    assert row.rank == 1
    assert (
        "Exports of US$120,000 a year are under this program's US$500,000 limit."
        in row.reasons_en
    )
    assert any("120,000" in sentence for sentence in row.reasons_ko)
    assert row.program_snapshot["name_en"] == "gateway English"
    assert row.program_snapshot["institution_abbreviation"] == "KOTRA"


def test_it_stores_near_misses_with_the_rule_they_failed(
    alice, content, only_test_programs
):
    _program("big-exporters", export_min_usd=5_000_000)
    diagnostic = _submit(alice, content)
    miss = Recommendation.objects.get(diagnostic=diagnostic, kind="near_miss")
    assert miss.program_snapshot["failed_en"] == (
        "Exports are US$120,000 a year; this program asks for at least US$5,000,000."
    )
    assert not Recommendation.objects.filter(
        diagnostic=diagnostic, kind="recommended"
    ).exists()


def test_the_result_page_shows_the_stored_recommendations(client, alice, content):
    diagnostic = _submit(alice, content)
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(
        reverse("diagnostics:result", args=[diagnostic.pk])
    ).content.decode()
    stored = list(diagnostic.recommendations.filter(kind="recommended"))
    assert stored, "the demo catalog recommends something to a firm at stage 1"
    for row in stored:
        assert row.program_snapshot["name_en"] in page
        for sentence in row.reasons_en:
            assert sentence.replace("'", "&#x27;") in page


def test_a_catalog_edit_never_rewrites_a_past_result(
    client, alice, content, only_test_programs
):
    program = _program("gateway", export_max_usd=500_000)
    diagnostic = _submit(alice, content)
    program.name_en = "Renamed later"
    program.export_max_usd = 100_000
    program.save()
    program.delete()
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(
        reverse("diagnostics:result", args=[diagnostic.pk])
    ).content.decode()
    assert "gateway English" in page
    assert "Renamed later" not in page


def test_new_diagnostics_use_a_catalog_change_at_once(
    alice, content, only_test_programs
):
    program = _program("gateway")
    first = _submit(alice, content)
    program.is_active = False
    program.save()
    second = _submit(alice, content)
    assert first.recommendations.filter(kind="recommended").count() == 1
    assert second.recommendations.filter(kind="recommended").count() == 0


def test_a_refresh_recomputes_and_is_recorded(
    alice, carol, content, only_test_programs
):
    _program("first")
    diagnostic = _submit(alice, content)
    _program("second", support_type="training")
    recommendations_refresh(diagnostic=diagnostic, user=carol, reason="New catalog")
    codes = sorted(r.program_snapshot["code"] for r in diagnostic.recommendations.all())
    assert codes == ["first", "second"]
    record = RecommendationRefresh.objects.get(diagnostic=diagnostic)
    assert record.refreshed_by == carol
    assert record.reason == "New catalog"
    assert record.previous == [{"kind": "recommended", "rank": 1, "code": "first"}]


def test_a_consultant_refreshes_from_the_agency_page(client, alice, carol, content):
    diagnostic = _submit(alice, content)
    client.force_login(carol)
    url = reverse("diagnostics:agency_refresh_recommendations", args=[diagnostic.pk])
    response = client.post(url, {"reason": "Catalog updated"})
    assert response.url == reverse("diagnostics:agency_detail", args=[diagnostic.pk])
    assert RecommendationRefresh.objects.filter(
        diagnostic=diagnostic, refreshed_by=carol
    ).exists()


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Give the reason for recomputing the recommendations."),
        ("   ", "Give the reason for recomputing the recommendations."),
        ("x" * 501, "Keep the reason to 500 characters or fewer."),
    ],
)
def test_a_refresh_without_a_proper_reason_is_refused(
    client, alice, carol, content, reason, message
):
    diagnostic = _submit(alice, content)
    before = list(diagnostic.recommendations.values_list("pk", flat=True))
    client.force_login(carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("diagnostics:agency_refresh_recommendations", args=[diagnostic.pk])

    response = client.post(url, {"reason": reason}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [message]
    assert not RecommendationRefresh.objects.exists()
    assert list(diagnostic.recommendations.values_list("pk", flat=True)) == before


def test_the_refresh_service_refuses_a_blank_reason(alice, carol, content):
    diagnostic = _submit(alice, content)

    with pytest.raises(ValueError, match="needs a reason"):
        recommendations_refresh(diagnostic=diagnostic, user=carol, reason=" ")
    assert not RecommendationRefresh.objects.exists()


def test_a_firm_cannot_refresh_its_own_recommendations(client, alice, content):
    diagnostic = _submit(alice, content)
    client.force_login(alice)
    url = reverse("diagnostics:agency_refresh_recommendations", args=[diagnostic.pk])
    assert client.post(url).status_code == 404
    assert not RecommendationRefresh.objects.exists()


def test_the_agency_page_shows_near_misses(
    client, alice, carol, content, only_test_programs
):
    _program("big-exporters", export_min_usd=5_000_000)
    diagnostic = _submit(alice, content)
    client.force_login(carol)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(
        reverse("diagnostics:agency_detail", args=[diagnostic.pk])
    ).content
    assert b"big-exporters English" in page
    assert b"asks for at least US$5,000,000" in page


def test_an_upcoming_window_is_shown_as_not_open(
    client, alice, content, only_test_programs
):
    today = timezone.localdate()
    _program("later", application_opens=today + timedelta(days=30))
    diagnostic = _submit(alice, content)
    row = diagnostic.recommendations.get(kind="recommended")
    assert row.program_snapshot["window_open"] is False
    assert any("Applications open on" in sentence for sentence in row.reasons_en)


def test_a_round_that_closed_last_year_still_recommends_the_program(
    alice, content, only_test_programs
):
    today = timezone.localdate()
    last_year = today.replace(year=today.year - 1, day=1)
    _program(
        "yearly",
        application_opens=last_year,
        application_closes=last_year + timedelta(days=20),
        source_url="https://www.example.com/notice/1",
        checked_on=today,
    )
    diagnostic = _submit(alice, content)
    row = diagnostic.recommendations.get(kind="recommended")
    snapshot = row.program_snapshot
    assert snapshot["window_announced"] is False
    assert snapshot["window_closes"] >= today.isoformat()
    assert snapshot["source_url"] == "https://www.example.com/notice/1"
    assert snapshot["checked_on"] == today.isoformat()
    assert any("Applications are" in sentence for sentence in row.reasons_en)


def test_it_stores_the_usual_months_as_the_next_window(
    alice, content, only_test_programs
):
    today = timezone.localdate()
    next_month = today.month % 12 + 1
    _program("next-month", application_months=[next_month])
    diagnostic = _submit(alice, content)
    snapshot = diagnostic.recommendations.get(kind="recommended").program_snapshot
    year = today.year + (next_month == 1)
    assert snapshot["window_open"] is False
    assert snapshot["window_opens"] == f"{year}-{next_month:02d}-01"
    assert snapshot["application_months"] == [next_month]


def test_it_names_the_weak_area_a_program_helps_with(
    alice, content, only_test_programs
):
    _program("finance-help", areas=["finance"], bottlenecks=[])
    diagnostic = _submit(alice, content)  # the worst answers: every area is weak
    row = diagnostic.recommendations.get(kind="recommended")
    assert any(
        sentence.startswith(
            "It helps with Finance and payment risk, a weak area (area score"
        )
        for sentence in row.reasons_en
    ), row.reasons_en
    assert any("자금·대금 회수" in sentence for sentence in row.reasons_ko)


@pytest.mark.parametrize("code", sorted(SENTENCES))
def test_every_reason_code_has_a_sentence_in_both_languages(code):
    params = {
        "stage": 3,
        "min": 2,
        "max": 5,
        "exports": 120000,
        "limit": 500000,
        "minimum": 100000,
        "employees": 40,
        "revenue": 100,
        "industry": "C",
        "markets": "US,VN",
        "region": "seoul",
        "closes": date(2026, 12, 31).isoformat(),
        "opens": date(2027, 1, 1).isoformat(),
        "closed": date(2026, 1, 1).isoformat(),
        "bottleneck": "funds",
        "score": "40",
        "area": "finance",
        "age": 5,
        "division": "28",
        "chapter": "85",
    }
    reason = Reason(code, tuple(params.items()))
    from django.utils import translation

    with translation.override("en"):
        english = reason_sentence(reason)
    with translation.override("ko"):
        korean = reason_sentence(reason)
    assert english and english != code
    assert korean and korean != code
