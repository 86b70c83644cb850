"""The diagnostic flow through its pages. Alice and Anna (firm A) share A's diagnostics;
Bob (firm B) gets a 404 for anything of A's."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from diagnostics import scoring
from diagnostics.demo import answer_value, best, worst
from diagnostics.models import Answer, Diagnostic, DiagnosticStatus, QuestionKind
from diagnostics.presenters import result_view
from diagnostics.services import diagnostic_start, diagnostic_submit
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


def _revision(response) -> str:
    match = re.search(rb'name="revision" value="(\d+)"', response.content)
    assert match is not None
    return match.group(1).decode()


def _step_data(content, step: int, choose=best, revision: str = "0") -> dict[str, str]:
    data = {"revision": revision, "nav": "next"}
    for question in content.areas[step - 1].questions:
        value = choose(question, list(content.options[question.pk]))
        key = f"q_{question.code}"
        data[key] = (
            str(value.number) if value.number is not None else str(value.option_id)
        )
    return data


@pytest.fixture
def draft(alice, content):
    return diagnostic_start(company=alice.company, user=alice)


def test_it_starts_one_draft_per_company_and_resumes_it(client, alice, anna, content):
    client.force_login(alice)
    first = client.post(reverse("diagnostics:start"))
    client.force_login(anna)
    second = client.post(reverse("diagnostics:start"))
    assert first.url == second.url
    assert Diagnostic.objects.filter(company=alice.company, status="draft").count() == 1


def test_it_shows_one_area_per_step_with_progress(client, alice, draft, content):
    client.force_login(alice)
    response = client.get(reverse("diagnostics:step", args=[draft.pk, 1]))
    assert response.status_code == 200
    page = response.content.decode()
    for question in content.areas[0].questions:
        assert f'name="q_{question.code}"' in page
    asked = len(content.asked(scoring.EXPORTER))  # firm A exports
    assert f'max="{asked}" value="0"' in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_saves_each_step_and_keeps_answers_on_back_and_refresh(
    client, alice, draft, content
):
    client.force_login(alice)
    url = reverse("diagnostics:step", args=[draft.pk, 1])
    response = client.post(url, _step_data(content, 1))
    assert response.url == reverse("diagnostics:step", args=[draft.pk, 2])
    assert Answer.objects.filter(diagnostic=draft).count() == 5
    page = client.get(url).content.decode()
    first_question = content.areas[0].questions[0]
    chosen = best(first_question, list(content.options[first_question.pk]))
    expected = chosen.option_id if chosen.option_id else chosen.number
    assert re.search(rf'value="{expected}"[^>]*checked|value="{expected}"', page)


def test_it_resumes_where_the_firm_stopped_from_another_session(
    client, alice, anna, draft, content
):
    client.force_login(alice)
    for step in (1, 2, 3):
        response = client.get(reverse("diagnostics:step", args=[draft.pk, step]))
        data = _step_data(content, step, revision=_revision(response))
        data["nav"] = "save" if step == 3 else "next"
        client.post(reverse("diagnostics:step", args=[draft.pk, step]), data)
    client.logout()
    client.force_login(anna)  # a colleague, another device
    home = client.get(reverse("home")).content.decode()
    assert reverse("diagnostics:step", args=[draft.pk, 3]) in home
    assert Answer.objects.filter(diagnostic=draft).count() == 15


def test_it_refuses_a_stale_save_from_another_tab(client, alice, draft, content):
    client.force_login(alice)
    url = reverse("diagnostics:step", args=[draft.pk, 1])
    old_page_revision = _revision(client.get(url))
    client.post(url, _step_data(content, 1, best, old_page_revision))  # tab 1 saves
    response = client.post(
        url, _step_data(content, 1, worst, old_page_revision), follow=True
    )
    assert "another window or on another device" in response.content.decode() or (
        "다른 창" in response.content.decode()
    )
    question = content.areas[0].questions[0]
    saved = Answer.objects.get(diagnostic=draft, question=question)
    assert (
        saved.option_id == best(question, list(content.options[question.pk])).option_id
    )


def test_it_accepts_an_old_page_when_its_answers_did_not_change_since(
    client, alice, draft, content
):
    client.force_login(alice)
    first = reverse("diagnostics:step", args=[draft.pk, 1])
    revision = _revision(client.get(first))
    client.post(reverse("diagnostics:step", args=[draft.pk, 2]), _step_data(content, 2))
    response = client.post(first, _step_data(content, 1, best, revision))
    assert response.status_code == 302
    assert Answer.objects.filter(diagnostic=draft).count() == 10


@pytest.mark.parametrize("tamper", ["foreign_option", "unknown_option", "text"])
def test_it_rejects_a_bad_choice_and_saves_nothing(
    client, alice, draft, content, tamper
):
    client.force_login(alice)
    data = _step_data(content, 1)
    question = next(
        q for q in content.areas[0].questions if q.kind != QuestionKind.NUMBER
    )
    foreign = content.options[content.areas[1].questions[0].pk][0].pk
    data[f"q_{question.code}"] = {
        "foreign_option": foreign,
        "unknown_option": 999999,
        "text": "x",
    }[tamper]
    response = client.post(reverse("diagnostics:step", args=[draft.pk, 1]), data)
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode() or "저장되지" in (
        response.content.decode()
    )
    assert not Answer.objects.filter(diagnostic=draft).exists()


def test_it_rejects_a_number_out_of_range_and_saves_nothing(
    client, alice, draft_v1, content_v1
):
    client.force_login(alice)
    step, question = next(
        (index, q)
        for index, area in enumerate(content_v1.areas, start=1)
        for q in area.questions
        if q.kind == QuestionKind.NUMBER and q.number_max is not None
    )
    data = _step_data(content_v1, step)
    data[f"q_{question.code}"] = str(question.number_max + 1)
    response = client.post(reverse("diagnostics:step", args=[draft_v1.pk, step]), data)
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Answer.objects.filter(diagnostic=draft_v1).exists()


def test_it_gives_404_for_another_companys_draft_and_saves_nothing(
    client, bob, draft, content
):
    client.force_login(bob)
    url = reverse("diagnostics:step", args=[draft.pk, 1])
    assert client.get(url).status_code == 404
    assert client.post(url, _step_data(content, 1)).status_code == 404
    assert (
        client.post(reverse("diagnostics:submit", args=[draft.pk])).status_code == 404
    )
    assert not Answer.objects.filter(diagnostic=draft).exists()


def test_it_gives_404_for_a_step_outside_the_questionnaire(client, alice, draft):
    client.force_login(alice)
    assert (
        client.get(reverse("diagnostics:step", args=[draft.pk, 10])).status_code == 404
    )
    assert (
        client.get(reverse("diagnostics:step", args=[draft.pk, 0])).status_code == 404
    )
    assert client.get(reverse("diagnostics:step", args=[999999, 1])).status_code == 404


def test_it_refuses_submit_with_unanswered_questions_and_names_them(
    client, alice, draft, content
):
    client.force_login(alice)
    client.post(reverse("diagnostics:step", args=[draft.pk, 1]), _step_data(content, 1))
    response = client.post(reverse("diagnostics:submit", args=[draft.pk]), follow=True)
    page = response.content.decode()
    assert "40" in page
    missing_code = content.areas[1].questions[0].code
    assert missing_code in page
    draft.refresh_from_db()
    assert draft.status == DiagnosticStatus.DRAFT


def test_it_lists_every_answer_on_the_review_page_with_edit_links(
    client, alice, draft, content
):
    answer_all(draft, content, alice)
    client.force_login(alice)
    page = client.get(reverse("diagnostics:review", args=[draft.pk])).content.decode()
    for step in range(1, content.step_count + 1):
        assert reverse("diagnostics:step", args=[draft.pk, step]) in page
    assert page.count("<dt") == len(content.asked(scoring.EXPORTER))


def test_submitting_twice_makes_one_submission(client, alice, draft, content):
    answer_all(draft, content, alice)
    client.force_login(alice)
    url = reverse("diagnostics:submit", args=[draft.pk])
    first = client.post(url)
    second = client.post(url)
    assert first.url == second.url == reverse("diagnostics:result", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == DiagnosticStatus.SUBMITTED
    assert draft.area_scores.count() == content.step_count


def test_a_submitted_diagnostic_is_read_only(client, alice, draft, content):
    answer_all(draft, content, alice)
    diagnostic_submit(diagnostic=draft, user=alice)
    client.force_login(alice)
    url = reverse("diagnostics:step", args=[draft.pk, 1])
    response = client.post(url, _step_data(content, 1, worst, "99"))
    assert response.url == reverse("diagnostics:result", args=[draft.pk])
    question = content.areas[0].questions[0]
    answer = Answer.objects.get(diagnostic=draft, question=question)
    assert (
        answer.option_id == best(question, list(content.options[question.pk])).option_id
    )


def test_the_result_page_shows_stage_chart_reasons_and_next_stage(
    client, alice, draft, content
):
    _figures(alice.company, exports=0, markets=0, years=0)
    answer_all(draft, content, alice, choose=worst)
    diagnostic_submit(diagnostic=draft, user=alice)
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse("diagnostics:result", args=[draft.pk])).content.decode()
    assert "Stage 1" in page
    assert content.stage_rule(1).name_en in page
    assert "<svg" in page and 'role="img"' in page
    assert "What stage 2" in page
    assert content.facts["export_intent"].label_en in page


def _figures(company, *, exports, markets, years, presence=0) -> None:
    company.exports_last_year_usd = exports
    company.export_markets = markets
    company.export_years = years
    company.presence_abroad = presence
    company.save()


def test_the_best_answers_reach_stage_nine_with_global_figures(
    client, alice, draft, content
):
    _figures(alice.company, exports=40_000_000, markets=25, years=20, presence=4)
    answer_all(draft, content, alice, choose=best)
    client.force_login(alice)
    client.post(reverse("diagnostics:submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.stage == 9
    assert draft.result["next_stage"] is None


def test_history_shows_each_result_and_compares_two(client, alice, content):
    first = diagnostic_start(company=alice.company, user=alice)
    answer_all(first, content, alice, choose=worst)
    diagnostic_submit(diagnostic=first, user=alice)
    second = diagnostic_start(company=alice.company, user=alice)
    assert second.pk != first.pk
    answer_all(second, content, alice, choose=best)
    diagnostic_submit(diagnostic=second, user=alice)
    client.force_login(alice)
    history = client.get(reverse("diagnostics:history")).content.decode()
    assert "<polyline" in history
    assert reverse("diagnostics:result", args=[first.pk]) in history
    compare = client.get(
        reverse("diagnostics:compare"), {"a": first.pk, "b": second.pk}
    )
    assert compare.status_code == 200
    assert "+100" in compare.content.decode()


def test_compare_gives_404_for_another_companys_diagnostic(client, alice, bob, content):
    theirs = diagnostic_start(company=bob.company, user=bob)
    answer_all(theirs, content, bob)
    diagnostic_submit(diagnostic=theirs, user=bob)
    mine = diagnostic_start(company=alice.company, user=alice)
    answer_all(mine, content, alice)
    diagnostic_submit(diagnostic=mine, user=alice)
    client.force_login(alice)
    response = client.get(
        reverse("diagnostics:compare"), {"a": mine.pk, "b": theirs.pk}
    )
    assert response.status_code == 404


def test_the_method_page_is_generated_from_the_published_version(client, content):
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse("diagnostics:method")).content.decode()
    for rule in content.stage_rules:
        assert rule.name_en in page
        assert str(rule.min_score) in page
    for question in content.questions:
        assert escape(question.text_en) in page


def test_the_method_page_explains_the_tracks_and_the_profile_facts(client, content):
    client.post(reverse("set_language"), {"language": "en"})

    page = client.get(reverse("diagnostics:method")).content.decode()

    assert "Your export figures come first" in page
    assert (
        f"Exporting firms answer {len(content.asked(scoring.EXPORTER))} questions."
        in page
    )
    assert (
        "Firms that have not exported answer "
        f"{len(content.asked(scoring.DOMESTIC))} questions." in page
    )
    assert "exports last year (US$) at least 1,000,000" in page
    assert "presence abroad: at least A branch or representative office" in page
    assert escape(content.facts["has_exported"].label_en) in page


def test_a_retired_version_keeps_its_own_method_page(client, content_v1):
    client.post(reverse("set_language"), {"language": "en"})

    response = client.get(reverse("diagnostics:method_version", args=[1]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "This is questionnaire version 1, which is no longer in use." in page
    assert escape(content_v1.questions[0].text_en) in page
    assert "Your export figures come first" not in page


def test_a_draft_or_unknown_version_has_no_method_page(client, content):
    from diagnostics.services import questionnaire_copy_to_draft

    draft = questionnaire_copy_to_draft(version=content.version)

    for number in (draft.number, 99):
        url = reverse("diagnostics:method_version", args=[number])
        assert client.get(url).status_code == 404


def test_the_result_says_what_it_was_based_on_and_keeps_it(
    client, alice, draft, content
):
    answer_all(draft, content, alice)
    submitted = diagnostic_submit(diagnostic=draft, user=alice)
    _figures(alice.company, exports=0, markets=0, years=0)  # corrected afterwards
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "en"})

    page = client.get(reverse("diagnostics:result", args=[submitted.pk])).content
    text = page.decode()

    assert "you answered the questions for exporting firms" in text
    assert "US$120,000" in text
    assert reverse("diagnostics:method_version", args=[2]) in text
    submitted.refresh_from_db()
    assert submitted.stage == 5


def test_autosave_saves_the_page_and_returns_the_new_revision(
    client, alice, draft, content
):
    client.force_login(alice)
    url = reverse("diagnostics:step", args=[draft.pk, 1])
    data = {**_step_data(content, 1), "nav": "autosave"}
    response = client.post(url, data, headers={"hx-request": "true"})
    assert response.status_code == 200
    draft.refresh_from_db()
    page = response.content.decode()
    assert f'name="revision" value="{draft.revision}"' in page
    assert 'hx-swap-oob="true"' in page
    assert Answer.objects.filter(diagnostic=draft).count() == 5


def test_autosave_of_a_bad_value_saves_nothing_and_says_why(
    client, alice, draft, content
):
    client.force_login(alice)
    data = {**_step_data(content, 1), "nav": "autosave"}
    question = content.areas[0].questions[0]
    data[f"q_{question.code}"] = "999999"
    response = client.post(
        reverse("diagnostics:step", args=[draft.pk, 1]),
        data,
        headers={"hx-request": "true"},
    )
    assert "text-danger" in response.content.decode()
    assert not Answer.objects.filter(diagnostic=draft).exists()


def test_the_result_lists_each_reason_once(client, alice, draft, content):
    def high_score_without_gates(question, options):
        plain = [o for o in options if o.sets_fact_id is None]
        return answer_value(question, max(plain, key=lambda o: o.points))

    answer_all(draft, content, alice, choose=high_score_without_gates)
    submitted = diagnostic_submit(diagnostic=draft, user=alice)
    assert submitted.result["capped_by"], "a high score without facts is held back"
    view = result_view(content, submitted)
    sentences = view["reasons"] + view["capped_by"]
    assert len(sentences) == len(set(sentences))


def test_a_stale_autosave_asks_for_a_reload_and_saves_nothing(
    client, alice, draft, content
):
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "en"})
    url = reverse("diagnostics:step", args=[draft.pk, 1])
    client.post(
        url,
        {**_step_data(content, 1, best), "nav": "autosave"},
        headers={"hx-request": "true"},
    )
    stale = {**_step_data(content, 1, worst), "nav": "autosave"}
    response = client.post(url, stale, headers={"hx-request": "true"})
    assert "Reload the page to see the newer answers." in response.content.decode()
    question = content.areas[0].questions[0]
    saved = Answer.objects.get(diagnostic=draft, question=question)
    assert (
        saved.option_id == best(question, list(content.options[question.pk])).option_id
    )


def test_two_firms_with_the_same_answers_each_get_their_own_form(
    client, alice, bob, draft, content
):
    """The form address, the revision and the progress are each firm's own."""
    answer_all(draft, content, alice)
    other = answer_all(diagnostic_start(company=bob.company, user=bob), content, bob)
    Diagnostic.objects.filter(pk=other.pk).update(revision=41)
    client.force_login(alice)
    first = client.get(reverse("diagnostics:step", args=[draft.pk, 2]))
    client.force_login(bob)
    url = reverse("diagnostics:step", args=[other.pk, 2])

    second = client.get(url)

    page = second.content.decode()
    assert f'hx-post="{url}"' in page
    assert f"/diagnostic/{draft.pk}/" not in page
    assert _revision(second) == "41" != _revision(first)
    asked = len(content.asked(scoring.EXPORTER))
    assert f'max="{asked}" value="{asked}"' in page
    assert page.count('name="csrfmiddlewaretoken"') == 3  # step, language, log-out


