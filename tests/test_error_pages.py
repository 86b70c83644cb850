"""Outside debug mode, a missing page and a server error show the site's own pages, in
the visitor's language, with a way back. Anyone may see them; Alice is a signed-in
member of firm A."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


# The site's URLs plus a view that fails, for these tests only.
urlpatterns = [path("test-only/boom/", _boom), *site_urlpatterns]

production = override_settings(
    DEBUG=False, ALLOWED_HOSTS=["testserver"], ROOT_URLCONF=__name__
)


def _client(language: str | None = None) -> Client:
    client = Client(raise_request_exception=False)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@production
@pytest.mark.parametrize(
    ("language", "heading", "way_back"),
    [
        (None, "페이지를 찾을 수 없음", "홈으로 이동"),
        ("en", "Page not found", "Go to the home page"),
    ],
)
def test_a_missing_page_shows_the_sites_404_in_the_visitors_language(
    language, heading, way_back
):
    response = _client(language).get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language or "ko"}">' in html
    assert f'<h1 class="h3">{heading}</h1>' in html
    assert f'<a class="btn btn-primary" href="/">{way_back}</a>' in html
    assert "/static/css/app.css" in html


@production
def test_a_signed_in_visitor_is_sent_back_to_their_own_page(alice):
    client = _client("en")
    client.force_login(alice)
    html = client.get("/no-such-page/").content.decode()
    assert '<a class="btn btn-primary" href="/home/">Go to my page</a>' in html


@production
@pytest.mark.parametrize(
    ("language", "heading"),
    [(None, "문제가 발생했습니다"), ("en", "Something went wrong")],
)
def test_a_server_error_shows_the_sites_500_in_the_visitors_language(language, heading):
    response = _client(language).get("/test-only/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language or "ko"}">' in html
    assert f'<h1 class="h3">{heading}</h1>' in html
    assert 'href="/"' in html
    assert "a bug in a view" not in html
    assert "<script" not in html
