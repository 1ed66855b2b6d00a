"""The filled RS1 referral form: a PDF with AcroForm fields (text, radio, combo, checkbox)."""

from __future__ import annotations

import io
import logging
from typing import Any

from ..errors import ReferralFileUnreadable
from .base import referral, source

# AcroForm field -> schema field
FORM_FIELDS = {
    "FormReference": "reference", "ReferralDate": "referral_date", "ChildForename": "child_forename",
    "ChildSurname": "child_surname", "ChildDOB": "date_of_birth", "ChildGender": "gender",
    "NHSNumber": "nhs_number", "AddressLine1": "address_line1", "Town": "town", "Postcode": "postcode",
    "School": "school", "ReferrerName": "referrer_name", "ReferrerRole": "referrer_role",
    "ReferrerOrganisation": "referrer_organisation", "ReferrerPhone": "referrer_phone",
    "ReferrerEmail": "referrer_email", "ConcernCategory": "concern_category",
    "ConcernDetails": "concern_details", "Consent": "consent",
}


def read_form(data: bytes, name: str) -> dict[str, Any]:
    """The form's values by schema field (raw); raises ``ReferralFileUnreadable``."""
    from pypdf import PdfReader

    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # its repair notes are noise in a robot's log
    try:
        fields = PdfReader(io.BytesIO(data), strict=False).get_fields() or {}
    except Exception:  # noqa: BLE001 - pypdf raises many kinds on damaged files
        raise ReferralFileUnreadable(
            "UNREADABLE_PDF",
            f"{name}: the PDF is damaged or cut short and cannot be read — ask the referrer to send the "
            "form again; this item keeps the file",
            file=name,
        ) from None
    finally:
        pypdf_log.setLevel(level)
    known = {key: fields[key].get("/V") for key in FORM_FIELDS if key in fields}
    if len(known) < len(FORM_FIELDS) // 2:
        raise ReferralFileUnreadable(
            "NO_REFERRAL_FORM",
            f"{name}: the PDF is not a filled referral form (form RS1) — a scanned or printed form cannot be "
            "read by the bot: key it by hand, or ask the referrer to use the fillable form",
            file=name,
        )
    return {FORM_FIELDS[key]: value for key, value in known.items()}


def read(data: bytes, name: str) -> list[dict[str, Any]]:
    return [referral(read_form(data, name), source(name, "pdf"))]
