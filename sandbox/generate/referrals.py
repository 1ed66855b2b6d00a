"""Which referrals arrive tonight: their values, their channel (format) and their defects.

``plan_referrals`` decides everything about the referrals before any file is written; the
writers in ``referral_files`` only render the plan. Each ``Referral`` carries the values a
correct bot ends up with after normalising its source (``REFERRAL_FIELDS``), which is what the
manifest calls ``expected``.

Defects (``DEFECTS``), one at most per referral, each labelled in the manifest:

======================  ==========================================================  ===============
defect                  what is wrong                                               field
======================  ==========================================================  ===============
``missing_dob``         the date of birth is left empty                             date_of_birth
``future_dob``          the date of birth is after the reference date               date_of_birth
``invalid_nhs_number``  ten digits whose last is not the Modulus 11 check digit     nhs_number
``invalid_postcode``    the postcode is not in a UK postcode format                 postcode
``no_consent``          consent is not given (box unticked, "N", false)             consent
``corrupt_pdf``         the PDF (or the e-mail's attached PDF) is truncated         (the file)
``wrong_encoding``      a CSV written in Windows-1252, with a non-ASCII name        (the file)
``duplicate``           the same referral, same reference, sent again               reference
======================  ==========================================================  ===============
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from faker import Faker

from sandbox.data import (
    Child,
    School,
    make_child,
    make_invalid_nhs_number,
    make_invalid_postcode,
    make_referrer,
)
from sandbox.data.concerns import choose_concern
from sandbox.data.people import BOYS_ACCENTED, GIRLS_ACCENTED

FORMATS = ("pdf", "eml", "xlsx", "json", "csv")
FORMAT_SHARES = {"pdf": 0.3, "eml": 0.2, "xlsx": 0.2, "json": 0.2, "csv": 0.1}
PREFIXES = {"pdf": "PDF", "eml": "EML", "xlsx": "XLS", "json": "WEB", "csv": "CSV"}
DEFECTS = ("missing_dob", "future_dob", "invalid_nhs_number", "invalid_postcode", "no_consent", "corrupt_pdf",
           "wrong_encoding", "duplicate")
DEFECT_FIELDS: dict[str, str | None] = {
    "missing_dob": "date_of_birth", "future_dob": "date_of_birth", "invalid_nhs_number": "nhs_number",
    "invalid_postcode": "postcode", "no_consent": "consent", "corrupt_pdf": None, "wrong_encoding": None,
    "duplicate": "reference",
}
# The normalised schema a producer bot maps every source onto (the manifest's ``expected``).
REFERRAL_FIELDS = (
    "reference", "referral_date", "child_forename", "child_surname", "date_of_birth", "gender", "nhs_number",
    "address_line1", "town", "postcode", "school", "referrer_name", "referrer_role", "referrer_organisation",
    "referrer_phone", "referrer_email", "concern_category", "concern_details", "consent",
)
KNOWN_CHILD_SHARE = 0.3


@dataclass
class Referral:
    """One referral as it arrives in one file (a duplicate is a second ``Referral``).

    ``values`` are the normalised values (``REFERRAL_FIELDS``; dates ISO, ``consent`` a bool,
    ``nhs_number`` digits only). ``file``, ``row`` (xlsx/csv, the header being row 1) and
    ``index`` (json, 0-based in ``submissions``) are set when the file is written.
    """

    reference: str
    format: str
    values: dict[str, Any]
    defect: str | None = None
    problem: str | None = None
    known_child: bool = False
    duplicate_of: Referral | None = None
    file: str = ""
    row: int | None = None
    index: int | None = None

    @property
    def field(self) -> str | None:
        return DEFECT_FIELDS.get(self.defect) if self.defect else None

    @property
    def expect(self) -> str:
        """What a correct bot does: ``create``, ``link-existing-child``, ``business-failure`` or ``duplicate``."""
        if self.defect == "duplicate":
            return "duplicate"
        if self.defect:
            return "business-failure"
        return "link-existing-child" if self.known_child else "create"


class ChildRegistry:
    """Keeps every child distinct by NHS number and by (surname, date of birth), the case system's search key."""

    def __init__(self) -> None:
        self.keys: set[tuple[str, date]] = set()
        self.nhs_numbers: set[str] = set()

    def add(self, child: Child) -> bool:
        key = (child.surname.casefold(), child.dob)
        if key in self.keys or child.nhs_number in self.nhs_numbers:
            return False
        self.keys.add(key)
        self.nhs_numbers.add(child.nhs_number)
        return True

    def new_child(self, rng: random.Random, fake: Faker, reference_date: date, schools: list[School],
                  ages: tuple[int, int] = (0, 17)) -> Child:
        while True:
            child = make_child(rng, fake, reference_date, schools, ages)
            if self.add(child):
                return child


