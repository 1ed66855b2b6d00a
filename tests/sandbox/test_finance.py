"""The finance system driven through its pages in Chromium, as a clerk or the invoice bot would:
find a purchase order, register an invoice, attach its PDF, record an approval, post it for payment."""

from __future__ import annotations

import io
import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from reportlab.pdfgen.canvas import Canvas

from sandbox.finance import approvals, seed
from sandbox.web import db_path

pytestmark = pytest.mark.timeout(120)
SUPPLIERS = [
    {"supplier_id": "SUP-00001", "name": "Testwood Catering Ltd",
     "address": "Unit 4, 12 Example Road, Riverside, RV1 4AB", "vat_number": "GB 123 4567 89"},
    {"supplier_id": "SUP-00002", "name": "Examplefield Plumbing Services",
     "address": "3 Fictional Close, Millbrook, MB2 9XY", "vat_number": "GB 987 6543 21"},
]
ORDERS = [
    {"po_number": "PO-104501", "supplier_id": "SUP-00001", "cost_centre": "CS4102",
     "description": "School holiday lunches - Front Door", "amount_net": "1000.00", "status": "open"},
    {"po_number": "PO-104502", "supplier_id": "SUP-00002", "cost_centre": "CS4120",
     "description": "Boiler repair at a foster home", "amount_net": "250.50", "status": "open"},
    {"po_number": "PO-104503", "supplier_id": "SUP-00001", "cost_centre": "CS4102",
     "description": "Buffet for a training day", "amount_net": "80.00", "status": "closed"},
]
WORLD = {"finance_system": {"suppliers": SUPPLIERS, "purchase_orders": ORDERS}}
LONDON_TODAY = datetime.now(ZoneInfo("Europe/London")).date()  # the system's idea of today
TODAY = LONDON_TODAY.strftime("%d/%m/%Y")


def pdf(text: str = "Invoice INV-000123") -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 720, text)
    canvas.save()
    return buffer.getvalue()


@pytest.fixture
def finance(start_system):
    system = start_system("finance")
    assert seed.load(db_path("finance"), WORLD) == {"suppliers": 2, "purchase_orders": 3}
    return system


def register(page, url: str, number: str, supplier: str = "Testwood Catering Ltd", po: str = "PO-104501",
             net: str = "1000.00", vat: str = "200.00", total: str = "1,200.00") -> None:
    page.goto(f"{url}/invoices/new")
    page.get_by_label("Supplier").select_option(label=supplier)
    page.get_by_label("Invoice number").fill(number)
    page.get_by_label("Invoice date").fill(TODAY)
    page.get_by_label("PO number").fill(po)
    page.get_by_label("Net amount").fill(net)
    page.get_by_label("VAT").fill(vat)
    page.get_by_label("Total").fill(total)
    page.get_by_role("button", name="Register invoice").click()


def upload(page, name: str, data: bytes, mime: str = "application/pdf") -> None:
    page.get_by_label("Invoice PDF").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.get_by_role("button", name="Upload").click()


def test_a_purchase_order_is_found_by_its_number(finance, page, login):
    login(page, finance.url)
    assert "3 purchase orders" in page.locator("#result-count").inner_text()
    page.get_by_label("PO number").fill("po-104502")
    page.get_by_role("button", name="Find").click()
    rows = page.locator("#orders tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Examplefield Plumbing Services")
    page.get_by_role("link", name="PO-104502").click()
    details = page.locator("#po-details").inner_text()
    for expected in ("SUP-00002", "CS4120 - Children's Social Care - Fostering", "£250.50", "OPEN"):
        assert expected in details
    page.goto(f"{finance.url}/?po=PO-999999")
    assert "No purchase orders found." in page.content()


def test_register_upload_approve_and_post_for_payment(finance, page, login):
    login(page, finance.url)
    register(page, finance.url, "INV-000123")
    assert "Invoice INV-000123 registered (invoice ID 1)." in page.locator(".flash").inner_text()
    assert "Pending approval" in page.locator("#invoice-status").inner_text()

    page.get_by_role("button", name="Post for payment").click()
    expect(page.locator(".errors")).to_contain_text("Invoice INV-000123 cannot be posted: it has no valid approval")

    page.get_by_label("Approved").check()
    page.get_by_label("Approver name").fill("Dana Example")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".errors")).to_contain_text("Choose the signed PDF that carries this approval (upload it first)")

    signed = pdf()
    upload(page, "INV-000123-signed.pdf", signed)
    expect(page.locator(".flash")).to_contain_text("INV-000123-signed.pdf uploaded")
    link = page.get_by_role("link", name="INV-000123-signed.pdf")
    assert page.request.get(finance.url + link.get_attribute("href")).body() == signed  # stored as uploaded

    page.get_by_label("Approved").check()
    page.get_by_label("Approver name").fill("Dana Example")
    page.get_by_label("Second approver").fill("Lee Sample")
    page.get_by_label("Signed PDF").select_option(index=1)
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".flash")).to_contain_text("Approval by Dana Example and Lee Sample recorded.")
    expect(page.locator("#invoice-status")).to_contain_text("Approved")

    page.get_by_role("button", name="Post for payment").click()
    run = f"PR-{LONDON_TODAY:%Y%m%d}"
    expect(page.locator(".flash")).to_contain_text(f"Invoice INV-000123 posted for payment in payment run {run}.")
    expect(page.locator("#payment-run")).to_have_text(run)
    assert page.get_by_role("button", name="Post for payment").count() == 0  # nothing left to do

    page.goto(f"{finance.url}/invoices?status=posted")
    assert "INV-000123" in page.locator("#invoices").inner_text()
    page.goto(f"{finance.url}/purchase-orders/PO-104501")
    assert "£1,000.00" in page.locator("#po-details").inner_text() and "INV-000123" in page.content()


