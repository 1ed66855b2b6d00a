"""The ground truth of a generated set: ``manifest.json``, and ``load_manifest`` to read it back.

Tests and benchmarks score a bot's night against it. Its top-level keys:

``schema_version``   1
``seed``, ``reference_date``, ``parameters``   what was asked for (``parameters``: referrals,
                     defect_rate, invoices, bookings)
``counts``           totals per format, defect, expectation and class (see ``count``)
``files``            every file written except the manifest itself: ``file`` (relative to the
                     set's folder), ``kind`` (referral, invoice, world), ``format``, ``sha256``,
                     ``bytes``, ``references`` (the referral references or invoice numbers inside)
``referrals``        one entry per referral per file it arrives in::

    {"file": "inbox/referrals/referrals-batch-02.xlsx", "format": "xlsx", "row": 5, "index": null,
     "reference": "XLS-2026-00133", "expect": "business-failure", "defect": "invalid_nhs_number",
     "field": "nhs_number", "problem": "the NHS number 9994417302 fails the Modulus 11 check",
     "known_child": false, "duplicate_of": null,
     "expected": {"reference": "XLS-2026-00133", "child_forename": "Amelia", "date_of_birth": "2014-03-09",
                  "nhs_number": "9994417302", "consent": true, ...}}

    ``expect`` is ``create`` (a new child), ``link-existing-child`` (the child is in the case
    system: same surname and date of birth), ``business-failure`` (a defect: ``field`` names the
    field, or is null when the whole file is unreadable) or ``duplicate`` (``duplicate_of`` names
    the file of the first copy; a correct bot makes one work item per reference, whichever copy
    it reads first). ``row`` is the sheet or CSV row (the header is row 1), ``index`` the position
    in a JSON export's ``submissions``. A bot cannot read the reference out of an unreadable
    file (``corrupt_pdf``, ``wrong_encoding``): score those by ``file``. A single-referral file's
    name holds its reference, and an e-mail's subject does too.
``bookings``         one entry per appointment: ``class`` (matched, booked-not-recorded,
                     recorded-not-booked, time-mismatch, cancelled-still-in-diary), ``expect``
                     (none, key-into-diary, business-failure), ``nhs_number``, ``booking_ref``,
                     ``booking`` and ``diary`` (the records in world.json, or null), ``minutes_apart``
``invoices``         one entry per invoice file: ``file``, ``supplier_id``, ``supplier_name``,
                     ``invoice_number``, ``invoice_date``, ``po_number``, ``cost_centre``, ``net``,
                     ``vat``, ``total`` (decimal strings), ``expect`` (approve-route, business-failure,
                     duplicate), ``defect`` (null, wrong_po, wrong_amount, duplicate_number),
                     ``mismatch`` (what differs, with a ``problem`` sentence), ``duplicate_of``
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class FileEntry:
    file: str
    kind: str
    format: str
    sha256: str
    bytes: int
    references: list[str] = field(default_factory=list)


@dataclass
class ReferralEntry:
    file: str
    format: str
    reference: str
    expect: str
    defect: str | None
    field: str | None
    problem: str | None
    known_child: bool
    expected: dict[str, Any]
    row: int | None = None
    index: int | None = None
    duplicate_of: str | None = None


@dataclass
class BookingEntry:
    klass: str  # "class" in JSON
    expect: str
    nhs_number: str
    booking_ref: str | None
    booking: dict[str, Any] | None
    diary: dict[str, Any] | None
    minutes_apart: int | None


@dataclass
class InvoiceEntry:
    file: str
    supplier_id: str
    supplier_name: str
    invoice_number: str
    invoice_date: str
    po_number: str
    cost_centre: str
    net: str
    vat: str
    total: str
    expect: str
    defect: str | None
    mismatch: dict[str, str] | None
    duplicate_of: str | None = None


@dataclass
class Manifest:
    """A generated set's ground truth (see the module docstring for the JSON)."""

    seed: int
    reference_date: str
    parameters: dict[str, Any]
    files: list[FileEntry]
    referrals: list[ReferralEntry]
    bookings: list[BookingEntry]
    invoices: list[InvoiceEntry]
    counts: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = count(self)

    def to_dict(self) -> dict[str, Any]:
        data = {"schema_version": self.schema_version, "seed": self.seed, "reference_date": self.reference_date,
                "parameters": self.parameters, "counts": self.counts,
                "files": [asdict(f) for f in self.files], "referrals": [asdict(r) for r in self.referrals],
                "bookings": [_booking_json(b) for b in self.bookings],
                "invoices": [asdict(i) for i in self.invoices]}
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def referrals_by_reference(self) -> dict[str, list[ReferralEntry]]:
        """Every copy of each referral, by reference (more than one for a duplicate)."""
        grouped: dict[str, list[ReferralEntry]] = {}
        for entry in self.referrals:
            grouped.setdefault(entry.reference, []).append(entry)
        return grouped


def count(manifest: Manifest) -> dict[str, Any]:
    """The ``counts`` section: totals that a reader can check against the lists."""
    refs = manifest.referrals
    return {
        "files": {"total": len(manifest.files), "by_kind": _tally(f.kind for f in manifest.files),
                  "by_format": _tally(f.format for f in manifest.files)},
        "referrals": {"total": len(refs), "distinct_references": len({r.reference for r in refs}),
                      "by_format": _tally(r.format for r in refs),
                      "by_defect": _tally(r.defect or "none" for r in refs),
                      "by_expect": _tally(r.expect for r in refs)},
        "bookings": {"total": len(manifest.bookings),
                     "booking_rows": sum(1 for b in manifest.bookings if b.booking),
                     "diary_entries": sum(1 for b in manifest.bookings if b.diary),
                     "by_class": _tally(b.klass for b in manifest.bookings)},
        "invoices": {"total": len(manifest.invoices),
                     "by_defect": _tally(i.defect or "none" for i in manifest.invoices),
                     "by_expect": _tally(i.expect for i in manifest.invoices)},
    }


def load_manifest(path: Path) -> Manifest:
    """Read ``manifest.json`` (``ValueError`` if it is not a manifest this version can read)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path} is not a nightshift manifest of schema version {SCHEMA_VERSION}")
    bookings = []
    for raw in data["bookings"]:
        raw = dict(raw)
        raw["klass"] = raw.pop("class")
        bookings.append(BookingEntry(**raw))
    return Manifest(
        seed=data["seed"], reference_date=data["reference_date"], parameters=data["parameters"],
        files=[FileEntry(**f) for f in data["files"]], referrals=[ReferralEntry(**r) for r in data["referrals"]],
        bookings=bookings, invoices=[InvoiceEntry(**i) for i in data["invoices"]], counts=data["counts"],
        schema_version=data["schema_version"],
    )


def _booking_json(entry: BookingEntry) -> dict[str, Any]:
    data = {"class" if f.name == "klass" else f.name: getattr(entry, f.name) for f in fields(entry)}
    return data


def _tally(values: Any) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
