"""Reading a supplier invoice PDF: supplier, invoice number, date, PO number, net, VAT and total.

Suppliers' invoices put each value after a label on the same line (``Invoice number:``,
``Invoice date:``, ``Purchase order:``, ``Net:``, ``VAT @ 20%:``, ``Total due:``) and their own
name on the first line. pypdf's text extraction keeps those lines, so a few forgiving regular
expressions read them; what cannot be read, or does not add up (net plus VAT is not the total),
is an ``UNREADABLE_INVOICE`` BUSINESS failure naming the file and the field, for a person to
look at.
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .checks import parse_money
from .errors import InvoiceProblem

_AMOUNT = r"(?:£|GBP\s*)?\s*(-?[\d,]+\.\d{2})"
_LABELS: dict[str, tuple[str, str]] = {  # field -> (what a person calls it, pattern)
    "invoice_number": ("the invoice number", r"Invoice\s+(?:number|no\.?)\s*:?\s*([A-Za-z0-9][A-Za-z0-9/\-_.]*)"),
    "invoice_date": ("the invoice date", r"Invoice\s+date\s*:?\s*(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})"),
    "po_number": ("the purchase order number", r"(?:Purchase\s+order|PO\s+number|PO)\s*(?:no\.?)?\s*:?\s*"
                                               r"(PO-?\s*\d+)"),
    "net": ("the net amount", r"(?:^|\n)\s*(?:Net|Subtotal|Net\s+total)\s*:?\s*" + _AMOUNT),
    "vat": ("the VAT amount", r"(?:^|\n)\s*VAT(?:\s*@\s*[\d.]+\s*%)?\s*:?\s*" + _AMOUNT),
    "total": ("the total", r"(?:^|\n)\s*(?:Total\s+due|Total|Amount\s+due)\s*:?\s*" + _AMOUNT),
}
_VAT_NUMBER = re.compile(r"VAT\s+registration\s+number\s*:?\s*(GB[\s\d]{9,14})", re.IGNORECASE)


@dataclass(frozen=True)
class InvoiceData:
    """What an invoice says. Amounts are decimal strings (``"1234.50"``); the date is ISO."""

    supplier: str
    vat_number: str
    invoice_number: str
    invoice_date: str
    po_number: str
    net: str
    vat: str
    total: str

    @property
    def reference(self) -> str:
        """The work item's reference: the supplier and its invoice number (a supplier's numbers are unique)."""
        return f"{self.supplier} / {self.invoice_number}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def invoice_text(pdf: bytes | Path) -> str:
    """The text of every page of ``pdf`` (bytes or a path), pages separated by a blank line."""
    from pypdf import PdfReader

    data = Path(pdf).read_bytes() if isinstance(pdf, (str, Path)) else pdf
    reader = PdfReader(io.BytesIO(data))
    return "\n\n".join(page.extract_text() or "" for page in reader.pages)


def extract_invoice(pdf: bytes | Path, name: str = "") -> InvoiceData:
    """Read ``pdf`` (bytes or a path; ``name`` is how messages call it, default the file's name).

    ``InvoiceProblem`` (``UNREADABLE_INVOICE``) when it is not a readable PDF, a field is
    missing or cannot be read, or the amounts do not add up; the message names the file and
    the field, never an amount.
    """
    name = name or (Path(pdf).name if isinstance(pdf, (str, Path)) else "the invoice PDF")
    try:
        text = invoice_text(pdf)
    except Exception as exc:  # pypdf raises many types for damaged files
        raise InvoiceProblem("UNREADABLE_INVOICE", f"{name} cannot be read as a PDF ({type(exc).__name__}): ask "
                                                   "the supplier for a new copy") from None
    return parse_invoice_text(text, name)


def parse_invoice_text(text: str, name: str) -> InvoiceData:
    """The invoice's values from its extracted ``text`` (see ``extract_invoice``)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise InvoiceProblem("UNREADABLE_INVOICE", f"{name} has no text (a scanned image?): key it by hand or ask "
                                                   "the supplier for a PDF with text")
    found: dict[str, str] = {}
    missing: list[str] = []
    for key, (label, pattern) in _LABELS.items():
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            found[key] = match.group(1)
        else:
            missing.append(label)
    if missing:
        raise InvoiceProblem("UNREADABLE_INVOICE", f"{name}: {', '.join(missing)} cannot be found on the invoice; "
                                                   "check the PDF and key it by hand")
    amounts = {key: _amount(found[key], _LABELS[key][0], name) for key in ("net", "vat", "total")}
    if amounts["net"] + amounts["vat"] != amounts["total"]:
        raise InvoiceProblem("UNREADABLE_INVOICE", f"{name}: the net amount plus VAT does not equal the total on "
                                                   "the invoice; ask the supplier for a corrected invoice")
    vat_number = _VAT_NUMBER.search(text)
    return InvoiceData(
        supplier=lines[0], vat_number="".join(vat_number.group(1).split()) if vat_number else "",
        invoice_number=found["invoice_number"].strip(), invoice_date=_date(found["invoice_date"], name),
        po_number="PO-" + re.sub(r"\D", "", found["po_number"]),
        **{key: f"{value:.2f}" for key, value in amounts.items()})


def _amount(raw: str, label: str, name: str) -> Decimal:
    try:
        return parse_money(raw)
    except ValueError:
        raise InvoiceProblem("UNREADABLE_INVOICE", f"{name}: {label} cannot be read as an amount") from None


def _date(raw: str, name: str) -> str:
    try:
        day = date.fromisoformat(raw) if "-" in raw else datetime.strptime(raw, "%d/%m/%Y").date()
    except ValueError:
        raise InvoiceProblem("UNREADABLE_INVOICE", f"{name}: the invoice date {raw} is not a real date") from None
    return day.isoformat()
