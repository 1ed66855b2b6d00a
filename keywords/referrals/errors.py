"""The two ways a referral goes wrong, both BUSINESS errors (the input is wrong, a person must act).

``ReferralBusinessError``: the referral was read, but a field is missing or wrong.
``ReferralFileUnreadable``: the file itself cannot be read (truncated PDF, wrong text
encoding, no form attached); the file is kept and attached to the failed item.

Both carry a stable ``code`` (``INVALID_NHS_NUMBER``) for ``Release Input Work Item
code=…``, the ``field`` at fault (``None`` for a whole file) and a ``message`` that says
what is wrong and what to do, without quoting any personal value. In Robot Framework the
error reads ``CODE: message``, so ``EXCEPT    INVALID_NHS_NUMBER:*    type=glob`` works.
"""

from __future__ import annotations

from typing import Any


class ReferralError(Exception):
    """Base class: a business error about a referral or its file."""

    ROBOT_SUPPRESS_NAME = True  # Robot shows "CODE: message", not the class name

    def __init__(self, code: str, message: str, field: str | None = None, *, file: str | None = None,
                 reference: str | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field
        self.file = file
        self.reference = reference

    def as_validation(self) -> dict[str, Any]:
        """The payload's ``validation`` value: ``{"code", "field", "message"}``."""
        return {"code": self.code, "field": self.field, "message": self.message}


class ReferralBusinessError(ReferralError):
    """A referral was read but cannot be keyed: a required field is missing or a value is wrong."""


class ReferralFileUnreadable(ReferralError):
    """A file in the inbox cannot be read as referrals. ``hint`` is readable text that may name
    the referral (an e-mail's subject); ``reference`` is set once one is found there or in the
    file's name."""

    def __init__(self, code: str, message: str, *, file: str, hint: str | None = None):
        super().__init__(code, message, None, file=file)
        self.hint = hint
