"""Reading the generator's invoices, scored against its manifest, and routing them through the matrix."""

from __future__ import annotations

from decimal import Decimal

import pytest

from keywords.invoices.errors import InvoiceProblem
from keywords.invoices.extract import extract_invoice, parse_invoice_text
from keywords.invoices.matrix import MatrixError, NotAllowed, approval_step, load_matrix


def test_every_generated_invoice_reads_as_its_manifest_says(invoice_set):
    folder, manifest = invoice_set
    assert {e.defect for e in manifest.invoices} >= {None, "wrong_po", "wrong_amount", "duplicate_number"}
    for entry in manifest.invoices:
        data = extract_invoice(folder / entry.file)
        assert (data.supplier, data.invoice_number, data.invoice_date, data.po_number, data.net, data.vat,
                data.total) == (entry.supplier_name, entry.invoice_number, entry.invoice_date, entry.po_number,
                                entry.net, entry.vat, entry.total), entry.file
        assert data.vat_number.startswith("GB") and data.reference == f"{entry.supplier_name} / {entry.invoice_number}"


def test_an_invoice_that_cannot_be_read_names_the_file_and_the_field():
    with pytest.raises(InvoiceProblem, match=r"^UNREADABLE_INVOICE: scan-7\.pdf: the purchase order number cannot "
                                             r"be found"):
        parse_invoice_text("Acme Ltd\nInvoice number: A-1\nInvoice date: 01/11/2026\nNet: £10.00\n"
                           "VAT @ 20%: £2.00\nTotal due: £12.00", "scan-7.pdf")
    with pytest.raises(InvoiceProblem, match="net amount plus VAT does not equal the total"):
        parse_invoice_text("Acme Ltd\nInvoice number: A-1\nInvoice date: 01/11/2026\nPurchase order: PO-123456\n"
                           "Net: £10.00\nVAT @ 20%: £2.00\nTotal due: £13.00", "a.pdf")
    with pytest.raises(InvoiceProblem, match="cannot be read as a PDF"):
        extract_invoice(b"not a pdf at all", "mail.pdf")


def test_the_matrix_routes_by_cost_centre_and_band_with_a_second_approver_above_the_threshold():
    matrix = load_matrix()
    assert matrix.route(cost_centre="CS4120", net="2500.00", total="3000.00") == [
        {"slot": 1, "role": "Team manager", "person": ""}]
    assert matrix.route(cost_centre="cs4120", net="2500.01", total="3000.01")[0]["role"] == "Head of children's services"
    assert matrix.route(cost_centre="EY1150", net="120.00", total="144.00")[0]["role"] == "Budget holder"
    assert [s["role"] for s in matrix.route(cost_centre="CR9001", net="6762.00", total="8114.40")] == [
        "Head of service", "Finance director"]
    assert len(matrix.route(cost_centre="ED3305", net=Decimal("5000.00"), total="6000.00")) == 1


def test_generated_invoices_all_find_an_approver(invoice_set):
    _, manifest = invoice_set
    matrix = load_matrix()
    routes = [matrix.route(cost_centre=e.cost_centre, net=e.net, total=e.total) for e in manifest.invoices]
    assert all(r and r[0]["role"] for r in routes)


def test_a_broken_matrix_names_the_file_and_rule(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("schema_version: 1\nrules:\n  - cost_centres: '*'\n    approver: {}\n")
    with pytest.raises(MatrixError, match=r"m\.yaml, rule 1: approver needs a role or a person"):
        load_matrix(path)
    with pytest.raises(MatrixError, match="does not exist: set NIGHTSHIFT_APPROVAL_MATRIX"):
        load_matrix(tmp_path / "none.yaml")
    path.write_text("schema_version: 1\nrules:\n  - cost_centres: [CS4102]\n    approver: {person: Ann Lee}\n")
    with pytest.raises(InvoiceProblem, match="^NO_APPROVER: the approval matrix .* names no approver for cost centre "
                                             "EY1150"):
        load_matrix(path).route(cost_centre="EY1150", net="1", total="1.2")


def test_approval_step_gives_each_person_their_slot_once():
    payload = {"invoice_number": "INV-000042", "approvals": [],
               "approvers_required": [{"slot": 1, "role": "Head of service", "person": ""},
                                      {"slot": 2, "role": "Finance director", "person": ""}]}
    assert approval_step(payload, "Tom Baxter", "Finance director")["slot"] == 2
    assert approval_step(payload, "Priya Shah", "head of service")["slot"] == 1
    with pytest.raises(NotAllowed, match="waiting for approval by Head of service or Finance director, not by "
                                         "Budget holder"):
        approval_step(payload, "Ann Lee", "Budget holder")
    payload["approvals"].append({"slot": 1, "name": "Priya Shah", "role": "Head of service"})
    with pytest.raises(NotAllowed, match="already approved invoice INV-000042: the next approval must be by another"):
        approval_step({**payload, "approvers_required": payload["approvers_required"] + [
            {"slot": 3, "role": "Head of service", "person": ""}]}, "Priya Shah", "Head of service")
    payload["approvals"].append({"slot": 2, "name": "Tom Baxter", "role": "Finance director"})
    with pytest.raises(NotAllowed, match="already has all the approvals it needs"):
        approval_step(payload, "Tom Baxter", "Finance director")
    named = {"approvals": [], "approvers_required": [{"slot": 1, "role": "", "person": "Ann Lee"}]}
    assert approval_step(named, "ann  lee", "Anything")["slot"] == 1
    with pytest.raises(NotAllowed, match="waiting for approval by Ann Lee"):
        approval_step(named, "Bob Stone", "Anything")


ORDER = {"found": True, "po_number": "PO-117145", "supplier": "Parker Travel Ltd", "supplier_id": "SUP-00002",
         "cost_centre": "EY1150", "net": "2269.34", "status": "OPEN"}
INVOICE = {"supplier": "Parker Travel Ltd", "invoice_number": "INV-037481", "po_number": "PO-117145",
           "net": "2269.34", "total": "2723.21"}


def test_the_three_way_check_names_each_mismatch(monkeypatch):
    from keywords.invoices.checks import check_invoice

    check_invoice(INVOICE, ORDER)
    check_invoice({**INVOICE, "net": "2291.00"}, ORDER)  # £21.66 off: within 1% of £2,269.34
    with pytest.raises(InvoiceProblem, match=r"^WRONG_AMOUNT: Invoice INV-037481 from Parker Travel Ltd: the net "
                                             r"amount £2,400\.00 differs from purchase order PO-117145's £2,269\.34 "
                                             r"by £130\.66, more than the tolerance of £22\.69"):
        check_invoice({**INVOICE, "net": "2400.00"}, ORDER)
    with pytest.raises(InvoiceProblem, match="^WRONG_PO: .*PO-117145, which does not exist in the finance system"):
        check_invoice(INVOICE, {"found": False})
    with pytest.raises(InvoiceProblem, match=r"^WRONG_PO: .*belongs to another supplier \(SUP-00009\)"):
        check_invoice(INVOICE, {**ORDER, "supplier": "Bell Language Solutions Ltd", "supplier_id": "SUP-00009"})
    with pytest.raises(InvoiceProblem, match="^PO_CLOSED: .*purchase order PO-117145 is closed"):
        check_invoice(INVOICE, {**ORDER, "status": "CLOSED"})
    monkeypatch.setenv("INVOICE_TOLERANCE_POUNDS", "200")
    check_invoice({**INVOICE, "net": "2400.00"}, ORDER)
