"""Korean text on a phone: words stay whole, and the answers are easy to see and tap.

Hana (a firm's member) has a draft and two results; Jisu is the consultant for her
region and reads the agency pages.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from diagnostics.demo import worst
from diagnostics.services import diagnostic_start, diagnostic_submit
from tests.browser.helpers import (
    broken_words,
    computed_style,
    log_in,
    new_context,
)
from tests.conftest import answer_all, load_content
from tests.factories import CompanyFactory, UserFactory


def _firm_with_results_and_a_draft():
    load_content()  # a transactional test: the database was flushed
    from diagnostics.questionnaire import published_version, questionnaire_content

    content = questionnaire_content(published_version())
    company = CompanyFactory(region="seoul")
    member = UserFactory(
        email="hana@example.com", company=company, role=Role.SME_MEMBER
    )
    UserFactory(email="jisu@example.com", region="seoul", role=Role.CONSULTANT)
    results = []
    for choose in (worst, None):
        draft = diagnostic_start(company=company, user=member)
        answer_all(draft, content, member, **({"choose": choose} if choose else {}))
        results.append(diagnostic_submit(diagnostic=draft, user=member))
    draft = diagnostic_start(company=company, user=member)
    return results, draft


@pytest.mark.browser
def test_it_never_breaks_a_korean_word_on_a_phone(live_server, chromium) -> None:
    results, draft = _firm_with_results_and_a_draft()
    pages = {
        "firm": {
            **{
                f"wizard {step}": f"/diagnostic/{draft.pk}/step/{step}/"
                for step in (1, 5, 9)
            },
            "review": f"/diagnostic/{draft.pk}/review/",
            "result": f"/diagnostic/{results[1].pk}/result/",
            "history": "/diagnostic/history/",
            "compare": f"/diagnostic/compare/?a={results[0].pk}&b={results[1].pk}",
            "home": "/home/",
        },
        "agency": {
            "agency list": "/diagnostic/agency/",
            "agency firm": f"/diagnostic/agency/{results[1].pk}/",
        },
    }
    found = {}
    for who, email in (("firm", "hana@example.com"), ("agency", "jisu@example.com")):
        context = new_context(chromium, phone=True)
        page = context.new_page()
        log_in(page, live_server.url, email)
        for name, path in pages[who].items():
            page.goto(live_server.url + path)
            expect(page.locator("main h1")).to_be_visible()
            assert page.evaluate("document.documentElement.clientWidth") == 390
            assert computed_style(page, "main h1", "word-break") == "keep-all", name
            assert computed_style(page, "main", "word-break") == "keep-all", name
            if broken := broken_words(page):
                found[name] = broken
        context.close()
    assert not found, found
