"""Route supplier invoices for approval and e-signature, then post them for payment.

%TOC%

= Use =

| *** Settings ***
| Library    keywords.legacyweb
| Library    keywords.invoices
|
| *** Tasks ***
| Check one invoice
|     ${reading}=    Read Invoice Inbox    ${inbox}    queue=invoices
|     ${invoice}=    Set Variable    ${reading}[new][0]
|     Open Legacy System    %{FINANCE_SYSTEM_URL}
|     Log In    ${secret}[username]    ${secret}[password]
|     Go To Page    /purchase-orders/${invoice}[po_number]
|     ${order}=    Read Purchase Order Page
|     Check Invoice Against Purchase Order    ${invoice}    ${order}
|     ${approval}=    Route Invoice For Approval    ${invoice}    ${order}

``robots/invoices/`` is the whole bot: ``producer.robot`` (intake), ``checks.robot`` (the
three-way check and routing) and ``posting.robot`` (signatures checked, upload, approval
recorded, posted for payment). People approve in the portal, between checks and posting.

= The flow =

| =Queue= | =Who works it= | =What happens= |
| ``invoices-trigger`` | producer | reads the inbox: one ``invoices`` item per invoice (reference ``SUPPLIER / NUMBER``, the PDF attached, the supplier's own signatures listed as ``supplier_signatures``); a duplicate, an unreadable file or a supplier-signed PDF we cannot sign becomes a report item |
| ``invoices`` | checks | duplicate / unreadable / refused reports fail at once (BUSINESS ``DUPLICATE_INVOICE`` / ``UNREADABLE_INVOICE`` / ``BAD_SIGNATURE`` or ``LOCKED_INVOICE``); an invoice is checked against its purchase order on the finance system's pages (``WRONG_PO``, ``PO_CLOSED``, ``WRONG_AMOUNT``), then routed: an ``invoices-approval`` item |
| ``invoices-approval`` | people, in the portal | ``approve_invoice`` signs (PAdES) per approver; when all have signed, an ``invoices-posting`` item carries the signed PDF; ``reject_invoice`` fails it (BUSINESS ``REJECTED``) |
| ``invoices-posting`` | posting | signatures validated (``BAD_SIGNATURE`` otherwise; the supplier's must be intact, not trusted), the invoice registered, the signed PDF uploaded, the approval recorded, posted for payment; an ``invoices-posted`` item records the payment run and the time from receipt to posting |

= Python API for the portal =

Plain Python, no Robot Framework needed: ``approval_step(payload, user_name, user_role)``
(which slot this person may sign, or ``NotAllowed`` saying why), ``approve_invoice`` and
``reject_invoice`` (``keywords/invoices/approvals.py``), ``sign_pdf`` and
``validate_signatures`` (``keywords/invoices/signing.py``, where the signing settings are
described: ``NIGHTSHIFT_SIGNING_CERT``, ``NIGHTSHIFT_SIGNING_KEY``, ``NIGHTSHIFT_SIGNING_TRUST``,
the passphrase in the vault as ``signing_key``/``passphrase``).

= The approval matrix =

A YAML file, ``robots/invoices/approval-matrix.yaml`` by default (``NIGHTSHIFT_APPROVAL_MATRIX``
names another): rules by cost centre and amount band name the first approver (a role or a
person), and above a threshold a second, different person signs too. See
``keywords/invoices/matrix.py`` for the format.

= Errors =

Problems with an invoice are BUSINESS errors whose message starts with their code, e.g.
``WRONG_AMOUNT: Invoice INV-000123 from Parker Travel Ltd: the net amount £2,400.00 differs
from purchase order PO-117145's £2,269.34 …``; catch them with ``EXCEPT    WRONG_*    type=glob``.
A signing set-up that is missing or wrong raises ``SigningSetupError`` naming the setting.

= Personal data =

Invoices are business documents, but payloads are encrypted at rest like all others; keywords
log invoice numbers, suppliers and counts, never the key's passphrase. Run with
``--maxassignlength 0``.
"""

from __future__ import annotations

from robotlibcore import DynamicCore

from keywords.referrals.inbox import InboxKeywords

from .approvals import APPROVAL_QUEUE, POSTING_QUEUE, approve_invoice, reject_invoice
from .errors import InvoiceProblem, SignatureRefused, SigningSetupError
from .extract import InvoiceData, extract_invoice
from .keywords import CheckKeywords, IntakeKeywords, PostingKeywords
from .matrix import NotAllowed, approval_step, load_matrix
from .signing import SignatureReport, SigningConfig, sign_pdf, validate_signatures

__version__ = "0.1.0"
__all__ = ["APPROVAL_QUEUE", "POSTING_QUEUE", "InvoiceData", "InvoiceProblem", "Invoices", "NotAllowed",
           "SignatureRefused", "SignatureReport", "SigningConfig", "SigningSetupError", "approval_step",
           "approve_invoice", "extract_invoice", "load_matrix", "reject_invoice", "sign_pdf", "validate_signatures"]


class Invoices(DynamicCore):
    __doc__ = __doc__

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(self) -> None:
        # Archive Inbox File (and List Inbox Files) as the referral bot has them: never overwriting an archived file.
        super().__init__([IntakeKeywords(), CheckKeywords(), PostingKeywords(), InboxKeywords(None)])


# Robot Framework takes the class named like the module: ``Library    keywords.invoices``.
invoices = Invoices
