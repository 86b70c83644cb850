"""Errors that can be found: a form sent back opens with a summary that has the focus and
links to each field. Hana is a member of her firm and edits its profile and its draft."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from diagnostics.services import diagnostic_start
from tests.browser.helpers import log_in, new_context
from tests.conftest import load_content
from tests.factories import CompanyFactory, UserFactory

FOCUSED_ID = "document.activeElement && document.activeElement.id"


@pytest.mark.browser
@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_an_invalid_number_focuses_a_summary_linking_to_the_field(
    live_server, chromium, phone
) -> None:
    load_content()  # a transactional test: the database was flushed
    company = CompanyFactory(region="seoul")
    UserFactory(email="hana@example.com", company=company, role=Role.SME_MEMBER)
    context = new_context(chromium, phone=phone)
    page = context.new_page()
    log_in(page, live_server.url, "hana@example.com")
    page.goto(live_server.url + "/accounts/company/")
    page.locator("#id_business_number").fill("124-81-00990")
    page.locator("main form [type='submit']").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("8")  # the check digit the number should end in
    link = summary.get_by_role("link")
    expect(link).to_have_attribute("href", "#id_business_number")
    link.click()
    expect(page.locator("#id_business_number")).to_be_focused()
    context.close()


@pytest.mark.browser
def test_a_forged_answer_on_the_wizard_focuses_a_summary_linking_to_it(
    live_server, chromium
) -> None:
    load_content()
    company = CompanyFactory.create(region="seoul")
    member = UserFactory.create(
        email="hana@example.com", company=company, role=Role.SME_MEMBER
    )
    draft = diagnostic_start(company=company, user=member)
    context = new_context(chromium, phone=True)
    page = context.new_page()
    log_in(page, live_server.url, "hana@example.com")
    page.goto(f"{live_server.url}/diagnostic/{draft.pk}/step/1/")
    radio = page.locator("main input[type='radio']").first
    name = radio.get_attribute("name")
    # A value no option has, as a tampered page would send.
    radio.evaluate("(element) => { element.value = '999999'; }")
    page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    page.locator("main button[name='nav'][value='next']:not([hidden])").click()

    expect(page).to_have_url(f"{live_server.url}/diagnostic/{draft.pk}/step/1/")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link")
    expect(link).to_have_attribute("href", f"#id_{name}_0")
    link.click()
    assert page.evaluate(FOCUSED_ID) == f"id_{name}_0"
    context.close()
