"""The wizard's autosave outlives the page: answers given just before a tab is hidden or
closed still reach the server. Hana, a member of her firm, answers her firm's draft."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import OperationalError
from playwright.sync_api import Page, Request, expect

from accounts.models import Role
from diagnostics import views
from diagnostics.models import Answer, Diagnostic, QuestionKind, QuestionnaireVersion
from diagnostics.questionnaire import questionnaire_content
from diagnostics.services import diagnostic_start
from tests.browser.helpers import log_in, new_context
from tests.conftest import load_content
from tests.factories import CompanyFactory, UserFactory

EMAIL = "hana@example.com"


@pytest.fixture(params=["current"])
def wizard(request, live_server, chromium) -> Iterator[tuple[Page, Diagnostic, str]]:
    """Hana logged in, her firm's new draft, and the address of its step pages. With
    the parameter "v1", a draft begun on version 1 (retired), whose number questions a
    firm types into."""
    load_content()  # a transactional test: the database was flushed
    company = CompanyFactory.create()
    hana = UserFactory.create(email=EMAIL, company=company, role=Role.SME_MEMBER)
    if request.param == "v1":
        version = QuestionnaireVersion.objects.get(number=1)
        draft = Diagnostic.objects.create(
            company=company, version=version, started_by=hana
        )
    else:
        draft = diagnostic_start(company=company, user=hana)
    context = new_context(chromium, phone=False)
    page = context.new_page()
    log_in(page, live_server.url, EMAIL)
    yield page, draft, f"{live_server.url}/diagnostic/{draft.pk}/step/"
    context.close()


@contextmanager
def first_save_delayed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server (a thread of this process) holds the first save of the page until the
    block ends, as a slow connection would: the page sees that request still open."""
    release, done = threading.Event(), threading.Event()
    save_step = views._save_step
    calls = []

    def slow_first(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            return save_step(*args, **kwargs)
        try:
            release.wait(timeout=30)
            return save_step(*args, **kwargs)
        finally:
            done.set()

    monkeypatch.setattr(views, "_save_step", slow_first)
    try:
        yield
    finally:
        release.set()
        done.wait(timeout=10)  # before the test's database goes


def given_answers(draft: Diagnostic, count: int, timeout: float = 5) -> dict:
    """The draft's answers once `count` of them are saved (the flush is asynchronous)."""
    deadline = time.monotonic() + timeout
    answers: dict = {}
    while True:
        try:
            answers = {
                answer.question.code: answer.option_id or answer.number_value
                for answer in Answer.objects.given()
                .filter(diagnostic=draft)
                .select_related("question")
            }
        except OperationalError:
            pass  # the test database in memory: "table is locked" while a save runs
        if len(answers) >= count or time.monotonic() > deadline:
            return answers
        time.sleep(0.1)


def click_option(page: Page, question_code: str, index: int) -> int:
    """Click an option's label, as a person does; its value (an option id)."""
    radio = page.locator(f"input[name='q_{question_code}']").nth(index)
    page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    expect(radio).to_be_checked()
    return int(radio.get_attribute("value") or "")


def hide_page(page: Page) -> None:
    """What the browser does when the tab goes to the background."""
    page.evaluate(
        """() => {
          Object.defineProperty(document, "visibilityState", {
            value: "hidden", configurable: true,
          });
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )


def show_page(page: Page) -> None:
    page.evaluate(
        """() => {
          Object.defineProperty(document, "visibilityState", {
            value: "visible", configurable: true,
          });
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )


def number_step(draft: Diagnostic) -> tuple[int, str]:
    content = questionnaire_content(draft.version)
    return next(
        (step, question.code)
        for step, area in enumerate(content.areas, start=1)
        for question in area.questions
        if question.kind == QuestionKind.NUMBER
    )


@pytest.mark.browser
def test_it_saves_answers_clicked_just_before_the_page_closes(
    wizard, monkeypatch
) -> None:
    page, draft, steps = wizard
    page.goto(steps + "1/")
    first, second = [
        name.removeprefix("q_")
        for name in page.locator("input[type='radio']").evaluate_all(
            "radios => [...new Set(radios.map((r) => r.name))].slice(0, 2)"
        )
    ]
    with first_save_delayed(monkeypatch):
        chosen = {first: click_option(page, first, 0)}
        # The first change's request is still open: htmx queues the second behind it.
        chosen[second] = click_option(page, second, 1)

        page.close(run_before_unload=True)

        assert given_answers(draft, 2) == chosen


@pytest.mark.browser
@pytest.mark.parametrize("wizard", ["v1"], indirect=True)
def test_it_saves_a_number_typed_just_before_the_page_closes(wizard) -> None:
    page, draft, steps = wizard
    step, code = number_step(draft)
    page.goto(f"{steps}{step}/")
    field = page.locator(f"input[name='q_{code}']")

    # Typed without leaving the field: no change event, so htmx never sends it.
    field.fill("3")
    page.close(run_before_unload=True)

    assert given_answers(draft, 1) == {code: Decimal("3")}


@pytest.mark.browser
@pytest.mark.parametrize("wizard", ["v1"], indirect=True)
def test_it_flushes_once_when_hidden_and_saves_later_changes_without_conflict(
    wizard,
) -> None:
    page, draft, steps = wizard
    step, code = number_step(draft)
    page.goto(f"{steps}{step}/")
    field = page.locator(f"input[name='q_{code}']")
    posts: list[str] = []

    def count_post(request: Request) -> None:
        if request.method == "POST":
            posts.append(request.url)

    page.on("request", count_post)
    field.fill("3")

    hide_page(page)

    assert given_answers(draft, 1) == {code: Decimal("3")}
    # The page takes the flush's revision (the draft's first save), as from an autosave.
    expect(page.locator("#id_revision")).to_have_value("1")
    hide_page(page)  # hidden again with nothing new: nothing is sent
    show_page(page)
    field.fill("4")
    field.blur()  # a change event: htmx's autosave, based on the flushed revision

    # Saved, not refused as stale; the second hide sent nothing.
    expect(page.locator("#id_revision")).to_have_value("2")
    expect(page.locator("#autosave-status .text-danger")).to_have_count(0)
    assert len(posts) == 2
    assert given_answers(draft, 1) == {code: Decimal("4")}
