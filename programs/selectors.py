"""Read queries for stored recommendations."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import get_language

from diagnostics.models import Diagnostic
from programs.models import Program, ProgramUptake, Recommendation


def recommendations_for(
    diagnostic: Diagnostic, *, include_near_misses: bool = False
) -> list[dict[str, Any]]:
    """The stored recommendations, worded in the active language; one query."""
    language = "en" if get_language() == "en" else "ko"
    kinds = [Recommendation.Kind.RECOMMENDED]
    if include_near_misses:
        kinds.append(Recommendation.Kind.NEAR_MISS)
    rows = Recommendation.objects.filter(
        diagnostic=diagnostic, kind__in=kinds
    ).order_by("kind", "rank")
    return [
        {
            "id": row.pk,
            "program_id": row.program_id,
            "kind": row.kind,
            "rank": row.rank,
            "program": row.program_snapshot,
            "name": row.snapshot("name", language),
            "description": row.snapshot("description", language),
            "institution": row.snapshot("institution_name", language),
            "how_to_apply": row.snapshot("how_to_apply", language),
            "bottlenecks": row.program_snapshot.get(
                f"bottleneck_labels_{language}", []
            ),
            "failed": row.snapshot("failed", language),
            "reasons": row.reasons(language),
            # Snapshots stored before entries carried a check date have none.
            "checked_on": _date_or_none(row.program_snapshot.get("checked_on")),
        }
        for row in rows
    ]


def with_uptake(
    recommendations: list[dict[str, Any]], company_id: int
) -> list[dict[str, Any]]:
    """Add what the firm said it did with each program ("uptake"); one query."""
    statuses = dict(
        ProgramUptake.objects.filter(company_id=company_id).values_list(
            "program_id", "status"
        )
    )
    for item in recommendations:
        item["uptake"] = statuses.get(item["program_id"], "")
    return recommendations


def _date_or_none(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


# An entry whose facts nobody compared with its source for six months is due a check:
# programs are announced once a year, and half a year catches each announcement.
CHECK_EVERY_MONTHS = 6


def check_due_before(today: date) -> date:
    """The day six months before `today` (the month's last day when it is shorter)."""
    month_index = today.year * 12 + today.month - 1 - CHECK_EVERY_MONTHS
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(today.day, last_day))


def programs_due_for_check(*, today: date) -> QuerySet[Program]:
    """Programs never checked, or last checked more than six months before `today`."""
    return Program.objects.filter(
        Q(checked_on__isnull=True) | Q(checked_on__lt=check_due_before(today))
    )
