"""An invoice's documents, approvals and payment: upload its PDF, record a decision, post it for payment."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from sandbox.web import db, forms, message_page, redirect

from . import records
from .invoices import render_invoice
from .schema import DECISIONS

MAX_PDF_BYTES = 5 * 1024 * 1024  # read at each upload, so a test may lower it
NO_APPROVAL = "Invoice {number} cannot be posted: it has no valid approval"


def _size(size: int) -> str:
    """``5.0 MB`` or ``12 KB`` (``1 KB`` at least)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, round(size / 1024))} KB"


def _safe_name(name: str) -> str:
    base = re.split(r"[\\/]", name)[-1]
    return re.sub(r"[^\w.\- ()]", "_", base).strip()[:100] or "invoice.pdf"


def valid_approval(approvals: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The approval that allows posting: the latest decision, if it approves and names a signed PDF."""
    latest = approvals[-1] if approvals else None
    if latest and latest["decision"] == "approved" and latest["file_id"] and latest["approvers"]:
        return latest
    return None


async def upload(request: Request) -> Response:
    """Attach a PDF to the invoice (multipart field ``pdf``), at most ``MAX_PDF_BYTES``."""
    conn = db(request)
    invoice_id = request.path_params["invoice_id"]
    row = records.invoice(conn, invoice_id)
    if row is None:
        return render_invoice(request, invoice_id)
    if row["posted_at"]:
        return render_invoice(request, invoice_id, [f"Invoice {row['invoice_number']} has been posted for payment: "
                                                    "its documents can no longer be changed"])
    form = await request.form()
    upload_file = form.get("pdf")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        return render_invoice(request, invoice_id, ["Choose a PDF file to upload"])
    name = _safe_name(upload_file.filename)
    limit = MAX_PDF_BYTES
    data = await upload_file.read(limit + 1)
    if len(data) > limit:
        size = upload_file.size if upload_file.size and upload_file.size > limit else len(data)
        return render_invoice(request, invoice_id, [
            f"{name} is too large ({_size(size)}): the largest file accepted is {_size(limit)}"])
    if not data:
        return render_invoice(request, invoice_id, [f"{name} is empty: choose the invoice's PDF file"])
    if data.lstrip()[:5] != b"%PDF-":
        return render_invoice(request, invoice_id, [f"{name} is not a PDF file: only PDF files can be attached"])
    digest = hashlib.sha256(data).hexdigest()
    records.insert_file(conn, row["id"], name, data, digest, request.state.user.username)
    return redirect(f"/invoices/{row['id']}", request, f"{name} uploaded ({_size(len(data))}).")


async def download(request: Request) -> Response:
    """One of the invoice's PDFs, shown in the browser."""
    found = records.file(db(request), request.path_params["invoice_id"], request.path_params["file_id"])
    if found is None:
        return message_page(request, "Document not found", "There is no such document on this invoice.", 404,
                            kind="error")
    return Response(found["data"], media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{found["filename"]}"', "Cache-Control": "no-store"})


async def record_decision(request: Request) -> Response:
    """Record an approval (approver names and the signed PDF it refers to) or a rejection (with a reason)."""
    conn = db(request)
    invoice_id = request.path_params["invoice_id"]
    row = records.invoice(conn, invoice_id)
    if row is None:
        return render_invoice(request, invoice_id)
    form = await request.form()
    raw = {name: forms.text(form, name, limit=field_limit) for name, field_limit in
           (("decision", 20), ("approver", 80), ("approver2", 80), ("file_id", 20), ("reason", 500))}
    errors: list[str] = []
    if row["posted_at"]:
        errors.append(f"Invoice {row['invoice_number']} has been posted for payment: its approval can no longer "
                      "be changed")
    if raw["decision"] not in DECISIONS:
        errors.append("Choose the decision: Approved or Rejected")
    if not raw["approver"]:
        errors.append("Enter the approver's name")
    if raw["approver2"] and records.key(raw["approver2"]) == records.key(raw["approver"]):
        errors.append("The second approver must be a different person from the first")
    file_id = None
    if raw["file_id"]:
        digits = raw["file_id"].isdigit() and len(raw["file_id"]) < 10
        found = records.file(conn, row["id"], int(raw["file_id"])) if digits else None
        if found is None:
            errors.append("The signed PDF chosen is not one of this invoice's documents")
        else:
            file_id = found["id"]
    elif raw["decision"] == "approved":
        errors.append("Choose the signed PDF that carries this approval (upload it first)")
    if raw["decision"] == "rejected" and not raw["reason"]:
        errors.append("Enter the reason for the rejection")
    if errors:
        return render_invoice(request, row["id"], errors, raw)
    approvers = [name for name in (raw["approver"], raw["approver2"]) if name]
    records.insert_approval(conn, row["id"], raw["decision"], approvers, file_id, raw["reason"],
                            request.state.user.username)
    what = "Approval" if raw["decision"] == "approved" else "Rejection"
    return redirect(f"/invoices/{row['id']}", request, f"{what} by {' and '.join(approvers)} recorded.")


async def post_for_payment(request: Request) -> Response:
    """Post the invoice for payment in tonight's payment run; refused without a valid approval."""
    conn = db(request)
    invoice_id = request.path_params["invoice_id"]
    row = records.invoice(conn, invoice_id)
    if row is None:
        return render_invoice(request, invoice_id)
    number = row["invoice_number"]
    if row["posted_at"]:  # a second click, or a bot's retry after an error page: nothing more to do
        return redirect(f"/invoices/{row['id']}", request,
                        f"Invoice {number} was already posted for payment in payment run {row['payment_run']}.")
    approvals = records.approvals_of(conn, row["id"])
    if valid_approval(approvals) is None:
        message = NO_APPROVAL.format(number=number)
        if approvals and approvals[-1]["decision"] == "rejected":
            latest = approvals[-1]
            message += (f" (it was rejected by {' and '.join(latest['approvers'])} on "
                        f"{latest['recorded_at'][8:10]}/{latest['recorded_at'][5:7]}/{latest['recorded_at'][:4]})")
        return render_invoice(request, row["id"], [message])
    run = f"PR-{records.now_local():%Y%m%d}"
    records.mark_posted(conn, row["id"], run, request.state.user.username)
    return redirect(f"/invoices/{row['id']}", request, f"Invoice {number} posted for payment in payment run {run}.")
