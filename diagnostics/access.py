"""Who may read which diagnostic: the one place these rules live.

Every view that touches a diagnostic goes through a function here, and each answers
404 (never 403) for anything outside the user's reach, so that nobody learns whether
another firm's diagnostic exists.

- A firm's member reaches the diagnostics of their own company, drafts included.
- An agency user reaches submitted diagnostics only (never a firm's draft), and only
  within their scope: a consultant the firms of their regions; a lead consultant or
  staff (the `view_all_regions` permission) every region. A consultant without a
  region reaches no firm: scope fails closed.
- One exception, assisted mode (`get_diagnostic_for_assisted_mode`): there a consultant
  in scope also reaches a firm's draft, because they fill it in with the firm. To find
  a firm that has submitted nothing yet, they look it up by its exact business
  registration number (`firm_for_visit`), never from a list.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from accounts.models import Company, User
from diagnostics.models import Diagnostic, DiagnosticStatus

ALL_REGIONS_PERMISSION = "diagnostics.view_all_regions"

RowT = TypeVar("RowT", bound=Model)


def diagnostics_for_member(user: User) -> QuerySet[Diagnostic]:
    """The diagnostics of the user's company; none for a user without a company."""
    if user.company_id is None:
        return Diagnostic.objects.none()
    return Diagnostic.objects.filter(company_id=user.company_id)


def get_diagnostic_for_member(user: User, pk: int) -> Diagnostic:
    """The diagnostic `pk` if it belongs to the user's company; else 404."""
    try:
        return (
            diagnostics_for_member(user).select_related("version", "company").get(pk=pk)
        )
    except Diagnostic.DoesNotExist:
        raise Http404 from None


def sees_all_regions(user: User) -> bool:
    return user.is_active and user.has_perm(ALL_REGIONS_PERMISSION)


def diagnostics_in_scope(user: User) -> QuerySet[Diagnostic]:
    """Submitted diagnostics an agency user may read (see the module docstring)."""
    return _in_regions(
        user, Diagnostic.objects.filter(status=DiagnosticStatus.SUBMITTED)
    )


def _in_regions(
    user: User, rows: QuerySet[RowT], region_field: str = "company__region"
) -> QuerySet[RowT]:
    """`rows` narrowed to the agency user's regions; none for anyone else."""
    if not user.is_active or user.company_id is not None:
        return rows.none()
    if sees_all_regions(user):
        return rows
    if not user.regions:
        return rows.none()
    return rows.filter(**{f"{region_field}__in": user.regions})


def firm_for_visit(user: User, business_number: str) -> Company | None:
    """The firm with this (normalised) business number, if in the agency user's
    regions; None otherwise, so that a number outside the scope reads as unknown."""
    return firms_in_scope(user).filter(business_number=business_number).first()


def firms_in_scope(user: User) -> QuerySet[Company]:
    """The firms of the agency user's regions (every firm for a lead consultant)."""
    return _in_regions(user, Company.objects.all(), region_field="region")


def get_diagnostic_for_agency_user(user: User, pk: int) -> Diagnostic:
    """A submitted diagnostic within the user's scope; else 404."""
    try:
        return (
            diagnostics_in_scope(user).select_related("version", "company").get(pk=pk)
        )
    except Diagnostic.DoesNotExist:
        raise Http404 from None


def get_diagnostic_for_assisted_mode(user: User, pk: int) -> Diagnostic:
    """A diagnostic, draft or submitted, of a firm in the agency user's scope; else 404.

    Assisted mode is the consultant's visit to a firm: they sit with the firm and fill
    in or confirm its answers, often before it submits, so the draft must be reachable
    here. This is the only way an agency user reaches a draft: every other agency page
    goes through `get_diagnostic_for_agency_user`, which keeps drafts out. The regions
    rule is the same (a consultant without a region reaches nothing).
    """
    try:
        return (
            _in_regions(user, Diagnostic.objects.all())
            .select_related("version", "company")
            .get(pk=pk)
        )
    except Diagnostic.DoesNotExist:
        raise Http404 from None
