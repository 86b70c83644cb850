"""Who may do what: the role checks every view states."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect

from accounts.models import Company, Role, User

View = Callable[..., HttpResponseBase]


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `login_required` or a decorator here: its user is
    logged in, never the anonymous user (django-stubs' documented pattern)."""

    user: User


def sme_member_required(view: View) -> View:
    """A logged-in member of a company; others get a 404, as if the page did not exist.

    A logged-in user without a company is sent to create the company profile first.
    """

    @login_required
    @wraps(view)
    def wrapper(
        request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        user = request.user
        if user.company_id is None:
            if is_agency_user(user):
                raise Http404
            return redirect("accounts:company")
        return view(request, *args, **kwargs)

    return wrapper


def company_for(user: User) -> Company:
    company = user.company  # no query when company_id is None
    if company is None:
        raise Http404
    return company


def is_agency_user(user: User) -> bool:
    """Consultants and staff: they work on firms' data but belong to no firm."""
    return (
        user.is_staff
        or user.groups.filter(
            name__in=[
                Role.CONSULTANT.value,
                Role.LEAD_CONSULTANT.value,
                Role.STAFF.value,
            ]
        ).exists()
    )


def agency_permission_required(permission: str) -> Callable[[View], View]:
    """A logged-in agency user holding `permission`; everyone else gets a 404."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(
            request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            user = request.user
            if user.company_id is not None or not user.has_perm(permission):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