HX = {"hx-request": "true"}


def _number_step(content):
    """The first step with a number question (the only kind a firm can clear)."""
    return next(
        (index, q)
        for index, area in enumerate(content.areas, start=1)
        for q in area.questions
        if q.kind == QuestionKind.NUMBER
    )


def _autosave(client, url: str, data: dict[str, str]):
    return client.post(url, {**data, "nav": "autosave"}, headers=HX)


def test_it_refuses_a_stale_tab_bringing_back_a_cleared_answer(
    client, alice, draft_v1, content_v1
):
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "en"})
    step, question = _number_step(content_v1)
    url = reverse("diagnostics:step", args=[draft_v1.pk, step])
    client.post(url, _step_data(content_v1, step))
    both_tabs = _revision(client.get(url))
    _autosave(
        client,
        url,
        {**_step_data(content_v1, step, revision=both_tabs), f"q_{question.code}": ""},
    )  # tab 1 clears the number

    response = _autosave(client, url, _step_data(content_v1, step, revision=both_tabs))

    assert "Reload the page to see the newer answers." in response.content.decode()
    assert question.code in response.content.decode()
    assert Answer.objects.get(diagnostic=draft_v1, question=question).is_cleared


def test_it_counts_a_cleared_answer_as_unanswered_on_every_page(
    client, alice, draft_v1, content_v1
):
    answer_all(draft_v1, content_v1, alice)
    client.force_login(alice)
    step, question = _number_step(content_v1)
    url = reverse("diagnostics:step", args=[draft_v1.pk, step])
    data = _step_data(content_v1, step, revision=_revision(client.get(url)))
    total = len(content_v1.questions)
    progress = f'max="{total}" value="{total - 1}"'

    autosave = _autosave(client, url, {**data, f"q_{question.code}": ""})

    assert progress in autosave.content.decode()
    page = client.get(url).content.decode()
    assert progress in page
    assert re.search(rf'name="q_{question.code}" id="[^"]+" value=""', page)
    assert progress in client.get(reverse("home")).content.decode()
    review = client.get(reverse("diagnostics:review", args=[draft_v1.pk]))
    assert progress in review.content.decode()
    assert review.context["missing"] == [{"code": question.code, "step": step}]


