"""Approval signatures: real PAdES signatures by pyHanko, checked the way the posting bot checks them."""

from __future__ import annotations

import io
import re

import pytest

from keywords.invoices.errors import SignatureRefused, SigningSetupError
from keywords.invoices.signing import SigningConfig, create_demo_certificate, sign_pdf, validate_signatures


def _two_signatures(pdf: bytes, config: SigningConfig) -> bytes:
    once = sign_pdf(pdf, signer_name="Priya Shah", role="Budget holder", reason="Goods received", config=config)
    return sign_pdf(once, signer_name="Tom Baxter", role="Finance director", reason="Approved", config=config)


def test_two_approvals_give_two_valid_trusted_signatures_in_one_pdf(invoice_pdf, signing):
    signed = _two_signatures(invoice_pdf, signing)

    report = validate_signatures(signed, trust_roots=signing)
    assert report.ok, report.problems
    assert report.signers == ["Priya Shah", "Tom Baxter"]
    assert [s.field for s in report.signatures] == ["Approval1-Priya-Shah", "Approval2-Tom-Baxter"]
    first, second = report.signatures
    assert first.intact and first.valid and first.trusted and first.coverage == "ENTIRE_REVISION"
    assert first.modification == "FORM_FILLING"  # the second signature was added, nothing else changed
    assert second.coverage == "ENTIRE_FILE" and second.modification == "NONE"
    assert "Finance director" in second.reason and second.signed_at is not None
    assert signed.startswith(invoice_pdf)  # incremental: the original bytes are untouched


