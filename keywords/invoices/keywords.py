"""The invoice bot's keywords: intake, the three-way check and routing, the finance system's pages, posting."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn

from .checks import approval_payload, check_invoice, parse_money
from .errors import SignatureRefused
from .inbox import read_inbox
from .matrix import load_matrix
from .signing import SigningConfig, supplier_note, validate_signatures

def _ctx() -> Any:
    """The page ``keywords.legacyweb`` has open (same browser, same login)."""
    return BuiltIn().get_library_instance("keywords.legacyweb").ctx


def _details(table_id: str) -> dict[str, str]:
    return BuiltIn().run_keyword("Get Details Table", f"id={table_id}")


class IntakeKeywords:
    """Read the inbox: one payload per invoice, duplicates and unreadable files reported."""

    @keyword
    def read_invoice_inbox(self, inbox: Path, queue: str = "invoices", run_id: str = "") -> dict[str, Any]:
        """Read every PDF in ``inbox`` and say what to queue on ``queue`` (the producer's output queue).

        Returns ``{"new": [payload, …], "skipped": [file, …], "counts": {…}}``. Each payload has
        ``kind`` (``invoice``, ``duplicate`` or ``unreadable``), ``reference``, ``path`` (the PDF
        to attach), ``source_file`` and, for an invoice, what it says (``supplier``,
        ``invoice_number``, ``invoice_date``, ``po_number``, ``net``, ``vat``, ``total``,
        ``received_at``). A duplicate's ``message`` names the original. Only counts are logged.

        | ${reading}=    Read Invoice Inbox    ${inbox}    queue=%{NIGHTSHIFT_OUTPUT_QUEUE}    run_id=${run_id}
        """
        reading = read_inbox(Path(inbox), queue=queue, run_id=run_id)
        logger.info(f"Invoice inbox {Path(inbox).name}: " + ", ".join(f"{k} {n}" for k, n in reading.counts.items()))
        for name in reading.skipped:
            logger.warn(f"{name} was queued before (a rerun after a crash): not queued again.")
        return {"new": reading.new, "skipped": reading.skipped, "counts": reading.counts}


class CheckKeywords:
    """The three-way check against the purchase order, and routing through the approval matrix."""

    @keyword
    def read_purchase_order_page(self) -> dict[str, Any]:
        """The purchase order the finance system's page shows now: ``{"found": True, "po_number",
        "supplier", "supplier_id", "cost_centre", "net", "status"}``, or ``{"found": False}`` on
        its "Purchase order not found" page.

        | Go To Page    /purchase-orders/${invoice}[po_number]
        | ${order}=    Read Purchase Order Page
        """
        from keywords.legacyweb import UnexpectedPage

        details = _details("po-details")
        if not details:
            heading = BuiltIn().run_keyword("Get Page Heading")
            if "purchase order not found" in str(heading).lower():
                return {"found": False}
            # An ApplicationError: the step is repeated, as for any page that did not come.
            raise UnexpectedPage(f"the page \"{heading}\" came instead of a purchase order", page=_ctx().path())
        return {"found": True, "po_number": details.get("PO number", ""), "supplier": details.get("Supplier", ""),
                "supplier_id": details.get("Supplier ID", ""),
                "cost_centre": details.get("Cost centre", "").split(" - ")[0].strip(),
                "net": str(parse_money(details.get("Net amount", ""))), "status": details.get("Status", "")}

    @keyword
    def check_invoice_against_purchase_order(self, invoice: dict[str, Any], order: dict[str, Any]) -> None:
        """Fail with ``WRONG_PO: …``, ``PO_CLOSED: …`` or ``WRONG_AMOUNT: …`` (BUSINESS errors naming the
        mismatch) unless the invoice's supplier, PO and net agree with ``order`` within the tolerance.

        | Check Invoice Against Purchase Order    ${invoice}    ${order}
        """
        check_invoice(invoice, order)
        logger.info(f"Invoice {invoice['invoice_number']} agrees with purchase order {invoice['po_number']}.")

    @keyword
    def route_invoice_for_approval(self, invoice: dict[str, Any], order: dict[str, Any],
                                   matrix: str = "") -> dict[str, Any]:
        """The approval item's payload: the invoice, the order's cost centre and the approvers the
        matrix (``matrix``, else ``NIGHTSHIFT_APPROVAL_MATRIX``, else ``robots/invoices/approval-matrix.yaml``)
        requires. Fails with ``NO_APPROVER: …`` when the matrix has no rule for it.

        | ${approval}=    Route Invoice For Approval    ${invoice}    ${order}
        """
        payload = approval_payload(invoice, order, load_matrix(matrix or None))
        logger.info(f"Invoice {invoice['invoice_number']} needs approval by "
                    + " and ".join(s["role"] or s["person"] for s in payload["approvers_required"]) + ".")
        return payload


class PostingKeywords:
    """Signatures checked before posting; the finance system's invoice page read and written."""

    @keyword
    def signed_invoice_should_be_valid(self, pdf: Path, approvals: list[dict[str, Any]] | None = None,
                                       supplier_signatures: list[dict[str, Any]] | None = None) -> list[str]:
        """Fail with ``BAD_SIGNATURE: …`` (BUSINESS) unless every signature of ``pdf`` is intact,
        valid and trusted (``NIGHTSHIFT_SIGNING_TRUST``), the last covers the whole file, and each
        of ``approvals`` (the item's ``[{"name", …}]``) has its signature. Returns our signers.

        ``supplier_signatures`` (the item's, as intake found them) are the signatures the PDF
        arrived with, the first ones in it: they must still be intact and valid, but are not
        checked against our trust root, which vouches for our approvers only; the log says so.

        | ${signers}=    Signed Invoice Should Be Valid    ${pdf}    ${item}[approvals]
        | ...    supplier_signatures=${item}[supplier_signatures]
        """
        report = validate_signatures(Path(pdf).read_bytes(), trust_roots=SigningConfig.from_environment(passphrase=""),
                                     supplier_signatures=len(supplier_signatures or []))
        report.raise_if_refused(f"the signed invoice {Path(pdf).name}")
        missing = [a["name"] for a in approvals or [] if a["name"] not in report.signers]
        if missing:
            raise SignatureRefused(f"the signed invoice {Path(pdf).name} has no signature by {', '.join(missing)}, "
                                   "who approved it: have it approved and signed again")
        for check in report.supplier:
            logger.info(f"{Path(pdf).name}: {check.summary}.")
        logger.info(f"{Path(pdf).name}: {len(report.signers)} approval signature(s), intact, valid and trusted.")
        return report.signers

    @keyword
    def read_finance_invoice_page(self) -> dict[str, Any]:
        """The invoice page open now: ``{"id", "status", "payment_run", "files": [names], "approvals": [rows]}``.

        | ${invoice}=    Read Finance Invoice Page
        """
        from keywords.legacyweb import UnexpectedPage

        ctx = _ctx()
        details = _details("invoice-details")
        if not details:
            raise UnexpectedPage("the invoice page did not come", page=ctx.path())
        files = [r.get("Document", "") for r in BuiltIn().run_keyword("Get Table Rows", "id=invoice-files")]
        approvals = BuiltIn().run_keyword("Get Table Rows", "id=approvals")
        run = ctx.page.locator("#payment-run")
        return {"id": details.get("Invoice ID", ""), "status": details.get("Status", ""),
                "payment_run": run.first.inner_text().strip() if run.count() else "",
                "files": files, "approvals": approvals}

    @keyword
    def posting_record(self, item: dict[str, Any], finance_invoice_id: str, payment_run: str) -> dict[str, Any]:
        """The output item of a posted invoice: what was posted, when, and the time from receipt to posting.
        A supplier's signatures are listed as ``supplier_signatures`` and described in ``signatures_note``.

        | ${record}=    Posting Record    ${item}    ${invoice_id}    ${payment_run}
        """
        posted = datetime.now(timezone.utc)
        received = datetime.fromisoformat(item["received_at"]) if item.get("received_at") else None
        seconds = round((posted - received).total_seconds()) if received else None
        keep = ("reference", "supplier", "supplier_id", "invoice_number", "invoice_date", "po_number", "net", "vat",
                "total", "cost_centre", "received_at", "approvals", "supplier_signatures")
        supplier = [f"{supplier_note(s.get('signed_by'))} (intact)" for s in item.get("supplier_signatures") or []]
        return {**{k: item.get(k) for k in keep}, "signatures_note": "; ".join(supplier),
                "finance_invoice_id": finance_invoice_id,
                "payment_run": payment_run, "posted_at": posted.isoformat(timespec="seconds"),
                "receipt_to_posting_seconds": seconds}

    @keyword
    def approver_names(self, approvals: list[dict[str, Any]]) -> list[str]:
        """The names of the approvals in slot order, for the finance system's approval form (two at most).

        | ${first}    ${second}=    Approver Names    ${item}[approvals]
        """
        names = [a["name"] for a in sorted(approvals, key=lambda a: a["slot"])]
        return (names + ["", ""])[:2] if len(names) <= 2 else [names[0], ", ".join(names[1:])]