def test_it_refuses_submit_with_a_cleared_answer(client, alice, draft_v1, content_v1):
    answer_all(draft_v1, content_v1, alice)
    client.force_login(alice)
    step, question = _number_step(content_v1)
    url = reverse("diagnostics:step", args=[draft_v1.pk, step])
    data = _step_data(content_v1, step, revision=_revision(client.get(url)))
    _autosave(client, url, {**data, f"q_{question.code}": ""})

    response = client.post(reverse("diagnostics:submit", args=[draft_v1.pk]))

    assert response.url == reverse("diagnostics:review", args=[draft_v1.pk]) + (
        "?refused=incomplete"
    )
    draft_v1.refresh_from_db()
    assert draft_v1.status == DiagnosticStatus.DRAFT


def test_it_saves_an_answer_given_again_after_a_clear(
    client, alice, draft_v1, content_v1
):
    client.force_login(alice)
    step, question = _number_step(content_v1)
    url = reverse("diagnostics:step", args=[draft_v1.pk, step])
    client.post(url, _step_data(content_v1, step))
    data = _step_data(content_v1, step, revision=_revision(client.get(url)))
    _autosave(client, url, {**data, f"q_{question.code}": ""})

    response = _autosave(client, url, {**data, "revision": _revision(client.get(url))})

    assert "text-danger" not in response.content.decode()
    answer = Answer.objects.given().get(diagnostic=draft_v1, question=question)
    assert answer.number_value == Decimal(data[f"q_{question.code}"])
