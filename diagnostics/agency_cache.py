"""A short-lived cache for the agency's aggregate figures (queue counts, statistics).

Counting 100,000 diagnostics takes tens of milliseconds a query; a consultant reloads
the queue all day. The key names everything that shapes a figure: what it is, the
user's scope, the filters, and `data_version()`, which changes whenever any row a
figure reads changes (its count and its latest `updated_at`). A change is therefore
seen on the next request: no write exists to invalidate anything, and no key can
serve one scope's figures to another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Count, Max, Model

from accounts.models import Company, User
from diagnostics.access import sees_all_regions
from diagnostics.models import ConsultantRequest, Diagnostic, DiagnosticStatus
from programs.models import ProgramUptake, Recommendation

T = TypeVar("T")
# Long enough to serve a morning's reloads; a stale key is never read again anyway,
# since a changed row changes the key.
TIMEOUT_SECONDS = 15 * 60


def data_version() -> list[Any]:
    """A fingerprint of the rows the agency's figures read; five small queries.

    Submitted diagnostics, companies and consultant requests are never deleted
    (protected, or closed by status), so their latest change says it all; a program
    uptake can be withdrawn (deleted), so its count counts too; recommendations are
    replaced, never edited, so the newest id tells.
    """
    fingerprint = [
        _latest_submitted_change(),
        *_latest_changes(Company, ConsultantRequest),
    ]
    uptake = ProgramUptake.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    recommendations = Recommendation.objects.aggregate(last=Max("pk"))
    return [*fingerprint, uptake["n"], uptake["changed"], recommendations["last"]]


def scope_of(user: User) -> list[str]:
    """The regions a user's figures cover: the key part that keeps scopes apart."""
    return ["*"] if sees_all_regions(user) else sorted(user.regions)


def scores_version() -> list[Any]:
    """A fingerprint of what peer comparisons read: diagnostics and their firms'
    industries; two small queries."""
    return [_latest_submitted_change(), *_latest_changes(Company)]


def _latest_submitted_change() -> Any:
    """The latest change among submitted diagnostics (a submission included: it sets
    the status and `updated_at` together). Drafts are left out: no figure reads them,
    and with them every autosave of any firm would make every key new."""
    return Diagnostic.objects.filter(status=DiagnosticStatus.SUBMITTED).aggregate(
        changed=Max("updated_at")
    )["changed"]


def _latest_changes(*models: type[Model]) -> list[Any]:
    """Each model's latest `updated_at`: one small query each (indexed or small)."""
    return [
        model._default_manager.aggregate(changed=Max("updated_at"))["changed"]
        for model in models
    ]


def cached_figures(
    kind: str,
    parts: list[Any],
    compute: Callable[[], T],
    fingerprint: Callable[[], list[Any]] = data_version,
) -> T:
    """`compute()`, or its stored result under a key naming `kind`, `parts` and the
    `fingerprint()` of the data it reads."""
    text = json.dumps([kind, parts, fingerprint()], default=str, sort_keys=True)
    key = f"agency:{kind}:{hashlib.sha256(text.encode()).hexdigest()}"
    found = cache.get(key)
    if found is not None:
        return found
    value = compute()
    cache.set(key, value, TIMEOUT_SECONDS)
    return value
