"""The wizard's radio buttons, written in Python.

The wizard is the most used page and a question's options are its longest loop. As a
template loop each option cost seven nodes and as many escapes; here an option costs one
escape, of its label: every other part is a constant, an integer, or the field name
escaped once per question.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_OPTION = (
    '<div class="form-check"><input class="{css}" type="radio" name="{name}" '
    'value="{value:d}" id="id_{name}_{index:d}"{checked}><label '
    'class="form-check-label" for="id_{name}_{index:d}">{label}</label></div>'
)


@register.simple_tag
def radio_options(row: Mapping[str, Any]) -> SafeString:
    """{% radio_options row %}: the radios of one row of StepForm.rows().

    The ids are those of Django's RadioSelect (id_<name>_<index>), which the error
    summary's links point at.
    """
    name = escape(row["name"])
    css = "form-check-input is-invalid" if row["errors"] else "form-check-input"
    return mark_safe(  # noqa: S308 - every variable part is escaped or an int
        "\n".join(
            _OPTION.format(
                css=css,
                name=name,
                value=option["value"],
                index=index,
                checked=" checked" if option["checked"] else "",
                label=escape(option["label"]),
            )
            for index, option in enumerate(row["options"])
        )
    )
