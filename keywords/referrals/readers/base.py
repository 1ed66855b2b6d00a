"""What every reader shares: the source tag, text decoding, and column headings by meaning.

A reader is a function ``read(data: bytes, name: str) -> list[dict]`` returning normalised
referrals (``schema``), or raising ``ReferralFileUnreadable`` when the file cannot be read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .. import normalise
from ..errors import ReferralFileUnreadable
from ..schema import FIELDS, OPTIONAL_FIELDS

# How each field's raw value is normalised; text for the rest.
NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "referral_date": normalise.iso_date, "date_of_birth": normalise.iso_date, "gender": normalise.gender,
    "nhs_number": normalise.nhs_number, "postcode": normalise.postcode, "consent": normalise.consent,
    "referrer_role": normalise.choice, "concern_category": normalise.choice,
}

# Column headings, lower case with everything but letters and digits (and any bracketed
# note such as "(Y/N)") removed, for the sheets and exports the front door receives.
HEADINGS: dict[str, tuple[str, ...]] = {
    "reference": ("referralref", "ref", "reference", "referralreference", "formreference"),
    "referral_date": ("datereceived", "received", "referraldate", "dateofreferral"),
    "child_forename": ("childforename", "childfirstname", "forename", "firstname"),
    "child_surname": ("childsurname", "childlastname", "surname", "lastname"),
    "date_of_birth": ("dateofbirth", "dob", "childdob", "childdateofbirth"),
    "gender": ("gender", "sex", "childgender"),
    "nhs_number": ("nhsnumber", "nhsno"),
    "address_line1": ("addressline1", "address1", "address"),
    "town": ("town", "towncity", "townorcity"),
    "postcode": ("postcode",),
    "school": ("school", "schoolorsetting"),
    "referrer_name": ("referrername", "referrer"),
    "referrer_role": ("referrerrole", "role"),
    "referrer_organisation": ("referrerorganisation", "agency", "organisation"),
    "referrer_phone": ("referrerphone", "tel", "telephone", "phone"),
    "referrer_email": ("referreremail", "email"),
    "concern_category": ("concerncategory", "category"),
    "concern_details": ("concerndetails", "concerns", "details"),
    "consent": ("consenttoshare", "consent"),
}
_BY_HEADING = {heading: field for field, headings in HEADINGS.items() for heading in headings}


def source(name: str, fmt: str, row: int | None = None) -> dict[str, Any]:
    return {"file": name, "format": fmt, "row": row}


def referral(raw: dict[str, Any], src: dict[str, Any]) -> dict[str, Any]:
    """A normalised referral from ``raw`` values keyed by schema field (absent ones are empty)."""
    values: dict[str, Any] = {}
    for field in FIELDS:
        values[field] = NORMALISERS.get(field, normalise.text)(raw.get(field))
    values["source"] = src
    return values


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark is allowed). Anything else is refused, not guessed: see the
    library's manual (Wrong text encoding) for why there is no Windows-1252 fallback."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReferralFileUnreadable(
            "WRONG_ENCODING",
            f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line} is not UTF-8; it was "
            "probably saved as Windows-1252/ANSI) — ask the sender to export it again as UTF-8 "
            "(\"CSV UTF-8\" in Excel) and put the new file in the inbox; this item keeps the original",
            file=name,
        ) from None


def heading_key(heading: Any) -> str:
    text = re.sub(r"\(.*?\)", "", str(heading or ""))
    return re.sub(r"[^a-z0-9]", "", text.lower())


def map_columns(headings: Sequence[Any], name: str) -> dict[int, str]:
    """Column position -> schema field for a header row; refuses a sheet missing a needed column."""
    columns: dict[int, str] = {}
    for position, heading in enumerate(headings):
        field = _BY_HEADING.get(heading_key(heading))
        if field and field not in columns.values():
            columns[position] = field
    missing = [f for f in FIELDS if f not in columns.values() and f not in OPTIONAL_FIELDS]
    if missing:
        raise ReferralFileUnreadable(
            "UNRECOGNISED_COLUMNS",
            f"{name} has no column for {', '.join(missing)} — it is not the referral layout nightshift "
            "knows; check it is the right file, or ask for the agreed template",
            file=name,
        )
    return columns


def rows_to_referrals(rows: Iterable[tuple[int, Sequence[Any]]], columns: dict[int, str], name: str,
                      fmt: str) -> list[dict[str, Any]]:
    """One referral per non-empty ``(row number, cells)``."""
    found = []
    for number, cells in rows:
        if all(normalise.text(cell) == "" for cell in cells):
            continue
        raw = {field: cells[pos] if pos < len(cells) else None for pos, field in columns.items()}
        found.append(referral(raw, source(name, fmt, number)))
    return found


def no_referrals(name: str) -> ReferralFileUnreadable:
    return ReferralFileUnreadable(
        "NO_REFERRALS", f"{name} holds no referrals — check whether the sender meant to send another file",
        file=name,
    )