def test_pyhanko_itself_finds_both_signatures_intact_and_trusted(invoice_pdf, signing):
    """The same verdict straight from pyHanko, with nothing of ours in between."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    signed = _two_signatures(invoice_pdf, signing)
    reader = PdfFileReader(io.BytesIO(signed))
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(signing.trust))], allow_fetching=False)
    statuses = [validate_pdf_signature(sig, context) for sig in reader.embedded_signatures]
    assert len(statuses) == 2
    assert all(s.intact and s.valid and s.trusted and s.bottom_line for s in statuses)
    assert statuses[-1].coverage.name == "ENTIRE_FILE"


def test_the_stamp_shows_the_approver_on_the_page(invoice_pdf, signing):
    from pypdf import PdfReader

    signed = sign_pdf(invoice_pdf, signer_name="Priya Shah", role="Budget holder", reason="", config=signing)
    page = PdfReader(io.BytesIO(signed)).pages[0]
    widgets = [a.get_object() for a in page["/Annots"]]
    assert [w["/T"] for w in widgets] == ["Approval1-Priya-Shah"]
    assert widgets[0]["/Rect"][2] > widgets[0]["/Rect"][0]  # visible: a real box on the page
    stream = widgets[0]["/AP"]["/N"].get_object()
    assert b"Priya Shah" in stream.get_data() or any(b"Priya Shah" in xobj.get_object().get_data()
                                                     for xobj in stream["/Resources"]["/XObject"].values())


def test_one_byte_changed_after_signing_is_refused(invoice_pdf, signing):
    signed = _two_signatures(invoice_pdf, signing)
    at = signed.index(b"Invoice ") + 8  # a byte of the invoice's own text, inside both signed ranges
    altered = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1:]

    report = validate_signatures(altered, trust_roots=signing)
    assert not report.ok
    assert "Priya Shah) does not match the document: the PDF was changed after signing" in report.problems[0]
    with pytest.raises(SignatureRefused, match=r"^BAD_SIGNATURE: the invoice PDF is refused: signature 1"):
        report.raise_if_refused()


def test_bytes_added_after_the_last_signature_are_refused(invoice_pdf, signing):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = _two_signatures(invoice_pdf, signing)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))  # a later edit: the invoice's title changed
    info = writer.trailer["/Info"].get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject("Invoice paid twice")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)

    report = validate_signatures(out.getvalue(), trust_roots=signing)
    assert report.problems == ["signature 2 (Approval2-Tom-Baxter, by Tom Baxter) does not cover the whole file: "
                               "the PDF was changed after signing"]


def test_a_signature_from_another_root_is_not_trusted(invoice_pdf, signing, tmp_path):
    stranger = create_demo_certificate(tmp_path / "elsewhere", organisation="Elsewhere Ltd", passphrase="x" * 12)
    signed = sign_pdf(invoice_pdf, signer_name="Priya Shah", role="Budget holder", reason="", config=signing)

    report = validate_signatures(signed, trust_roots=stranger["trust"])
    assert not report.ok and not report.signatures[0].trusted and report.signatures[0].intact
    assert "is by a certificate that is not trusted" in report.problems[0]
    assert "NIGHTSHIFT_SIGNING_TRUST" in report.problems[0]


def test_an_unsigned_or_damaged_pdf_is_refused(invoice_pdf, signing):
    assert validate_signatures(invoice_pdf, trust_roots=signing).problems == ["it carries no signature"]
    assert "not a readable PDF" in validate_signatures(b"%PDF-1.4 nonsense", trust_roots=signing).problems[0]


def test_set_up_errors_name_the_setting(invoice_pdf, signing, monkeypatch, tmp_path):
    missing = SigningConfig(tmp_path / "nope.pem", signing.key, signing.trust, signing.passphrase)
    with pytest.raises(SigningSetupError, match="does not exist: set NIGHTSHIFT_SIGNING_CERT"):
        sign_pdf(invoice_pdf, signer_name="A B", role="Budget holder", reason="", config=missing)

    wrong = SigningConfig(signing.cert, signing.key, signing.trust, b"not the passphrase")
    with pytest.raises(SigningSetupError, match="NIGHTSHIFT_SIGNING_KEY.*passphrase .*is wrong"):
        sign_pdf(invoice_pdf, signer_name="A B", role="Budget holder", reason="", config=wrong)

    other = create_demo_certificate(tmp_path / "other", organisation="Other", passphrase="y" * 12)
    mismatched = SigningConfig(signing.cert, other["key"], signing.trust, b"y" * 12)
    with pytest.raises(SigningSetupError, match="does not match the certificate"):
        sign_pdf(invoice_pdf, signer_name="A B", role="Budget holder", reason="", config=mismatched)

    monkeypatch.delenv("NIGHTSHIFT_SECRET_SIGNING_KEY")
    with pytest.raises(SigningSetupError, match="is encrypted: store its passphrase with 'nightshift secrets set"):
        sign_pdf(invoice_pdf, signer_name="A B", role="Budget holder", reason="",
                 config=SigningConfig.from_environment())


def test_settings_point_at_an_organisations_own_files(invoice_pdf, signing, monkeypatch, tmp_path):
    own = create_demo_certificate(tmp_path / "org", organisation="Org", passphrase="z" * 12)
    monkeypatch.setenv("NIGHTSHIFT_SIGNING_CERT", str(own["cert"]))
    monkeypatch.setenv("NIGHTSHIFT_SIGNING_KEY", str(own["key"]))
    monkeypatch.setenv("NIGHTSHIFT_SIGNING_TRUST", str(own["trust"]))
    config = SigningConfig.from_environment(passphrase="z" * 12)

    signed = sign_pdf(invoice_pdf, signer_name="Priya Shah", role="Budget holder", reason="", config=config)
    assert validate_signatures(signed, trust_roots=config).ok
    assert not validate_signatures(signed, trust_roots=signing).ok  # the demo root does not vouch for it


def test_signing_and_validation_work_where_an_event_loop_runs(invoice_pdf, signing):
    """Playwright's sync API in a robot and the portal's async pages both run an event loop, in
    which pyHanko's own ``asyncio.run`` would fail."""
    import asyncio

    async def page_handler() -> bool:
        signed = sign_pdf(invoice_pdf, signer_name="Priya Shah", role="Budget holder", reason="", config=signing)
        return validate_signatures(signed, trust_roots=signing).ok

    assert asyncio.run(page_handler())


# --- invoices the supplier signed before sending them -------------------------------------------------------------

