"""How the site writes numbers, amounts, dates and registration numbers.

One place for each format, used by the templates through these filters and by the
presenters through the functions: a count stored as Decimal("3.00") reads "3", a
revenue reads "8,500,000,000원" in Korean and "KRW 8,500,000,000" in English, a date
never breaks across lines.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.validators import format_business_number

register = template.Library()

Number = int | float | Decimal | str


def _decimal(value: Number) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def plain_decimal(value: Decimal) -> Decimal:
    """The same number without trailing zeros or an exponent: 3.00 -> 3, 12.50 -> 12.5,
    1500000.00 -> 1500000 (normalize() alone would give 1.5E+6)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def plain_number(value: Number | None) -> str:
    """Digits grouped by thousands, without trailing zeros: 3, 12.5, 1,500,000.

    Both languages group with commas and write the decimal point as a point. A value
    that is not a number is returned as it is.
    """
    if value is None or value == "":
        return ""
    if type(value) is int:
        # Counts fill the agency's tables by the hundred; Python's grouping writes them
        # as number_format does in both languages (tests/diagnostics/test_formats.py),
        # without its format lookups per call.
        return f"{value:,}"
    number = _decimal(value)
    if number is None or not number.is_finite():
        return str(value)
    return number_format(plain_decimal(number), force_grouping=True)


def won(value: Number | None) -> str:
    """An amount in Korean won: 8,500,000,000원, or KRW 8,500,000,000 in English."""
    if value is None or value == "":
        return ""
    amount = plain_number(value)
    if (get_language() or "ko").startswith("ko"):
        return f"{amount}원"
    return f"KRW {amount}"


def usd(value: Number | None) -> str:
    """An amount in US dollars: US$250,000 in both languages."""
    if value is None or value == "":
        return ""
    return f"US${plain_number(value)}"


@register.filter(name="number")
def number_filter(value: Number | None) -> str:
    """{{ value|number }}: see plain_number."""
    return plain_number(value)


@register.filter(name="won")
def won_filter(value: Number | None) -> str:
    return won(value)


@register.filter(name="usd")
def usd_filter(value: Number | None) -> str:
    return usd(value)


@register.filter(name="business_number")
def business_number_filter(value: str | None) -> str:
    """{{ company.business_number|business_number }}: 123-45-67890."""
    return format_business_number(value or "")


def _local(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def day(value: datetime.date | datetime.datetime | None) -> SafeString | str:
    """{{ value|day }}: the date as 2026-12-02 in a <time> element that never breaks
    across lines (a hyphen is a line-break opportunity)."""
    if not value:
        return ""
    local = _local(value)
    text = f"{local:%Y-%m-%d}"
    return format_html('<time class="text-nowrap" datetime="{}">{}</time>', text, text)


@register.filter
def day_time(value: datetime.datetime | None) -> SafeString | str:
    """{{ value|day_time }}: 2026-12-02 14:30, on one line."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html(
        '<time class="text-nowrap" datetime="{}">{}</time>',
        local.isoformat(timespec="minutes"),
        f"{local:%Y-%m-%d %H:%M}",
    )


@register.filter
def delta(value: Number | None) -> SafeString | str:
    """A change between two scores: "▲ +12.5", "▼ -3", or "=" for none, on one line.

    The arrow is for the eye; the sign and a visually hidden word carry the meaning.
    """
    if value is None or value == "":
        return "–"
    number = _decimal(value)
    if number is None:
        return str(value)
    if number > 0:
        return format_html(
            '<span class="text-success-emphasis text-nowrap"><span aria-hidden="true">▲ </span>'
            '<span class="visually-hidden">{} </span>+{}</span>',
            _("up"),
            plain_number(number),
        )
    if number < 0:
        return format_html(
            '<span class="text-danger-emphasis text-nowrap"><span aria-hidden="true">▼ </span>'
            '<span class="visually-hidden">{} </span>{}</span>',
            _("down"),
            plain_number(number),
        )
    return format_html(
        '<span class="text-nowrap">=<span class="visually-hidden"> {}</span></span>',
        _("no change"),
    )
