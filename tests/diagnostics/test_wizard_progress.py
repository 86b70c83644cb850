"""The wizard's progress line and page buttons, on the page and after each autosave.

Alice (firm A) answers her own draft.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from diagnostics.demo import best
from diagnostics.services import diagnostic_start

pytestmark = pytest.mark.django_db


def _step_data(content, step: int) -> dict[str, str]:
    data = {"revision": "0", "nav": "autosave"}
    for question in content.areas[step - 1].questions:
        value = best(question, list(content.options[question.pk]))
        data[f"q_{question.code}"] = str(
            value.number if value.number is not None else value.option_id
        )
    return data


def _complete_pages(html: str) -> list[str]:
    return re.findall(r'value="goto-(\d+)"[^>]*>\d+<span aria-hidden="true"> ✓', html)


@pytest.fixture
def draft(alice, content):
    return diagnostic_start(company=alice.company, user=alice)


def test_the_autosave_keeps_the_page_number_in_the_progress_line(
    client, alice, draft, content
):
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("diagnostics:step", args=[draft.pk, 3])
    assert "Step 3 of 9 · " in client.get(url).content.decode()
    response = client.post(url, _step_data(content, 3), headers={"hx-request": "true"})
    html = response.content.decode()
    assert '<div id="wizard-progress" class="mb-3" hx-swap-oob="true">' in html
    assert "Step 3 of 9 · " in html


def test_the_page_buttons_mark_the_pages_already_complete(
    client, alice, draft, content
):
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("diagnostics:step", args=[draft.pk, 2])
    assert _complete_pages(client.get(url).content.decode()) == []

    autosave = client.post(
        url, _step_data(content, 2), headers={"hx-request": "true"}
    ).content.decode()
    assert (
        '<div id="wizard-steps" class="d-flex flex-wrap gap-1" hx-swap-oob="true">'
        in (autosave)
    )
    assert _complete_pages(autosave) == ["2"]
    page = client.get(reverse("diagnostics:step", args=[draft.pk, 5])).content.decode()
    assert _complete_pages(page) == ["2"]
    assert '<span class="visually-hidden"> (complete)</span>' in page
    assert 'value="goto-5" aria-current="step"' in page
