"""The consultant's page about a firm speaks about the firm (이 기업), not to it (귀사).

Carol, the consultant for Seoul, reads firm A's result; Alice, its member, reads her own.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse

from diagnostics.services import diagnostic_start, diagnostic_submit
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def result(alice, content):
    alice.company.region = "seoul"
    alice.company.exports_last_year_usd = 250_000
    alice.company.save()
    draft = diagnostic_start(company=alice.company, user=alice)
    answer_all(draft, content, alice)
    return diagnostic_submit(diagnostic=draft, user=alice)


def test_the_consultants_page_speaks_about_this_firm(client, carol, result):
    client.force_login(carol)
    html = client.get(
        reverse("diagnostics:agency_detail", args=[result.pk])
    ).content.decode()
    # The answers quote the questions as the firm was asked them; the rest is about it.
    about = html[: html.index('<h2 class="h5">응답 내용</h2>')]
    assert "이 기업에 맞는 지원사업" in about
    assert "연간 수출액" in about  # a program's reason, worded without "귀사"
    assert "귀사" not in about


def test_the_recompute_reason_has_a_help_text(client, carol, result):
    carol.user_permissions.add(
        *Permission.objects.filter(codename="refresh_recommendations")
    )
    client.force_login(carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(
        reverse("diagnostics:agency_detail", args=[result.pk])
    ).content.decode()
    assert (
        '<p class="form-text mt-0" id="refresh-reason-help">Kept in the audit' in html
    )
    assert 'aria-describedby="refresh-reason-help"' in html
    assert "Support programs that fit this firm" in html


def test_the_firm_is_still_addressed_as_귀사_on_its_own_result(client, alice, result):
    client.force_login(alice)
    html = client.get(reverse("diagnostics:result", args=[result.pk])).content.decode()
    assert "귀사에 맞는 지원사업" in html


def test_the_consultants_page_in_english_never_says_you(client, carol, result):
    client.force_login(carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(
        reverse("diagnostics:agency_detail", args=[result.pk])
    ).content.decode()
    main = html[html.index("<main") : html.index('<h2 class="h5">Answers</h2>')]
    text = unescape(re.sub(r"<[^>]+>", " ", main))
    # The stage reasons and the programs' reasons, how to apply included.
    assert "The condition of stage 4 (First exports) is met" in text
    assert "Exports of US$250,000 a year" in text
    said = re.findall(r"[^.:]*\b(?:you|your|yours)\b[^.]*", text, re.IGNORECASE)
    assert not said, said
