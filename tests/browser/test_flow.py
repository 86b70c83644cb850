"""A new firm user, end to end in a real browser, with axe-core on every page.

Sign up on a desktop-sized window, fill the company profile, start the diagnostic; answer
steps 1-4 on a phone, save and finish later; come back in a fresh browser (no cookies), log
in, continue where the diagnostic stopped, finish it, submit and see the stage.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from diagnostics.models import Diagnostic, DiagnosticStatus, StageRule
from tests.browser.helpers import (
    PHONE,
    Axe,
    new_context,
    switch_to_english,
)
from tests.conftest import load_content

SCREENS = Path("/tmp/screens")
EMAIL = "minji@example.com"
PASSWORD = "Harbor-lantern-2026!"
# Number questions: a plausible value by field name; others get their `min`.
NUMBERS = {"q_Q12": "3", "q_Q38": "4", "q_Q39": "1500000", "q_Q40": "35"}
STEP_COUNT = 9
SAVED_STEPS = 4
# The firm's profile shows exports, so it answers the exporter track of version 2.
ASKED = 44
# Crispy marks required fields with an asterisk inside the label.
PASSWORD_LABEL = re.compile(r"^\s*Password\W*$")


def nav_button(page: Page, value: str) -> Locator:
    """The wizard's buttons; "review" is both the main button and one in the step list."""
    return page.locator(f"main button[name='nav'][value='{value}']:not([hidden])").first


