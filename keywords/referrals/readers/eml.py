"""An e-mail (.eml) carrying one or more filled RS1 forms as PDF attachments."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from typing import Any

from ..errors import ReferralFileUnreadable
from . import pdf
from .base import referral, source


def read(data: bytes, name: str) -> list[dict[str, Any]]:
    message = BytesParser(policy=policy.default).parsebytes(data)
    subject = str(message.get("Subject", ""))
    forms = []
    for part in message.walk():
        filename = part.get_filename() or ""
        if part.get_content_type() == "application/pdf" or filename.lower().endswith(".pdf"):
            forms.append(part.get_payload(decode=True) or b"")
    if not forms:
        raise ReferralFileUnreadable(
            "NO_REFERRAL_FORM",
            f"{name}: the e-mail has no referral form attached — read the e-mail and key the referral by "
            "hand, or ask the sender to attach the form",
            file=name, hint=subject,
        )
    found = []
    for form in forms:
        try:
            values = pdf.read_form(form, name)
        except ReferralFileUnreadable as exc:
            raise ReferralFileUnreadable(
                exc.code, exc.message.replace("the PDF", "the attached PDF", 1), file=name, hint=subject,
            ) from None
        found.append(referral(values, source(name, "eml")))
    return found
