"""What the log-in and sign-up pages say. Alice (firm A) logs in; a visitor signs up."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "message", "wrong"),
    [
        (
            "en",
            "The e-mail address or the password is not right. Check both and try "
            "again; capital letters matter in the password, not in the e-mail address.",
            "case-sensitive",
        ),
        (
            "ko",
            "이메일 주소 또는 비밀번호가 맞지 않습니다. 둘 다 확인한 뒤 다시 시도해 "
            "주세요. 비밀번호는 대문자와 소문자를 구별하지만 이메일 주소는 구별하지 "
            "않습니다.",
            "와/과",
        ),
    ],
)
def test_a_failed_log_in_says_what_is_wrong_in_plain_words(
    client, alice, language, message, wrong
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(
        reverse("accounts:login"),
        {"username": "Alice@Example.com", "password": "not-her-password"},
    )
    html = response.content.decode()
    assert message in html
    assert wrong not in html
    # The address stays in the field; the password does not.
    assert 'value="Alice@Example.com"' in html
    assert 'value="not-her-password"' not in html


def test_an_e_mail_in_capitals_logs_in(client, alice, password):
    response = client.post(
        reverse("accounts:login"),
        {"username": "ALICE@example.com", "password": password},
    )
    assert response.status_code == 302


def test_a_visitor_sent_to_log_in_is_told_why(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sent = client.get(reverse("diagnostics:history"), follow=True)
    assert (
        "Log in to open the page you asked for; you will be taken there afterwards."
        in sent.content.decode()
    )
    plain = client.get(reverse("accounts:login")).content.decode()
    assert "the page you asked for" not in plain


def test_sign_up_keeps_the_address_after_an_error(client):
    response = client.post(reverse("accounts:signup"), {"email": "minji@example"})
    html = response.content.decode()
    assert 'value="minji@example"' in html
    assert "data-error-summary" in html
