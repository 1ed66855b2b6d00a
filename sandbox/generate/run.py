"""``generate``: one night's inbox, the systems' records and the ground truth, from a seed.

Each part draws from its own random stream (``random.Random(f"{seed}:{part}")`` and a Faker
seeded the same way), so the same seed and parameters give byte-identical files, and changing
the number of invoices does not change the referrals.
"""

from __future__ import annotations

import math
import random
import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.data import make_clinicians, make_faker, make_schools

from .bookings import make_appointments
from .files import OutputFolder
from .invoice_pdf import invoice_pdf
from .invoices import Invoice, plan_invoices
from .manifest import BookingEntry, FileEntry, InvoiceEntry, Manifest, ReferralEntry, load_manifest
from .referral_files import write_referrals
from .referrals import ChildRegistry, Referral, plan_referrals
from .world import SCHEMA_VERSION as WORLD_SCHEMA_VERSION
from .world import world_json

EHS_AGES = (11, 17)
Progress = Callable[[str, int, int], None]
"""Called as ``progress(what, done, total)`` while files are written."""


class OutputNotEmpty(ValueError):
    """The output folder holds files; generating there would mix two sets."""


def generate(
    out_dir: Path,
    *,
    seed: int,
    referrals: int = 200,
    defect_rate: float = 0.1,
    invoices: int = 30,
    bookings: int = 120,
    reference_date: date | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> Manifest:
    """Write a generated set into ``out_dir`` and return its manifest.

    ``referrals``, ``invoices`` and ``bookings`` say how many of each; ``defect_rate`` (0..1) is the
    share of each that is defective (for bookings: a discrepancy between the two systems).
    ``reference_date`` is "tonight" (default: today in London): children's ages, future dates of
    birth, invoice dates and appointments are relative to it. ``out_dir`` must be empty or absent;
    with ``overwrite`` a set generated there before is replaced (only the files its manifest lists
    are removed). ``ValueError`` for bad parameters, ``OutputNotEmpty`` for a folder in use,
    ``OSError`` when the folder cannot be written.
    """
    _check(referrals=referrals, invoices=invoices, bookings=bookings, defect_rate=defect_rate)
    today = reference_date or datetime.now(ZoneInfo("Europe/London")).date()
    out_dir = Path(out_dir)
    _prepare(out_dir, overwrite)

    def rng(part: str) -> random.Random:
        return random.Random(f"{seed}:{part}")

    schools = make_schools(rng("schools"))
    registry = ChildRegistry()
    children_rng, children_fake = rng("children"), make_faker(f"{seed}:children")
    booking_children = max(5, math.ceil(bookings / 3)) if bookings else 0
    # The emotional health service sees young people of 11 to 17; the case system knows children of all ages.
    world_children = [registry.new_child(children_rng, children_fake, today, schools, EHS_AGES)
                      for _ in range(booking_children)]
    world_children += [registry.new_child(children_rng, children_fake, today, schools)
                       for _ in range(math.ceil(referrals * 0.35) + 10)]
    plan = plan_referrals(rng("referrals"), make_faker(f"{seed}:referrals"), count=referrals,
                          defect_rate=defect_rate, reference_date=today, schools=schools,
                          known_children=world_children, registry=registry)
    suppliers, orders, invoice_plan = plan_invoices(rng("invoices"), make_faker(f"{seed}:invoices"),
                                                    count=invoices, defect_rate=defect_rate, reference_date=today)
    appointments = []
    if bookings:
        clinicians = make_clinicians(rng("clinicians"), make_faker(f"{seed}:clinicians"), 8)
        appointments = make_appointments(rng("appointments"), world_children[:booking_children], clinicians,
                                         count=bookings, discrepancy_rate=defect_rate, reference_date=today)

    total = len(plan) + len(invoice_plan) + 1
    done = 0

    def tick(what: str, step: int = 1) -> None:
        nonlocal done
        done += step
        if progress:
            progress(what, done, total)

    out = OutputFolder(out_dir)
    write_referrals(plan, out, rng("referral-files"), today, lambda: tick("referrals"))
    done = len(plan)  # batch files tick once per file; settle on the referral count
    _write_invoices(invoice_plan, out, lambda: tick("invoices"))

    world = {
        "schema_version": WORLD_SCHEMA_VERSION, "seed": seed, "reference_date": today.isoformat(),
        "case_system": {"children": [c.as_world_record() for c in _shuffled(rng("world"), world_children)],
                        "diary": sorted((a.diary for a in appointments if a.diary),
                                        key=lambda d: (d["starts_at"], d["nhs_number"]))},
        "booking_system": {"bookings": sorted((a.booking for a in appointments if a.booking),
                                              key=lambda b: b["booking_ref"])},
        "finance_system": {"suppliers": [s.as_world_record() for s in suppliers], "purchase_orders": orders},
    }
    out.write("world.json", world_json(world), kind="world", format="json", references=[])
    manifest = Manifest(
        seed=seed, reference_date=today.isoformat(),
        parameters={"referrals": referrals, "defect_rate": defect_rate, "invoices": invoices, "bookings": bookings},
        files=[FileEntry(**vars(r)) for r in out.records],
        referrals=sorted((_referral_entry(r) for r in plan), key=lambda e: (e.file, e.row or 0, e.index or 0)),
        bookings=[BookingEntry(**_booking_fields(a.manifest_entry())) for a in appointments],
        invoices=[_invoice_entry(i) for i in invoice_plan],
    )
    manifest.counts["world"] = {"children": len(world["case_system"]["children"]),
                                "diary": len(world["case_system"]["diary"]),
                                "bookings": len(world["booking_system"]["bookings"]),
                                "suppliers": len(suppliers), "purchase_orders": len(orders)}
    (out_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    tick("world")
    return manifest


def _check(*, referrals: int, invoices: int, bookings: int, defect_rate: float) -> None:
    for name, value in (("referrals", referrals), ("invoices", invoices), ("bookings", bookings)):
        if value < 0:
            raise ValueError(f"{name} must be 0 or more, not {value}")
    if not 0.0 <= defect_rate <= 1.0 or math.isnan(defect_rate):
        raise ValueError(f"defect rate must be between 0 and 1, not {defect_rate}")


def _prepare(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputNotEmpty(f"{out_dir} is a file, not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        manifest = out_dir / "manifest.json"
        if not manifest.is_file():
            raise OutputNotEmpty(f"{out_dir} is not empty and holds no generated set; choose an empty folder")
        if not overwrite:
            raise OutputNotEmpty(f"{out_dir} already holds a generated set; choose another folder or overwrite it")
        for entry in load_manifest(manifest).files:
            (out_dir / entry.file).unlink(missing_ok=True)
        manifest.unlink()
        for folder in ("inbox/referrals", "inbox/invoices", "inbox"):
            path = out_dir / folder
            if path.is_dir() and not any(path.iterdir()):
                shutil.rmtree(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    probe = out_dir / ".nightshift-write-test"
    probe.write_bytes(b"")  # fail now, not after half the set is written
    probe.unlink()


def _write_invoices(invoices: list[Invoice], out: OutputFolder, tick: Callable[[], None]) -> None:
    rendered: dict[int, bytes] = {}
    for number, invoice in enumerate(invoices, start=1):
        data = rendered[id(invoice.duplicate_of)] if invoice.duplicate_of else invoice_pdf(invoice)
        rendered[id(invoice)] = data
        invoice.file = out.write(f"inbox/invoices/invoice-{number:03d}.pdf", data, kind="invoice", format="pdf",
                                 references=[invoice.invoice_number])
        tick()


def _referral_entry(referral: Referral) -> ReferralEntry:
    return ReferralEntry(
        file=referral.file, format=referral.format, reference=referral.reference, expect=referral.expect,
        defect=referral.defect, field=referral.field, problem=referral.problem, known_child=referral.known_child,
        expected=dict(referral.values), row=referral.row, index=referral.index,
        duplicate_of=referral.duplicate_of.file if referral.duplicate_of else None,
    )


def _invoice_entry(invoice: Invoice) -> InvoiceEntry:
    return InvoiceEntry(
        file=invoice.file, supplier_id=invoice.supplier.supplier_id, supplier_name=invoice.supplier.name,
        invoice_number=invoice.invoice_number, invoice_date=invoice.invoice_date.isoformat(),
        po_number=invoice.po_number, cost_centre=invoice.cost_centre, net=f"{invoice.net:.2f}",
        vat=f"{invoice.vat:.2f}", total=f"{invoice.total:.2f}", expect=invoice.expect, defect=invoice.defect,
        mismatch=invoice.mismatch, duplicate_of=invoice.duplicate_of.file if invoice.duplicate_of else None,
    )


def _booking_fields(entry: dict[str, Any]) -> dict[str, Any]:
    entry = dict(entry)
    entry["klass"] = entry.pop("class")
    return entry


def _shuffled(rng: random.Random, items: list[Any]) -> list[Any]:
    items = list(items)
    rng.shuffle(items)
    return items
