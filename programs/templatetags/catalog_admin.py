"""Template tags for the catalog's pages in the admin."""

from __future__ import annotations

from django import template
from django.utils import timezone

from programs.selectors import programs_due_for_check

register = template.Library()


@register.simple_tag
def programs_due_for_check_count() -> int:
    """How many programs nobody checked against their source for six months."""
    return programs_due_for_check(today=timezone.localdate()).count()
