"""The top menu marks the page the visitor is on. Alice is a member of firm A; Carol a
consultant for Seoul."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _current(html: str) -> list[str]:
    menu = html[html.index('id="nav-main"') : html.index("</nav>")]
    return re.findall(r'href="([^"]+)" aria-current="page"', menu)


@pytest.mark.parametrize(
    "name", ["home", "diagnostics:history", "accounts:company", "accounts:team"]
)
def test_the_firms_menu_marks_the_current_page(client, alice, name):
    client.force_login(alice)
    html = client.get(reverse(name)).content.decode()
    assert _current(html) == [reverse(name)]


def test_the_consultants_menu_marks_the_list(client, carol):
    client.force_login(carol)
    html = client.get(reverse("diagnostics:agency_list")).content.decode()
    assert _current(html) == [reverse("diagnostics:agency_list")]


def test_a_page_outside_the_menu_marks_nothing(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert _current(html) == []
    method = client.get(reverse("diagnostics:method")).content.decode()
    assert _current(method) == [reverse("diagnostics:method")]
