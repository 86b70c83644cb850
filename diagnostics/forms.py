"""The questionnaire step form, built from Question rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from diagnostics.models import Option, Question, QuestionKind, ReviewStatus
from diagnostics.selectors import AnswerRow
from diagnostics.services import AnswerValue
from diagnostics.templatetags.format_tags import plain_decimal


def _plain(value: Decimal | None) -> Decimal | None:
    """A limit as the firm reads it in the page and in errors: 100, not 100.00."""
    return None if value is None else plain_decimal(value)


def _choices(options: tuple[Option, ...]) -> list[tuple[int, str]]:
    return [(option.pk, option.localized("label")) for option in options]


def _choice_field(question: Question, options: tuple[Option, ...]) -> forms.Field:
    return forms.TypedChoiceField(
        # A callable: the list is built only when a sent answer is validated, not
        # for every question of every page shown (the page draws its own radios).
        choices=partial(_choices, options),
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose one of the options given for this question.")
        },
    )


def _number_field(question: Question, options: tuple[Option, ...]) -> forms.Field:
    unit = question.localized("unit")
    low, high = _plain(question.number_min), _plain(question.number_max)
    return forms.DecimalField(
        required=False,
        min_value=low,
        max_value=high,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={
                "inputmode": "decimal",
                "min": low,
                "max": high,
                "step": "any",
                "aria-describedby": f"unit_q_{question.code}",
            }
        ),
        help_text=unit,
    )


FIELD_BY_KIND: dict[str, Callable[[Question, tuple[Option, ...]], forms.Field]] = {
    QuestionKind.SINGLE: _choice_field,
    QuestionKind.YES_NO: _choice_field,
    QuestionKind.SCALE: _choice_field,
    QuestionKind.NUMBER: _number_field,
}


def field_name(question: Question) -> str:
    return f"q_{question.code}"


def question_anchor(question: Question) -> str:
    """Where a link to the question lands: its input, or its first option."""
    name = field_name(question)
    return f"id_{name}" if question.kind == QuestionKind.NUMBER else f"id_{name}_0"


class StepForm(forms.Form):
    """One area's questions. Blank answers are allowed here; submit checks completeness."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(
        self,
        *args: Any,
        questions: tuple[Question, ...],
        options: Mapping[int, tuple[Option, ...]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            field = FIELD_BY_KIND[question.kind](question, options[question.pk])
            field.label = question.localized("text")
            self.fields[field_name(question)] = field

    def answer_values(self) -> dict[int, AnswerValue | None]:
        values: dict[int, AnswerValue | None] = {}
        for question in self.questions:
            raw = self.cleaned_data.get(field_name(question))
            if raw in (None, ""):
                values[question.pk] = None
            elif question.kind == QuestionKind.NUMBER:
                values[question.pk] = AnswerValue(number=Decimal(raw))
            else:
                values[question.pk] = AnswerValue(option_id=int(raw))
        return values

    def rows(
        self, options: Mapping[int, tuple[Option, ...]]
    ) -> list[dict[str, object]]:
        """What the step template draws for each question, as plain values.

        The template renders inputs from these rather than through BoundField widgets:
        the wizard is the most used page, and this halves its rendering time.
        """
        return [
            self._row(question, options[question.pk]) for question in self.questions
        ]

    def error_items(self) -> list[dict[str, str]]:
        """The page's errors for the error summary: "Q14. text: error", each linking to
        its question; a stale or forged hidden field has no question to link."""
        if not self.is_bound:
            return []
        items = [
            {"text": str(error), "href": ""}
            for name in ("__all__", "revision")
            for error in self.errors.get(name, [])
        ]
        for question in self.questions:
            name = field_name(question)
            anchor = question_anchor(question)
            for error in self.errors.get(name, []):
                items.append(
                    {
                        "text": f"{question.code}. {question.localized('text')}: "
                        f"{error}",
                        "href": f"#{anchor}",
                    }
                )
        return items

    def _row(
        self, question: Question, options: tuple[Option, ...]
    ) -> dict[str, object]:
        name = field_name(question)
        value = self[name].value()
        chosen = "" if value is None else str(value)
        errors = self.errors.get(name) if self.is_bound else None
        row: dict[str, object] = {
            "name": name,
            "code": question.code,
            "order": question.order,
            "text": question.localized("text"),
            "help": question.localized("help"),
            "errors": " ".join(str(error) for error in errors) if errors else "",
        }
        if question.kind == QuestionKind.NUMBER:
            if isinstance(value, Decimal):  # a saved answer: 3, not 3.00
                chosen = f"{plain_decimal(value):f}"
            row.update(
                is_number=True,
                value=chosen,
                min=_plain(question.number_min),
                max=_plain(question.number_max),
                unit=question.localized("unit"),
            )
        else:
            # Drawn by the radio_options tag (diagnostics/templatetags/wizard_tags.py).
            row["options"] = [
                {
                    "value": option.pk,
                    "label": option.localized("label"),
                    "checked": str(option.pk) == chosen,
                }
                for option in options
            ]
        return row


def step_initial(
    questions: tuple[Question, ...], answers: Mapping[int, AnswerRow], revision: int
) -> dict[str, object]:
    initial: dict[str, object] = {"revision": revision}
    for question in questions:
        answer = answers.get(question.pk)
        if answer is None:
            continue
        if question.kind == QuestionKind.NUMBER:
            initial[field_name(question)] = answer.number_value
        else:
            initial[field_name(question)] = answer.option_id
    return initial


class RefreshReasonForm(forms.Form):
    """Why a consultant recomputes a diagnostic's recommendations; kept in the audit."""

    reason = forms.CharField(
        label=_("Reason for recomputing the recommendations"),
        help_text=_(
            "Kept in the audit with the new list, and shown on this page: for "
            "example “catalog updated with this year's export voucher”. The firm's "
            "own result page then shows the new list."
        ),
        max_length=500,
        widget=forms.TextInput(
            attrs={
                "class": "form-control mb-2",
                "aria-describedby": "refresh-reason-help",
            }
        ),
        error_messages={
            "required": _("Give the reason for recomputing the recommendations."),
            "max_length": _("Keep the reason to %(limit_value)d characters or fewer."),
        },
    )


# --- The consultant's review of a diagnostic (diagnostics.review) ---------------------
# Forms check the shape of the input; the services check the rest (an assignee in
# scope, an override that differs from the computed stage) and the views put their
# ValidationError on the form.


class NoteForm(forms.Form):
    """A consultant's note on this firm's diagnostic; internal, never shown to it."""

    body = forms.CharField(
        label=_("New note"),
        help_text=_("Seen by consultants only, never by the firm."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Write the note first."),
            "max_length": _("Keep a note to %(limit_value)d characters or fewer."),
        },
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write the note first."), code="required")
        return body


class AssignForm(forms.Form):
    """Who works on this diagnostic: one of the agency users who can see it, or no one."""

    assignee = forms.TypedChoiceField(
        label=_("Assign to"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={
            "invalid_choice": _(
                "Choose a consultant who can see this firm's diagnostic."
            )
        },
    )

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("No one"))] + [(user.pk, user.email) for user in users]


class ReviewStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Review status"),
        choices=ReviewStatus.choices,
        error_messages={"invalid_choice": _("Choose one of the review statuses.")},
    )


class StageOverrideForm(forms.Form):
    """The stage the firm is shown, with the reason it reads beside it."""

    stage = forms.TypedChoiceField(
        label=_("Stage the firm is shown"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a stage from 1 to 9.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_(
            "Required, and shown to the firm on its result page and in its report, "
            "without the consultant's name."
        ),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Give the reason for the stage: the firm reads it."),
            "max_length": _("Keep the reason to %(limit_value)d characters or fewer."),
        },
    )

    def __init__(
        self,
        *args: Any,
        stage_names: list[tuple[int, str]],
        computed: int | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["stage"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", _("Use the computed stage (%(stage)s)") % {"stage": computed})
        ] + [
            (stage, _("Stage %(stage)d. %(name)s") % {"stage": stage, "name": name})
            for stage, name in stage_names
        ]

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(
                _("Give the reason for the stage: the firm reads it."),
                code="required",
            )
        return reason
