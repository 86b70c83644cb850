"""A firm's KSIC division on its company profile: optional, 2 digits, within the KSIC
section chosen. Only the firm's members edit the profile (see test_accounts.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Company, User
from accounts.validators import KSIC_DIVISION_SECTIONS
from tests.accounts.test_accounts import COMPANY_POST

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    user = User.objects.create_user(email="owner@example.com", password="x")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield user
    # The middleware leaves English active in this thread: later tests expect Korean.
    translation.deactivate()


def test_it_saves_the_division_and_leaves_it_optional(client, owner):
    client.post(
        reverse("accounts:company"), {**COMPANY_POST, "industry_division": "10"}
    )
    assert Company.objects.get().industry_division == "10"
    client.post(reverse("accounts:company"), {**COMPANY_POST, "industry_division": ""})
    assert Company.objects.get().industry_division == ""


@pytest.mark.parametrize(
    ("division", "message"),
    [
        (
            "4",
            "Enter the KSIC division as its 2 digits, for example 10 (food products) "
            "or 62 (computer programming).",
        ),
        (
            "40",
            "Enter the KSIC division as its 2 digits, for example 10 (food products) "
            "or 62 (computer programming).",
        ),
        (
            "62",
            "KSIC division 62 belongs to section J, not to the industry chosen above "
            "(C).",
        ),
    ],
)
def test_it_refuses_a_division_that_is_none_or_of_another_section(
    client, owner, division, message
):
    response = client.post(
        reverse("accounts:company"), {**COMPANY_POST, "industry_division": division}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["industry_division"] == [message]
    assert not Company.objects.exists()


def test_every_division_belongs_to_a_known_section():
    from accounts.models import Industry

    assert set(KSIC_DIVISION_SECTIONS.values()) == set(Industry.values)
    assert all(len(code) == 2 and code.isdigit() for code in KSIC_DIVISION_SECTIONS)
    # KSIC 10th revision: 77 divisions.
    assert len(KSIC_DIVISION_SECTIONS) == 77
