"""Reading and writing the finance system's records, and the amounts its forms take (in pence)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.data import COST_CENTRES

LONDON = ZoneInfo("Europe/London")
COST_CENTRE_NAMES = {c.code: c.name for c in COST_CENTRES}


def now_local() -> datetime:
    return datetime.now(LONDON).replace(tzinfo=None, microsecond=0)


def key(text: str) -> str:
    """How names are compared: casefolded, spaces squeezed."""
    return " ".join(text.split()).casefold()


def number_key(invoice_number: str) -> str:
    """How invoice numbers are compared: casefolded, without spaces (``inv 001`` is ``INV001``)."""
    return re.sub(r"\s+", "", invoice_number).casefold()


# -- amounts -------------------------------------------------------------------
def pence(raw: str, label: str, *, allow_zero: bool = False) -> int:
    """``1234.56``, ``1,234.56`` or ``£1,234.5`` as pence; ``ValueError`` with a message for the error box."""
    text = raw.strip().replace(",", "").removeprefix("£").strip()
    if not text:
        raise ValueError(f"Enter the {label.lower()}")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
        raise ValueError(f"{label} must be an amount in pounds and pence, such as 1234.56")
    try:
        value = int((Decimal(text) * 100).to_integral_exact())
    except InvalidOperation:
        raise ValueError(f"{label} must be an amount in pounds and pence, such as 1234.56") from None
    if value == 0 and not allow_zero:
        raise ValueError(f"{label} must be more than zero")
    if value >= 10**11:
        raise ValueError(f"{label} is too large")
    return value


def money(value: int | None) -> str:
    """Pence as ``£1,234.56`` (Jinja filter ``money``)."""
    if value is None:
        return ""
    return f"£{Decimal(value) / 100:,.2f}"


# -- suppliers and purchase orders ----------------------------------------------
def suppliers(conn: sqlite3.Connection, name: str = "") -> list[sqlite3.Row]:
    sql = ("SELECT s.*, (SELECT COUNT(*) FROM purchase_orders p WHERE p.supplier_id = s.supplier_id"
           " AND p.status = 'open') AS open_orders FROM suppliers s")
    args: list[Any] = []
    if name:
        sql += " WHERE s.name_key LIKE ?"
        args.append(f"%{key(name)}%")
    return conn.execute(sql + " ORDER BY s.name", args).fetchall()


def supplier(conn: sqlite3.Connection, supplier_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM suppliers WHERE supplier_id = ?", (supplier_id.strip().upper(),)).fetchone()


def find_orders(conn: sqlite3.Connection, *, po: str = "", supplier_id: str = "", cost_centre: str = "",
                status: str = "", limit: int = -1, offset: int = 0) -> tuple[list[sqlite3.Row], int]:
    """Purchase orders matching the search (a PO number matches in part, any case) and how many in all."""
    clauses, args = [], []
    if po:
        clauses.append("p.po_number LIKE ?")
        args.append(f"%{re.sub(r'[%_]', '', po.strip().upper())}%")
    for column, value in (("p.supplier_id", supplier_id), ("p.cost_centre", cost_centre), ("p.status", status)):
        if value:
            clauses.append(f"{column} = ?")
            args.append(value)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    total = conn.execute(f"SELECT COUNT(*) FROM purchase_orders p{where}", args).fetchone()[0]
    rows = conn.execute(f"SELECT p.*, s.name AS supplier_name FROM purchase_orders p JOIN suppliers s "
                        f"USING (supplier_id){where} ORDER BY p.po_number LIMIT ? OFFSET ?",
                        [*args, limit, offset]).fetchall()
    return rows, int(total)


def order(conn: sqlite3.Connection, po_number: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT p.*, s.name AS supplier_name, (SELECT COALESCE(SUM(i.net_pence), 0) FROM invoices i"
        " WHERE i.po_number = p.po_number) AS invoiced_pence FROM purchase_orders p JOIN suppliers s"
        " USING (supplier_id) WHERE p.po_number = ?", (po_number.strip().upper(),)).fetchone()


def cost_centres(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT cost_centre FROM purchase_orders ORDER BY cost_centre")]


# -- invoices ------------------------------------------------------------------
_INVOICE_SELECT = """
SELECT i.*, s.name AS supplier_name,
       (SELECT a.decision FROM approvals a WHERE a.invoice_id = i.id ORDER BY a.id DESC LIMIT 1) AS decision,
       (SELECT COUNT(*) FROM invoice_files f WHERE f.invoice_id = i.id) AS file_count
