"""Sentences for the recommendation rules' reasons, in the active language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import Industry, Region
from diagnostics.models import Bottleneck
from programs.rules import Reason


def _money(value: str | int) -> str:
    return f"{int(value):,}"


def _markets(value: object) -> str:
    codes = [code for code in str(value).split(",") if code]
    return ", ".join(str(countries.name(code)) or code for code in codes)


def _day(value: object) -> str:
    return date_format(date.fromisoformat(str(value)), "DATE_FORMAT")


def _label(choices: type[models.Choices], value: object) -> str:
    return str(dict(choices.choices).get(value, value))


SENTENCES: dict[str, Callable[[Reason], str]] = {
    "stage_in_range": lambda r: (
        _("Stage %(stage)s is within this program's stages %(min)s–%(max)s.")
        % dict(r.params)
    ),
    "stage_below_min": lambda r: (
        _("This program starts at stage %(min)s; the current stage is %(stage)s.")
        % dict(r.params)
    ),
    "stage_above_max": lambda r: (
        _("This program is for stages up to %(max)s; the current stage is %(stage)s.")
        % dict(r.params)
    ),
    "export_below_max": lambda r: (
        _(
            "Exports of US$%(exports)s a year are under this program's US$%(limit)s "
            "limit."
        )
        % {"exports": _money(r.param("exports")), "limit": _money(r.param("limit"))}
    ),
    "export_at_least_min": lambda r: (
        _(
            "Exports of US$%(exports)s a year are at least the US$%(minimum)s this "
            "program asks for."
        )
        % {"exports": _money(r.param("exports")), "minimum": _money(r.param("minimum"))}
    ),
    "export_too_high": lambda r: (
        _(
            "Exports are US$%(exports)s a year; this program is for firms under "
            "US$%(limit)s."
        )
        % {"exports": _money(r.param("exports")), "limit": _money(r.param("limit"))}
    ),
    "export_too_low": lambda r: (
        _(
            "Exports are US$%(exports)s a year; this program asks for at least "
            "US$%(minimum)s."
        )
        % {"exports": _money(r.param("exports")), "minimum": _money(r.param("minimum"))}
    ),
    "employees_within": lambda r: (
        _("%(employees)s employees, within the limit of %(limit)s.")
        % {"employees": _money(r.param("employees")), "limit": _money(r.param("limit"))}
    ),
    "employees_too_many": lambda r: (
        _("%(employees)s employees; this program is for up to %(limit)s.")
        % {"employees": _money(r.param("employees")), "limit": _money(r.param("limit"))}
    ),
    "revenue_within": lambda r: (
        _("Annual revenue of %(revenue)s won is within the limit of %(limit)s won.")
        % {"revenue": _money(r.param("revenue")), "limit": _money(r.param("limit"))}
    ),
    "revenue_too_high": lambda r: (
        _(
            "Annual revenue of %(revenue)s won is above this program's limit of "
            "%(limit)s won."
        )
        % {"revenue": _money(r.param("revenue")), "limit": _money(r.param("limit"))}
    ),
    "exported_last_year": lambda r: (
        _("Exported last year (US$%(exports)s), as this program asks.")
        % {"exports": _money(r.param("exports"))}
    ),
    "not_exported_last_year": lambda r: _(
        "This program is for firms that exported last year; there were no exports "
        "last year."
    ),
    "domestic_as_required": lambda r: _(
        "It is for firms that did not export last year."
    ),
    "exported_but_domestic_only": lambda r: (
        _(
            "It is for firms that did not export last year; exports last year were "
            "US$%(exports)s."
        )
        % {"exports": _money(r.param("exports"))}
    ),
    "age_at_least_min": lambda r: (
        _(
            "Founded %(age)s years ago, at least the %(min)s years this program asks "
            "for."
        )
        % dict(r.params)
    ),
    "age_too_young": lambda r: (
        _(
            "This program is for companies founded at least %(min)s years ago; the "
            "company was founded %(age)s years ago."
        )
        % dict(r.params)
    ),
    "age_within_max": lambda r: (
        _("Founded %(age)s years ago, within this program's limit of %(max)s years.")
        % dict(r.params)
    ),
    "age_too_old": lambda r: (
        _(
            "This program is for companies founded within the last %(max)s years; "
            "the company was founded %(age)s years ago."
        )
        % dict(r.params)
    ),
    "age_unknown": lambda r: _(
        "This program depends on the company's age: the company profile has no "
        "year founded."
    ),
    "product_match_ksic": lambda r: (
        _("It targets the company's industry division (KSIC %(division)s).")
        % {"division": r.param("division")}
    ),
    "product_match_hs": lambda r: (
        _("It targets the company's product (HS chapter %(chapter)s).")
        % {"chapter": r.param("chapter")}
    ),
    "product_mismatch": lambda r: _("It targets other products than the company's."),
    "product_unknown": lambda r: _(
        "It targets specific products: the company profile has no KSIC division "
        "or HS code to check against."
    ),
    "industry_match": lambda r: (
        _("It targets the company's industry: %(industry)s.")
        % {"industry": _label(Industry, r.param("industry"))}
    ),
    "industry_mismatch": lambda r: (
        _("It does not cover the company's industry (%(industry)s).")
        % {"industry": _label(Industry, r.param("industry"))}
    ),
    "market_match": lambda r: (
        _("It covers the company's target markets: %(markets)s.")
        % {"markets": _markets(r.param("markets"))}
    ),
    "market_mismatch": lambda r: (
        _(
            "It is for firms targeting %(markets)s, which are not among the company's "
            "target markets."
        )
        % {"markets": _markets(r.param("markets"))}
    ),
    "region_match": lambda r: (
        _("It serves firms in the company's region: %(region)s.")
        % {"region": _label(Region, r.param("region"))}
    ),
    "region_mismatch": lambda r: (
        _("It does not serve the company's region (%(region)s).")
        % {"region": _label(Region, r.param("region"))}
    ),
    "window_open_until": lambda r: (
        _("Applications are open until %(date)s.") % {"date": _day(r.param("closes"))}
    ),
    "window_year_round": lambda r: _("Applications are taken all year round."),
    "window_opens_on": lambda r: (
        _("Applications open on %(date)s.") % {"date": _day(r.param("opens"))}
    ),
    "window_usually_open_until": lambda r: (
        _(
            "Applications are usually taken at this time of year, until about "
            "%(date)s: check the current announcement."
        )
        % {"date": _day(r.param("closes"))}
    ),
    "window_usually_opens_on": lambda r: (
        _(
            "Applications are taken every year; the next round is expected around "
            "%(date)s."
        )
        % {"date": _day(r.param("opens"))}
    ),
    "inactive": lambda r: _("This program is not running at the moment."),
    "addresses_bottleneck": lambda r: (
        _(
            "It addresses %(bottleneck)s, a weak point (bottleneck score %(score)s of "
            "100)."
        )
        % {
            "bottleneck": _label(Bottleneck, r.param("bottleneck")),
            "score": r.param("score"),
        }
    ),
    "addresses_area": lambda r: (
        _("It helps with %(area)s, a weak area (area score %(score)s of 100).")
        % {"area": r.param("area"), "score": r.param("score")}
    ),
    "repeats_diagnosis": lambda r: _(
        "Listed after the others: it begins with a diagnosis like the one just "
        "completed."
    ),
    "free_of_charge": lambda r: _("It is free of charge."),
}


def reason_sentence(
    reason: Reason, *, area_names: Mapping[str, str] | None = None
) -> str:
    """One reason as a sentence a person can read; unknown codes show the code.

    `area_names` maps the diagnostic's area codes to their names in the active
    language; an area without a name is shown by its code.
    """
    sentence = SENTENCES.get(reason.code)
    if sentence is None:
        return reason.code
    if reason.code == "addresses_area" and area_names:
        code = str(reason.param("area"))
        params = dict(reason.params) | {"area": area_names.get(code, code)}
        reason = Reason(reason.code, tuple(params.items()))
    return sentence(reason)
