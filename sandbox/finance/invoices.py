"""The invoice register: the list, registering an invoice, and an invoice's page."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web import db, forms, message_page, redirect, render

from . import records
from .schema import DECISIONS, INVOICE_STATUSES

PAGE_SIZE = 50
# field -> form name; VAT's input has no id (found by its label, as in the legacy original)
NEW_FORM = {"supplier_id": "supplier_id", "invoice_number": "invoice_number", "invoice_date": "invoice_date",
            "po_number": "po_number", "net": "net", "vat": "f_vat", "total": "total"}


async def register(request: Request) -> Response:
    """The invoice register, newest first: search by invoice number, supplier and status."""
    conn = db(request)
    params = request.query_params
    raw = {name: params.get(name, "").strip() for name in ("number", "supplier", "status")}
    if raw["status"] not in INVOICE_STATUSES:
        raw["status"] = ""
    try:
        number = min(max(1, int(params.get("page", "1"))), 100_000)
    except ValueError:
        number = 1
    rows, total = records.find_invoices(conn, number=raw["number"], supplier_id=raw["supplier"], status=raw["status"],
                                        limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    query = {k: v for k, v in raw.items() if v}
    links = {label: f"/invoices?{urlencode({**query, 'page': n})}" for label, n in
             (("First", 1), ("Previous", number - 1), ("Next", number + 1), ("Last", pages)) if 1 <= n <= pages}
    return render(request, "invoices.html", {
        "rows": rows, "total": total, "first": (number - 1) * PAGE_SIZE + 1, "page": number, "pages": pages,
        "links": links, "raw": raw, "suppliers": records.suppliers(conn), "statuses": INVOICE_STATUSES,
        "status_of": records.status_of, "invoice_statuses": INVOICE_STATUSES,
    })


async def new_invoice(request: Request) -> Response:
    """Register an invoice: supplier, invoice number, date, PO number, net, VAT and total."""
    conn = db(request)
    raw = {field: request.query_params.get(field, "").strip()[:40] for field in NEW_FORM}
    errors: list[str] = []
    if request.method == "POST":
        form = await request.form()
        raw = {field: forms.text(form, name, limit=60) for field, name in NEW_FORM.items()}
        values, errors = read_invoice_form(conn, raw)
        if not errors:
            invoice_id = records.insert_invoice(conn, values, request.state.user.username)
            return redirect(f"/invoices/{invoice_id}", request,
                            f"Invoice {values['invoice_number']} registered (invoice ID {invoice_id}).")
    return render(request, "invoice_new.html", {"raw": raw, "names": NEW_FORM, "errors": errors,
                                                "suppliers": records.suppliers(conn)})


def read_invoice_form(conn: Any, raw: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The register form's values (amounts in pence, the date ISO) and the problems, in the form's order."""
    values: dict[str, Any] = {"supplier_id": raw["supplier_id"], "invoice_number": raw["invoice_number"],
                              "po_number": raw["po_number"].upper()}
    errors: list[str] = []
    supplier = records.supplier(conn, raw["supplier_id"]) if raw["supplier_id"] else None
    if supplier is None:
        errors.append("Select the supplier")
    if not raw["invoice_number"]:
        errors.append("Enter the invoice number")
    elif supplier is not None:
        earlier = records.invoice_by_number(conn, supplier["supplier_id"], raw["invoice_number"])
        if earlier is not None:
            errors.append(f"Invoice number {earlier['invoice_number']} is already registered for {supplier['name']} "
                          f"(invoice ID {earlier['id']}, registered {_uk_date(earlier['registered_at'])} by "
                          f"{earlier['registered_by']}): a supplier's invoice can be registered only once")
    try:
        day = forms.uk_date(raw["invoice_date"], "Invoice date")
        if day > records.now_local().date():
            errors.append("Invoice date cannot be in the future")
        elif day.year < 2000:
            errors.append("Invoice date is too far in the past")
        values["invoice_date"] = day.isoformat()
    except ValueError as exc:
        errors.append(str(exc) if raw["invoice_date"] else "Enter the invoice date")
    if not raw["po_number"]:
        errors.append("Enter the purchase order number")
    else:
        order = records.order(conn, raw["po_number"])
        if order is None:
            errors.append(f"Purchase order {values['po_number']} does not exist")
        elif supplier is not None and order["supplier_id"] != supplier["supplier_id"]:
            errors.append(f"Purchase order {order['po_number']} is for {order['supplier_name']}, "
                          f"not {supplier['name']}")
        elif order["status"] != "open":
            errors.append(f"Purchase order {order['po_number']} is closed: no more invoices can be registered "
                          "against it")
    amounts: dict[str, int] = {}
    for field, label in (("net", "Net amount"), ("vat", "VAT"), ("total", "Total")):
        try:
            amounts[field] = records.pence(raw[field], label, allow_zero=field == "vat")
        except ValueError as exc:
            errors.append(str(exc))
    if len(amounts) == 3 and amounts["net"] + amounts["vat"] != amounts["total"]:
        errors.append(f"Total ({records.money(amounts['total'])}) must equal net plus VAT "
                      f"({records.money(amounts['net'] + amounts['vat'])})")
    values.update(amounts)
    return values, errors


def _uk_date(iso: str) -> str:
    return date.fromisoformat(iso[:10]).strftime("%d/%m/%Y")


async def invoice_page(request: Request) -> Response:
    """One invoice: its details, documents, approvals, and the forms to upload, approve and post."""
    return render_invoice(request, request.path_params["invoice_id"])


def render_invoice(request: Request, invoice_id: int, errors: list[str] | None = None,
                   form: dict[str, str] | None = None) -> Response:
    """The invoice page, with ``errors`` in the red box and ``form`` (the approval form's values) kept."""
    conn = db(request)
    row = records.invoice(conn, invoice_id)
    if row is None:
        return message_page(request, "Invoice not found", "There is no invoice with that ID.", 404, kind="error")
    approvals = records.approvals_of(conn, row["id"])
    return render(request, "invoice.html", {
        "i": row, "status": records.status_of(row), "statuses": INVOICE_STATUSES,
        "files": records.files_of(conn, row["id"]),
        "approvals": approvals, "latest": approvals[-1] if approvals else None, "decisions": DECISIONS,
        "errors": errors or [], "form": form or {},
    })