FROM invoices i JOIN suppliers s USING (supplier_id)
"""
_STATUS_WHERE = {
    "posted": "posted_at IS NOT NULL",
    "approved": "posted_at IS NULL AND decision = 'approved'",
    "rejected": "posted_at IS NULL AND decision = 'rejected'",
    "pending": "posted_at IS NULL AND decision IS NULL",
}


def status_of(row: Any) -> str:
    """``posted``, ``approved``, ``rejected`` or ``pending`` (a row of ``find_invoices``/``invoice``)."""
    if row["posted_at"]:
        return "posted"
    return row["decision"] or "pending"


def find_invoices(conn: sqlite3.Connection, *, number: str = "", supplier_id: str = "", status: str = "",
                  limit: int = -1, offset: int = 0) -> tuple[list[sqlite3.Row], int]:
    """The register, newest first, narrowed by invoice number (in part), supplier and status."""
    clauses, args = [], []
    if number:
        clauses.append("number_key LIKE ?")
        args.append(f"%{re.sub(r'[%_]', '', number_key(number))}%")
    if supplier_id:
        clauses.append("supplier_id = ?")
        args.append(supplier_id)
    if status in _STATUS_WHERE:
        clauses.append(_STATUS_WHERE[status])
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    base = f"SELECT * FROM ({_INVOICE_SELECT}){where}"
    total = conn.execute(f"SELECT COUNT(*) FROM ({base})", args).fetchone()[0]
    rows = conn.execute(f"{base} ORDER BY id DESC LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
    return rows, int(total)


def invoice(conn: sqlite3.Connection, invoice_id: int) -> sqlite3.Row | None:
    if not 0 < invoice_id < 2**62:  # beyond SQLite's integers: no such invoice, not a crash
        return None
    return conn.execute(f"{_INVOICE_SELECT} WHERE i.id = ?", (invoice_id,)).fetchone()


def invoice_by_number(conn: sqlite3.Connection, supplier_id: str, invoice_number: str) -> sqlite3.Row | None:
    return conn.execute(f"{_INVOICE_SELECT} WHERE i.supplier_id = ? AND i.number_key = ?",
                        (supplier_id, number_key(invoice_number))).fetchone()


def invoices_of(conn: sqlite3.Connection, *, po_number: str = "", supplier_id: str = "") -> list[sqlite3.Row]:
    column, value = ("i.po_number", po_number) if po_number else ("i.supplier_id", supplier_id)
    return conn.execute(f"{_INVOICE_SELECT} WHERE {column} = ? ORDER BY i.id", (value,)).fetchall()


def insert_invoice(conn: sqlite3.Connection, values: dict[str, Any], username: str) -> int:
    """Register an invoice (the caller checked it); its ID. Commits."""
    with conn:
        cur = conn.execute(
            "INSERT INTO invoices (supplier_id, invoice_number, number_key, invoice_date, po_number, net_pence,"
            " vat_pence, total_pence, registered_at, registered_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (values["supplier_id"], values["invoice_number"], number_key(values["invoice_number"]),
             values["invoice_date"], values["po_number"], values["net"], values["vat"], values["total"],
             now_local().isoformat(), username))
    return int(cur.lastrowid)


def files_of(conn: sqlite3.Connection, invoice_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT id, invoice_id, filename, size, sha256, uploaded_at, uploaded_by FROM invoice_files"
                        " WHERE invoice_id = ? ORDER BY id", (invoice_id,)).fetchall()


def file(conn: sqlite3.Connection, invoice_id: int, file_id: int) -> sqlite3.Row | None:
    if not (0 < invoice_id < 2**62 and 0 < file_id < 2**62):
        return None
    return conn.execute("SELECT * FROM invoice_files WHERE invoice_id = ? AND id = ?",
                        (invoice_id, file_id)).fetchone()


def insert_file(conn: sqlite3.Connection, invoice_id: int, filename: str, data: bytes, sha256: str,
                username: str) -> int:
    with conn:
        cur = conn.execute("INSERT INTO invoice_files (invoice_id, filename, size, sha256, data, uploaded_at,"
                           " uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (invoice_id, filename, len(data), sha256, data, now_local().isoformat(), username))
    return int(cur.lastrowid)


def approvals_of(conn: sqlite3.Connection, invoice_id: int) -> list[dict[str, Any]]:
    """The invoice's decisions, oldest first, with ``approvers`` as a list and the signed file's name."""
    rows = conn.execute("SELECT a.*, f.filename FROM approvals a LEFT JOIN invoice_files f ON f.id = a.file_id"
                        " WHERE a.invoice_id = ? ORDER BY a.id", (invoice_id,)).fetchall()
    return [{**dict(r), "approvers": json.loads(r["approvers"])} for r in rows]


def insert_approval(conn: sqlite3.Connection, invoice_id: int, decision: str, approvers: list[str],
                    file_id: int | None, reason: str, username: str) -> None:
    with conn:
        conn.execute("INSERT INTO approvals (invoice_id, decision, approvers, file_id, reason, recorded_at,"
                     " recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (invoice_id, decision, json.dumps(approvers), file_id, reason, now_local().isoformat(), username))


def mark_posted(conn: sqlite3.Connection, invoice_id: int, payment_run: str, username: str) -> bool:
    """Mark the invoice posted unless it already is; whether this call posted it."""
    with conn:
        cur = conn.execute("UPDATE invoices SET posted_at = ?, posted_by = ?, payment_run = ? WHERE id = ?"
                           " AND posted_at IS NULL", (now_local().isoformat(), username, payment_run, invoice_id))
    return cur.rowcount == 1
