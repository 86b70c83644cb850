"""Korean first: the language comes from the switcher's cookie, not the browser."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class KoreanByDefaultMiddleware:
    """Drop Accept-Language so that LocaleMiddleware falls back to LANGUAGE_CODE (ko).

    The agency's site is Korean; English is a choice the visitor makes with the
    switcher, which sets the language cookie that LocaleMiddleware reads first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
