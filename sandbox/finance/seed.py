"""Loading a generated world's suppliers and purchase orders into the finance system, idempotently.

``nightshift sandbox seed`` calls ``load(db_path, world)`` with the generator's world:
``world["finance_system"]["suppliers"]`` (``supplier_id, name, address, vat_number``) and
``world["finance_system"]["purchase_orders"]`` (``po_number, supplier_id, cost_centre,
description, amount_net`` a decimal string such as ``"1234.50"``, ``status`` open/closed).
Suppliers are keyed on their ID and purchase orders on their number: loading the same
world twice adds nothing the second time. Invoices are not seeded: the bots register them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sandbox.web import connect, ensure_schema

from . import records
from .schema import PO_STATUSES, SCHEMA


def load(db_path: Path, world: dict[str, Any]) -> dict[str, int]:
    """Add the world's suppliers and purchase orders not yet present; counts of those added.

    Returns ``{"suppliers": added, "purchase_orders": added}``. ``ValueError`` names the first
    record that cannot be loaded; nothing is half-loaded (it is all one transaction).
    """
    section = world.get("finance_system") or {}
    ensure_schema(Path(db_path), SCHEMA)
    conn = connect(Path(db_path))
    counts = {"suppliers": 0, "purchase_orders": 0}
    try:
        with conn:
            for i, supplier in enumerate(section.get("suppliers") or []):
                where = f"finance_system.suppliers[{i}]"
                supplier_id = _id(supplier.get("supplier_id"), r"[A-Z]{2,5}-\d+", "supplier_id", "SUP-00001", where)
                name = str(supplier.get("name") or "").strip()
                if not name:
                    raise ValueError(f"{where} ({supplier_id}): name must not be empty")
                cur = conn.execute(
                    "INSERT INTO suppliers (supplier_id, name, name_key, address, vat_number) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (supplier_id) DO NOTHING",
                    (supplier_id, name, records.key(name), str(supplier.get("address") or "").strip(),
                     str(supplier.get("vat_number") or "").strip()))
                counts["suppliers"] += cur.rowcount
            for i, order in enumerate(section.get("purchase_orders") or []):
                where = f"finance_system.purchase_orders[{i}]"
                po = _id(order.get("po_number"), r"PO-\d+", "po_number", "PO-123456", where)
                where = f"{where} ({po})"
                supplier_id = str(order.get("supplier_id") or "").strip().upper()
                if records.supplier(conn, supplier_id) is None:
                    raise ValueError(f"{where}: no supplier {supplier_id!r} in the world or the finance system")
                try:
                    amount = records.pence(str(order.get("amount_net") or ""), "amount_net", allow_zero=True)
                except ValueError:
                    raise ValueError(f"{where}: amount_net must be a decimal string such as \"1234.50\"") from None
                status = str(order.get("status") or "open")
                if status not in PO_STATUSES:
                    raise ValueError(f"{where}: status must be open or closed, not {status!r}")
                cur = conn.execute(
                    "INSERT INTO purchase_orders (po_number, supplier_id, cost_centre, description, amount_net_pence,"
                    " status) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (po_number) DO NOTHING",
                    (po, supplier_id, str(order.get("cost_centre") or "").strip(),
                     str(order.get("description") or "").strip(), amount, status))
                counts["purchase_orders"] += cur.rowcount
    finally:
        conn.close()
    return counts


def _id(raw: Any, pattern: str, field: str, example: str, where: str) -> str:
    value = str(raw or "").strip().upper()
    if not re.fullmatch(pattern, value):
        raise ValueError(f"{where}: {field} must look like {example}, not {value[:20]!r}")
    return value
