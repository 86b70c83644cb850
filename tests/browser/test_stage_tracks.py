"""The stage model's two tracks, through the wizard in a real browser (questionnaire v2).

The profile's export figures decide the track before any question is asked: a firm that
exported US$2.5M last year and gives the weakest answer everywhere is still at stage 4
(the exporter's entry stage) or above; a firm with no exports that gives the best answer
everywhere is at stage 3 or below. Each firm's member sees only the own diagnostic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from accounts.models import PresenceAbroad, Role
from diagnostics.models import Diagnostic, DiagnosticStatus, Option, StageRule
from diagnostics.questionnaire import published_version, questionnaire_content
from tests.browser.helpers import log_in, new_context, switch_to_english
from tests.conftest import load_content
from tests.factories import CompanyFactory, UserFactory


@dataclass(frozen=True)
class Firm:
    name: str
    exports_last_year_usd: int
    export_markets: int
    export_years: int
    presence_abroad: int
    choose: str  # "weakest" or "best"
    track: str
    questions: int  # what the track asks: 36 common questions and its own


EXPORTER = Firm(
    name="exporter",
    exports_last_year_usd=2_500_000,
    export_markets=4,
    export_years=6,
    presence_abroad=PresenceAbroad.AGENT,
    choose="weakest",
    track="exporter",
    questions=44,
)
NON_EXPORTER = Firm(
    name="non-exporter",
    exports_last_year_usd=0,
    export_markets=0,
    export_years=0,
    presence_abroad=PresenceAbroad.NONE,
    choose="best",
    track="domestic",
    questions=37,
)


def nav_button(page: Page, value: str) -> Locator:
    """The wizard's buttons; "review" is both the main button and one in the step list."""
    return page.locator(f"main button[name='nav'][value='{value}']:not([hidden])").first


def answer_step(page: Page, choose: str, options: dict[int, Option]) -> int:
    """Tick the weakest (first) or the best (last scored) option of each question on
    the page; checks against the Option rows that the pick is that extreme."""
    groups = page.get_by_role("main").get_by_role("group")
    assert groups.count(), "a step page without questions"
    for index in range(groups.count()):
        radios = groups.nth(index).get_by_role("radio")
        values = [
            int(value) for value in radios.evaluate_all("rs => rs.map(r => r.value)")
        ]
        assert re.fullmatch(r"q_Q\d+", radios.first.get_attribute("name") or "")
        scored = [pk for pk in values if not options[pk].not_applicable]
        pick = scored[0] if choose == "weakest" else scored[-1]
        points = [options[pk].points for pk in scored]
        assert options[pick].points == (min if choose == "weakest" else max)(points)
        radio = radios.nth(values.index(pick))
        radio.check()
        expect(radio).to_be_checked()
    return groups.count()


@pytest.mark.browser
@pytest.mark.parametrize("firm", [EXPORTER, NON_EXPORTER], ids=lambda firm: firm.name)
def test_the_profile_sets_the_track_and_bounds_the_stage(
    live_server, chromium, firm: Firm
) -> None:
    load_content()  # a transactional test: the database was flushed
    company = CompanyFactory.create(
        exports_last_year_usd=firm.exports_last_year_usd,
        export_markets=firm.export_markets,
        export_years=firm.export_years,
        presence_abroad=firm.presence_abroad,
    )
    company.full_clean()  # figures the profile form would accept
    email = f"{firm.name}@example.com"
    UserFactory.create(email=email, company=company, role=Role.SME_MEMBER)
    options = {option.pk: option for option in Option.objects.all()}
    version = published_version()
    assert version is not None
    steps = questionnaire_content(version).step_count

    context = new_context(chromium, phone=False)
    page = context.new_page()
    log_in(page, live_server.url, email)
    switch_to_english(page)
    page.get_by_role("button", name="Start the diagnostic").click()

    answered = 0
    for step in range(1, steps + 1):
        expect(page).to_have_url(re.compile(rf"/diagnostic/\d+/step/{step}/$"))
        answered += answer_step(page, firm.choose, options)
        nav_button(page, "next" if step < steps else "review").click()

    expect(page).to_have_url(re.compile(r"/diagnostic/\d+/review/$"))
    assert answered == firm.questions
    expect(page.get_by_role("main")).to_contain_text(
        f"{firm.questions} of {firm.questions} questions answered"
    )
    expect(page.get_by_text("Not answered")).to_have_count(0)
    page.get_by_role("button", name="Submit and see my stage").click()

    expect(page).to_have_url(re.compile(r"/diagnostic/\d+/result/$"))
    badge = page.locator("#stage-heading")
    expect(badge).to_have_text(re.compile(r"^Stage \d$"))
    shown = int(badge.inner_text().removeprefix("Stage "))
    if firm.track == "exporter":
        assert shown >= 4
    else:
        assert shown <= 3

    diagnostic = Diagnostic.objects.get(company=company)
    assert diagnostic.status == DiagnosticStatus.SUBMITTED
    assert diagnostic.stage == shown
    assert diagnostic.result is not None and diagnostic.export_facts is not None
    assert diagnostic.result["track"] == firm.track
    assert diagnostic.export_facts["exports_last_year_usd"] == (
        firm.exports_last_year_usd
    )
    rule = StageRule.objects.get(version=diagnostic.version, stage=shown)
    expect(page.get_by_test_id("stage-name")).to_have_text(rule.name_en)
    context.close()