def test_a_supplier_signed_invoice_passes_once_our_approvers_sign_after_the_supplier(invoice_pdf, signing):
    from supplier_signing import SUPPLIER, sign_as_supplier

    from keywords.invoices.signing import read_supplier_signatures

    arrived = sign_as_supplier(invoice_pdf)
    recorded = read_supplier_signatures(arrived, "invoice-001.pdf")
    assert [(s["field"], s["signed_by"]) for s in recorded] == [("SupplierSignature", SUPPLIER)]
    once = sign_pdf(arrived, signer_name="Priya Shah", role="Budget holder", reason="", config=signing,
                    supplier_signatures=len(recorded))
    twice = sign_pdf(once, signer_name="Tom Baxter", role="Finance director", reason="", config=signing,
                     supplier_signatures=len(recorded))
    assert twice.startswith(arrived)  # incremental: what the supplier signed is untouched

    report = validate_signatures(twice, trust_roots=signing, supplier_signatures=len(recorded))
    assert report.ok, report.problems
    assert report.signers == ["Priya Shah", "Tom Baxter"]  # ours only: the approval rules count these
    assert [s.field for s in report.signatures] == ["SupplierSignature", "Approval1-Priya-Shah",
                                                    "Approval2-Tom-Baxter"]
    (supplier,) = report.supplier
    assert supplier.intact and supplier.valid and not supplier.trusted and supplier.modification == "FORM_FILLING"
    assert supplier.summary.startswith(f"signed by the supplier: {SUPPLIER}, not checked against our trust root")
    assert all(s.trusted for s in report.signatures[1:])

    # Without the supplier's signature recorded, it is what it is: a certificate we do not trust.
    untrusted = validate_signatures(twice, trust_roots=signing)
    assert not untrusted.ok and "signature 1 (SupplierSignature) is by a certificate that is not trusted" in \
        untrusted.problems[0]
    # The supplier's signature alone is no approval.
    assert validate_signatures(arrived, trust_roots=signing, supplier_signatures=1).problems == [
        "it carries only the supplier's signature and no approval signature"]


def test_a_byte_the_supplier_signed_changed_is_refused(invoice_pdf, signing):
    from supplier_signing import SUPPLIER, sign_as_supplier

    arrived = sign_as_supplier(invoice_pdf)
    signed = sign_pdf(arrived, signer_name="Priya Shah", role="Budget holder", reason="", config=signing,
                      supplier_signatures=1)
    at = signed.index(b"Invoice ") + 8  # the invoice's own text: signed by the supplier and by us
    altered = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1:]

    report = validate_signatures(altered, trust_roots=signing, supplier_signatures=1)
    assert not report.ok and not report.supplier[0].intact
    assert report.problems[0] == (f"the supplier's signature 1 (SupplierSignature, by {SUPPLIER}) does not match "
                                  "the document: the PDF was changed after signing")
    with pytest.raises(SignatureRefused, match=r"^BAD_SIGNATURE: the invoice PDF is refused: the supplier's"):
        report.raise_if_refused()


def test_a_supplier_certification_locks_the_invoice_or_lets_us_sign_without_a_stamp(invoice_pdf, signing):
    from supplier_signing import SUPPLIER, sign_as_supplier

    from keywords.invoices.errors import InvoiceProblem
    from keywords.invoices.signing import read_supplier_signatures

    locked = sign_as_supplier(invoice_pdf, certify="no changes")
    with pytest.raises(InvoiceProblem, match="^" + re.escape(f'LOCKED_INVOICE: invoice-009.pdf is certified by its '
                                                             f'supplier ({SUPPLIER}) with "no changes allowed"')):
        read_supplier_signatures(locked, "invoice-009.pdf")
    with pytest.raises(InvoiceProblem, match="^LOCKED_INVOICE"):
        sign_pdf(locked, signer_name="Priya Shah", role="Budget holder", reason="", config=signing,
                 supplier_signatures=1)

    # Certified, allowing form filling and signing: our signature goes in without a visible stamp.
    certified = sign_as_supplier(invoice_pdf, certify="fill forms")
    assert len(read_supplier_signatures(certified, "invoice-009.pdf")) == 1
    signed = sign_pdf(certified, signer_name="Priya Shah", role="Budget holder", reason="", config=signing,
                      supplier_signatures=1)
    report = validate_signatures(signed, trust_roots=signing, supplier_signatures=1)
    assert report.ok and report.signers == ["Priya Shah"], report.problems
