"""Validation of Korean business registration numbers (사업자등록번호) and HS codes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The National Tax Service check digit: weights on the first nine digits, plus the
# carry of the ninth digit times five.
_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def business_number_check_digit(first_nine: str) -> str:
    """The tenth digit that makes `first_nine` a valid registration number."""
    digits = [int(ch) for ch in first_nine]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True))
    total += (digits[8] * 5) // 10
    return str((10 - total % 10) % 10)


def business_number_is_valid(number: str) -> bool:
    if len(number) != 10 or not number.isdigit():
        return False
    return business_number_check_digit(number[:9]) == number[9]


def normalize_business_number(value: str) -> str:
    return value.replace("-", "").replace(" ", "").strip()


def format_business_number(value: str) -> str:
    """The registration number as it is written: 123-45-67890 (office, type, serial
    and check digit). Anything that is not ten digits is returned as it is."""
    number = normalize_business_number(value)
    if len(number) != 10 or not number.isdigit():
        return value
    return f"{number[:3]}-{number[3:5]}-{number[5:]}"


# A number that passes the check, for help texts and placeholders (123-45-6789 + 1).
BUSINESS_NUMBER_EXAMPLE = "123-45-67891"


def validate_business_number(value: str) -> None:
    number = normalize_business_number(value)
    if len(number) != 10 or not number.isdigit():
        raise ValidationError(
            _(
                "Enter the 10 digits of the business registration number, for example "
                "%(example)s."
            ),
            code="invalid",
            params={"example": BUSINESS_NUMBER_EXAMPLE},
        )
    expected = business_number_check_digit(number[:9])
    if number[9] != expected:
        # Say why: a typo in any digit shows up as a wrong check digit.
        raise ValidationError(
            _(
                "This number does not check out. Its last digit is a check digit "
                "computed from the other nine; after %(first)s it should be "
                "%(expected)s, not %(last)s. Check the number on the registration "
                "certificate."
            ),
            code="checksum",
            params={
                "first": f"{number[:3]}-{number[3:5]}-{number[5:9]}",
                "expected": expected,
                "last": number[9],
            },
        )


def normalize_hs_code(value: str) -> str:
    """HS codes are written with dots or spaces (8479.89); the digits are the code."""
    return "".join(ch for ch in value if ch not in ". -")


def validate_hs_code(value: str) -> None:
    # 2 digits name the chapter, 4 the heading, 6 the international subheading; Korea's
    # HSK adds four more. Odd lengths are no level of the system.
    code = normalize_hs_code(value)
    if not code.isdigit() or len(code) not in {2, 4, 6, 8, 10}:
        raise ValidationError(
            _(
                "Enter the HS code as 2, 4, 6, 8 or 10 digits, for example 33 (chapter) "
                "or 3304.99 (subheading)."
            ),
            code="invalid",
        )
