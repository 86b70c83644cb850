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
    background_behind,
    broken_words,
    computed_style,
    contrast_ratio,
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
    UserFactory(email="jisu@example.com", regions=["seoul"], role=Role.CONSULTANT)
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
            "assisted mode": f"/diagnostic/agency/{results[1].pk}/assisted/",
            "visit a firm": "/diagnostic/agency/visit/?business_number="
            + results[1].company.business_number,
            "statistics": "/diagnostic/agency/statistics/",
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


@pytest.mark.browser
def test_each_answer_is_a_visible_44px_row_tapped_anywhere(
    live_server, chromium
) -> None:
    _, draft = _firm_with_results_and_a_draft()
    context = new_context(chromium, phone=True)
    page = context.new_page()
    log_in(page, live_server.url, "hana@example.com")
    page.goto(f"{live_server.url}/diagnostic/{draft.pk}/step/1/")
    radios = page.locator("main .question input[type='radio']")
    assert radios.count() > 4
    radio = radios.first
    border = computed_style(
        page, "main .question input[type='radio']", "border-top-color"
    )
    assert contrast_ratio(border, background_behind(radio)) >= 3, border

    rows = page.locator("main .question .form-check")
    heights = rows.evaluate_all(
        "rows => rows.map(row => row.getBoundingClientRect().height)"
    )
    assert min(heights) >= 44, heights
    labels = page.locator("main .question .form-check-label")
    label_heights = labels.evaluate_all(
        "labels => labels.map(label => label.getBoundingClientRect().height)"
    )
    assert label_heights == heights  # the label is the whole row

    # A tap at the row's right end, away from the text's start, chooses the answer.
    row = rows.nth(1)
    box = row.bounding_box()
    assert box is not None
    page.touchscreen.tap(box["x"] + box["width"] - 4, box["y"] + box["height"] / 2)
    expect(row.locator("input")).to_be_checked()
    context.close()
