"""Invoice approvals: approvers sign supplier invoices (a real PAdES signature) or reject them.

Routes (approver role and above)::

    GET  /approvals                  invoices waiting for my signature, the others waiting, recently posted
    GET  /approvals/ID               one invoice: its details, the approvals so far, the PDF inline
    GET  /approvals/ID/pdf           the invoice's PDF as it is now (signed once somebody signed)
    POST /approvals/ID/approve       sign it as me (a reason is optional)
    POST /approvals/ID/reject        reject it, with a reason: it is never posted

An invoice waits in the ``invoices-approval`` queue (``robots/invoices``) with the approvers the
approval matrix requires (``approvers_required``: a role or a person per signature). Who may
sign is the portal user's *signing roles* and full name (``nightshift users set-signing NAME
--full-name "Ann Smith" --signs-as "Team manager"``), not their portal role: the portal role
``approver`` lets them in, the signing role says which invoices are theirs. The signing
itself is ``keywords/invoices/approvals.py``; every approval and rejection is audited. An
invoice the supplier signed shows the supplier's signatures first, as what they are: signed by
the supplier, not checked against our trust root (only that the document is unchanged since).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from keywords.invoices.approvals import APPROVAL_QUEUE, POSTING_QUEUE, approve_invoice, current_pdf_name, reject_invoice
from keywords.invoices.errors import InvoiceProblem, SigningSetupError
from keywords.invoices.matrix import approval_step
from keywords.invoices.signing import supplier_note
from workitems import InvalidInput, State, WorkItem

from ..web import Ctx, Done, Forbidden, action, fmt_time, page, reason_from

SHOWN = 200
POSTED_QUEUE = "invoices-posted"


def approval_url(item_id: int) -> str:
    return f"/approvals/{int(item_id)}"


def _roles(ctx: Ctx) -> list[str]:
    """The roles to try for this user: each signing role, else none (a person slot may still name them)."""
    return list(ctx.user.signs_as) or [""]


def _slot_for(ctx: Ctx, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, str, str]:
    """(slot, role, why not): the slot this user may sign now with one of their roles, or why none."""
    why = ""
    for role in _roles(ctx):
        try:
            return approval_step(payload, ctx.user.display_name, role), role, ""
        except InvoiceProblem as exc:
            why = str(exc)
    return None, "", why


def _signers(payload: dict[str, Any]) -> str:
    slots = payload.get("approvers_required") or []
    return " then ".join(s.get("person") or s.get("role") or "?" for s in slots)


def _row(item: WorkItem, slot: dict[str, Any] | None = None) -> dict[str, Any]:
    p = item.payload if isinstance(item.payload, dict) else {}
    return {"id": item.id, "url": approval_url(item.id), "reference": item.reference, "supplier": p.get("supplier"),
            "invoice_number": p.get("invoice_number"), "total": p.get("total"), "net": p.get("net"),
            "cost_centre": p.get("cost_centre"), "received": fmt_time(p.get("received_at")),
            "approvals": len(p.get("approvals") or []), "required": len(p.get("approvers_required") or []),
            "signers": _signers(p), "my_slot": slot["slot"] if slot else None}


@page("/approvals", "approvals.html", role="approver")
def approvals_page(request: Request, ctx: Ctx) -> dict:
    waiting = sorted(ctx.store.list(APPROVAL_QUEUE, state=State.PENDING, limit=SHOWN), key=lambda i: i.id)
    mine, others = [], []
    for item in waiting:
        slot, _, _ = _slot_for(ctx, item.payload if isinstance(item.payload, dict) else {})
        (mine if slot else others).append(_row(item, slot))
    posted = []
    for item in ctx.store.list(POSTED_QUEUE, limit=20):  # what the posting bot posted, newest first
        p = item.payload if isinstance(item.payload, dict) else {}
        seconds = p.get("receipt_to_posting_seconds")
        posted.append({"id": item.parent_id, "supplier": p.get("supplier"), "invoice_number": p.get("invoice_number"),
                       "total": p.get("total"), "received": fmt_time(p.get("received_at")),
                       "posted": fmt_time(p.get("posted_at")), "payment_run": p.get("payment_run"),
                       "hours": round(seconds / 3600, 1) if isinstance(seconds, int | float) else None})
    rejected = ctx.store.count(APPROVAL_QUEUE, state=State.FAILED)
    return {"mine": mine, "others": others, "posted": posted, "rejected": rejected,
            "signs_as": list(ctx.user.signs_as), "display_name": ctx.user.display_name,
            "data": {"mine": [{k: v for k, v in r.items() if k != "url"} for r in mine],
                     "others": [{k: v for k, v in r.items() if k != "url"} for r in others],
                     "posted": posted, "rejected": rejected, "signs_as": list(ctx.user.signs_as)}}


def _invoice(ctx: Ctx, item_id: int) -> WorkItem:
    item = ctx.store.get(item_id)
    if item.queue not in (APPROVAL_QUEUE, POSTING_QUEUE):
        raise InvalidInput(f"work item {item_id} is in {item.queue}, not an invoice for approval")
    return item


@page("/approvals/{item_id:int}", "approval.html", role="approver")
def approval_page(request: Request, ctx: Ctx) -> dict:
    item = _invoice(ctx, request.path_params["item_id"])
    payload = item.payload if isinstance(item.payload, dict) else {}
    slot, role, why = _slot_for(ctx, payload) if item.state is State.PENDING and item.queue == APPROVAL_QUEUE \
        else (None, "", "")
    approvals = [{**a, "at": fmt_time(a.get("at"))} for a in payload.get("approvals") or []]
    supplier = [{**s, "signed_at": fmt_time(s.get("signed_at")),
                 "note": supplier_note(s.get("signed_by"))}
                for s in payload.get("supplier_signatures") or []]
    fields = [(label, payload.get(key)) for label, key in (
        ("supplier", "supplier"), ("invoice number", "invoice_number"), ("invoice date", "invoice_date"),
        ("purchase order", "po_number"), ("cost centre", "cost_centre"), ("net", "net"), ("VAT", "vat"),
        ("total", "total"))]
    view = {"id": item.id, "queue": item.queue, "state": item.state.value, "reference": item.reference,
            "received": fmt_time(payload.get("received_at")), "approvals": approvals,
            "supplier_signatures": supplier,
            "required": payload.get("approvers_required") or [], "rejection": payload.get("rejection"),
            "exception": item.exception.message if item.exception else None,
            "pdf": f"{approval_url(item.id)}/pdf" if payload.get("source_file") or payload.get("pdf_file") else None,
            "pdf_name": current_pdf_name(payload) if payload.get("source_file") or payload.get("pdf_file") else None}
    return {"invoice": view, "fields": fields, "slot": slot, "sign_role": role, "why_not": why,
            "display_name": ctx.user.display_name,
            "data": {"invoice": {**view, "fields": dict(fields)}, "slot": slot, "why_not": why}}


@page("/approvals/{item_id:int}/pdf", "error.html", role="approver", json_twin=False)
def approval_pdf(request: Request, ctx: Ctx) -> Response:
    item = _invoice(ctx, request.path_params["item_id"])
    payload = item.payload if isinstance(item.payload, dict) else {}
    if not (payload.get("source_file") or payload.get("pdf_file")):
        raise InvalidInput(f"invoice item {item.id} has no PDF attached")
    name = current_pdf_name(payload)
    content = ctx.store.get_file(item.id, name)
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"',
        # shown in a frame of the invoice's own page, and nowhere else
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
        "X-Frame-Options": "SAMEORIGIN"})


@action("/approvals/{item_id:int}/approve", role="approver")
def approve(request: Request, ctx: Ctx, form: dict) -> Done:
    item_id = request.path_params["item_id"]
    reason = " ".join(str(form.get("reason", "")).split())[:500]
    item = _invoice(ctx, item_id)
    slot, role, why = _slot_for(ctx, item.payload if isinstance(item.payload, dict) else {})
    if slot is None:
        raise Forbidden(why or f"you may not sign invoice item {item_id}")
    try:
        result = approve_invoice(ctx.store, item_id, user_name=ctx.user.display_name, user_role=role,
                                 reason=reason, worker=ctx.actor)
    except InvoiceProblem as exc:
        raise Forbidden(str(exc)) from None
    except SigningSetupError as exc:
        raise InvalidInput(f"the invoice was not signed: {exc}") from None
    ctx.audit.record(ctx.actor, "approve invoice", f"item {item_id}",
                     {"slot": result["slot"], "role": role, "reason": reason, "complete": result["complete"]})
    number = item.payload.get("invoice_number")
    message = (f"Invoice {number} signed and approved: it goes for payment in the next posting run"
               if result["complete"] else f"Invoice {number} signed: it now waits for the next approver")
    return Done(message, to=approval_url(item_id), data=result)


@action("/approvals/{item_id:int}/reject", role="approver")
def reject(request: Request, ctx: Ctx, form: dict) -> Done:
    item_id = request.path_params["item_id"]
    reason = reason_from(form, "say why the invoice is rejected: the supplier and the finance team need it")
    item = _invoice(ctx, item_id)
    slot, role, why = _slot_for(ctx, item.payload if isinstance(item.payload, dict) else {})
    if slot is None:
        raise Forbidden(why or f"you may not decide on invoice item {item_id}")
    try:
        reject_invoice(ctx.store, item_id, user_name=ctx.user.display_name, user_role=role, reason=reason,
                       worker=ctx.actor)
    except InvoiceProblem as exc:
        raise Forbidden(str(exc)) from None
    ctx.audit.record(ctx.actor, "reject invoice", f"item {item_id}", {"role": role, "reason": reason})
    return Done(f"Invoice {item.payload.get('invoice_number')} rejected: it will not be posted",
                to="/approvals", data={"item_id": item_id})
