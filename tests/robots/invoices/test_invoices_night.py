"""The invoice bot, run for real: ``nightshift run invoices``'s runner against the sandbox's finance
system served in-process, Chromium reading the purchase orders and posting the invoices.

Scored against the generator's manifest: every good invoice waits for the approvers the matrix
names; wrong PO and wrong amount are BUSINESS failures naming the mismatch; a duplicate makes no
second invoice item and is a BUSINESS failure naming the original. Then approvals are given as
the portal gives them (``approve_invoice``, real PAdES signatures), one invoice is rejected and
one signed PDF is altered by one byte: the posting run posts each good one exactly once (also
when run again), never the rejected one, refuses the altered one, and every PDF in the finance
system carries signatures pyHanko finds intact, valid and trusted.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest

from workitems import ExceptionType, State
from workitems.store import open_store

PASSWORD = "Invoices-synthetic-pw-5107"  # synthetic, for these tests only
PASSPHRASE = "synthetic signing passphrase 4471"
APPROVERS = {1: "Priya Shah", 2: "Tom Baxter"}  # synthetic staff names

pytestmark = [pytest.mark.timeout(420), pytest.mark.slow]


@pytest.fixture
def finance(nightshift_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The finance system on a generated world of 12 invoices (a third defective), the inbox filled,
    the robot's login in the vault and a demo signing set-up."""
    from keywords.invoices.signing import SigningConfig, create_demo_certificate
    from keywords.vault import save_all
    from sandbox.finance import seed
    from sandbox.finance.app import create_app
    from sandbox.generate import generate
    from sandbox.web import ChaosSettings, SystemSettings, sandbox_home
    from sandbox.web.runner import ServerThread

    monkeypatch.setenv("NIGHTSHIFT_SANDBOX_PASSWORD", PASSWORD)
    for name in ("RPA_SECRET_MANAGER", "NIGHTSHIFT_REFERENCE_FIELD", "FINANCE_SYSTEM_SECRET",
                 "NIGHTSHIFT_SIGNING_CERT", "NIGHTSHIFT_SIGNING_KEY", "NIGHTSHIFT_SIGNING_TRUST",
                 "NIGHTSHIFT_APPROVAL_MATRIX"):
        monkeypatch.delenv(name, raising=False)
    today = datetime.now(ZoneInfo("Europe/London")).date()
    manifest = generate(nightshift_home / "generated", seed=881, referrals=0, invoices=12, bookings=0,
                        defect_rate=0.34, reference_date=today)
    world = json.loads((nightshift_home / "generated" / "world.json").read_text())
    app = create_app(SystemSettings(home=sandbox_home(), chaos=ChaosSettings()))
    server = ServerThread(app)
    url = server.start()
    seed.load(app.state.sandbox.db_path, world)
    save_all({"finance_system": {"username": "robot", "password": PASSWORD},
              "signing_key": {"passphrase": PASSPHRASE}})
    create_demo_certificate(nightshift_home / "signing", organisation="Riverside Test Council", passphrase=PASSPHRASE)
    shutil.copytree(nightshift_home / "generated" / "inbox" / "invoices", nightshift_home / "inbox" / "invoices")
    with open_store() as store:
        for queue in ("invoices", "invoices-posting"):
            store.configure_queue(queue, {"backoff_seconds": 0, "max_attempts": 4})
    yield {"url": url, "db": app.state.sandbox.db_path, "manifest": manifest,
           "signing": SigningConfig.from_environment()}
    server.stop()


def run(finance: dict[str, Any], process: str):
    from scheduler.processes import get_process
    from scheduler.runner import run_process

    with open_store() as store:
        return run_process(get_process(process), store, trigger="test", extra_env={"FINANCE_SYSTEM_URL": finance["url"]})


