"""The finance system's app: its pages, in one list."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from sandbox.web import SystemSettings, make_app, page

from . import approvals, invoices, purchasing, records
from .schema import SCHEMA

SYSTEM = "finance"
TITLE = "Finance System"
NAV = (("Purchase orders", "/"), ("Suppliers", "/suppliers"), ("Invoice register", "/invoices"),
       ("Register invoice", "/invoices/new"))


def create_app(settings: SystemSettings) -> Starlette:
    """The finance system on ``settings`` (its database is ``<settings.home>/finance.db``)."""
    routes = [
        page("/", purchasing.orders),
        page("/purchase-orders", purchasing.orders),
        page("/purchase-orders/{po_number}", purchasing.order_page),
        page("/suppliers", purchasing.suppliers),
        page("/suppliers/{supplier_id}", purchasing.supplier_page),
        page("/invoices", invoices.register),
        page("/invoices/new", invoices.new_invoice, methods=["GET", "POST"]),
        page("/invoices/{invoice_id:int}", invoices.invoice_page),
        page("/invoices/{invoice_id:int}/files", approvals.upload, methods=["POST"]),
        page("/invoices/{invoice_id:int}/files/{file_id:int}", approvals.download),
        page("/invoices/{invoice_id:int}/approval", approvals.record_decision, methods=["POST"]),
        page("/invoices/{invoice_id:int}/post", approvals.post_for_payment, methods=["POST"]),
    ]
    app = make_app(SYSTEM, TITLE, routes, Path(__file__).resolve().parent / "templates", settings,
                   schema=SCHEMA, nav=NAV)
    app.state.sandbox.env.filters["money"] = records.money
    return app
