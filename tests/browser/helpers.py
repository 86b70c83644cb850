"""Helpers the browser tests share: contexts, the language switch, axe-core."""

from __future__ import annotations

import re

from django.conf import settings
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from tests.factories import PASSWORD

AXE_JS = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}

AXE_RUN = r"""async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      summary: v.nodes[0].failureSummary.replace(/\s+/g, " "),
    }));
}"""


class Axe:
    """Runs axe-core on a page and keeps the serious and critical violations."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def check(self, page: Page, name: str) -> None:
        # The context bypasses the site's CSP, which (rightly) forbids foreign scripts.
        page.add_script_tag(path=str(AXE_JS))
        for violation in page.evaluate(AXE_RUN):
            self.found.append(
                f"{name}: {violation['id']} ({violation['impact']}) "
                f"{violation['help']} -> {violation['targets']}: "
                f"{violation['summary']}"
            )


def new_context(chromium, *, phone: bool) -> BrowserContext:
    options = (
        {"viewport": PHONE, "is_mobile": True, "has_touch": True}
        if phone
        else {"viewport": DESKTOP}
    )
    context = chromium.new_context(bypass_csp=True, locale="ko-KR", **options)
    context.set_default_timeout(10_000)
    return context


def switch_to_english(page: Page) -> None:
    """The header's language buttons; on a phone they sit in the collapsed menu."""
    toggler = page.locator("button[aria-controls='nav-main']")
    if toggler.is_visible():
        toggler.click()
        expect(toggler).to_have_attribute("aria-expanded", "true")
    page.locator("button[name='language'][value='en']").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def log_in(page: Page, base_url: str, email: str) -> None:
    """The log-in form, in whatever language the page is in; lands on the home page."""
    page.goto(base_url + "/accounts/login/")
    page.locator("input[name='username']").fill(email)
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator("main form [type='submit']").click()
    expect(page).to_have_url(re.compile(r"/home/$"))
