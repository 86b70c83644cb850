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
  in scope also reaches a firm's draft, because they fill it in with the firm.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from diagnostics.models import Diagnostic, DiagnosticStatus

ALL_REGIONS_PERMISSION = "diagnostics.view_all_regions"


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


def _in_regions(user: User, diagnostics: QuerySet[Diagnostic]) -> QuerySet[Diagnostic]:
    """`diagnostics` narrowed to the agency user's regions; none for anyone else."""
    if not user.is_active or user.company_id is not None:
        return Diagnostic.objects.none()
    if sees_all_regions(user):
        return diagnostics
    if not user.regions:
        return Diagnostic.objects.none()
    return diagnostics.filter(company__region__in=user.regions)


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
