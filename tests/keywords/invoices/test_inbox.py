"""Intake: one invoice item per invoice; a duplicate is reported, never queued as a second invoice."""

from __future__ import annotations

import shutil

from keywords.invoices.inbox import read_inbox


def _queue(store, reading) -> None:
    """What producer.robot does with a reading: one item per payload, the file attached."""
    for payload in reading.new:
        payload.pop("path")
        store.add("invoices", payload, reference=payload["reference"], files=[(payload["source_file"], b"%PDF-")])


def test_duplicates_tonight_and_on_a_later_night_are_reported_and_a_rerun_skips(store, invoice_set, tmp_path):
    folder, manifest = invoice_set
    inbox = tmp_path / "inbox"
    shutil.copytree(folder / "inbox" / "invoices", inbox)
    copies = {e.file.rsplit("/", 1)[1] for e in manifest.invoices if e.defect == "duplicate_number"}
    assert copies

    first = read_inbox(inbox, queue="invoices", run_id="run-1", store=store)
    assert first.counts == {"invoices": len(manifest.invoices) - len(copies), "duplicates": len(copies),
                            "unreadable": 0, "refused": 0, "skipped": 0}
    for payload in first.new:
        if payload["kind"] == "duplicate":
            assert payload["source_file"] in copies and payload["code"] == "DUPLICATE_INVOICE"
            assert "in tonight's inbox" in payload["message"] and payload["invoice_number"] in payload["message"]
    _queue(store, first)

    # Killed before archiving: the same run reads the same files again and queues nothing new.
    again = read_inbox(inbox, queue="invoices", run_id="run-1", store=store)
    assert again.counts["invoices"] == 0 and again.counts["skipped"] == len(manifest.invoices) - len(copies)
    assert {p["reference"] for p in again.new} <= {p["reference"] for p in first.new}

    # A supplier sends an invoice again on another night, as a new file: reported, naming the item.
    (inbox / "resent.pdf").write_bytes((folder / manifest.invoices[0].file).read_bytes())
    later = read_inbox(inbox, queue="invoices", run_id="run-2", store=store)
    resent = next(p for p in later.new if p["source_file"] == "resent.pdf")
    assert resent["kind"] == "duplicate" and "was received before (item " in resent["message"]


def test_an_unreadable_file_becomes_a_report(store, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "scan.pdf").write_bytes(b"%PDF-1.4 this is no invoice")
    reading = read_inbox(inbox, queue="invoices", store=store)
    assert [(p["kind"], p["code"]) for p in reading.new] == [("unreadable", "UNREADABLE_INVOICE")]
    assert reading.new[0]["message"].startswith("scan.pdf cannot be read as a PDF")


def test_a_supplier_signed_invoice_is_queued_with_its_signature_and_a_locked_one_refused(store, invoice_set,
                                                                                        tmp_path):
    from supplier_signing import SUPPLIER, sign_as_supplier

    folder, manifest = invoice_set
    good = [e for e in manifest.invoices if e.defect is None]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "signed.pdf").write_bytes(sign_as_supplier((folder / good[0].file).read_bytes()))
    (inbox / "locked.pdf").write_bytes(sign_as_supplier((folder / good[1].file).read_bytes(), certify="no changes"))

    reading = read_inbox(inbox, queue="invoices", store=store)
    by_file = {p["source_file"]: p for p in reading.new}
    signed, locked = by_file["signed.pdf"], by_file["locked.pdf"]
    assert signed["kind"] == "invoice" and signed["invoice_number"] == good[0].invoice_number
    assert [(s["field"], s["signed_by"]) for s in signed["supplier_signatures"]] == [("SupplierSignature", SUPPLIER)]
    assert (locked["kind"], locked["code"]) == ("refused", "LOCKED_INVOICE")
    assert locked["message"].startswith(f'locked.pdf is certified by its supplier ({SUPPLIER}) with "no changes '
                                        'allowed"')
    assert locked["reference"].startswith("FILE-")  # a corrected copy later is no duplicate of it
    assert reading.counts["refused"] == 1
