"""A firm exporting US$3M, weakest in finance, reads its result in a real browser and
finds a K-SURE program among its recommendations, with the reason it fits. Only the
firm's own member logs in."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from diagnostics.demo import best, worst
from diagnostics.models import Option, Question
from diagnostics.services import AnswerValue, diagnostic_start, diagnostic_submit
from programs.models import Recommendation
from tests.browser.helpers import Axe, new_context, switch_to_english
from tests.browser.test_pages import log_in
from tests.conftest import answer_all, load_content
from tests.factories import CompanyFactory, UserFactory

FINANCE_AREA = "finance"


def short_of_funds(question: Question, options: Sequence[Option]) -> AnswerValue:
    """Strong answers everywhere except finance and the funds bottleneck."""
    if question.area.code == FINANCE_AREA or question.bottleneck == "funds":
        return worst(question, options)
    return best(question, options)


@pytest.mark.browser
def test_a_firm_exporting_3_million_sees_a_k_sure_program_and_why(
    live_server, chromium
) -> None:
    load_content()  # a transactional test: the database was flushed
    from diagnostics.questionnaire import published_version, questionnaire_content

    version = published_version()
    assert version is not None
    content = questionnaire_content(version)
    company = CompanyFactory.create(
        name_en="Daehan Machinery",
        region="gyeonggi",
        industry="C",
        industry_division="29",
        hs_code="8479",
        exports_last_year_usd=3_000_000,
        export_markets=6,
        export_years=9,
        target_markets=["US", "DE"],
    )
    member = UserFactory.create(
        email="minsu@example.com", company=company, role=Role.SME_MEMBER
    )
    draft = diagnostic_start(company=company, user=member)
    answer_all(draft, content, member, choose=short_of_funds)
    result = diagnostic_submit(diagnostic=draft, user=member)
    stored = Recommendation.objects.filter(
        diagnostic=result,
        kind=Recommendation.Kind.RECOMMENDED,
        program_snapshot__institution_code="ksure",
    )
    assert stored.exists(), "the stored list holds a K-SURE program"

    context = new_context(chromium, phone=False)
    page = context.new_page()
    log_in(page, live_server.url, "minsu@example.com")
    switch_to_english(page)
    page.goto(f"{live_server.url}/diagnostic/{result.pk}/result/")
    programs = page.get_by_role("region", name="Support programs that fit your company")
    k_sure = programs.get_by_role("listitem").filter(
        has_text="Korea Trade Insurance Corporation"
    )
    expect(k_sure.first).to_be_visible()
    card = k_sure.first
    # The card's link names its program; its details open on a tap.
    name = card.get_by_role("heading").inner_text()
    expect(card.get_by_role("link", name=f"{name}: Program page")).to_be_visible()
    card.locator("summary").click()
    expect(card.get_by_text("Why it fits:")).to_be_visible()
    expect(card).to_contain_text(
        re.compile(
            r"It helps with Finance and payment risk, a weak area "
            r"\(area score [\d.]+ of 100\)\."
        )
    )
    # The next window and the day the entry was checked are shown too.
    expect(card).to_contain_text(re.compile(r"Applications"))
    expect(card).to_contain_text("Details checked against the program's announcement")
    axe = Axe()
    axe.check(page, "result with K-SURE")
    context.close()
    assert not axe.found, "\n".join(axe.found)
