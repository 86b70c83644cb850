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


# KSIC (10th revision) divisions, the first two digits of a class code, and the
# section each belongs to. Division numbers skip where the classification skips.
KSIC_DIVISION_SECTIONS: dict[str, str] = {
    **dict.fromkeys(["01", "02", "03"], "A"),
    **dict.fromkeys(["05", "06", "07", "08"], "B"),
    **dict.fromkeys([f"{n:02d}" for n in range(10, 35)], "C"),
    "35": "D",
    **dict.fromkeys(["36", "37", "38", "39"], "E"),
    **dict.fromkeys(["41", "42"], "F"),
    **dict.fromkeys(["45", "46", "47"], "G"),
    **dict.fromkeys(["49", "50", "51", "52"], "H"),
    **dict.fromkeys(["55", "56"], "I"),
    **dict.fromkeys(["58", "59", "60", "61", "62", "63"], "J"),
    **dict.fromkeys(["64", "65", "66"], "K"),
    "68": "L",
    **dict.fromkeys(["70", "71", "72", "73"], "M"),
    **dict.fromkeys(["74", "75", "76"], "N"),
    "84": "O",
    "85": "P",
    **dict.fromkeys(["86", "87"], "Q"),
    **dict.fromkeys(["90", "91"], "R"),
    **dict.fromkeys(["94", "95", "96"], "S"),
    **dict.fromkeys(["97", "98"], "T"),
    "99": "U",
}

# HS chapters 01-97; chapter 77 is reserved for future use and names no goods.
HS_CHAPTERS: tuple[str, ...] = tuple(f"{n:02d}" for n in range(1, 98) if n != 77)


def validate_ksic_division(value: str) -> None:
    if value not in KSIC_DIVISION_SECTIONS:
        raise ValidationError(
            _(
                "Enter the KSIC division as its 2 digits, for example 10 (food "
                "products) or 62 (computer programming)."
            ),
            code="invalid",
        )
