"""Forms for sign-up, log-in, the company profile and team invitations."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import Company, User
from accounts.services import normalize_email
from accounts.validators import (
    BUSINESS_NUMBER_EXAMPLE,
    format_business_number,
    normalize_business_number,
    normalize_hs_code,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _helper(submit_label: StrOrPromise, *layout: object) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    if layout:
        helper.layout = Layout(*layout)
    helper.add_input(Submit("submit", submit_label))
    return helper


class SignupForm(forms.Form):
    """The address only: the password is chosen from the link mailed to it, so that
    only the address's owner can create its account."""

    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Create account"))

    def clean_email(self) -> str:
        # No check for an existing account here: the form must not tell.
        return normalize_email(self.cleaned_data["email"])


class PasswordSetForm(forms.Form):
    """A new account's password, checked by the site's password validators."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "autofocus": True}
        ),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(
        self, *args: Any, email: str, submit_label: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        self.helper = _helper(submit_label)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        elif first:
            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(AuthenticationForm):
    # Django's message speaks of a "username" that may be case-sensitive; here the
    # username is an e-mail address, compared without regard to case.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail address or the password is not right. Check both and try "
            "again; capital letters matter in the password, not in the e-mail "
            "address."
        ),
    }

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Log in"))

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


def _sort_key(name: str) -> str:
    # django-countries sorts by the Unicode collation only when pyuca is installed, and
    # otherwise leaves Korean names in English order. Decomposed, with accents dropped,
    # both Hangul and Latin names sort in dictionary order.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _country_search_terms() -> dict[str, str]:
    """Each country's codes and its names in every language the site speaks, "|" between
    them (a name may hold spaces)."""
    terms: dict[str, list[str]] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, name in countries:
                terms.setdefault(code, [code, countries.alpha3(code)]).append(name)
    return {code: "|".join(dict.fromkeys(words)) for code, words in terms.items()}


class CountryPicker(forms.CheckboxSelectMultiple):
    """A checkbox per country, the chosen ones first, the rest by localized name.

    Each option carries `search`, its codes and names in Korean and English, for
    static/js/country-picker.js to filter on; templates/accounts/_country_picker.html
    draws the list and works without the script.
    """

    def optgroups(
        self, name: str, value: list[str], attrs: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        options = [
            option
            for _group, group_options, _index in super().optgroups(name, value, attrs)
            for option in group_options
        ]
        terms = _country_search_terms()
        for option in options:
            option["search"] = terms.get(str(option["value"]), "")
        options.sort(
            key=lambda option: (not option["selected"], _sort_key(str(option["label"])))
        )
        return [(None, [option], index) for index, option in enumerate(options)]


class CompanyForm(forms.ModelForm):
    business_number = forms.CharField(
        label=_("Business registration number"),
        max_length=12,
        # The example in the text is BUSINESS_NUMBER_EXAMPLE: a number that checks out.
        help_text=_("10 digits; hyphens are fine (123-45-67891)."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "placeholder": BUSINESS_NUMBER_EXAMPLE}
        ),
    )

    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Company
        fields = [
            "name_ko",
            "name_en",
            "business_number",
            "region",
            "industry",
            "industry_division",
            "employees",
            "annual_revenue_krw",
            "exports_last_year_usd",
            "export_markets",
            "export_years",
            "presence_abroad",
            "hs_code",
            "year_founded",
            "target_markets",
            "website",
        ]
        widgets = {
            "target_markets": CountryPicker(attrs={"class": "form-check-input"}),
        }
        help_texts = {
            "target_markets": _(
                "Tick every country you plan to sell to; your chosen countries are "
                "listed first."
            ),
            "exports_last_year_usd": _(
                "Last financial year, in US dollars (won at the year's average rate); "
                "0 if the company did not export. The diagnostic's stage and program "
                "eligibility both read this figure."
            ),
            "export_markets": _("0 if the company did not export last year."),
            "export_years": _(
                "Years in which the company exported, including last year; 0 if never."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.business_number and not self.is_bound:
            # Stored as ten digits; shown as the firm writes it.
            self.initial["business_number"] = format_business_number(
                self.instance.business_number
            )
        self.helper = _helper(
            _("Save company profile"),
            Fieldset(_("Company"), "name_ko", "name_en", "business_number", "website"),
            Fieldset(
                _("Business"),
                "region",
                "industry",
                "industry_division",
                "employees",
                "annual_revenue_krw",
                "year_founded",
            ),
            Fieldset(
                _("Exports"),
                "exports_last_year_usd",
                "export_markets",
                "export_years",
                "presence_abroad",
                "hs_code",
                Field("target_markets", template="accounts/_country_picker.html"),
            ),
        )

    def clean_hs_code(self) -> str:
        return normalize_hs_code(self.cleaned_data["hs_code"])

    def clean_business_number(self) -> str:
        number = normalize_business_number(self.cleaned_data["business_number"])
        duplicate = Company.objects.filter(business_number=number)
        if self.instance.pk:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise forms.ValidationError(
                _(
                    "This business registration number is already registered. "
                    "Ask a member of that company to invite you to its team."
                ),
                code="duplicate",
            )
        return number


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Colleague's e-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send invitation"))

    def clean_email(self) -> str:
        # No check for an existing account here: the inviter must not learn it.
        return normalize_email(self.cleaned_data["email"])
