"""Invoice approvals in the portal: approvers see the invoices that wait for their signature, sign them
(a real PAdES signature in the PDF) or reject them; in a real browser, an approver approves an
invoice and gets its signed PDF."""

from __future__ import annotations

from datetime import date

import pytest
from portalserver import Server
from starlette.testclient import TestClient

from keywords.invoices.approvals import APPROVAL_QUEUE, POSTING_QUEUE
from keywords.invoices.signing import SigningConfig, create_demo_certificate, validate_signatures
from portal.app import create_app
from portal.audit import Audit
from portal.users import Users
from workitems import ExceptionType, State

PASSWORD = "correct horse battery"
PASSPHRASE = "synthetic passphrase for a throw-away key"


@pytest.fixture
def signing(nightshift_home, monkeypatch) -> SigningConfig:
    for name in ("NIGHTSHIFT_SIGNING_CERT", "NIGHTSHIFT_SIGNING_KEY", "NIGHTSHIFT_SIGNING_TRUST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NIGHTSHIFT_SECRET_SIGNING_KEY", f'{{"passphrase": "{PASSPHRASE}"}}')
    create_demo_certificate(nightshift_home / "signing", organisation="Millbrook Test Council", passphrase=PASSPHRASE)
    return SigningConfig.from_environment()


@pytest.fixture(scope="module")
def invoice_pdfs(tmp_path_factory) -> list[bytes]:
    from sandbox.generate.run import generate

    folder = tmp_path_factory.mktemp("invoices") / "set"
    manifest = generate(folder, seed=12, referrals=0, invoices=3, bookings=0, defect_rate=0.0,
                        reference_date=date(2026, 11, 20))
    return [(folder / e.file).read_bytes() for e in manifest.invoices]


def waiting_invoice(store, pdf: bytes, number: str, slots: list[dict], **extra) -> int:
    """An invoice as the checks step leaves it in the approval queue (``extra``: more payload fields)."""
    payload = {**extra, "kind": "invoice", "supplier": "Brightwater Supplies Ltd", "invoice_number": number,
               "invoice_date": "2026-11-18", "po_number": "PO-100200", "cost_centre": "CS4102", "net": "6000.00",
               "vat": "1200.00", "total": "7200.00", "received_at": "2026-11-25T22:10:00+00:00",
               "source_file": f"{number}.pdf", "approvers_required": slots, "approvals": []}
    item, _ = store.add(APPROVAL_QUEUE, payload, reference=f"Brightwater Supplies Ltd / {number}",
                        files=[(f"{number}.pdf", pdf)])
    return item.id


TWO = [{"slot": 1, "role": "Head of children's services", "person": ""},
       {"slot": 2, "role": "Finance director", "person": ""}]


@pytest.fixture
def store(nightshift_home):
    """SQLite only: the approval steps are the store's ordinary verbs, tested on both databases elsewhere."""
    from workitems.store import open_store

    s = open_store(f"sqlite:///{nightshift_home / 'nightshift.db'}")
    yield s
    s.close()


@pytest.fixture
def people(store):
    users = Users(store)
    for name, role, full, signs in (("ann", "approver", "Ann Smith", ["Head of children's services"]),
                                    ("fin", "approver", "Femi Okafor", ["Finance director"]),
                                    ("bob", "approver", "", []), ("vic", "viewer", "", [])):
        users.add(name, role, PASSWORD)
        users.set_signing(name, full_name=full, signs_as=signs)
    return users


