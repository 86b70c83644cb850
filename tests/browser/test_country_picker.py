"""The company profile's target markets on a 390 px phone in Korean: search, tick, the
chips, remove through a chip, save; and the same profile saved with JavaScript off.
Hana is a member of the firm whose profile she edits."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Company, Role
from tests.browser.helpers import Axe, log_in, new_context
from tests.factories import CompanyFactory, UserFactory

EMAIL = "hana@example.com"
TOUCH_TARGET = 44  # px, WCAG 2.5.5


def _firm_member() -> Company:
    company = CompanyFactory.create(target_markets=["US"])
    UserFactory.create(email=EMAIL, company=company, role=Role.SME_MEMBER)
    return company


def _shown_countries(page: Page) -> list[str]:
    return page.locator(".country-option:visible").all_inner_texts()


def _stored_markets(company: Company) -> list[str]:
    company.refresh_from_db()
    return sorted(str(country) for country in company.target_markets)


@pytest.mark.browser
def test_a_firm_picks_its_target_markets_on_a_phone(live_server, chromium) -> None:
    company = _firm_member()
    axe = Axe()
    context = new_context(chromium, phone=True)
    page = context.new_page()
    log_in(page, live_server.url, EMAIL)
    page.goto(live_server.url + "/accounts/company/")

    picker = page.get_by_role("group", name="목표 시장")
    chips = picker.get_by_role("list", name="선택한 국가")
    chip_names = chips.locator(".country-chip > span:first-child")
    search = picker.get_by_label("국가 검색")
    status = picker.get_by_role("status")
    expect(chip_names).to_have_text(["미국"])
    axe.check(page, "company (phone)")

    # A Korean name: the list narrows as the firm types.
    search.press_sequentially("베트")
    expect(page.locator(".country-option:visible")).to_have_count(1)
    assert _shown_countries(page) == ["베트남"]
    expect(status).to_have_text("표시된 국가: 1개")
    page.get_by_role("checkbox", name="베트남", exact=True).check()
    expect(chip_names).to_have_text(["미국", "베트남"])
    expect(status).to_have_text("베트남 추가됨")

    # Removed through its chip: the box is unticked and focus stays in the chips.
    remove = chips.get_by_role("button", name="베트남 제거")
    box = remove.bounding_box()
    assert box and min(box["width"], box["height"]) >= TOUCH_TARGET
    remove.tap()
    expect(page.get_by_role("checkbox", name="베트남", exact=True)).not_to_be_checked()
    expect(chip_names).to_have_text(["미국"])
    expect(status).to_have_text("베트남 제거됨")
    expect(chips.get_by_role("button", name="미국 제거")).to_be_focused()

    # An English name finds the Korean one; Enter goes to the first match, Space ticks.
    search.fill("")
    search.press_sequentially("japan")
    assert _shown_countries(page) == ["일본"]
    search.press("Enter")
    japan = page.get_by_role("checkbox", name="일본", exact=True)
    expect(japan).to_be_focused()
    page.keyboard.press("Space")
    expect(japan).to_be_checked()
    # And the ISO code.
    search.fill("de")
    expect(page.get_by_role("checkbox", name="독일", exact=True)).to_be_visible()
    page.get_by_role("checkbox", name="독일", exact=True).check()
    row = page.locator(".country-option", has_text="독일").bounding_box()
    assert row and row["height"] >= TOUCH_TARGET
    search.fill("zz")
    expect(picker.get_by_text("검색어와 일치하는 국가가 없습니다.")).to_be_visible()
    expect(chip_names).to_have_text(["미국", "일본", "독일"])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    search.press("Escape")
    expect(page.locator(".country-option:visible")).to_have_count(249)
    axe.check(page, "company, three chips (phone)")

    page.get_by_role("button", name="기업 정보 저장").click()
    expect(page).to_have_url(re.compile(r"/home/$"))
    assert _stored_markets(company) == ["DE", "JP", "US"]
    context.close()
    assert not axe.found, "\n".join(axe.found)


@pytest.mark.browser
def test_target_markets_are_saved_with_javascript_off(live_server, chromium) -> None:
    company = _firm_member()
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    log_in(page, live_server.url, EMAIL)
    page.goto(live_server.url + "/accounts/company/")

    picker = page.get_by_role("group", name="목표 시장")
    # No search box and no chips: only the list, the firm's country first.
    expect(picker.get_by_label("국가 검색")).to_be_hidden()
    expect(picker.get_by_role("list")).to_be_hidden()
    expect(picker.get_by_role("checkbox").first).to_have_accessible_name("미국")
    expect(picker.get_by_role("checkbox").first).to_be_checked()
    picker.get_by_role("checkbox", name="미국", exact=True).uncheck()
    picker.get_by_role("checkbox", name="일본", exact=True).check()
    picker.get_by_role("checkbox", name="캐나다", exact=True).check()
    page.get_by_role("button", name="기업 정보 저장").click()

    expect(page).to_have_url(re.compile(r"/home/$"))
    assert _stored_markets(company) == ["CA", "JP"]
    context.close()
