"""What stops an invoice: BUSINESS problems with the invoice, and signing set-ups that are wrong.

``InvoiceProblem`` is a BUSINESS error (the invoice is wrong; trying again gives the same
answer): its ``code`` says which kind (``WRONG_PO``, ``WRONG_AMOUNT``, ``WRONG_SUPPLIER``,
``UNREADABLE_INVOICE``, ``LOCKED_INVOICE``, ``NOT_ALLOWED``, ``BAD_SIGNATURE``) and Robot Framework shows it as
``WRONG_PO: Invoice INV-001234 from Acme Ltd: …``, so ``EXCEPT    WRONG_PO:*    type=glob``
catches it. ``SigningSetupError`` is an application error: the organisation's certificate, key
or trust roots are missing or do not fit; its message names the setting to fix. Neither quotes
a secret.
"""

from __future__ import annotations


class InvoiceProblem(Exception):
    """A BUSINESS failure of one invoice: ``code`` for the queue, ``message`` for the person."""

    ROBOT_SUPPRESS_NAME = True

    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message
        super().__init__(f"{code}: {message}")


class SignatureRefused(InvoiceProblem):
    """A signed PDF that must not be posted: a signature broken, untrusted, or the file changed after signing."""

    def __init__(self, message: str) -> None:
        super().__init__("BAD_SIGNATURE", message)


class SigningSetupError(RuntimeError):
    """The signing certificate, key, passphrase or trust roots are missing or do not fit together."""

    ROBOT_SUPPRESS_NAME = True
