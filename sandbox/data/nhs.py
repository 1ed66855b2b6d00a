"""NHS numbers: ten digits, the last a Modulus 11 check digit.

The check digit of ``d1 … d9`` is ``11 - (sum(d_i * (11 - i)) mod 11)``; a result of 11
becomes 0, and a result of 10 means no number with those first nine digits is ever issued.
The numbers made here all start with ``999``, the range NHS England keeps for test data,
so no generated number can belong to a real patient.
"""

from __future__ import annotations

import random
import re

TEST_PREFIX = "999"
_NON_DIGITS = re.compile(r"[\s-]")


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or ``None`` when no valid number starts with them."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError(f"need nine digits, got {first_nine!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def normalise_nhs_number(value: str) -> str:
    """Drop the spaces and hyphens people type (``999 123 4567``, ``999-123-4567``)."""
    return _NON_DIGITS.sub("", value or "")


def nhs_number_is_valid(value: str) -> bool:
    """True when ``value`` (spaces and hyphens allowed) is ten digits with a correct check digit."""
    digits = normalise_nhs_number(value)
    if len(digits) != 10 or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def make_nhs_number(rng: random.Random) -> str:
    """A valid NHS number in the ``999`` test range (ten digits, no spaces)."""
    while True:
        first_nine = TEST_PREFIX + "".join(str(rng.randrange(10)) for _ in range(6))
        check = nhs_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"


def make_invalid_nhs_number(rng: random.Random) -> str:
    """Ten digits in the test range whose last digit is not the check digit (a mistyped number)."""
    first_nine = make_nhs_number(rng)[:9]
    check = nhs_check_digit(first_nine)
    wrong = rng.choice([d for d in range(10) if d != check])
    return f"{first_nine}{wrong}"


def format_nhs_number(digits: str) -> str:
    """The ``3 3 4`` grouping NHS letters and forms print: ``999 123 4567``."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
