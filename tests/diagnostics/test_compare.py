"""Comparing two results, and the edge cases: the same result twice, a single result.

Alice (firm A) compares her own firm's results.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from diagnostics.demo import best, worst
from diagnostics.services import diagnostic_start, diagnostic_submit
from diagnostics.templatetags.format_tags import plain_number
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


def _submitted(alice, content, choose):
    draft = diagnostic_start(company=alice.company, user=alice)
    answer_all(draft, content, alice, choose=choose)
    return diagnostic_submit(diagnostic=draft, user=alice)


def test_the_total_row_shows_the_change_of_the_total_score(client, alice, content):
    first = _submitted(alice, content, worst)
    second = _submitted(alice, content, best)
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(
        reverse("diagnostics:compare"), {"a": first.pk, "b": second.pk}
    ).content.decode()
    change = plain_number(second.total_score - first.total_score)
    total_row = html[html.index("Total score</th>") :].split("</tr>")[0]
    assert f"+{change}</span>" in total_row
    assert '<span class="visually-hidden">up </span>' in total_row


def test_a_result_is_not_compared_with_itself(client, alice, content):
    result = _submitted(alice, content, best)
    _submitted(alice, content, worst)
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(
        reverse("diagnostics:compare"), {"a": result.pk, "b": result.pk}
    )
    assert response.url == reverse("diagnostics:history")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "That is the same result twice: choose two different ones."
    ]


def test_with_one_result_the_history_explains_instead_of_a_compare_form(
    client, alice, content
):
    result = _submitted(alice, content, best)
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("diagnostics:history")).content.decode()
    assert 'action="/diagnostic/compare/"' not in html
    assert "Once you submit a second diagnostic, you can compare" in html
    assert f'href="{reverse("home")}"' in html
    # A compare link followed anyway lands on that explanation, with a way on.
    followed = client.get(
        reverse("diagnostics:compare"), {"a": result.pk, "b": result.pk}, follow=True
    )
    assert "Once you submit a second diagnostic" in followed.content.decode()


def test_the_korean_options_read_3단계(client, alice, content):
    first = _submitted(alice, content, worst)
    second = _submitted(alice, content, best)
    client.force_login(alice)
    html = client.get(reverse("diagnostics:history")).content.decode()
    assert f"· {first.stage}단계</option>" in html
    assert f"· {second.stage}단계</option>" in html
    assert "단계 " + str(first.stage) not in html
    compare = client.get(
        reverse("diagnostics:compare"), {"a": first.pk, "b": second.pk}
    ).content.decode()
    assert f'<span class="fw-normal">{second.stage}단계</span>' in compare
