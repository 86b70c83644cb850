"""The company profile's target markets: a labelled list of checkboxes that works without
JavaScript, the firm's countries first. Only a firm's members see and edit its profile
(test_accounts.py); here Alice edits firm A's."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.accounts.test_accounts import COMPANY_POST

pytestmark = pytest.mark.django_db


def _markets(html: str) -> list[str]:
    """The country codes of the target-market checkboxes, in page order."""
    return re.findall(
        r'<input type="checkbox" name="target_markets" value="(\w\w)"', html
    )


def test_it_renders_target_markets_as_labelled_checkboxes(client, alice):
    client.force_login(alice)

    response = client.get(reverse("accounts:company"))

    html = response.content.decode()
    assert '<legend class="form-label fs-6">목표 시장</legend>' in html
    assert len(_markets(html)) > 240
    assertNotContains(response, '<select name="target_markets"')
    assertNotContains(response, "Ctrl")
    # Each checkbox sits in its own label, so the name is its accessible name.
    for code, name, checked in [("US", "미국", " checked"), ("JP", "일본", "")]:
        assert re.search(
            rf'<label class="country-option" for="(id_target_markets_\d+)"[^>]*>'
            rf'<input type="checkbox" name="target_markets" value="{code}" '
            rf'class="form-check-input" id="\1"{checked}><span>{name}</span></label>',
            html,
        ), code
    assertContains(response, 'js/country-picker.js" defer></script>')


def test_it_lists_the_firms_countries_first_then_the_rest_in_korean_order(
    client, alice
):
    client.force_login(alice)

    html = client.get(reverse("accounts:company")).content.decode()

    # Firm A targets the US (미국) and Vietnam (베트남); Ghana (가나) comes first in 가나다.
    assert _markets(html)[:3] == ["US", "VN", "GH"]


def test_each_country_carries_its_codes_and_both_names_for_the_search(client, alice):
    client.force_login(alice)

    response = client.get(reverse("accounts:company"))

    assertContains(response, 'data-search="JP|JPN|일본|Japan"')


def test_the_search_box_is_labelled_in_english_too(client, alice):
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "en"})

    response = client.get(reverse("accounts:company"))

    assertContains(response, '<legend class="form-label fs-6">Target markets</legend>')
    assertContains(
        response,
        '<label class="form-label" for="id_target_markets_search">'
        "Search countries</label>",
    )
    assertContains(response, 'data-remove-label="Remove {country}"')


def test_a_member_saves_two_target_markets_from_the_checkboxes(client, alice):
    client.force_login(alice)
    data = {
        **COMPANY_POST,
        "business_number": alice.company.business_number,
        "target_markets": ["JP", "DE"],
    }

    response = client.post(reverse("accounts:company"), data)

    assert response.status_code == 302
    alice.company.refresh_from_db()
    assert sorted(str(c) for c in alice.company.target_markets) == ["DE", "JP"]


def test_unticking_every_box_clears_the_target_markets(client, alice):
    client.force_login(alice)
    data = {**COMPANY_POST, "business_number": alice.company.business_number}
    del data["target_markets"]  # unticked checkboxes post nothing

    client.post(reverse("accounts:company"), data)

    alice.company.refresh_from_db()
    assert list(alice.company.target_markets) == []


def test_it_keeps_the_ticked_boxes_when_another_field_is_refused(client, alice):
    client.force_login(alice)
    data = {
        **COMPANY_POST,
        "business_number": "1248100990",
        "target_markets": ["JP"],
    }

    response = client.post(reverse("accounts:company"), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert _markets(html)[0] == "JP"
    assert re.search(r'value="JP" class="form-check-input" id="\w+" checked>', html)
