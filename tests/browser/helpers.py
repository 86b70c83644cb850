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


# Where a Korean line may not break: between two characters of one word, that is two
# non-space characters one of which is Hangul (a line may begin after a space, or after
# punctuation such as "·", "/", "(" that Korean text breaks at). Each character's box
# is measured with a Range; a character whose box starts a new line is checked against
# the one before it. Text that is not drawn (hidden, visually hidden, SVG, form
# options) is skipped. `time` elements and .text-nowrap ones must fit on one line.
BROKEN_WORDS_JS = r"""() => {
  const hangul = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]/;
  const space = /\s/;
  const punctuation = /[·・\/\-–—,.:;!?()\[\]{}「」『』<>“”"'…~]/;
  const skipped = "script, style, svg, option, select, textarea, title, "
    + ".visually-hidden, .visually-hidden-focusable";
  const inWord = (ch) => !space.test(ch) && !punctuation.test(ch);
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.data;
    if (!hangul.test(text)) continue;
    const parent = node.parentElement;
    if (!parent || parent.closest(skipped) || !parent.getClientRects().length) continue;
    let previous = null;  // {index, top, bottom} of the last drawn character
    for (let i = 0; i < text.length; i++) {
      if (space.test(text[i])) continue;
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getClientRects()[0];
      if (!box || box.width === 0) continue;
      if (previous && box.top >= previous.bottom - 1) {
        const before = text[i - 1], here = text[i];
        const joined = previous.index === i - 1 && inWord(before) && inWord(here);
        if (joined && (hangul.test(before) || hangul.test(here))) {
          const start = Math.max(0, text.lastIndexOf(" ", i - 1) + 1);
          const end = text.indexOf(" ", i);
          broken.push(text.slice(start, end < 0 ? text.length : end).trim()
            + " [" + before + "/" + here + "]");
        }
      }
      previous = {index: i, top: box.top, bottom: box.bottom};
    }
  }
  for (const element of document.querySelectorAll("main time, main .text-nowrap")) {
    if (element.closest(skipped)) continue;
    const tops = new Set();
    const texts = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      if (node.parentElement.closest(skipped)) continue;
      range.selectNodeContents(node);
      for (const box of range.getClientRects()) {
        if (box.width > 0) tops.add(Math.round(box.bottom));
      }
    }
    if (tops.size > 1) broken.push(element.textContent.trim() + " [on two lines]");
  }
  return broken;
}"""


def broken_words(page: Page) -> list[str]:
    """Korean words (and dates, score changes) that the page breaks across lines."""
    return page.evaluate(BROKEN_WORDS_JS)


def computed_style(page: Page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(
        "(element, prop) => getComputedStyle(element).getPropertyValue(prop)", prop
    )


def _channel(value: float) -> float:
    value /= 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast of two CSS colours given as "rgb(r, g, b)" or "rgba(...)"."""

    def luminance(colour: str) -> float:
        r, g, b = (float(x) for x in re.findall(r"[\d.]+", colour)[:3])
        return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# The colour behind an element: the first ancestor's background that is not transparent.
BACKGROUND_JS = """(element) => {
  for (let node = element.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && !/rgba\\(.*,\\s*0\\)$/.test(colour) && colour !== "transparent") {
      return colour;
    }
  }
  return "rgb(255, 255, 255)";
}"""


def background_behind(locator) -> str:
    return locator.evaluate(BACKGROUND_JS)
