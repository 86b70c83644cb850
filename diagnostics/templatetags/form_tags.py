"""The error summary every form shows above its fields when it is sent back."""

from __future__ import annotations

from typing import Any

from django import forms, template

register = template.Library()


def form_error_items(form: forms.BaseForm) -> list[dict[str, str]]:
    """Each error of a bound form, with a link to its field where it has one."""
    items = [{"text": str(error), "href": ""} for error in form.non_field_errors()]
    for bound in form:
        if not bound.errors:
            continue
        # A group of radios has no single labelled input: link its first one.
        target = bound.id_for_label or (bound.auto_id and f"{bound.auto_id}_0")
        for error in bound.errors:
            if bound.is_hidden:
                items.append({"text": str(error), "href": ""})
            else:
                items.append(
                    {
                        "text": f"{bound.label}: {error}",
                        "href": f"#{target}" if target else "",
                    }
                )
    return items


@register.inclusion_tag("includes/error_summary.html")
def error_summary(form: forms.BaseForm, title: str = "") -> dict[str, Any]:
    """{% error_summary form %}: nothing for a form without errors."""
    return {"items": form_error_items(form) if form.is_bound else [], "title": title}
