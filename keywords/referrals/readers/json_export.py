"""An online-form export (.json): ``{"export": {...}, "submissions": [...]}`` or a bare list.

Each submission is nested (``child.first_name``, ``home_address.post_code``, …); dates are ISO,
``submitted_at`` a UTC time whose Europe/London date is the referral date. When the export
says how many submissions it holds (``export.count``) and holds fewer, it was cut short.
"""

from __future__ import annotations

import json
from typing import Any

from .. import normalise
from ..errors import ReferralFileUnreadable
from .base import decode_text, no_referrals, referral, source

# schema field -> path in a submission
PATHS = {
    "reference": "submission_id", "referral_date": "submitted_at", "child_forename": "child.first_name",
    "child_surname": "child.last_name", "date_of_birth": "child.date_of_birth", "gender": "child.sex",
    "nhs_number": "child.nhs_no", "address_line1": "home_address.line_1", "town": "home_address.town_or_city",
    "postcode": "home_address.post_code", "school": "school_name", "referrer_name": "referrer.full_name",
    "referrer_role": "referrer.job_title", "referrer_organisation": "referrer.organisation",
    "referrer_phone": "referrer.telephone", "referrer_email": "referrer.email",
    "concern_category": "concern.type", "concern_details": "concern.description", "consent": "consent.given",
}


def read(data: bytes, name: str) -> list[dict[str, Any]]:
    text = decode_text(data, name)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReferralFileUnreadable(
            "UNREADABLE_JSON",
            f"{name}: not valid JSON (line {exc.lineno}: {exc.msg.lower()}) — the export may be cut short; "
            "ask for it to be exported again",
            file=name,
        ) from None
    submissions = document.get("submissions") if isinstance(document, dict) else document
    if not isinstance(submissions, list) or not all(isinstance(s, dict) for s in submissions):
        raise ReferralFileUnreadable(
            "UNRECOGNISED_LAYOUT",
            f"{name}: not an online-form export (no list of submissions) — check it is the right file",
            file=name,
        )
    export = document.get("export") if isinstance(document, dict) else None
    expected = export.get("count") if isinstance(export, dict) else None
    if isinstance(expected, int) and expected != len(submissions):
        raise ReferralFileUnreadable(
            "INCOMPLETE_EXPORT",
            f"{name}: the export says it holds {expected} submissions but holds {len(submissions)} — "
            "ask for it to be exported again",
            file=name,
        )
    if not submissions:
        raise no_referrals(name)
    found = []
    for position, submission in enumerate(submissions, start=1):
        raw = {field: _at(submission, path) for field, path in PATHS.items()}
        raw["referral_date"] = normalise.london_date(raw["referral_date"]) if raw["referral_date"] else None
        found.append(referral(raw, source(name, "json", position)))
    return found


def _at(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
