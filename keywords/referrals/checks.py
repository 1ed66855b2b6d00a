"""The checks a referral must pass before a bot keys it, as plain functions.

``problems(referral)`` lists every problem, in field order, as ``ReferralBusinessError``
(code, field, message). Messages say what is wrong and what a person can do about it, and
never quote the value itself (it is a child's personal data, and messages reach logs).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping

from .errors import ReferralBusinessError
from .normalise import LONDON
from .schema import GENDERS, REQUIRED_FIELDS

# Royal Mail's postcode shapes and the letters allowed in each position, on the normalised
# form (upper case, one space before the inward code). The format only: not whether it exists.
POSTCODE_RE = re.compile(
    r"^(?:GIR 0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPS-UW]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?) [0-9][ABD-HJLNP-UW-Z]{2})$"
)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# What to ask for, per field, when it is missing.
_WHAT = {
    "reference": "the referral's reference",
    "referral_date": "the date the referral was made",
    "child_forename": "the child's forename",
    "child_surname": "the child's surname",
    "date_of_birth": "the child's date of birth",
    "gender": "the child's gender (Female, Male or Not known)",
    "nhs_number": "the child's NHS number",
    "address_line1": "the first line of the child's address",
    "town": "the child's town",
    "postcode": "the child's postcode",
    "referrer_name": "their name",
    "referrer_role": "their role",
    "referrer_organisation": "their organisation",
    "referrer_phone": "a telephone number for them",
    "referrer_email": "their e-mail address",
    "concern_category": "the main concern",
    "concern_details": "what has happened and what help is needed",
    "consent": "whether the parent or carer agrees to the referral",
}


def nhs_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit of nine digits; ``None`` when no valid number starts with them.

    Weights 10 down to 2; check = 11 - (sum mod 11); 11 means 0, 10 means never issued."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    return 0 if check == 11 else None if check == 10 else check


def nhs_number_is_valid(value: str) -> bool:
    """Ten digits (spaces and hyphens allowed) whose last is the Modulus 11 check digit."""
    digits = re.sub(r"[\s-]", "", str(value or ""))
    if len(digits) != 10 or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def postcode_is_valid(value: str) -> bool:
    """True when ``value`` is a normalised UK postcode (``SW1A 1AA``)."""
    return bool(POSTCODE_RE.match(str(value or "")))


def today_in_london() -> date:
    return datetime.now(LONDON).date()


def problems(referral: Mapping[str, Any], today: date | None = None,
             oldest_age: int = 25) -> list[ReferralBusinessError]:
    """Every problem with a normalised referral, in field order; empty when it may be keyed."""
    today = today or today_in_london()
    found: list[ReferralBusinessError] = []

    def add(code: str, field: str, problem: str) -> None:
        found.append(ReferralBusinessError(code, f"{field}: {problem}", field, reference=referral.get("reference")))

    for field in REQUIRED_FIELDS:
        value = referral.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field == "consent":
                add("CONSENT_NOT_RECORDED", field, "not recorded — ask the referrer whether the parent or carer "
                    "agrees to the referral, then key it by hand")
            else:
                add(f"MISSING_{field.upper()}", field,
                    f"missing — ask the referrer for {_WHAT[field]}, then key the referral by hand")
            continue
        check = _CHECKS.get(field)
        if check:
            check(referral, value, today, oldest_age, add)
    return found


def _referral_date(referral, value, today, oldest_age, add) -> None:
    if not _real_date(value):
        add("INVALID_REFERRAL_DATE", "referral_date", "not a real date — check the date on the attached form")


def _date_of_birth(referral, value, today, oldest_age, add) -> None:
    born = _real_date(value)
    if born is None:
        add("INVALID_DATE_OF_BIRTH", "date_of_birth",
            "not a real date — check the child's date of birth on the attached form with the referrer")
        return
    referred = _real_date(referral.get("referral_date")) or today
    if born > min(today, referred):
        add("FUTURE_DATE_OF_BIRTH", "date_of_birth",
            "in the future (after the referral date) — check the child's date of birth with the referrer")
        return
    if _age(born, referred) >= oldest_age:
        add("DATE_OF_BIRTH_TOO_OLD", "date_of_birth",
            f"the child would be {oldest_age} or older — check the date of birth with the referrer; "
            "adults are referred to adult services")


def _gender(referral, value, today, oldest_age, add) -> None:
    if value not in GENDERS:
        add("INVALID_GENDER", "gender",
            "not one of Female, Male, Not known — check the form and agree the right one with the referrer")


def _nhs_number(referral, value, today, oldest_age, add) -> None:
    digits = str(value)
    if len(digits) != 10 or not digits.isdigit():
        add("INVALID_NHS_NUMBER", "nhs_number",
            "not 10 digits — ask the referrer for the child's NHS number (10 digits, as on NHS letters)")
    elif not nhs_number_is_valid(digits):
        add("INVALID_NHS_NUMBER", "nhs_number",
            "fails the Modulus 11 check digit, so it was probably mistyped — check the NHS number on the "
            "attached form with the referrer")


def _postcode(referral, value, today, oldest_age, add) -> None:
    if not postcode_is_valid(value):
        add("INVALID_POSTCODE", "postcode",
            "not in a UK postcode format (like SW1A 1AA) — check the child's address with the referrer")


def _referrer_email(referral, value, today, oldest_age, add) -> None:
    if not _EMAIL_RE.match(str(value)):
        add("INVALID_REFERRER_EMAIL", "referrer_email",
            "not an e-mail address — check the referrer's e-mail address on the attached form")


def _consent(referral, value, today, oldest_age, add) -> None:
    if value is not True:
        add("NO_CONSENT", "consent",
            "not given — a referral needs the agreement of the parent or carer (or the young person): "
            "contact the referrer before anything is keyed")


_CHECKS = {
    "referral_date": _referral_date, "date_of_birth": _date_of_birth, "gender": _gender,
    "nhs_number": _nhs_number, "postcode": _postcode, "referrer_email": _referrer_email, "consent": _consent,
}


def _real_date(value: Any) -> date | None:
    if not isinstance(value, str) or not _ISO_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
