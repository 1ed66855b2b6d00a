"""The normalised referral: one work item's payload, whatever file the referral came in.

Every reader maps its source onto these keys, and the consumer step keys exactly these
into the case management system. Values are normalised:

=========================  ===========================================================
key                        value
=========================  ===========================================================
``reference``              the referral's own reference, from the source (``PDF-2026-00017``)
``referral_date``          ISO date (``2026-11-26``) the referral was made or received
``child_forename``         text
``child_surname``          text
``date_of_birth``          ISO date, or ``None`` when the source leaves it out
``gender``                 ``Female``, ``Male`` or ``Not known``
``nhs_number``             ten digits, no spaces (``9991234567``)
``address_line1``          text
``town``                   text
``postcode``               upper case, one space before the inward code (``SW1A 1AA``)
``school``                 text, ``""`` when the child has none (under school age)
``referrer_name``          text
``referrer_role``          text
``referrer_organisation``  text
``referrer_phone``         text as written (``01632 960100``)
``referrer_email``         text
``concern_category``       text
``concern_details``        text, line breaks kept
``consent``                ``True`` / ``False``; ``None`` when the source does not say
``source``                 ``{"file": name, "format": "pdf|xlsx|eml|json|csv", "row": n|None}``
=========================  ===========================================================

A text field the source leaves empty is ``""``. A value that cannot be normalised (a date
that is not a date, a gender the case system does not know) is kept as written, so that
validation can say what is wrong with it; such a referral never passes validation.

``source.row`` is the sheet or CSV row (the header being row 1), or the submission's
position (from 1) in a JSON export; ``None`` for files holding one referral (PDF, e-mail).

Work-item payloads made by ``Prepare Referral Work Items`` carry one more key,
``validation``: ``None`` when the referral passed, else ``{"code", "field", "message"}``
(see ``Validation``). A file that could not be read at all gives one payload whose
referral fields are all empty (``""``/``None``) apart from ``reference`` and ``source``.
"""

from __future__ import annotations

from typing import Any, TypedDict

SCHEMA_VERSION = 1

FIELDS: tuple[str, ...] = (
    "reference", "referral_date", "child_forename", "child_surname", "date_of_birth", "gender", "nhs_number",
    "address_line1", "town", "postcode", "school", "referrer_name", "referrer_role", "referrer_organisation",
    "referrer_phone", "referrer_email", "concern_category", "concern_details", "consent",
)
DATE_FIELDS = ("referral_date", "date_of_birth")
# Every field on the RS1 form is marked required except the school.
OPTIONAL_FIELDS = frozenset({"school"})
REQUIRED_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if f not in OPTIONAL_FIELDS)
GENDERS = ("Female", "Male", "Not known")
FORMATS = ("pdf", "xlsx", "eml", "json", "csv")


class Source(TypedDict):
    file: str
    format: str
    row: int | None


class Validation(TypedDict):
    """Why a referral cannot be keyed: a stable ``code`` (``INVALID_NHS_NUMBER``), the
    ``field`` at fault (``None`` when the whole file is), and a ``message`` for the supervisor
    that never quotes a personal value."""

    code: str
    field: str | None
    message: str


class Referral(TypedDict):
    reference: str
    referral_date: str | None
    child_forename: str
    child_surname: str
    date_of_birth: str | None
    gender: str
    nhs_number: str
    address_line1: str
    town: str
    postcode: str
    school: str
    referrer_name: str
    referrer_role: str
    referrer_organisation: str
    referrer_phone: str
    referrer_email: str
    concern_category: str
    concern_details: str
    consent: bool | None
    source: Source


def empty_referral(source: Source, reference: str = "") -> dict[str, Any]:
    """A referral with every field empty: the shape of a payload for a file nobody could read."""
    values: dict[str, Any] = {name: "" for name in FIELDS}
    values.update(reference=reference, referral_date=None, date_of_birth=None, consent=None)
    values["source"] = dict(source)
    return values