def plan_referrals(
    rng: random.Random,
    fake: Faker,
    *,
    count: int,
    defect_rate: float,
    reference_date: date,
    schools: list[School],
    known_children: list[Child],
    registry: ChildRegistry,
) -> list[Referral]:
    """``count`` referrals, ``round(count * defect_rate)`` of them defective, the defect kinds
    spread evenly; about a third of the clean ones are about children in ``known_children``."""
    n_defects = round(count * defect_rate)
    kinds = list(DEFECTS)
    rng.shuffle(kinds)
    defects = dict(zip(rng.sample(range(count), n_defects), (kinds[i % len(kinds)] for i in range(n_defects))))
    n_duplicates = sum(1 for kind in defects.values() if kind == "duplicate")
    formats = _format_quota(rng, count - n_duplicates)
    known = list(known_children)
    rng.shuffle(known)
    counters = {prefix: rng.randint(1, 400) for prefix in PREFIXES.values()}

    originals: list[Referral] = []
    for slot, fmt in zip(sorted(set(range(count)) - {s for s, k in defects.items() if k == "duplicate"}), formats):
        defect = defects.get(slot)
        if defect == "corrupt_pdf":
            fmt = "pdf" if rng.random() < 0.65 else "eml"
        elif defect == "wrong_encoding":
            fmt = "csv"
        if defect != "wrong_encoding" and known and rng.random() < KNOWN_CHILD_SHARE:
            child, known_child = known.pop(), True
        else:
            child, known_child = registry.new_child(rng, fake, reference_date, schools), False
            if defect == "wrong_encoding" and child.forename.isascii():
                pool = GIRLS_ACCENTED if child.gender == "Female" else BOYS_ACCENTED
                child = replace(child, forename=rng.choice(pool))
        prefix = PREFIXES[fmt]
        reference = f"{prefix}-{reference_date.year}-{counters[prefix]:05d}"
        counters[prefix] += 1
        referral = Referral(reference, fmt, _values(rng, fake, child, reference, reference_date),
                            known_child=known_child)
        if defect:
            _apply_defect(rng, referral, defect, child, reference_date)
        originals.append(referral)

    duplicates: list[Referral] = []
    for _ in range(n_duplicates):
        copy = _duplicate(rng, originals, duplicates)
        if copy is not None:
            duplicates.append(copy)
    return originals + duplicates


def _format_quota(rng: random.Random, count: int) -> list[str]:
    """Formats in their shares (largest remainder), shuffled: every format appears once count allows."""
    exact = {fmt: count * share for fmt, share in FORMAT_SHARES.items()}
    quota = {fmt: int(value) for fmt, value in exact.items()}
    for fmt in sorted(exact, key=lambda f: exact[f] - quota[f], reverse=True)[: count - sum(quota.values())]:
        quota[fmt] += 1
    formats = [fmt for fmt in FORMATS for _ in range(quota[fmt])]
    rng.shuffle(formats)
    return formats


def _values(rng: random.Random, fake: Faker, child: Child, reference: str, reference_date: date) -> dict[str, Any]:
    age = (reference_date - child.dob).days // 365
    referrer = make_referrer(rng, fake, child.school, age)
    category, details = choose_concern(rng, age, child.forename, child.gender)
    referral_date = reference_date - timedelta(days=rng.randint(0, 3))
    if referral_date.weekday() >= 5 and rng.random() < 0.8:  # most referrers work weekdays
        referral_date -= timedelta(days=referral_date.weekday() - 4)
    return {
        "reference": reference,
        "referral_date": referral_date.isoformat(),
        "child_forename": child.forename,
        "child_surname": child.surname,
        "date_of_birth": child.dob.isoformat(),
        "gender": child.gender,
        "nhs_number": child.nhs_number,
        "address_line1": child.address.line1,
        "town": child.address.town,
        "postcode": child.address.postcode,
        "school": child.school,
        "referrer_name": referrer.name,
        "referrer_role": referrer.role,
        "referrer_organisation": referrer.organisation,
        "referrer_phone": referrer.phone,
        "referrer_email": referrer.email,
        "concern_category": category,
        "concern_details": details,
        "consent": True,
    }


def _apply_defect(rng: random.Random, referral: Referral, defect: str, child: Child, reference_date: date) -> None:
    values = referral.values
    referral.defect = defect
    if defect == "missing_dob":
        values["date_of_birth"] = None
        referral.problem = "the date of birth is missing"
    elif defect == "future_dob":
        dob = reference_date + timedelta(days=rng.randint(30, 400))
        values["date_of_birth"] = dob.isoformat()
        referral.problem = f"the date of birth {dob:%d/%m/%Y} is in the future"
    elif defect == "invalid_nhs_number":
        values["nhs_number"] = make_invalid_nhs_number(rng)
        referral.problem = f"the NHS number {values['nhs_number']} fails the Modulus 11 check"
    elif defect == "invalid_postcode":
        values["postcode"] = make_invalid_postcode(rng, child.address.postcode)
        referral.problem = f"the postcode {values['postcode']!r} is not a valid UK postcode"
    elif defect == "no_consent":
        values["consent"] = False
        referral.problem = "consent to the referral has not been given"
    elif defect == "corrupt_pdf":
        where = "the attached PDF" if referral.format == "eml" else "the PDF"
        referral.problem = f"{where} is truncated and cannot be read"
    elif defect == "wrong_encoding":
        referral.problem = "the CSV file is not valid UTF-8 (it was written in Windows-1252)"


def _duplicate(rng: random.Random, originals: list[Referral], copies: list[Referral]) -> Referral | None:
    """A second copy of a clean referral not copied yet (any readable one when none is clean)."""
    copied = {id(c.duplicate_of) for c in copies}
    clean = [r for r in originals if r.defect is None and id(r) not in copied]
    candidates = clean or [r for r in originals if r.defect not in ("corrupt_pdf", "wrong_encoding")
                           and id(r) not in copied]
    if not candidates:
        return None
    original = rng.choice(candidates)
    # A PDF form is sent again as a PDF or forwarded by e-mail; other channels resend in their own format.
    fmt = rng.choice(("pdf", "eml")) if original.format == "pdf" else original.format
    copy = Referral(original.reference, fmt, dict(original.values), "duplicate", None, original.known_child,
                    duplicate_of=original)
    copy.problem = f"the same referral ({original.reference}) was already received"
    return copy
