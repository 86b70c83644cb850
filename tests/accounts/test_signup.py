"""Sign-up by e-mail link. Anyone may sign up; the page never tells whether an address
has an account: only the address's owner learns it, from the e-mail."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts import services
from accounts.models import Role, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Harbor-lantern-2026!"
SIGNUP = reverse("accounts:signup")


@pytest.fixture(autouse=True)
def _english_and_no_throttle(client):
    cache.clear()  # the per-address mail counter
    client.post(reverse("set_language"), {"language": "en"})
    yield
    cache.clear()


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    def _sign_up(email: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SIGNUP, {"email": email}, follow=True)

    return _sign_up


def _confirm_url(message: mail.EmailMessage) -> str:
    match = re.search(
        r"https?://\S+(/accounts/signup/confirm/[^/\s]+/)", str(message.body)
    )
    assert match, message.body
    return match.group(1)


def _comparable(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", page)


def test_it_signs_up_by_link_and_asks_for_the_company(client, sign_up):
    response = sign_up("New@Example.com")
    assert response.redirect_chain == [(reverse("accounts:signup_sent"), 302)]
    assert "Check your e-mail" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
    [message] = mail.outbox
    assert message.to == ["new@example.com"]
    assert message.subject == "ExportReady: finish creating your account"

    url = _confirm_url(message)
    assert "new@example.com" in client.get(url).content.decode()
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.url == reverse("accounts:company")
    user = User.objects.get(email="new@example.com")
    assert user.has_role(Role.SME_MEMBER)
    assert user.check_password(NEW_PASSWORD)
    assert user.company is None
    assert client.get(reverse("home")).url == reverse("accounts:company")


def test_an_existing_address_gets_the_same_page_and_a_notice_by_mail(
    client, alice, password, sign_up
):
    existing = sign_up(alice.email.upper())
    new = sign_up("new@example.com")
    assert existing.redirect_chain == new.redirect_chain
    assert _comparable(existing.content.decode()) == _comparable(new.content.decode())
    assert "already" not in existing.content.decode()

    notice, link = mail.outbox
    assert notice.to == [alice.email]
    assert notice.subject == "ExportReady: you already have an account"
    assert "tried to create an ExportReady account with this address" in notice.body
    assert "/accounts/login/" in notice.body
    assert "/accounts/password/reset/" in notice.body
    assert "/accounts/signup/confirm/" not in notice.body
    assert link.to == ["new@example.com"]
    assert User.objects.filter(email__iexact=alice.email).count() == 1
    alice.refresh_from_db()
    assert alice.check_password(password)


def test_it_mails_one_address_at_most_three_times_an_hour(sign_up):
    pages = {_comparable(sign_up("new@example.com").content.decode()) for _ in range(4)}
    assert len(pages) == 1
    assert len(mail.outbox) == services.SIGNUP_MAILS_PER_ADDRESS


def test_the_password_step_applies_the_validators_and_saves_nothing(client, sign_up):
    sign_up("new@example.com")
    url = _confirm_url(mail.outbox[0])
    response = client.post(url, {"password1": "new@example", "password2": "x"})
    assert response.status_code == 200
    assert "The two passwords do not match." in response.content.decode()
    response = client.post(url, {"password1": "12345678", "password2": "12345678"})
    assert "This password is entirely numeric." in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_a_sign_up_link_works_once(client, sign_up):
    sign_up("new@example.com")
    url = _confirm_url(mail.outbox[0])
    client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()
    client.post(reverse("set_language"), {"language": "en"})
    response = client.post(
        url, {"password1": "Other-pass-2026!", "password2": "Other-pass-2026!"}
    )
    assert "This sign-up link was already used." in response.content.decode()
    assert User.objects.get(email="new@example.com").check_password(NEW_PASSWORD)


def test_a_tampered_or_expired_link_is_refused(client, sign_up):
    sign_up("new@example.com")
    url = _confirm_url(mail.outbox[0])
    tampered = url[:-3] + "x/"
    page = client.get(tampered).content.decode()
    assert "This sign-up link is not valid." in page
    later = time.time() + services.SIGNUP_LINK_MAX_AGE.total_seconds() + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.post(
            url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
    assert "This sign-up link has expired." in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_an_invitation_link_is_not_a_sign_up_link(client):
    token = services.signing.dumps(
        {"email": "new@example.com"}, salt="accounts.invitation"
    )
    response = client.get(reverse("accounts:signup_confirm", args=[token]))
    assert "This sign-up link is not valid." in response.content.decode()
