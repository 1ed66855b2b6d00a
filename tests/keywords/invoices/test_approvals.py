"""The approval queue as the portal works it: sign in turn, forward once complete, reject for good."""

from __future__ import annotations

import pytest

from keywords.invoices.approvals import APPROVAL_QUEUE, POSTING_QUEUE, approve_invoice, reject_invoice
from keywords.invoices.matrix import NotAllowed
from keywords.invoices.signing import validate_signatures
from workitems import ExceptionType, State


def _waiting(store, pdf: bytes, slots: list[dict]) -> int:
    payload = {"reference": "Parker Travel Ltd / INV-037481", "supplier": "Parker Travel Ltd",
               "invoice_number": "INV-037481", "invoice_date": "2026-11-01", "po_number": "PO-117145",
               "net": "6762.00", "vat": "1352.40", "total": "8114.40", "cost_centre": "CR9001",
               "received_at": "2026-11-20T21:04:00+00:00", "source_file": "invoice-001.pdf",
               "approvers_required": slots, "approvals": []}
    item, _ = store.add(APPROVAL_QUEUE, payload, reference=payload["reference"], files=[("invoice-001.pdf", pdf)])
    return item.id


TWO = [{"slot": 1, "role": "Head of service", "person": ""}, {"slot": 2, "role": "Finance director", "person": ""}]


def test_two_approvals_sign_twice_then_forward_one_posting_item(store, invoice_pdf, signing):
    item_id = _waiting(store, invoice_pdf, TWO)

    first = approve_invoice(store, item_id, user_name="Priya Shah", user_role="Head of service", config=signing)
    assert first == {"slot": 1, "complete": False, "posting_item_id": None, "pdf_file": "signed-invoice-001.pdf"}
    item = store.get(item_id)
    assert item.state == State.PENDING and [a["name"] for a in item.payload["approvals"]] == ["Priya Shah"]
    with pytest.raises(NotAllowed, match="already approved"):
        approve_invoice(store, item_id, user_name="Priya Shah", user_role="Finance director", config=signing)

    second = approve_invoice(store, item_id, user_name="Tom Baxter", user_role="Finance director",
                             reason="Within budget", config=signing)
    assert second["complete"] and store.get(item_id).state == State.DONE
    posting = store.get(second["posting_item_id"])
    assert posting.queue == POSTING_QUEUE and posting.reference == "Parker Travel Ltd / INV-037481"
    assert [a["role"] for a in posting.payload["approvals"]] == ["Head of service", "Finance director"]
    report = validate_signatures(store.get_file(posting.id, "signed-invoice-001.pdf"), trust_roots=signing)
    assert report.ok and report.signers == ["Priya Shah", "Tom Baxter"]


def test_the_wrong_role_changes_nothing(store, invoice_pdf, signing):
    item_id = _waiting(store, invoice_pdf, TWO[:1])
    with pytest.raises(NotAllowed, match="waiting for approval by Head of service, not by Budget holder"):
        approve_invoice(store, item_id, user_name="Ann Lee", user_role="Budget holder", config=signing)
    item = store.get(item_id)
    assert item.state == State.PENDING and item.attempts == 0 and item.payload["approvals"] == []


def test_a_rejection_is_a_business_failure_and_is_never_forwarded(store, invoice_pdf, signing):
    item_id = _waiting(store, invoice_pdf, TWO[:1])
    with pytest.raises(ValueError, match="Enter the reason"):
        reject_invoice(store, item_id, user_name="Priya Shah", user_role="Head of service", reason=" ")

    failed = reject_invoice(store, item_id, user_name="Priya Shah", user_role="Head of service",
                            reason="Goods not received")
    assert failed.state == State.FAILED and failed.exception.type == ExceptionType.BUSINESS
    assert failed.exception.code == "REJECTED"
    assert failed.exception.message == ("Invoice INV-037481 from Parker Travel Ltd was rejected by Priya Shah "
                                        "(Head of service): Goods not received")
    assert store.count(POSTING_QUEUE) == 0
    with pytest.raises(NotAllowed, match="was rejected by Priya Shah: it cannot be approved"):
        approve_invoice(store, item_id, user_name="Priya Shah", user_role="Head of service", config=signing)
