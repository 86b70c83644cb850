"""Read queries for stored recommendations."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from diagnostics.models import Diagnostic
from programs.models import Recommendation


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
        }
        for row in rows
    ]