def client_for(store, name: str) -> TestClient:
    client = TestClient(create_app(store))
    client.__enter__()
    csrf = client.get("/api/login").json()["csrf"]
    assert client.post("/login", data={"csrf": csrf, "name": name, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    client.headers["X-CSRF-Token"] = client.get("/api/login").json()["csrf"]
    return client


def test_two_approvers_sign_in_turn_and_the_invoice_goes_for_posting(store, signing, people, invoice_pdfs):
    item_id = waiting_invoice(store, invoice_pdfs[0], "INV-000101", TWO)
    ann, fin, bob, vic = (client_for(store, n) for n in ("ann", "fin", "bob", "vic"))
    try:
        assert vic.get("/api/approvals").status_code == 403
        mine = ann.get("/api/approvals").json()
        assert [r["id"] for r in mine["mine"]] == [item_id] and mine["signs_as"] == ["Head of children's services"]
        assert [r["id"] for r in bob.get("/api/approvals").json()["others"]] == [item_id]
        refused = bob.post(f"/api/approvals/{item_id}/approve", json={})
        assert refused.status_code == 403 and "waiting for approval by Head of children's services or " \
            "Finance director" in refused.json()["error"]

        pdf = ann.get(f"/approvals/{item_id}/pdf")
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content == invoice_pdfs[0]
        assert "frame-ancestors 'self'" in pdf.headers["content-security-policy"]
        page = ann.get(f"/approvals/{item_id}")
        assert "Approve and sign as Ann Smith (Head of children&#39;s services)" in page.text

        first = ann.post(f"/api/approvals/{item_id}/approve", json={"reason": "Goods received"})
        assert first.status_code == 200 and first.json()["complete"] is False, first.text
        once = ann.get(f"/approvals/{item_id}/pdf").content
        report = validate_signatures(once, trust_roots=signing)
        assert report.ok and [s.signer_name for s in report.signatures] == ["Ann Smith"], report.problems
        again = ann.post(f"/api/approvals/{item_id}/approve", json={})
        assert again.status_code == 403 and "already" in again.json()["error"]
        assert store.get(item_id).state is State.PENDING

        second = fin.post(f"/api/approvals/{item_id}/approve", json={})
        assert second.status_code == 200 and second.json()["complete"] is True, second.text
        assert store.get(item_id).state is State.DONE
        posting = store.get(second.json()["posting_item_id"])
        assert posting.queue == POSTING_QUEUE and posting.state is State.PENDING
        twice = store.get_file(posting.id, posting.payload["pdf_file"])
        report = validate_signatures(twice, trust_roots=signing)
        assert report.ok and [s.signer_name for s in report.signatures] == ["Ann Smith", "Femi Okafor"], report.problems
        assert twice[:len(once)] == once  # the second signature is an incremental update: the first is kept
        # what the posting bot leaves: the approvals page shows it with its time from receipt to posting
        store.add("invoices-posted", {**posting.payload, "payment_run": "PR-20261126", "posted_at":
                                      "2026-11-26T01:40:00+00:00", "receipt_to_posting_seconds": 12_600},
                  reference=posting.reference, parent_id=posting.id)
        (shown,) = ann.get("/api/approvals").json()["posted"]
        assert (shown["invoice_number"], shown["payment_run"], shown["hours"], shown["id"]) == (
            "INV-000101", "PR-20261126", 3.5, posting.id)
        actions = [(e["actor"], e["action"]) for e in Audit(store).list()[0]]
        assert ("portal:ann", "approve invoice") in actions and ("portal:fin", "approve invoice") in actions
    finally:
        for c in (ann, fin, bob, vic):
            c.__exit__(None, None, None)


def test_a_rejected_invoice_needs_a_reason_and_is_never_forwarded(store, signing, people, invoice_pdfs):
    item_id = waiting_invoice(store, invoice_pdfs[1], "INV-000102", TWO[:1])
    ann = client_for(store, "ann")
    try:
        empty = ann.post(f"/api/approvals/{item_id}/reject", json={"reason": "  "})
        assert empty.status_code == 400 and empty.json()["error"].startswith("reason:")
        assert store.get(item_id).state is State.PENDING  # nothing changed
        done = ann.post(f"/api/approvals/{item_id}/reject", json={"reason": "Goods not received"})
        assert done.status_code == 200, done.text
        item = store.get(item_id)
        assert (item.state, item.exception.type, item.exception.code) == (State.FAILED, ExceptionType.BUSINESS,
                                                                          "REJECTED")
        assert "rejected by Ann Smith" in item.exception.message and "Goods not received" in item.exception.message
        late = ann.post(f"/api/approvals/{item_id}/approve", json={})
        assert late.status_code == 403
        assert store.count(POSTING_QUEUE) == 0
        assert ann.get("/api/approvals").json()["rejected"] == 1
    finally:
        ann.__exit__(None, None, None)


def test_a_supplier_signed_invoice_shows_the_supplier_and_is_signed_after_it(store, signing, people, invoice_pdfs):
    from supplier_signing import SUPPLIER, sign_as_supplier

    from keywords.invoices.signing import read_supplier_signatures

    arrived = sign_as_supplier(invoice_pdfs[1])
    item_id = waiting_invoice(store, arrived, "INV-000104", TWO,
                              supplier_signatures=read_supplier_signatures(arrived, "INV-000104.pdf"))
    ann, fin = client_for(store, "ann"), client_for(store, "fin")
    try:
        page = ann.get(f"/approvals/{item_id}")
        assert f"signed by the supplier: {SUPPLIER}, not checked against our trust root" in page.text
        shown = ann.get(f"/api/approvals/{item_id}").json()["invoice"]["supplier_signatures"]
        assert [s["signed_by"] for s in shown] == [SUPPLIER]
        # The supplier's signature fills no approval slot: both of ours are still needed.
        assert ann.post(f"/api/approvals/{item_id}/approve", json={}).json()["complete"] is False
        done = fin.post(f"/api/approvals/{item_id}/approve", json={})
        assert done.status_code == 200 and done.json()["complete"] is True, done.text
        posting = store.get(done.json()["posting_item_id"])
        signed = store.get_file(posting.id, posting.payload["pdf_file"])
        assert signed.startswith(arrived)
        report = validate_signatures(signed, trust_roots=signing,
                                     supplier_signatures=len(posting.payload["supplier_signatures"]))
        assert report.ok and report.signers == ["Ann Smith", "Femi Okafor"], report.problems
        assert report.supplier[0].common_name == SUPPLIER and not report.supplier[0].trusted
    finally:
        for c in (ann, fin):
            c.__exit__(None, None, None)


@pytest.mark.slow
def test_an_approver_approves_in_the_browser_and_gets_the_signed_pdf(store, signing, people, invoice_pdfs, page):
    item_id = waiting_invoice(store, invoice_pdfs[2], "INV-000103", TWO[:1])
    with Server(create_app(store)) as url:
        page.goto(f"{url}/login?next=/approvals")
        page.get_by_label("Name").fill("ann")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Brightwater Supplies Ltd").click()
        page.wait_for_url(f"{url}/approvals/{item_id}")
        assert page.locator("iframe.pdf").get_attribute("src") == f"/approvals/{item_id}/pdf"
        page.get_by_role("button", name="Approve and sign as Ann Smith").click()
        page.get_by_text("signed and approved").wait_for()
        page.get_by_text("signed by Ann Smith").wait_for()
        with page.expect_download() as caught:
            page.get_by_role("link", name="Download signed-INV-000103.pdf").click()
        signed = open(caught.value.path(), "rb").read()
    report = validate_signatures(signed, trust_roots=signing)
    assert report.ok and [s.signer_name for s in report.signatures] == ["Ann Smith"], report.problems
    assert store.get(item_id).state is State.DONE
