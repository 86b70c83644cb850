"""Who may do what: the role checks every view states."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import Company, Role, User

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
            if is_agency_user(user):
                raise Http404
            return redirect("accounts:company")
        return view(request, *args, **kwargs)

    return wrapper


def company_for(user: User) -> Company:
    if user.company_id is None:
        raise Http404
    return user.company  # type: ignore[return-value]


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
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user: User = request.user  # type: ignore[assignment]
            if user.company_id is not None or not user.has_perm(permission):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
