"""Template tags for the recommendation list on the result and consultant pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import template

from diagnostics.models import Diagnostic
from programs.presenters import ProgramGroup
from programs.presenters import program_groups as group_programs

register = template.Library()


@register.simple_tag
def program_groups(
    recommendations: Sequence[Mapping[str, Any]], diagnostic: Diagnostic
) -> list[ProgramGroup]:
    """The diagnostic's recommendations grouped by the bottleneck each addresses."""
    scores = (diagnostic.result or {}).get("bottleneck_scores", {})
    return group_programs(recommendations or [], scores)
