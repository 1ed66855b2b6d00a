"""The three-way check: the invoice against its purchase order (supplier, PO, amount), then routing.

The purchase order is read from the finance system's page (``Read Purchase Order Page``); this
module only compares, so the rules can be tested without a browser. A failed check is an
``InvoiceProblem`` (BUSINESS) whose code and message name the mismatch:

| =Code= | =When= |
| ``WRONG_PO`` | the purchase order does not exist, or belongs to another supplier |
| ``PO_CLOSED`` | the purchase order is closed: nothing more may be invoiced against it |
| ``WRONG_AMOUNT`` | the net differs from the order's net by more than the tolerance |

The tolerance is the larger of ``INVOICE_TOLERANCE_POUNDS`` (default 5.00) and
``INVOICE_TOLERANCE_PERCENT`` (default 1) of the order's net: rounding and small delivery
charges pass, a wrong quantity does not.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InvoiceProblem
from .matrix import ApprovalMatrix

TOLERANCE_POUNDS_SETTING, TOLERANCE_PERCENT_SETTING = "INVOICE_TOLERANCE_POUNDS", "INVOICE_TOLERANCE_PERCENT"


def money(value: str | Decimal) -> str:
    """``£1,234.50``."""
    return f"£{Decimal(str(value)):,.2f}"


def parse_money(text: str) -> Decimal:
    """``£1,234.50`` (as a page shows it) as a ``Decimal``; ``ValueError`` if it is not an amount."""
    cleaned = re.sub(r"[£,\s]|GBP", "", text or "")
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount of money") from None


def tolerance(order_net: Decimal) -> Decimal:
    """How far an invoice's net may be from its order's and still pass."""
    try:
        pounds = Decimal(os.environ.get(TOLERANCE_POUNDS_SETTING, "") or "5.00")
        percent = Decimal(os.environ.get(TOLERANCE_PERCENT_SETTING, "") or "1")
    except InvalidOperation:
        raise ValueError(f"{TOLERANCE_POUNDS_SETTING} and {TOLERANCE_PERCENT_SETTING} must be numbers such as 5.00 "
                         "and 1") from None
    return max(pounds, (order_net * percent / 100).quantize(Decimal("0.01")))


def _same_name(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(re.sub(r"[^\w\s]", " ", s.casefold()).split())

    return norm(a) == norm(b)


def check_invoice(invoice: dict[str, Any], order: dict[str, Any] | None) -> None:
    """Raise ``InvoiceProblem`` naming the first mismatch between ``invoice`` (the work item's
    payload) and ``order`` (the PO page as ``Read Purchase Order Page`` returns it; ``None`` or
    ``{"found": False}`` when the system has no such order)."""
    who = f"Invoice {invoice['invoice_number']} from {invoice['supplier']}"
    po = invoice["po_number"]
    if not order or not order.get("found"):
        raise InvoiceProblem("WRONG_PO", f"{who} quotes purchase order {po}, which does not exist in the finance "
                                         "system: ask the supplier for the right PO number")
    if not _same_name(order["supplier"], invoice["supplier"]):
        raise InvoiceProblem("WRONG_PO", f"{who} quotes purchase order {po}, which belongs to another supplier "
                                         f"({order['supplier_id']}): ask the supplier for the right PO number")
    if order["status"].lower() != "open":
        raise InvoiceProblem("PO_CLOSED", f"{who}: purchase order {po} is closed; ask the budget holder whether "
                                          "to reopen it or raise a new order")
    net, order_net = Decimal(invoice["net"]), Decimal(str(order["net"]))
    allowed = tolerance(order_net)
    if abs(net - order_net) > allowed:
        raise InvoiceProblem("WRONG_AMOUNT", f"{who}: the net amount {money(net)} differs from purchase order {po}'s "
                                             f"{money(order_net)} by {money(abs(net - order_net))}, more than the "
                                             f"tolerance of {money(allowed)}: ask the supplier for a credit note or "
                                             "a corrected invoice")


def approval_payload(invoice: dict[str, Any], order: dict[str, Any], matrix: ApprovalMatrix) -> dict[str, Any]:
    """The ``invoices-approval`` item for a checked invoice: its values, the signatures it arrived
    with (``supplier_signatures``), the order's cost centre and supplier ID, the approvers the
    matrix requires, and no approvals yet."""
    slots = matrix.route(cost_centre=order["cost_centre"], net=invoice["net"], total=invoice["total"])
    keep = ("reference", "supplier", "vat_number", "invoice_number", "invoice_date", "po_number", "net", "vat",
            "total", "received_at", "source_file")
    return {**{k: invoice.get(k, "") for k in keep}, "supplier_id": order["supplier_id"],
            "cost_centre": order["cost_centre"], "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "supplier_signatures": invoice.get("supplier_signatures") or [], "approvers_required": slots,
            "approvals": []}