def finance_rows(finance: dict[str, Any], sql: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(finance["db"])
    conn.row_factory = sqlite3.Row
    with conn:
        rows = [dict(r) for r in conn.execute(sql)]
    conn.close()
    return rows


def test_invoices_checked_routed_signed_and_posted_once(finance: dict[str, Any], nightshift_home: Path) -> None:
    from keywords.invoices import approve_invoice, load_matrix, reject_invoice, validate_signatures

    manifest = finance["manifest"]
    entries = manifest.invoices
    assert {e.defect for e in entries} == {None, "wrong_po", "wrong_amount", "duplicate_number"}

    night = run(finance, "invoices")
    assert night.status == "PASS", [(s.task, s.status, s.artifacts) for s in night.steps]
    matrix = load_matrix()
    with open_store() as store:
        checked = {i.reference: i for i in store.list("invoices", limit=1000)}
        waiting = {i.reference: i for i in store.list("invoices-approval", limit=1000)}
    originals = [e for e in entries if e.defect != "duplicate_number"]
    # One invoice item per invoice, whatever the duplicates: none is made twice.
    assert {r for r, i in checked.items() if i.payload["kind"] == "invoice"} == {
        f"{e.supplier_name} / {e.invoice_number}" for e in originals}
    for e in originals:
        item = checked[f"{e.supplier_name} / {e.invoice_number}"]
        if e.expect == "approve-route":
            assert item.state == State.DONE, (e.file, item.exception)
            approval = waiting[item.reference]
            assert approval.state == State.PENDING and approval.payload["approvals"] == []
            assert approval.payload["approvers_required"] == matrix.route(cost_centre=e.cost_centre, net=e.net,
                                                                          total=e.total)
            assert (approval.payload["cost_centre"], approval.payload["total"]) == (e.cost_centre, e.total)
        else:
            assert item.state == State.FAILED and item.exception.type == ExceptionType.BUSINESS, e.file
            assert item.reference not in waiting
            if e.defect == "wrong_po":
                assert item.exception.code == "WRONG_PO"
                assert e.po_number in item.exception.message
                wording = "does not exist" if e.mismatch["problem"] == "no such purchase order" else "another supplier"
                assert wording in item.exception.message, item.exception.message
            else:
                assert item.exception.code == "WRONG_AMOUNT"
                assert f"£{float(e.net):,.2f}" in item.exception.message and "tolerance" in item.exception.message
    duplicates = [i for i in checked.values() if i.payload["kind"] == "duplicate"]
    assert sorted(i.payload["source_file"] for i in duplicates) == sorted(
        Path(e.file).name for e in entries if e.defect == "duplicate_number")
    for item in duplicates:
        assert item.state == State.FAILED and item.exception.code == "DUPLICATE_INVOICE"
        assert "was received before" in item.exception.message and item.payload["invoice_number"] in \
            item.exception.message
    assert not list((nightshift_home / "inbox" / "invoices").iterdir())  # all archived

    # People approve in the portal: all but one, which is rejected; one signed PDF is then altered.
    good = sorted(waiting.values(), key=lambda i: i.id)
    pairs = [i for i in good if len(i.payload["approvers_required"]) == 2]
    assert len(pairs) >= 2, "the matrix asks for a second approver above its threshold"
    altered, rejected = pairs[0], next(i for i in good if len(i.payload["approvers_required"]) == 1)
    with open_store() as store:
        reject_invoice(store, rejected.id, user_name=APPROVERS[1], user_role=rejected.payload["approvers_required"][0]
                       ["role"], reason="Goods not received")
        posting_ids = {}
        for item in (i for i in good if i is not rejected):
            for slot in item.payload["approvers_required"]:
                done = approve_invoice(store, item.id, user_name=APPROVERS[slot["slot"]], user_role=slot["role"],
                                       config=finance["signing"])
            posting_ids[item.reference] = done["posting_item_id"]
        name = store.get(posting_ids[altered.reference]).payload["pdf_file"]
        signed = store.get_file(posting_ids[altered.reference], name)
        at = signed.index(b"Invoice ") + 8
        store.add_file(posting_ids[altered.reference], name, signed[:at] + b"X" + signed[at + 1:])

    posting = run(finance, "invoices-posting")
    assert posting.status == "PASS", [(s.task, s.status, s.artifacts) for s in posting.steps]
    again = run(finance, "invoices-posting")  # nothing left to do, and nothing posted twice
    assert again.status == "PASS"

    with open_store() as store:
        refused = store.get(posting_ids[altered.reference])
        assert refused.state == State.FAILED and refused.exception.type == ExceptionType.BUSINESS
        assert refused.exception.code == "BAD_SIGNATURE"
        assert "the PDF was changed after signing" in refused.exception.message
        posted = {i.reference: i for i in store.list("invoices-posted", limit=1000)}
    want_posted = {i.reference for i in good if i not in (rejected, altered)}
    assert set(posted) == want_posted
    rows = finance_rows(finance, "SELECT i.id, s.name || ' / ' || i.invoice_number AS reference, i.payment_run, "
                                 "i.posted_by FROM invoices i JOIN suppliers s USING (supplier_id)")
    assert sorted(r["reference"] for r in rows) == sorted(want_posted)  # each once; rejected, altered: never
    assert all(r["payment_run"] and r["posted_by"] == "robot" for r in rows)
    for reference, item in posted.items():
        assert item.payload["payment_run"].startswith("PR-")
        assert item.payload["receipt_to_posting_seconds"] >= 0 and item.payload["posted_at"]

    # What the finance system holds: the signed PDFs, each with every approver's signature intact and trusted.
    files = finance_rows(finance, "SELECT a.invoice_id, f.data, a.approvers FROM approvals a "
                                  "JOIN invoice_files f ON f.id = a.file_id WHERE a.decision = 'approved'")
    assert len(files) == len(want_posted)
    assert any(len(json.loads(r["approvers"])) == 2 for r in files), "a PDF signed by two approvers was posted"
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = load_cert_from_pemder(str(finance["signing"].trust))
    for row in files:
        sigs = PdfFileReader(io.BytesIO(row["data"])).embedded_signatures
        assert [s.sig_object["/Name"] for s in sigs] == json.loads(row["approvers"])
        for sig in sigs:
            # pyHanko runs asyncio.run(); in a worker that used Playwright's sync API a loop is running in this
            # thread, so validate in a thread of its own (as keywords.invoices does).
            with ThreadPoolExecutor(1) as pool:
                status = pool.submit(validate_pdf_signature, sig,
                                     ValidationContext(trust_roots=[root], allow_fetching=False)).result()
            assert status.intact and status.valid and status.trusted, status.summary()
        assert validate_signatures(row["data"], trust_roots=finance["signing"]).ok

    for path in Path(nightshift_home / "artifacts").rglob("*"):
        if path.is_file() and path.suffix in (".xml", ".html", ".txt", ".json"):
            text = path.read_text(errors="replace")
            assert PASSWORD not in text and PASSPHRASE not in text, path


def test_a_supplier_signed_invoice_is_approved_and_posted_once(finance: dict[str, Any], nightshift_home: Path) -> None:
    """One invoice signed by its supplier (a certificate we do not trust) and one the supplier
    locked against changes: the first goes through intake, checks, two-person approval and
    posting exactly once, the supplier's signature intact beside ours; the second stops at the
    checks as a BUSINESS failure naming the file."""
    from supplier_signing import SUPPLIER, sign_as_supplier

    from keywords.invoices import approve_invoice, validate_signatures

    good = [e for e in finance["manifest"].invoices if e.expect == "approve-route"]
    inbox = nightshift_home / "inbox" / "invoices"
    shutil.rmtree(inbox)
    inbox.mkdir()
    generated = nightshift_home / "generated"
    (inbox / "acme-signed.pdf").write_bytes(sign_as_supplier((generated / good[0].file).read_bytes()))
    (inbox / "acme-locked.pdf").write_bytes(sign_as_supplier((generated / good[1].file).read_bytes(),
                                                             certify="no changes"))

    night = run(finance, "invoices")
    assert night.status == "PASS", [(s.task, s.status, s.artifacts) for s in night.steps]
    with open_store() as store:
        checked = {i.payload["source_file"]: i for i in store.list("invoices", limit=100)}
        (waiting,) = store.list("invoices-approval", limit=100)
        locked = checked["acme-locked.pdf"]
        assert (locked.state, locked.exception.type, locked.exception.code) == (State.FAILED, ExceptionType.BUSINESS,
                                                                                "LOCKED_INVOICE")
        assert locked.exception.message.startswith(f"acme-locked.pdf is certified by its supplier ({SUPPLIER}) "
                                                   'with "no changes allowed"')
        assert waiting.reference == f"{good[0].supplier_name} / {good[0].invoice_number}"
        assert [s["signed_by"] for s in waiting.payload["supplier_signatures"]] == [SUPPLIER]
        for slot in waiting.payload["approvers_required"]:
            done = approve_invoice(store, waiting.id, user_name=APPROVERS[slot["slot"]], user_role=slot["role"],
                                   config=finance["signing"])
        assert done["complete"]

    assert run(finance, "invoices-posting").status == "PASS"
    assert run(finance, "invoices-posting").status == "PASS"  # nothing posted twice

    with open_store() as store:
        assert store.get(done["posting_item_id"]).state == State.DONE
        (posted,) = store.list("invoices-posted", limit=100)
    assert posted.payload["signatures_note"] == (f"signed by the supplier: {SUPPLIER}, not checked against our "
                                                 "trust root (intact)")
    rows = finance_rows(finance, "SELECT i.invoice_number, i.payment_run FROM invoices i")
    assert [(r["invoice_number"], bool(r["payment_run"])) for r in rows] == [(good[0].invoice_number, True)]
    (row,) = finance_rows(finance, "SELECT f.data, a.approvers FROM approvals a JOIN invoice_files f "
                                   "ON f.id = a.file_id WHERE a.decision = 'approved'")
    report = validate_signatures(row["data"], trust_roots=finance["signing"], supplier_signatures=1)
    assert report.ok, report.problems
    assert report.signers == json.loads(row["approvers"]) and report.supplier[0].common_name == SUPPLIER
