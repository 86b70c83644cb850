"""A consultant's day, in the browser: filter the queue, open a firm, assign it, write
a note, override the stage with a reason and mark it reviewed; then the firm reads the
override on its result page, asks for a call, and marks a program applied for."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from diagnostics.models import ReviewEvent, ReviewStatus
from diagnostics.services import diagnostic_start, diagnostic_submit
from programs.models import ProgramUptake
from tests.browser.helpers import Axe, log_in, new_context, switch_to_english
from tests.conftest import answer_all, load_content
from tests.factories import CompanyFactory, UserFactory


@pytest.mark.browser
def test_a_consultant_reviews_a_firm_and_the_firm_sees_it(live_server, chromium):
    load_content()  # a transactional test: the database was flushed
    from diagnostics.questionnaire import published_version, questionnaire_content

    version = published_version()
    assert version is not None
    content = questionnaire_content(version)
    company = CompanyFactory.create(region="seoul", name_ko="가나무역", name_en="Gana")
    member = UserFactory.create(
        email="hana@example.com", company=company, role=Role.SME_MEMBER
    )
    UserFactory(email="jisu@example.com", regions=["seoul"], role=Role.CONSULTANT)
    draft = diagnostic_start(company=company, user=member)
    answer_all(draft, content, member)
    result = diagnostic_submit(diagnostic=draft, user=member)
    computed = result.stage
    assert computed is not None
    chosen = computed - 1 if computed > 1 else computed + 1

    axe = Axe()
    context = new_context(chromium, phone=False)
    page = context.new_page()
    log_in(page, live_server.url, "jisu@example.com")
    switch_to_english(page)
    page.goto(live_server.url + "/diagnostic/agency/?status=new&q=" + "가나")
    axe.check(page, "filtered queue")
    page.get_by_role("link", name="Gana").click()
    expect(page).to_have_url(re.compile(rf"/diagnostic/agency/{result.pk}/$"))

    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("#review")).to_contain_text("jisu@example.com")
    page.locator("#note-body").fill("Met the CEO; their US buyer is real.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator("main")).to_contain_text("Met the CEO")
    page.locator("#override-stage").select_option(str(chosen))
    page.locator("#override-reason").fill("Exports go through an agent, not directly.")
    page.get_by_role("button", name="Save the stage").click()
    expect(page.locator("main")).to_contain_text("set by a consultant")
    page.locator("#status-status").select_option(ReviewStatus.REVIEWED)
    page.get_by_role("button", name="Change status").click()
    axe.check(page, "reviewed firm")
    context.close()

    kinds = set(ReviewEvent.objects.values_list("kind", flat=True))
    assert {"assigned", "status", "override"} <= kinds

    context = new_context(chromium, phone=True)
    page = context.new_page()
    log_in(page, live_server.url, "hana@example.com")
    page.goto(f"{live_server.url}/diagnostic/{result.pk}/result/")
    notice = page.get_by_test_id("override-notice")
    expect(notice).to_contain_text(f"{chosen}")
    expect(notice).to_contain_text("Exports go through an agent")
    expect(page.locator("main")).not_to_contain_text("Met the CEO")
    # Asking for a consultant's call.
    page.locator("summary", has_text="컨설턴트").first.click()
    page.locator("input[name='preferred_time']").fill("평일 오후")
    page.locator("form[action$='/consultant-request/'] button").click()
    expect(page.locator("main")).to_contain_text("평일 오후")
    # Marking the first program applied for.
    form = page.locator("form.uptake-form").first
    form.locator("select").select_option("applied")
    form.locator("[type='submit']").click()
    expect(page.locator("form.uptake-form").first.locator("select")).to_have_value(
        "applied"
    )
    axe.check(page, "firm result after review")
    context.close()
    assert ProgramUptake.objects.filter(status="applied").count() == 1
    assert not axe.found, "\n".join(axe.found)
