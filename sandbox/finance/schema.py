"""The finance system's tables."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS suppliers (
    supplier_id TEXT PRIMARY KEY,              -- SUP-00001
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,                    -- casefolded, for search
    address TEXT NOT NULL DEFAULT '',
    vat_number TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS purchase_orders (
    po_number TEXT PRIMARY KEY,                -- PO-123456
    supplier_id TEXT NOT NULL REFERENCES suppliers (supplier_id),
    cost_centre TEXT NOT NULL,
    description TEXT NOT NULL,
    amount_net_pence INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'        -- open / closed
);
CREATE INDEX IF NOT EXISTS purchase_orders_by_supplier ON purchase_orders (supplier_id);

CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY,
    supplier_id TEXT NOT NULL REFERENCES suppliers (supplier_id),
    invoice_number TEXT NOT NULL,              -- as the supplier wrote it
    number_key TEXT NOT NULL,                  -- casefolded, no spaces: what "the same number" means
    invoice_date TEXT NOT NULL,                -- ISO date
    po_number TEXT NOT NULL REFERENCES purchase_orders (po_number),
    net_pence INTEGER NOT NULL,
    vat_pence INTEGER NOT NULL,
    total_pence INTEGER NOT NULL,
    registered_at TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    posted_at TEXT,
    posted_by TEXT,
    payment_run TEXT,
    UNIQUE (supplier_id, number_key)
);
CREATE INDEX IF NOT EXISTS invoices_by_po ON invoices (po_number);

CREATE TABLE IF NOT EXISTS invoice_files (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    filename TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invoice_files_by_invoice ON invoice_files (invoice_id);

CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    decision TEXT NOT NULL,                    -- approved / rejected
    approvers TEXT NOT NULL,                   -- JSON list of names
    file_id INTEGER REFERENCES invoice_files (id),  -- the signed PDF the decision refers to
    reason TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_by_invoice ON approvals (invoice_id);
"""

PO_STATUSES = ("open", "closed")
# What the register's status filter offers: value -> label.
INVOICE_STATUSES = {"pending": "Pending approval", "approved": "Approved", "rejected": "Rejected",
                    "posted": "Posted for payment"}
DECISIONS = {"approved": "Approved", "rejected": "Rejected"}
