"""Values as channels deliver them, turned into the schema's normal form (``schema``).

Each function takes what a reader found (a string, a number cell, a date cell, ``None``)
and returns the normalised value. What cannot be normalised is returned as written
(stripped), so that validation can name the problem; nothing here raises.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
_POSTCODE_SHAPE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")
_SPACES = re.compile(r"[ \t\u00a0]+")
_GENDERS = {
    "female": "Female", "f": "Female", "girl": "Female",
    "male": "Male", "m": "Male", "boy": "Male",
    "not known": "Not known", "notknown": "Not known", "unknown": "Not known", "u": "Not known",
    "not-known": "Not known",
    "off": "",  # a PDF radio group with nothing chosen
}
_YES = {"y", "yes", "true", "1", "on", "ticked", "x", "agreed", "given"}
_NO = {"n", "no", "false", "0", "off", "not given", "refused"}


def text(value: Any) -> str:
    """Strip a value, collapse runs of spaces, keep line breaks; ``None`` becomes ``""``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in lines).strip()


def pdf_name(value: Any) -> str:
    """A PDF name object (``/NotKnown``) or text, without its slash."""
    return text(value).lstrip("/")


def iso_date(value: Any) -> str | None:
    """A date cell, ``dd/mm/yyyy`` (optionally with a time) or ISO text, as ``yyyy-mm-dd``.

    ``None`` for an empty value; text that is not a real date is returned as written."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raw = text(value)
    if not raw:
        return None
    for pattern, order in ((_DMY, (3, 2, 1)), (_ISO, (1, 2, 3))):
        match = pattern.match(raw)
        if match:
            try:
                return date(*(int(match.group(i)) for i in order)).isoformat()
            except ValueError:
                return raw  # 31/02/2015: not a real date; validation says so
    return raw


def london_date(timestamp: Any) -> str | None:
    """The Europe/London date of an ISO timestamp (``2026-11-26T21:30:00Z``); else as ``iso_date``."""
    raw = text(timestamp)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return iso_date(timestamp)
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone(LONDON).date().isoformat()


def gender(value: Any) -> str:
    """``Female``, ``Male`` or ``Not known`` from the many ways forms say it; unknown words as written."""
    raw = pdf_name(value)
    return _GENDERS.get(raw.casefold(), _GENDERS.get(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", raw).casefold(), raw))


def nhs_number(value: Any) -> str:
    """Digits only: ``999 123 4567`` and ``999-123-4567`` become ``9991234567``.

    A number cell keeps its leading zeros (spreadsheets drop them)."""
    if isinstance(value, bool):
        return text(value)
    if isinstance(value, (int, float)) and float(value).is_integer():
        return str(int(value)).zfill(10)
    raw = text(value)
    compact = re.sub(r"[\s-]", "", raw)
    return compact if compact.isdigit() else raw


def postcode(value: Any) -> str:
    """Upper case with one space before the last three characters (``sw1a1aa`` -> ``SW1A 1AA``).

    Only when that makes a postcode: a malformed one is kept as written (upper case), since
    moving its space would change what the referrer typed."""
    written = " ".join(text(value).split()).upper()
    compact = written.replace(" ", "")
    spaced = f"{compact[:-3]} {compact[-3:]}" if len(compact) >= 5 else compact
    return spaced if _POSTCODE_SHAPE.match(spaced) else written


def consent(value: Any) -> bool | None:
    """``True`` for a ticked box, ``Y``, ``Yes``, ``true``; ``False`` for ``/Off``, ``N``, ``No``;
    ``None`` when the source says nothing or something else."""
    if isinstance(value, bool):
        return value
    raw = pdf_name(value).casefold()
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    return None


def choice(value: Any, placeholder: str = "Please select") -> str:
    """A drop-down's value; the blank form's placeholder counts as empty."""
    raw = text(value)
    return "" if raw.casefold() == placeholder.casefold() else raw
