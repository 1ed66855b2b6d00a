"""Intake: one work item per supplier invoice in the inbox; a duplicate makes no second invoice item.

Each PDF in the inbox (name order) is read (``extract.py``) and becomes one of:

* an *invoice* item, referenced ``SUPPLIER / INVOICE-NUMBER``, the PDF attached;
* a *duplicate* report, when an invoice item with that reference exists already (from an
  earlier night, or an earlier file tonight): the checks step fails it at once as a BUSINESS
  error ``DUPLICATE_INVOICE`` naming the original, so a person sees it, and nothing of it goes
  for approval or payment;
* an *unreadable* report (``UNREADABLE_INVOICE``), when the PDF cannot be read;
* a *refused* report, when the supplier signed the PDF and we could not sign it after them:
  its supplier's signature is already broken (``BAD_SIGNATURE``), or the supplier certified it
  with "no changes allowed" (``LOCKED_INVOICE``). The message names the file and says why.

An invoice the supplier signed keeps its signatures: the item's ``supplier_signatures`` lists
them (``[{"field", "signed_by", "signed_at"}]``, empty for an unsigned PDF), and posting checks
that they are still intact without asking them to chain to our trust root.

A rerun after a crash finds the files it queued still in the inbox, and the items it made from
them (same reference, same file name and contents): those are *skipped*, not reported as
duplicates; the robot logs them.
``received_at`` is when the file arrived in the inbox (its modification time), which is where
the receipt-to-posting time starts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from keywords.inbox import list_inbox

from .errors import InvoiceProblem
from .extract import extract_invoice
from .signing import read_supplier_signatures


@dataclass
class InboxReading:
    """What the inbox holds: payloads to queue (with their file) and what was left alone."""

    new: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files already queued by this run

    @property
    def counts(self) -> dict[str, int]:
        kinds = [p["kind"] for p in self.new]
        return {"invoices": kinds.count("invoice"), "duplicates": kinds.count("duplicate"),
                "unreadable": kinds.count("unreadable"), "refused": kinds.count("refused"),
                "skipped": len(self.skipped)}


def _existing(store: Any, queue: str, reference: str) -> Any | None:
    """The item of ``queue`` whose reference is exactly ``reference``, with its payload, or ``None``."""
    items, _ = store.search(queue, reference=reference, limit=20)
    for item in items:
        if item.reference == reference:
            return store.get(item.id)
    return None


def read_inbox(inbox: Path, *, queue: str, run_id: str = "", store: Any | None = None) -> InboxReading:
    """Read every ``*.pdf`` of ``inbox`` (see the module docstring); ``store`` defaults to the queue's."""
    from workitems.store import open_store

    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"the invoice inbox {inbox} does not exist or is not a folder: create it or fix the "
                                "trigger's \"inbox\"")
    own = store is None
    store = store or open_store()
    reading = InboxReading()
    seen: dict[str, str] = {}  # reference -> file, for originals earlier in this same inbox
    night = run_id or datetime.now(timezone.utc).date().isoformat()
    try:
        for path in [p for p in list_inbox(inbox) if p.suffix.lower() == ".pdf"]:  # no partial or hidden files
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            received = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
            base = {"source_file": path.name, "source_sha256": digest, "received_at": received, "run_id": run_id,
                    "path": str(path)}
            try:
                invoice = extract_invoice(data, path.name)
            except InvoiceProblem as problem:
                reading.new.append({**base, "kind": "unreadable", "reference": f"FILE-{digest[:16]}",
                                    "code": problem.code, "message": problem.message})
                continue
            values = {**base, **invoice.as_dict(), "reference": invoice.reference}
            earlier = _existing(store, queue, invoice.reference)
            queued = (earlier.payload or {}) if earlier is not None else {}
            if queued.get("source_file") == path.name and queued.get("source_sha256") == digest:
                reading.skipped.append(path.name)  # this very file was queued before a crash: not a duplicate
                continue
            if earlier is None and invoice.reference not in seen:
                try:
                    signatures = read_supplier_signatures(data, path.name)
                except InvoiceProblem as problem:  # not an original either: a corrected copy may follow
                    reading.new.append({**values, "kind": "refused", "reference": f"FILE-{digest[:16]}",
                                        "code": problem.code, "message": problem.message})
                    continue
                seen[invoice.reference] = path.name
                reading.new.append({**values, "kind": "invoice", "supplier_signatures": signatures})
                continue
            original = (f"item {earlier.id}, file {(earlier.payload or {}).get('source_file', '?')}"
                        if earlier is not None else f"file {seen[invoice.reference]} in tonight's inbox")
            message = (f"Invoice {invoice.invoice_number} from {invoice.supplier} was received before ({original}): "
                       f"{path.name} is a duplicate and is not processed again; tell the supplier if it was sent "
                       "by mistake")
            reading.new.append({**values, "kind": "duplicate", "code": "DUPLICATE_INVOICE", "message": message,
                                "reference": f"{invoice.reference} | duplicate {path.name} | {night}"})
    finally:
        if own:
            store.close()
    return reading
