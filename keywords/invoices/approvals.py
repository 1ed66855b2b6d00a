"""The approval queue, worked by people: approve (sign) or reject an invoice; for the portal.

An ``invoices-approval`` item waits, PENDING, until every slot of its ``approvers_required`` is
filled. ``approve_invoice`` reserves the item (``store.claim_item``), checks that this person
may sign now (``approval_step``), signs the current PDF (``sign_pdf``: the first approval signs
the supplier's PDF, a second one signs the already signed PDF), attaches it and records the
approval in the payload. While slots remain open the item goes back to PENDING for the next
approver; when the last is filled, an ``invoices-posting`` item is added (same reference, the
approval item as its parent, the signed PDF attached) and the approval item is DONE.
``reject_invoice`` fails the item as a BUSINESS error ``REJECTED`` with the reason: it is never
posted.

Payload fields the portal shows: ``supplier``, ``invoice_number``, ``invoice_date``,
``po_number``, ``net``, ``vat``, ``total``, ``cost_centre``, ``received_at``,
``approvers_required`` (``[{"slot", "role", "person"}]``), ``approvals`` (``[{"slot", "name",
"role", "reason", "at"}]``), ``pdf_file`` (the name of the attached PDF to show inline: the
latest signed one once somebody has signed), ``supplier_signatures`` (``[{"field",
"signed_by", "signed_at"}]``: the signatures the PDF arrived with, the supplier's; they come
before ours in the file and fill no approval slot).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .errors import InvoiceProblem
from .matrix import approval_step
from .signing import SigningConfig, sign_pdf

APPROVAL_QUEUE = "invoices-approval"
POSTING_QUEUE = "invoices-posting"


def current_pdf_name(payload: dict[str, Any]) -> str:
    """The attached PDF to show or sign next: the latest signed one, else the supplier's."""
    return payload.get("pdf_file") or payload["source_file"]


def signed_pdf_name(payload: dict[str, Any]) -> str:
    """``signed-invoice-007.pdf`` for ``invoice-007.pdf``: one name however many signatures it holds."""
    return f"signed-{payload['source_file']}"


def approve_invoice(store: Any, item_id: int, *, user_name: str, user_role: str, reason: str = "",
                    config: SigningConfig | None = None, worker: str | None = None) -> dict[str, Any]:
    """Sign invoice item ``item_id`` as ``user_name`` (``user_role``) and record the approval.

    Returns ``{"slot": n, "complete": bool, "posting_item_id": id or None, "pdf_file": name}``.
    ``NotAllowed`` (nothing changed) when this person may not sign now; the store's errors when
    the item is not pending (someone else holds it, or it is finished). The item is released
    again (not failed) if signing fails, so that nothing is lost.
    """
    worker = worker or f"portal:{user_name}"
    item = store.get(item_id)
    if item.queue != APPROVAL_QUEUE:
        raise InvoiceProblem("NOT_ALLOWED", f"item {item_id} is not an invoice waiting for approval")
    slot = approval_step(item.payload, user_name, user_role)  # refuse before reserving anything
    item = store.claim_item(item_id, worker)
    try:
        payload = dict(item.payload)
        slot = approval_step(payload, user_name, user_role)  # again: someone may have signed meanwhile
        pdf = store.get_file(item_id, current_pdf_name(payload))
        signed = sign_pdf(pdf, signer_name=user_name, role=slot.get("role") or user_role,
                          reason=reason or "Approved for payment", config=config,
                          supplier_signatures=len(payload.get("supplier_signatures") or []))
        info = store.add_file(item_id, signed_pdf_name(payload), signed)
        payload["approvals"] = [*payload.get("approvals", []), {
            "slot": slot["slot"], "name": user_name, "role": slot.get("role") or user_role, "reason": reason,
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}]
        payload["pdf_file"] = info.name
        store.save_payload(item_id, payload, actor=worker)
    except BaseException:
        store.release(item_id, worker, reason="approval not completed")
        raise
    return _forward_or_release(store, item, payload, signed, worker, slot["slot"])


def _forward_or_release(store: Any, item: Any, payload: dict[str, Any], signed: bytes, worker: str,
                        slot: int) -> dict[str, Any]:
    filled = {a["slot"] for a in payload["approvals"]}
    waiting = [s for s in payload["approvers_required"] if s["slot"] not in filled]
    if waiting:
        store.release(item.id, worker, reason=f"approved (slot {slot}); waiting for "
                                              f"{', '.join(s.get('role') or s.get('person') for s in waiting)}")
        return {"slot": slot, "complete": False, "posting_item_id": None, "pdf_file": payload["pdf_file"]}
    posting = {**payload, "approved_at": payload["approvals"][-1]["at"]}
    # The reference makes this idempotent: approving again after a crash here finds the posting item.
    added, _ = store.add(POSTING_QUEUE, posting, reference=item.reference, parent_id=item.id,
                         files=[(payload["pdf_file"], signed)], actor=worker)
    store.complete(item.id, worker)
    return {"slot": slot, "complete": True, "posting_item_id": added.id, "pdf_file": payload["pdf_file"]}


def reject_invoice(store: Any, item_id: int, *, user_name: str, user_role: str, reason: str,
                   worker: str | None = None) -> Any:
    """Reject invoice item ``item_id``: a BUSINESS failure ``REJECTED`` naming who and why; never posted.

    Only someone who could approve it now may reject it (``NotAllowed`` otherwise), and a reason
    is required (``ValueError``). Returns the failed item.
    """
    if not reason.strip():
        raise ValueError("Enter the reason for the rejection: the supplier and the finance team will need it")
    worker = worker or f"portal:{user_name}"
    item = store.get(item_id)
    if item.queue != APPROVAL_QUEUE:
        raise InvoiceProblem("NOT_ALLOWED", f"item {item_id} is not an invoice waiting for approval")
    slot = approval_step(item.payload, user_name, user_role)
    item = store.claim_item(item_id, worker)
    try:
        payload = {**item.payload, "rejection": {"slot": slot["slot"], "name": user_name, "role": user_role,
                                                 "reason": reason.strip(),
                                                 "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}}
        store.save_payload(item_id, payload, actor=worker)
    except BaseException:
        store.release(item_id, worker, reason="rejection not completed")
        raise
    from workitems import ExceptionType

    message = (f"Invoice {payload.get('invoice_number')} from {payload.get('supplier')} was rejected by {user_name} "
               f"({user_role}): {reason.strip()}")
    return store.fail(item_id, worker, ExceptionType.BUSINESS, "REJECTED", message)
