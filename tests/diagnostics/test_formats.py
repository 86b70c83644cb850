"""One way to write numbers, amounts, dates and registration numbers, in both languages.

Alice (firm A) sees her own wizard, review and profile; Carol (consultant, Seoul) reads
firm A's result on the agency pages; Steve (staff) the admin's company list.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from hypothesis import given
from hypothesis import strategies as st

from diagnostics.demo import best
from diagnostics.models import Answer, QuestionKind
from diagnostics.services import diagnostic_submit
from diagnostics.templatetags.format_tags import day, delta, plain_number, usd, won
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


def _in_english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("3.00"), "3"),
        (Decimal("100.00"), "100"),
        (Decimal("12.50"), "12.5"),
        (Decimal("1500000.00"), "1,500,000"),
        (8_500_000_000, "8,500,000,000"),
        (Decimal("-3.25"), "-3.25"),
        (None, ""),
    ],
)
def test_it_writes_numbers_without_trailing_zeros_and_grouped(value, written):
    for language in ("ko", "en"):
        with translation.override(language):
            assert plain_number(value) == written


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_a_count_is_written_as_the_locale_formats_write_it(count):
    # plain_number writes integers itself; it must agree with Django's formats.
    for language in ("ko", "en"):
        with translation.override(language):
            assert plain_number(count) == number_format(count, force_grouping=True)


def test_it_writes_won_and_dollars_in_each_language():
    with translation.override("ko"):
        assert won(8_500_000_000) == "8,500,000,000원"
    with translation.override("en"):
        assert won(8_500_000_000) == "KRW 8,500,000,000"
    assert usd(250_000) == "US$250,000"


def test_it_keeps_dates_and_score_changes_on_one_line():
    assert day(date(2026, 12, 2)) == (
        '<time class="text-nowrap" datetime="2026-12-02">2026-12-02</time>'
    )
    with translation.override("en"):
        assert "+12.5</span>" in delta(Decimal("12.50"))
        assert "text-nowrap" in delta(Decimal("12.50"))
        assert "-3</span>" in delta(Decimal("-3.00"))
        assert "no change" in delta(Decimal("0"))
    assert delta(None) == "–"


def _number_questions(content):
    return [
        (step, question)
        for step, area in enumerate(content.areas, start=1)
        for question in area.questions
        if question.kind == QuestionKind.NUMBER
    ]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_wizard_shows_a_count_entered_as_3_as_3(
    client, alice, draft_v1, content_v1, language
):
    if language == "en":
        _in_english(client)
    client.force_login(alice)
    step, question = _number_questions(content_v1)[0]  # Q12, people
    Answer.objects.create(
        diagnostic=draft_v1, question=question, number_value=Decimal("3.00")
    )
    page = client.get(reverse("diagnostics:step", args=[draft_v1.pk, step]))
    html = page.content.decode()
    assert f'name="q_{question.code}" id="id_q_{question.code}" value="3"' in html
    assert 'value="3.00"' not in html
    review = client.get(reverse("diagnostics:review", args=[draft_v1.pk]))
    unit = {"ko": "명", "en": "people"}[language]
    assert f'<dd class="col-sm-5">3 {unit}</dd>' in review.content.decode()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_percentage_limit_reads_100_in_the_page_and_its_error(
    client, alice, draft_v1, content_v1, language
):
    if language == "en":
        _in_english(client)
    client.force_login(alice)
    step, question = next(
        (step, q) for step, q in _number_questions(content_v1) if q.number_max == 100
    )
    url = reverse("diagnostics:step", args=[draft_v1.pk, step])
    assert 'max="100"' in client.get(url).content.decode()
    response = client.post(
        url, {"revision": "0", "nav": "next", f"q_{question.code}": "150"}
    )
    html = response.content.decode()
    assert "100.00" not in html
    expected = {"ko": "100 이하", "en": "less than or equal to 100."}[language]
    assert expected in html


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_review_groups_a_large_amount(
    client, alice, draft_v1, content_v1, language
):
    if language == "en":
        _in_english(client)
    client.force_login(alice)
    _, question = next(
        (step, q)
        for step, q in _number_questions(content_v1)
        if q.number_max and q.number_max > 1_000_000
    )
    Answer.objects.create(
        diagnostic=draft_v1, question=question, number_value=Decimal("1500000.00")
    )
    review = client.get(reverse("diagnostics:review", args=[draft_v1.pk]))
    assert "1,500,000 " in review.content.decode()


@pytest.mark.parametrize(
    ("language", "revenue"),
    [("ko", "8,500,000,000원"), ("en", "KRW 8,500,000,000")],
)
def test_the_consultant_reads_the_firms_figures_written_out(
    client, alice, carol, content, language, revenue
):
    company = alice.company
    company.region = "seoul"
    company.annual_revenue_krw = 8_500_000_000
    company.exports_last_year_usd = 250_000
    company.save()
    from diagnostics.services import diagnostic_start

    draft = diagnostic_start(company=company, user=alice)
    answer_all(draft, content, alice, choose=best)
    diagnostic = diagnostic_submit(diagnostic=draft, user=alice)
    if language == "en":
        _in_english(client)
    client.force_login(carol)
    html = client.get(
        reverse("diagnostics:agency_detail", args=[diagnostic.pk])
    ).content.decode()
    number = company.business_number
    assert f"{number[:3]}-{number[3:5]}-{number[5:]}" in html
    assert revenue in html
    assert "US$250,000" in html
    assert f"{plain_number(diagnostic.total_score)} / 100" in html


def test_the_company_form_shows_the_number_with_hyphens(client, alice):
    client.force_login(alice)
    number = alice.company.business_number
    html = client.get(reverse("accounts:company")).content.decode()
    assert f'value="{number[:3]}-{number[3:5]}-{number[5:]}"' in html


def test_the_admin_lists_companies_with_written_numbers(client, alice, steve):
    from django.contrib.auth.models import Permission

    steve.user_permissions.add(Permission.objects.get(codename="view_company"))
    client.force_login(steve)
    alice.company.annual_revenue_krw = 8_500_000_000
    alice.company.save()
    html = client.get(reverse("admin:accounts_company_changelist")).content.decode()
    number = alice.company.business_number
    assert f"{number[:3]}-{number[3:5]}-{number[5:]}" in html
    assert "8,500,000,000원" in html
