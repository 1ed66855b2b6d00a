"""A supplier's invoice as a one-page PDF whose text can be extracted (pypdf ``extract_text``).

The labels a bot looks for, each followed by its value on the same line:

``Invoice number:``  ``Invoice date:`` (dd/mm/yyyy)  ``Purchase order:``  ``Due date:``
``VAT registration number:``  ``Net:``  ``VAT @ 20%:``  ``Total due:`` (amounts as ``£1,234.56``)

The supplier's name is the first line of the page, its address the lines below; the lines
table has the columns Description, Qty, Unit, Unit price, Amount. Made with ``invariant=1``.
"""

from __future__ import annotations

import io
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from sandbox.data.places import COUNCIL, COUNCIL_ADDRESS

from .invoices import Invoice


def money(value: Decimal) -> str:
    """``£1,234.56``."""
    return f"£{value:,.2f}"


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice's bytes (the same invoice always gives the same bytes)."""
    supplier = invoice.supplier
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"Invoice {invoice.invoice_number}")
    canvas.setAuthor(supplier.name)
    width, height = A4
    accent = colors.HexColor(["#2a9d8f", "#e76f51", "#264653", "#6d597a"][int(supplier.supplier_id[-1]) % 4])

    canvas.setFillColor(accent)
    canvas.rect(0, height - 12, width, 12, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(40, height - 50, supplier.name)
    canvas.setFont("Helvetica", 9)
    y = height - 66
    for part in supplier.address.split(", "):
        canvas.drawString(40, y, part)
        y -= 12
    canvas.drawString(40, y - 4, f"VAT registration number: {supplier.vat_number}")

    canvas.setFont("Helvetica-Bold", 22)
    canvas.setFillColor(accent)
    canvas.drawRightString(width - 40, height - 52, "INVOICE")
    canvas.setFillColor(colors.black)
    canvas.setFont("Helvetica", 10)
    y = height - 76
    for label, value in (("Invoice number:", invoice.invoice_number),
                         ("Invoice date:", f"{invoice.invoice_date:%d/%m/%Y}"),
                         ("Purchase order:", invoice.po_number),
                         ("Due date:", f"{invoice.due_date:%d/%m/%Y}")):
        canvas.drawRightString(width - 40, y, f"{label} {value}")
        y -= 14

    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(40, height - 170, "Invoice to:")
    canvas.setFont("Helvetica", 10)
    y = height - 184
    for part in (COUNCIL, "Accounts Payable", *COUNCIL_ADDRESS.split(", ")):
        canvas.drawString(40, y, part)
        y -= 13

    y = height - 280
    columns = ((40, "Description", "l"), (330, "Qty", "r"), (345, "Unit", "l"), (470, "Unit price", "r"),
               (555, "Amount", "r"))
    canvas.setFillColor(colors.HexColor("#eeeeee"))
    canvas.rect(36, y - 5, width - 72, 18, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    _row(canvas, columns, y, [c[1] for c in columns], "Helvetica-Bold")
    for line in invoice.lines:
        y -= 18
        _row(canvas, columns, y, [line.description, str(line.quantity), line.unit, money(line.unit_price),
                                  money(line.amount)])
    y -= 12
    canvas.line(330, y, width - 40, y)
    for label, value, font in (("Net:", invoice.net, "Helvetica"), ("VAT @ 20%:", invoice.vat, "Helvetica"),
                               ("Total due:", invoice.total, "Helvetica-Bold")):
        y -= 16
        _row(canvas, ((470, "", "r"), (555, "", "r")), y, [label, money(value)], font, 10)

    canvas.setFont("Helvetica", 8)
    canvas.drawString(40, 70, "Payment terms: 30 days from the invoice date. Please quote the invoice number "
                              "with your payment.")
    canvas.drawString(40, 58, "Bank: Sandbox Bank plc, sort code 00-00-00, account 00000000 "
                              "(synthetic test data; not a real supplier).")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _row(canvas: Canvas, columns: tuple[tuple[int, str, str], ...], y: float, cells: list[str],
         font: str = "Helvetica", size: int = 9) -> None:
    """One table row as one text object, so that text extraction keeps the row on one line."""
    text = canvas.beginText()
    text.setFont(font, size)
    for (x, _, align), cell in zip(columns, cells):
        text.setTextOrigin(x - stringWidth(cell, font, size) if align == "r" else x, y)
        text.textOut(cell)
    canvas.drawText(text)
