"""The result page reads top to bottom: the verdict, what keeps the firm from the next
stage, the areas, then the programs, grouped by the bottleneck they address, each link
naming its program. Alice reads her firm's result; no method jargon shows."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from diagnostics.demo import worst
from diagnostics.services import diagnostic_start, diagnostic_submit
from programs.presenters import OTHER, program_groups
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def result(alice, content):
    draft = diagnostic_start(company=alice.company, user=alice)
    answer_all(draft, content, alice, choose=worst)
    return diagnostic_submit(diagnostic=draft, user=alice)


def _page(client, user, diagnostic, language: str) -> str:
    client.force_login(user)
    client.post(reverse("set_language"), {"language": language})
    response = client.get(reverse("diagnostics:result", args=[diagnostic.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _main_text(page: str) -> str:
    """The visible words of the page's main element (no tags, no attributes)."""
    main = page[page.index("<main") : page.index("</main>")]
    return unescape(re.sub(r"<[^>]+>", " ", main))


class _Links(HTMLParser):
    """Each link's href and text, visually hidden parts included (as a reader hears it)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def test_the_verdict_and_next_steps_come_before_the_areas_and_programs(
    client, alice, result
):
    page = _page(client, alice, result, "en")
    positions = [
        page.index(f'data-section="{name}"')
        for name in ("verdict", "next", "areas", "programs")
    ]
    assert positions == sorted(positions)
    verdict = page[positions[0] : positions[1]]
    assert 'data-testid="stage-name"' in verdict
    assert "The nine stages fall into three phases: Preparation (stages 1–3)" in verdict
    # What blocks the next stage is said under the next steps, not under the verdict.
    upcoming = page[positions[1] : positions[2]]
    assert f"What keeps you at stage {result.stage}:" in upcoming
    assert f"Stage {result.stage + 1} (" in upcoming
    assert "needs a total score" not in verdict
    # The report panel and the history link are still there, after the programs.
    assert page.index('data-testid="report-status"') > positions[3]
    assert reverse("diagnostics:history") in page


def test_the_hooks_for_the_consultant_workspace_render_nothing_yet(
    client, alice, result
):
    page = _page(client, alice, result, "en")
    assert "filled by the consultant workspace" not in page
    assert "{#" not in page


def test_each_program_link_names_its_program(client, alice, result):
    stored = list(result.recommendations.filter(kind="recommended"))
    assert len(stored) > 1
    for language in ("en", "ko"):
        page = _page(client, alice, result, language)
        parser = _Links()
        parser.feed(page)
        urls = {row.program_snapshot["application_url"] for row in stored}
        program_links = [(href, text) for href, text in parser.links if href in urls]
        assert len(program_links) == len(stored)
        for row in stored:
            name = row.snapshot("name", language)
            url = row.program_snapshot["application_url"]
            assert any(href == url and name in text for href, text in program_links), (
                language,
                name,
            )
        # No two program links read the same.
        texts = [text for _, text in program_links]
        assert len(set(texts)) == len(texts)


def test_the_programs_are_grouped_by_the_bottleneck_they_address(client, alice, result):
    page = _page(client, alice, result, "en")
    programs = page[page.index('data-section="programs"') :]
    assert "A bottleneck score (0–100) comes from the questions" in programs
    text = " ".join(re.sub(r"<[^>]+>", " ", programs).split())
    assert re.search(
        r"(Technology|Funds|Manpower|Sales routes) · bottleneck score", text
    )
    assert (
        programs.count("<details")
        == result.recommendations.filter(kind="recommended").count()
    )


@pytest.mark.parametrize("language", ["en", "ko"])
def test_no_questionnaire_version_jargon_shows_to_the_firm(
    client, alice, result, language
):
    page = _page(client, alice, result, language)
    text = _main_text(page)
    assert not re.search(r"\bv\d+\b", text), re.findall(r".{40}\bv\d+\b.{10}", text)
    assert "questionnaire version" not in text.lower()
    assert "설문 버전" not in text
    # A plain link to how the result was scored stands in for it.
    assert reverse("diagnostics:method_version", args=[result.version.number]) in page


def test_the_firm_is_spoken_to_and_the_reasons_speak_of_no_one(client, alice, result):
    page = _page(client, alice, result, "en")
    assert "Support programs that fit your company" in page
    # The heading speaks to the firm; the programs' texts speak of no one.
    start = page.index("</h2>", page.index('data-section="programs"'))
    section = page[start : page.index('data-section="peers"')]
    programs = unescape(re.sub(r"<[^>]+>", " ", section))
    assert not re.search(r"\b(you|your|yours)\b", programs, re.IGNORECASE), re.findall(
        r"[^.]*\b(?:you|your|yours)\b[^.]*", programs, re.IGNORECASE
    )


def test_groups_follow_the_best_ranked_program_and_keep_rank_order_inside():
    def item(rank: int, bottlenecks: list[str]) -> dict:
        return {
            "rank": rank,
            "name": f"P{rank}",
            "institution": "KOTRA",
            "description": "",
            "how_to_apply": "",
            "reasons": [f"main {rank}", "more"],
            "checked_on": None,
            "program": {"bottlenecks": bottlenecks, "fee_max_krw": 0},
        }

    scores = {"funds": "20", "sales_routes": "40", "technology": "90"}
    groups = program_groups(
        [
            item(3, ["funds"]),
            item(1, ["sales_routes", "technology"]),
            item(2, []),
            item(4, ["sales_routes", "funds"]),
        ],
        scores,
    )
    assert [(g.code, [c.rank for c in g.cards]) for g in groups] == [
        ("sales_routes", [1]),
        ("funds", [3, 4]),
        (OTHER, [2]),
    ]
    first = groups[0].cards[0]
    assert first.main_reason == "main 1"
    assert first.more_reasons == ["more"]
    assert str(groups[0].score) == "40"