def expect_step(page: Page, step: int) -> None:
    expect(page).to_have_url(re.compile(rf"/diagnostic/\d+/step/{step}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(rf"^{step}\."))


def attribute(locator: Locator, name: str) -> str:
    """An attribute the element must have (Playwright answers None when it has not)."""
    value = locator.get_attribute(name)
    assert value is not None, f"no {name} attribute"
    return value


def answer_step(page: Page) -> list[str]:
    """Click a radio label in every question group, fill every number; the ids chosen."""
    main = page.get_by_role("main")
    chosen = []
    groups = main.get_by_role("group")
    for index in range(groups.count()):
        radios = groups.nth(index).get_by_role("radio")
        # Options run worst to best: alternate the best and the second best.
        radio = radios.nth(radios.count() - 1 - index % 2)
        radio_id = attribute(radio, "id")
        page.locator(f"label[for='{radio_id}']").click()
        expect(radio).to_be_checked()
        chosen.append(radio_id)
    numbers = main.get_by_role("spinbutton")
    for index in range(numbers.count()):
        field = numbers.nth(index)
        low = float(attribute(field, "min"))
        high = float(attribute(field, "max"))
        value = NUMBERS.get(attribute(field, "name"), str(low))
        assert low <= float(value) <= high
        field.fill(value)
        chosen.append(attribute(field, "id"))
    assert chosen, "a step page without questions"
    return chosen


def expect_answered(page: Page, field_ids: list[str]) -> None:
    """The answers given earlier are shown again: radios checked, numbers filled."""
    for field_id in field_ids:
        field = page.locator(f"[id='{field_id}']")
        if field.get_attribute("type") == "radio":
            expect(field).to_be_checked()
        else:
            expect(field).not_to_have_value("")


@pytest.mark.browser
def test_new_user_diagnostic_across_two_sessions(live_server, chromium) -> None:
    load_content()  # a transactional test: the database was flushed
    SCREENS.mkdir(parents=True, exist_ok=True)
    axe = Axe()

    # --- First visit: desktop for sign-up and the profile, a phone for the questions.
    context = new_context(chromium, phone=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    switch_to_english(page)
    axe.check(page, "landing")
    page.get_by_role("main").get_by_role(
        "link", name="Start the free diagnostic"
    ).click()

    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    axe.check(page, "signup")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/sent/$"))
    # The link from the sign-up e-mail, as the firm would open it.
    link = re.search(r"/accounts/signup/confirm/\S+/", str(mail.outbox[-1].body))
    assert link is not None
    page.goto(live_server.url + link.group(0))
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/accounts/company/$"))
    axe.check(page, "company")
    page.get_by_label("Legal name (Korean)").fill("한빛무역")
    page.get_by_label("English name").fill("Hanbit Trading")
    page.get_by_label("Business registration number").fill("124-81-00998")
    page.get_by_label("Region").select_option("gyeonggi")
    page.get_by_label("Industry").select_option("C")
    page.get_by_label("Employees").fill("42")
    page.get_by_label("Annual revenue").fill("8500000000")
    page.get_by_label("Year founded").fill("2009")
    page.get_by_label("Exports last year").fill("250000")
    page.get_by_label("Countries exported to last year").fill("1")
    page.get_by_label("Years of exporting").fill("2")
    page.get_by_label("Search countries").fill("viet")
    page.get_by_role("checkbox", name="Vietnam", exact=True).check()
    page.get_by_role("button", name="Save company profile").click()

    expect(page).to_have_url(re.compile(r"/home/$"))
    expect(page.get_by_role("status")).to_be_visible()
    axe.check(page, "home (new)")
    page.get_by_role("button", name="Start the diagnostic").click()

    page.set_viewport_size(PHONE)
    answers: dict[int, list[str]] = {}
    for step in range(1, SAVED_STEPS + 1):
        expect_step(page, step)
        if step == 1:
            axe.check(page, "step (phone)")
            page.screenshot(path=str(SCREENS / "step-phone.png"), full_page=True)
        answers[step] = answer_step(page)
        if step < SAVED_STEPS:
            nav_button(page, "next").click()
    nav_button(page, "save").click()
    expect(page).to_have_url(re.compile(r"/home/$"))
    expect(page.get_by_role("status")).to_contain_text("saved")
    context.close()

    # --- Second visit: a fresh phone browser, no cookies.
    context = new_context(chromium, phone=True)
    page = context.new_page()
    page.goto(live_server.url + "/home/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    switch_to_english(page)
    axe.check(page, "login (phone)")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/home/$"))
    expect(page.get_by_role("main")).to_contain_text(
        f"{sum(map(len, answers.values()))} of {ASKED} questions answered"
    )
    axe.check(page, "home (draft, phone)")
    page.get_by_role("link", name="Continue where you stopped").click()

    # Diagnostic.last_step is the step saved last: the wizard reopens on it.
    expect_step(page, SAVED_STEPS)
    expect_answered(page, answers[SAVED_STEPS])
    nav_button(page, "prev").click()
    expect_step(page, SAVED_STEPS - 1)
    expect_answered(page, answers[SAVED_STEPS - 1])
    nav_button(page, "next").click()
    expect_step(page, SAVED_STEPS)
    nav_button(page, "next").click()

    # Step 5 is only answered, never submitted: htmx saves each change as it happens,
    # so closing the browser loses nothing.
    expect_step(page, SAVED_STEPS + 1)
    autosaved = answer_step(page)
    expect(page.locator("#autosave-status")).to_contain_text("Saved")
    # Changes made in quick succession are queued; the count shows the last one landed.
    answered_now = sum(map(len, answers.values())) + len(autosaved)
    expect(page.locator("#wizard-progress")).to_contain_text(
        f"{answered_now} of {ASKED} questions answered"
    )
    context.close()
    context = new_context(chromium, phone=True)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    switch_to_english(page)
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Continue where you stopped").click()
    expect_step(page, SAVED_STEPS + 1)
    expect_answered(page, autosaved)
    nav_button(page, "next").click()

    for step in range(SAVED_STEPS + 2, STEP_COUNT + 1):
        expect_step(page, step)
        answer_step(page)
        nav_button(page, "next" if step < STEP_COUNT else "review").click()

    expect(page).to_have_url(re.compile(r"/diagnostic/\d+/review/$"))
    expect(page.get_by_role("main")).to_contain_text(
        f"{ASKED} of {ASKED} questions answered"
    )
    expect(page.get_by_text("Not answered")).to_have_count(0)
    axe.check(page, "review (phone)")
    page.get_by_role("button", name="Submit and see my stage").click()

    expect(page).to_have_url(re.compile(r"/diagnostic/\d+/result/$"))
    diagnostic = Diagnostic.objects.get(company__business_number="1248100998")
    assert diagnostic.status == DiagnosticStatus.SUBMITTED
    assert diagnostic.stage is not None
    assert 1 <= diagnostic.stage <= STEP_COUNT
    rule = StageRule.objects.get(version=diagnostic.version, stage=diagnostic.stage)
    stage_card = page.get_by_role("region", name=f"Stage {diagnostic.stage}")
    expect(stage_card).to_contain_text(f"Stage {diagnostic.stage} of 9")
    expect(page.get_by_test_id("stage-name")).to_have_text(rule.name_en)
    expect(
        page.get_by_role("list", name="The nine stages").get_by_role("listitem")
    ).to_have_count(9)
    axe.check(page, "result (phone)")
    page.screenshot(path=str(SCREENS / "result-phone.png"), full_page=True)
    context.close()

    if axe.found:
        pytest.fail("axe-core: serious or critical violations\n" + "\n".join(axe.found))
