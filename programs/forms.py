"""Forms of the programs app: the firm's answer on a recommended program."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import UptakeStatus


class UptakeForm(forms.Form):
    # Blank withdraws an earlier answer.
    status = forms.ChoiceField(
        label=_("Progress with this program"),
        choices=[("", _("No answer"))] + list(UptakeStatus.choices),
        required=False,
    )
