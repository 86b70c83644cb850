"""Who may do what: the role checks every view states."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import Company, User

View = Callable[..., HttpResponse]


def sme_member_required(view: View) -> View:
    """A logged-in member of a company; others get a 404, as if the page did not exist.

    A logged-in user without a company is sent to create the company profile first.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        if user.company_id is None:
            if user.is_staff or user.groups.exclude(name="sme_member").exists():
                raise Http404
            return redirect("accounts:company")
        return view(request, *args, **kwargs)

    return wrapper


def company_for(user: User) -> Company:
    if user.company_id is None:
        raise Http404
    return user.company  # type: ignore[return-value]
