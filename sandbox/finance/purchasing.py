"""Suppliers and purchase orders: the lists, the search by PO number, and one page each."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web import db, message_page, render

from . import records
from .schema import INVOICE_STATUSES, PO_STATUSES

PAGE_SIZE = 50


async def orders(request: Request) -> Response:
    """The start page: purchase orders, searched by PO number (in part), supplier, cost centre, status."""
    conn = db(request)
    params = request.query_params
    raw = {name: params.get(name, "").strip() for name in ("po", "supplier", "cost_centre", "status")}
    errors = []
    if raw["status"] and raw["status"] not in PO_STATUSES:
        errors.append("Select a status from the list")
        raw["status"] = ""
    try:
        number = min(max(1, int(params.get("page", "1"))), 100_000)
    except ValueError:
        number = 1
    rows, total = records.find_orders(conn, po=raw["po"], supplier_id=raw["supplier"], cost_centre=raw["cost_centre"],
                                      status=raw["status"], limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    query = {k: v for k, v in raw.items() if v}
    links = {label: f"/?{urlencode({**query, 'page': n})}" for label, n in
             (("First", 1), ("Previous", number - 1), ("Next", number + 1), ("Last", pages)) if 1 <= n <= pages}
    return render(request, "orders.html", {
        "rows": rows, "total": total, "first": (number - 1) * PAGE_SIZE + 1, "page": number, "pages": pages,
        "links": links, "raw": raw, "errors": errors, "suppliers": records.suppliers(conn),
        "cost_centres": records.cost_centres(conn), "statuses": PO_STATUSES, "centre_names": records.COST_CENTRE_NAMES,
        "searched": bool(query),
    })


async def order_page(request: Request) -> Response:
    """One purchase order: supplier, cost centre, amount, what has been invoiced against it."""
    conn = db(request)
    row = records.order(conn, request.path_params["po_number"])
    if row is None:
        po = request.path_params["po_number"][:30]
        return message_page(request, "Purchase order not found", f"There is no purchase order {po}.", 404,
                            kind="error")
    return render(request, "order.html", {
        "o": row, "centre_name": records.COST_CENTRE_NAMES.get(row["cost_centre"], ""),
        "remaining": row["amount_net_pence"] - row["invoiced_pence"],
        "invoices": records.invoices_of(conn, po_number=row["po_number"]), "status_of": records.status_of,
        "invoice_statuses": INVOICE_STATUSES,
    })


async def suppliers(request: Request) -> Response:
    """Every supplier (or those whose name contains the search), A to Z."""
    name = request.query_params.get("name", "").strip()
    return render(request, "suppliers.html", {"rows": records.suppliers(db(request), name), "name": name})


async def supplier_page(request: Request) -> Response:
    """One supplier: address, VAT number, purchase orders and invoices."""
    conn = db(request)
    row = records.supplier(conn, request.path_params["supplier_id"])
    if row is None:
        return message_page(request, "Supplier not found", "There is no supplier with that ID.", 404, kind="error")
    order_rows, _ = records.find_orders(conn, supplier_id=row["supplier_id"])
    return render(request, "supplier.html", {
        "s": row, "orders": order_rows, "invoices": records.invoices_of(conn, supplier_id=row["supplier_id"]),
        "status_of": records.status_of, "invoice_statuses": INVOICE_STATUSES,
    })