def test_a_duplicate_invoice_number_and_bad_amounts_are_refused(finance, page, login):
    login(page, finance.url)
    register(page, finance.url, "SI/2026/0042")
    assert "registered (invoice ID 1)" in page.locator(".flash").inner_text()
    register(page, finance.url, " si/2026/0042 ")
    assert ("Invoice number SI/2026/0042 is already registered for Testwood Catering Ltd (invoice ID 1"
            in page.locator(".errors").inner_text())
    # The same number from another supplier is another invoice.
    register(page, finance.url, "SI/2026/0042", supplier="Examplefield Plumbing Services", po="PO-104502",
             net="250.50", vat="50.10", total="300.60")
    assert "registered (invoice ID 2)" in page.locator(".flash").inner_text()

    register(page, finance.url, "INV-9", po="PO-104502", net="10", vat="2", total="12.01")
    errors = page.locator(".errors").inner_text()
    assert "Purchase order PO-104502 is for Examplefield Plumbing Services, not Testwood Catering Ltd" in errors
    assert "Total (£12.01) must equal net plus VAT (£12.00)" in errors
    register(page, finance.url, "INV-10", po="PO-104503", net="ten pounds")
    errors = page.locator(".errors").inner_text()
    assert "Purchase order PO-104503 is closed" in errors and "Net amount must be an amount in pounds" in errors
    assert page.get_by_label("Invoice number").input_value() == "INV-10"  # what was typed is kept


def test_a_rejected_invoice_cannot_be_posted(finance, page, login):
    login(page, finance.url)
    register(page, finance.url, "INV-000777")
    upload(page, "INV-000777.pdf", pdf("Invoice INV-000777"))
    page.get_by_label("Rejected").check()
    page.get_by_label("Approver name").fill("Dana Example")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".errors")).to_contain_text("Enter the reason for the rejection")
    page.get_by_label("Reason or comment").fill("Not ordered by this service")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".flash")).to_contain_text("Rejection by Dana Example recorded.")
    page.get_by_role("button", name="Post for payment").click()
    expect(page.locator(".errors")).to_contain_text(
        "Invoice INV-000777 cannot be posted: it has no valid approval (it was rejected by Dana Example on ")


def test_uploads_must_be_pdfs_within_the_size_limit(finance, page, login, monkeypatch):
    monkeypatch.setattr(approvals, "MAX_PDF_BYTES", 3000)
    login(page, finance.url)
    register(page, finance.url, "INV-000888")
    upload(page, "scan.pdf", b"%PDF-1.4\n" + b"%" * 6000)
    expect(page.locator(".errors")).to_contain_text("scan.pdf is too large (6 KB): the largest file accepted is 3 KB")
    upload(page, "notes.txt", b"not a pdf", mime="text/plain")
    expect(page.locator(".errors")).to_contain_text("notes.txt is not a PDF file")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".errors")).to_contain_text("Choose a PDF file to upload")
    expect(page.get_by_text("No documents attached.")).to_be_visible()


def test_a_post_without_the_form_token_is_refused(finance, page, login):
    login(page, finance.url)
    register(page, finance.url, "INV-000999")
    refused = page.request.post(f"{finance.url}/invoices/1/post", form={"reason": "no token"})
    assert refused.status == 403 and "Invalid or missing form token" in refused.text()
    page.reload()
    expect(page.locator("#invoice-status")).to_contain_text("Pending approval")


def test_seed_loaders_are_idempotent_on_a_generated_world(nightshift_home, tmp_path):
    from sandbox.booking import seed as booking_seed
    from sandbox.generate import generate, read_world

    generate(tmp_path / "set", seed=5, referrals=0, invoices=6, bookings=20, reference_date=date(2026, 1, 14))
    world = read_world(tmp_path / "set" / "world.json")
    section = world["finance_system"]
    first = seed.load(db_path("finance"), world)
    assert first == {"suppliers": len(section["suppliers"]), "purchase_orders": len(section["purchase_orders"])}
    assert seed.load(db_path("finance"), world) == {"suppliers": 0, "purchase_orders": 0}
    bookings = booking_seed.load(db_path("booking"), world)
    assert bookings == {"bookings": len(world["booking_system"]["bookings"])} and bookings["bookings"] > 0
    assert booking_seed.load(db_path("booking"), world) == {"bookings": 0}
    with sqlite3.connect(db_path("finance")) as conn:
        assert conn.execute("SELECT COUNT(*) FROM purchase_orders").fetchone()[0] == first["purchase_orders"]


def test_seed_names_the_record_it_cannot_load(nightshift_home):
    bad = {"finance_system": {"suppliers": SUPPLIERS, "purchase_orders": [{**ORDERS[0], "amount_net": "£lots"}]}}
    with pytest.raises(ValueError, match=r"purchase_orders\[0\] \(PO-104501\): amount_net must be a decimal"):
        seed.load(db_path("finance"), bad)
    with sqlite3.connect(db_path("finance")) as conn:  # nothing half-loaded
        assert conn.execute("SELECT COUNT(*) FROM suppliers").fetchone()[0] == 0
