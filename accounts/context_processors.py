"""Template context every page uses."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import lazy


def _navigation_kind(request: HttpRequest) -> str:
    user = request.user
    if not user.is_authenticated:
        return "anonymous"
    if user.company_id:
        return "firm"
    parts = ["agency"]
    if user.has_perm("diagnostics.view_diagnostic"):
        parts.append("reader")
    if user.is_staff:
        parts.append("staff")
    return "-".join(parts)


# Built once: `lazy()` makes a new proxy class on every call, which every page would pay.
_lazy_navigation_kind = lazy(_navigation_kind, str)


def navigation(request: HttpRequest) -> dict[str, object]:
    """`nav_kind`: which menu the header shows.

    Lazy, so that pages that never render the header pay nothing, and the permission
    lookup runs only for agency users.
    """
    return {"nav_kind": _lazy_navigation_kind(request)}
