"""Log-in throttling, password reset and the company profile. Only a firm's members see
and edit its profile. Sign-up: test_signup.py; the team: test_team_views.py."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Company, User
from accounts.validators import business_number_is_valid

pytestmark = pytest.mark.django_db

COMPANY_POST = {
    "name_ko": "한빛식품",
    "name_en": "Hanbit Foods",
    "business_number": "124-81-00998",
    "region": "gyeonggi",
    "industry": "C",
    "employees": "42",
    "annual_revenue_krw": "8500000000",
    "exports_last_year_usd": "120000",
    "export_markets": "2",
    "export_years": "3",
    "presence_abroad": "0",
    "hs_code": "8479.89",
    "year_founded": "2009",
    "target_markets": ["US", "VN"],
    "website": "hanbit.example",
}


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("1248100998", True),
        ("1248100990", False),
        ("124810099", False),
        ("12481009980", False),
        ("12481OO998", False),
    ],
)
def test_it_checks_the_business_number_checksum(number, valid):
    assert business_number_is_valid(number) is valid


def test_it_creates_the_company_and_makes_the_user_a_member(client):
    user = User.objects.create_user(email="owner@example.com", password="x")
    client.force_login(user)
    response = client.post(reverse("accounts:company"), COMPANY_POST)
    assert response.url == reverse("home")
    user.refresh_from_db()
    assert user.company.business_number == "1248100998"
    assert [str(c) for c in user.company.target_markets] == ["US", "VN"]
    assert user.company.website == "https://hanbit.example"


def test_it_rejects_a_bad_business_number_with_a_clear_message(client):
    user = User.objects.create_user(email="owner@example.com", password="x")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.post(
        reverse("accounts:company"), {**COMPANY_POST, "business_number": "1248100990"}
    )
    assert (
        "This number does not check out. Its last digit is a check digit computed "
        "from the other nine; after 124-81-0099 it should be 8, not 0."
        in response.content.decode()
    )
    assert not Company.objects.exists()


def test_it_rejects_a_business_number_already_registered(client, company_a):
    user = User.objects.create_user(email="owner@example.com", password="x")
    client.force_login(user)
    response = client.post(
        reverse("accounts:company"),
        {**COMPANY_POST, "business_number": company_a.business_number},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.company is None


def test_a_member_edits_only_the_own_company(client, alice, company_b):
    client.force_login(alice)
    data = {
        **COMPANY_POST,
        "business_number": alice.company.business_number,
        "name_ko": "새이름",
    }
    client.post(reverse("accounts:company"), data)
    alice.company.refresh_from_db()
    company_b.refresh_from_db()
    assert alice.company.name_ko == "새이름"
    assert company_b.name_ko != "새이름"


def test_password_reset_sends_a_link(client, alice):
    response = client.post(reverse("accounts:password_reset"), {"email": alice.email})
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    assert alice.email in mail.outbox[0].body


def test_it_logs_in_with_the_email_address(client, alice, password):
    response = client.post(
        reverse("accounts:login"),
        {"username": "ALICE@example.com", "password": password},
    )
    assert response.status_code == 302
    assert response.url == reverse("home")


def _fail_login(client, email: str, ip: str, forwarded: str | None = None):
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    return client.post(
        reverse("accounts:login"),
        {"username": email, "password": "wrong-password"},
        REMOTE_ADDR=ip,
        headers=headers,
    )


def test_repeated_failed_logins_lock_the_account_out(client, alice, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(client, alice.email, "10.0.0.1")
    response = client.post(
        reverse("accounts:login"),
        {"username": alice.email, "password": password},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_forged_forwarded_for_header_does_not_reset_the_counter(
    client, alice, password, settings
):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(client, alice.email, "10.0.0.1", forwarded=f"203.0.113.{attempt}")
    response = client.post(
        reverse("accounts:login"),
        {"username": alice.email, "password": password},
        REMOTE_ADDR="10.0.0.1",
        headers={"x-forwarded-for": "198.51.100.7"},
    )
    assert response.status_code == 429
