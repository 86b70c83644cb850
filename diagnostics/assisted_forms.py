"""Forms of assisted mode and consultant requests (the wizard's are in forms.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.validators import (
    BUSINESS_NUMBER_EXAMPLE,
    normalize_business_number,
    validate_business_number,
)
from diagnostics.models import ConsultantRequestKind, ConsultantRequestStatus

MESSAGE_MAX_LENGTH = 1000


class ConsultantRequestForm(forms.Form):
    """A firm asks for a consultant's call or visit about its result."""

    kind = forms.ChoiceField(
        label=_("How would you like to talk?"),
        choices=ConsultantRequestKind.choices,
        initial=ConsultantRequestKind.CALL,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a phone call or a visit.")},
    )
    preferred_time = forms.CharField(
        label=_("When suits you?"),
        help_text=_("For example “weekday mornings” or “Tuesday 14:00–16:00”."),
        max_length=200,
        error_messages={
            "required": _("Tell us when suits you."),
            "max_length": _("Keep it to %(limit_value)d characters or fewer."),
        },
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        help_text=_("What would you like to talk about? Up to 1,000 characters."),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _("Keep the message to %(limit_value)d characters or fewer.")
        },
    )


class RequestStatusForm(forms.Form):
    """A consultant changes the status of a firm's request."""

    request = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(
        label=_("Status of the request"), choices=ConsultantRequestStatus.choices
    )


class AssistedConfirmForm(forms.Form):
    """The area a consultant saves in assisted mode, and the answers they confirm.

    The answers themselves (drafts only) are read by the wizard's StepForm.
    """

    area = forms.SlugField(widget=forms.HiddenInput)
    verify = forms.TypedMultipleChoiceField(coerce=int, required=False)
    verify_area = forms.BooleanField(required=False)

    def __init__(
        self, *args: object, question_ids: list[int], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["verify"].choices = [(pk, pk) for pk in question_ids]  # type: ignore[attr-defined]


class FirmLookupForm(forms.Form):
    """A consultant looks a firm up by its business registration number, for a visit."""

    business_number = forms.CharField(
        label=_("Business registration number"),
        max_length=14,
        help_text=_("10 digits; hyphens are fine (123-45-67891)."),
        validators=[validate_business_number],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "placeholder": BUSINESS_NUMBER_EXAMPLE}
        ),
        error_messages={
            "required": _("Enter the firm's business registration number.")
        },
    )

    def clean_business_number(self) -> str:
        return normalize_business_number(self.cleaned_data["business_number"])
