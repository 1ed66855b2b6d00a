"""Supplier invoices against purchase orders, some of them wrong.

``plan_invoices`` makes the finance system's suppliers and purchase orders and the invoices
that arrive for them. A clean invoice quotes an open purchase order of its own supplier and
its net amount equals the order's. Defects (``INVOICE_DEFECTS``), each labelled:

======================  =====================================================  ====================
defect                  what is wrong                                          a correct bot
======================  =====================================================  ====================
``wrong_po``            the purchase order quoted does not exist, or belongs   business failure
                        to another supplier (``mismatch.problem`` says which)
``wrong_amount``        the net differs from the order's by at least 5% and     business failure
                        at least 20 pounds
``duplicate_number``    the same supplier's invoice number again (the          duplicate: no second
                        supplier re-sent it)                                   item, reported
======================  =====================================================  ====================

Amounts are ``Decimal`` pounds; VAT is 20% of the net, rounded half up to the penny.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from faker import Faker

from sandbox.data import COST_CENTRES, Supplier, make_suppliers
from sandbox.data.organisations import TRADES

INVOICE_DEFECTS = ("wrong_po", "wrong_amount", "duplicate_number")
VAT_RATE = Decimal("0.20")
PENNY = Decimal("0.01")
_NUMBER_STYLES = ("INV-{n:06d}", "{initials}{n:05d}", "SI/{year}/{n:04d}", "{n}")


@dataclass
class InvoiceLine:
    description: str
    quantity: int
    unit: str
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(PENNY)


@dataclass
class Invoice:
    """One invoice as its PDF shows it, with the ground truth about it."""

    supplier: Supplier
    invoice_number: str
    invoice_date: date
    po_number: str
    cost_centre: str
    lines: list[InvoiceLine]
    defect: str | None = None
    mismatch: dict[str, str] | None = None
    duplicate_of: Invoice | None = None
    file: str = ""

    @property
    def net(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return (self.net * VAT_RATE).quantize(PENNY, rounding=ROUND_HALF_UP)

    @property
    def total(self) -> Decimal:
        return self.net + self.vat

    @property
    def due_date(self) -> date:
        return self.invoice_date + timedelta(days=30)

    @property
    def expect(self) -> str:
        """``approve-route``, ``business-failure`` or ``duplicate``."""
        if self.defect == "duplicate_number":
            return "duplicate"
        return "business-failure" if self.defect else "approve-route"


def plan_invoices(rng: random.Random, fake: Faker, *, count: int, defect_rate: float, reference_date: date
                  ) -> tuple[list[Supplier], list[dict[str, Any]], list[Invoice]]:
    """Suppliers, purchase orders (``world["finance_system"]`` shapes) and ``count`` invoices,
    ``round(count * defect_rate)`` of them defective, the kinds in turn."""
    suppliers = make_suppliers(rng, fake, max(4, min(12, count // 3 + 2)))
    styles = {s.supplier_id: (rng.choice(_NUMBER_STYLES), rng.randint(1000, 40000)) for s in suppliers}
    n_defects = round(count * defect_rate)
    kinds = list(INVOICE_DEFECTS)
    rng.shuffle(kinds)
    defects = dict(zip(rng.sample(range(count), n_defects), (kinds[i % len(kinds)] for i in range(n_defects))))
    orders: list[dict[str, Any]] = []
    next_po = [rng.randint(104_000, 180_000)]

    def new_order(supplier: Supplier, net: Decimal, description: str, status: str = "open") -> dict[str, Any]:
        next_po[0] += rng.randint(1, 40)
        cost_centre = rng.choice(COST_CENTRES)
        order = {"po_number": f"PO-{next_po[0]}", "supplier_id": supplier.supplier_id,
                 "cost_centre": cost_centre.code, "description": f"{description} - {cost_centre.name}",
                 "amount_net": f"{net:.2f}", "status": status}
        orders.append(order)
        return order

    invoices: list[Invoice] = []
    for slot in range(count):
        if defects.get(slot) == "duplicate_number":
            continue
        supplier = rng.choice(suppliers)
        lines = _lines(rng, supplier)
        order = new_order(supplier, sum((line.amount for line in lines), Decimal("0.00")), lines[0].description)
        style, counter = styles[supplier.supplier_id]
        counter += rng.randint(1, 9)
        styles[supplier.supplier_id] = (style, counter)
        number = style.format(n=counter, year=reference_date.year, initials=_initials(supplier.name))
        day = reference_date - timedelta(days=rng.randint(1, 25))
        invoices.append(Invoice(supplier, number, day, order["po_number"], order["cost_centre"], lines))
        if defects.get(slot):
            _apply_defect(rng, invoices[-1], defects[slot], order, suppliers, new_order)

    pool = [i for i in invoices if i.defect is None] or invoices  # resend a wrong one when none is right
    copies = []
    for original in rng.sample(pool, min(len(pool), sum(1 for k in defects.values() if k == "duplicate_number"))):
        copies.append(Invoice(original.supplier, original.invoice_number, original.invoice_date, original.po_number,
                              original.cost_centre, list(original.lines), "duplicate_number",
                              {"invoice_number": original.invoice_number, "problem": "invoice number already received"},
                              duplicate_of=original))
    for supplier in suppliers:  # orders with nothing to invoice tonight, some already closed
        for _ in range(rng.randint(1, 2)):
            lines = _lines(rng, supplier)
            new_order(supplier, sum((line.amount for line in lines), Decimal("0.00")), lines[0].description,
                      "closed" if rng.random() < 0.3 else "open")
    known = {order["po_number"] for order in orders}
    for invoice in invoices:  # a mistyped number must not hit an order made after it
        if invoice.mismatch and invoice.mismatch["problem"] == "no such purchase order":
            while invoice.po_number in known:
                invoice.po_number = f"PO-{rng.randint(900_000, 999_999)}"
            invoice.mismatch["po_number"] = invoice.po_number
    invoices.sort(key=lambda i: (i.invoice_date, i.supplier.supplier_id, i.invoice_number))
    return suppliers, orders, invoices + copies


def _lines(rng: random.Random, supplier: Supplier) -> list[InvoiceLine]:
    items = list(TRADES[supplier.trade][1])
    rng.shuffle(items)
    lines = []
    for description, unit, low, high in items[: rng.randint(1, len(items))]:
        price = Decimal(rng.randint(low * 100, high * 100)) / 100
        if price >= 100:
            price = price.quantize(Decimal("1"))  # larger prices are usually whole pounds
        quantity = rng.randint(30, 400) if unit == "minute" else rng.randint(1, 40) if price < 100 else rng.randint(1, 6)
        lines.append(InvoiceLine(description, quantity, unit, price.quantize(PENNY)))
    return lines


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper()


def _apply_defect(rng: random.Random, invoice: Invoice, defect: str, order: dict[str, Any],
                  suppliers: list[Supplier], new_order: Any) -> None:
    invoice.defect = defect
    if defect == "wrong_amount":
        first = invoice.lines[0]
        po_net = Decimal(order["amount_net"])
        extra = 1
        while True:
            bumped = InvoiceLine(first.description, first.quantity + extra, first.unit, first.unit_price)
            net = po_net - first.amount + bumped.amount
            if net - po_net >= max(Decimal(20), po_net * Decimal("0.05")):
                break
            extra += 1
        invoice.lines[0] = bumped
        invoice.mismatch = {"po_number": order["po_number"], "po_net": order["amount_net"], "invoice_net": f"{net:.2f}",
                            "problem": "net amount differs from the purchase order"}
        return
    # wrong_po: the supplier's real order exists, but the invoice quotes another number
    others = [s for s in suppliers if s.supplier_id != invoice.supplier.supplier_id]
    if others and rng.random() < 0.5:
        other = rng.choice(others)
        lines = _lines(rng, other)
        foreign = new_order(other, sum((line.amount for line in lines), Decimal("0.00")), lines[0].description)
        invoice.po_number = foreign["po_number"]
        problem = f"purchase order belongs to another supplier ({other.supplier_id})"
    else:
        digits = order["po_number"].removeprefix("PO-")
        invoice.po_number = f"PO-{digits[:-2]}{digits[-1]}{digits[-2]}"  # two digits swapped
        problem = "no such purchase order"
    invoice.mismatch = {"po_number": invoice.po_number, "intended_po_number": order["po_number"], "problem": problem}
