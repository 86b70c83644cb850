"""Every other page a person sees, in Korean on a phone and in English on a desktop,
checked with axe-core: a firm's history, comparison, team and profile, the public
method page, and a consultant's list, firm page, assisted mode and statistics."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from diagnostics.demo import worst
from diagnostics.services import diagnostic_start, diagnostic_submit
from tests.browser.helpers import Axe, log_in, new_context, switch_to_english
from tests.conftest import answer_all, load_content
from tests.factories import CompanyFactory, UserFactory


@pytest.mark.browser
@pytest.mark.parametrize(
    "phone", [True, False], ids=["korean-phone", "english-desktop"]
)
def test_the_other_pages_pass_axe(live_server, chromium, phone) -> None:
    load_content()  # a transactional test: the database was flushed
    from diagnostics.questionnaire import published_version, questionnaire_content

    version = published_version()
    assert version is not None
    content = questionnaire_content(version)
    company = CompanyFactory.create(region="seoul")
    member = UserFactory.create(
        email="hana@example.com", company=company, role=Role.SME_MEMBER
    )
    UserFactory(email="jisu@example.com", regions=["seoul"], role=Role.CONSULTANT)
    results = []
    for choose in (worst, None):
        draft = diagnostic_start(company=company, user=member)
        answer_all(draft, content, member, **({"choose": choose} if choose else {}))
        results.append(diagnostic_submit(diagnostic=draft, user=member))

    axe = Axe()
    context = new_context(chromium, phone=phone)
    page = context.new_page()
    log_in(page, live_server.url, "hana@example.com")
    if not phone:
        switch_to_english(page)
    firm_pages = {
        "home": "/home/",
        "history": "/diagnostic/history/",
        "compare": f"/diagnostic/compare/?a={results[0].pk}&b={results[1].pk}",
        "team": "/accounts/team/",
        "company": "/accounts/company/",
        "method": "/diagnostic/method/",
        "result": f"/diagnostic/{results[1].pk}/result/",
    }
    for name, path in firm_pages.items():
        page.goto(live_server.url + path)
        expect(page.locator("main h1")).to_be_visible()
        axe.check(page, name)
    context.close()

    context = new_context(chromium, phone=phone)
    page = context.new_page()
    log_in(page, live_server.url, "jisu@example.com")
    if not phone:
        switch_to_english(page)
    for name, path in {
        "agency home": "/home/",
        "agency list": "/diagnostic/agency/",
        "agency firm": f"/diagnostic/agency/{results[1].pk}/",
        "assisted mode": f"/diagnostic/agency/{results[1].pk}/assisted/",
        "visit a firm": "/diagnostic/agency/visit/?business_number="
        + results[1].company.business_number,
        "statistics": "/diagnostic/agency/statistics/",
    }.items():
        page.goto(live_server.url + path)
        expect(page.locator("main h1")).to_be_visible()
        axe.check(page, name)
    context.close()
    assert not axe.found, "\n".join(axe.found)


@pytest.mark.browser
def test_the_phone_menu_works_without_javascript(live_server, chromium) -> None:
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    english = page.locator("button[name='language'][value='en']")
    expect(english).to_be_visible()
    english.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="How we score").first).to_be_visible()
    context.close()
