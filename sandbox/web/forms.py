"""Reading what people type into legacy forms: dd/mm/yyyy dates, hh:mm times, NHS numbers, postcodes.

Each parser returns the value or raises ``ValueError`` with a message fit for the red
error box at the top of the page.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")


def text(form: Any, name: str, limit: int = 200) -> str:
    """A form field as stripped text ('' if absent), cut to ``limit`` characters."""
    value = form.get(name)
    return str(value).strip()[:limit] if value is not None else ""


def uk_date(raw: str, label: str) -> date:
    """``dd/mm/yyyy`` (``d/m/yyyy`` too) as a date."""
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw.strip())
    if not match:
        raise ValueError(f"{label} must be a date in the format dd/mm/yyyy")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{label} is not a real date") from None


def past_date(raw: str, label: str) -> date:
    value = uk_date(raw, label)
    if value > date.today():
        raise ValueError(f"{label} cannot be in the future")
    if value.year < 1900:
        raise ValueError(f"{label} is too far in the past")
    return value


def hh_mm(raw: str, label: str) -> time:
    """``hh:mm`` (24-hour) as a time."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f"{label} must be a time in the format hh:mm (24-hour clock)")
    return time(int(match.group(1)), int(match.group(2)))


def nhs_number(raw: str, label: str = "NHS number") -> str:
    """Ten digits (spaces allowed) with a valid Modulus 11 check digit; returned as 10 digits."""
    digits = re.sub(r"[\s-]", "", raw)
    if not re.fullmatch(r"\d{10}", digits):
        raise ValueError(f"{label} must be 10 digits")
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        raise ValueError(f"{label} is not valid (check digit)")
    return digits


def format_nhs(digits: str) -> str:
    """``9434765919`` as ``943 476 5919``."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


def postcode(raw: str, label: str = "Postcode") -> str:
    """A UK postcode in its usual form (upper case, one space before the last three characters)."""
    compact = re.sub(r"\s+", "", raw).upper()
    if len(compact) < 5 or not POSTCODE.match(compact):
        raise ValueError(f"{label} is not a valid UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def local_iso(raw: str) -> str:
    """An ISO date-time (naive = Europe/London local) as ``YYYY-MM-DDTHH:MM`` in Europe/London."""
    from zoneinfo import ZoneInfo

    value = datetime.fromisoformat(raw)
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M")
