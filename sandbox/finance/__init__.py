"""The stand-in finance system: suppliers, purchase orders, the invoice register, approvals, payment.

Pages (all need login): purchase orders with a search by PO number, supplier and cost
centre (``/``), a purchase order (``/purchase-orders/PO-123456``); suppliers
(``/suppliers``, ``/suppliers/SUP-00001``); the invoice register (``/invoices``) and
registering an invoice (``/invoices/new``: supplier, invoice number, date, PO number, net,
VAT, total; the same supplier's invoice number twice is refused); an invoice's page
(``/invoices/17``) where its PDF is uploaded (multipart, at most ``MAX_PDF_BYTES``), an
approval or rejection is recorded (approver names and the signed PDF it refers to), and it
is posted for payment. Posting refuses an invoice without a valid approval, in red:
"Invoice INV-001234 cannot be posted: it has no valid approval"; otherwise it is marked
posted in tonight's payment run (``PR-YYYYMMDD``). Uploaded PDFs are kept in the
system's SQLite database.
"""
