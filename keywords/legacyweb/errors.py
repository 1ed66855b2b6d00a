"""What can go wrong on a legacy web system, as two families a robot can tell apart.

``ApplicationError``: the *system* failed (an error page, HTTP 500, "System busy", the session
ran out, a page that never came). Trying again later may well work, so a robot logs in again
and retries, and in the end releases the item as an APPLICATION failure.

``BusinessError``: the system refused the *input* (its red validation box, a value none of a
list's options match). Trying again gives the same answer; a person must correct the item.

``LoginRefused`` is neither: the credentials are wrong or the account is locked, so every item
would fail. Robots let it end the run.

In Robot Framework the message reads ``ApplicationError: SystemBusy: …`` or
``BusinessError: FormRejected: …`` (``ROBOT_SUPPRESS_NAME``), so a robot catches a family with
``EXCEPT    ApplicationError:*    type=glob`` or one kind with ``ApplicationError: SessionExpired*``.
Messages name pages, labels and buttons, never the values typed into them.
"""

from __future__ import annotations

import re

# What looks like personal data in a system's own messages: e-mail addresses, dates, long
# numbers (NHS, telephone; spaces allowed), postcodes and "SURNAME, Forename" as legacy lists show names.
_PERSONAL = (
    re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+"),
    re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b"),
    re.compile(r"(?<![\w-])\+?\d[\d ()-]{4,}\d"),  # not "ERR-000123": error references help IT support
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"),
    re.compile(r"\b[A-Z][A-Z'-]+(?: [A-Z][A-Z'-]+)*, [A-Z][\w'-]+"),
)


def redact(text: str) -> str:
    """``text`` with anything that looks like personal data replaced by ``…``.

    For quoting a legacy system's messages in errors and logs: "A child with NHS number
    943 476 5919 already exists: SMITH, Amy (child ID 12)" becomes "A child with NHS number
    … already exists: … (child ID 12)".
    """
    for pattern in _PERSONAL:
        text = pattern.sub("…", text)
    return text


class LegacyWebError(Exception):
    """Base class. ``kind`` is the short name after the family (``SessionExpired``)."""

    ROBOT_SUPPRESS_NAME = True
    family = "LegacyWebError"
    kind = "Error"

    def __init__(self, message: str, *, page: str = "", screenshot: str | None = None):
        self.detail = message
        self.page = page
        self.screenshot = screenshot
        where = f" (page {page})" if page else ""
        prefix = self.family if self.family == self.kind else f"{self.family}: {self.kind}"
        super().__init__(f"{prefix}: {message}{where}")

    @property
    def code(self) -> str:
        """A stable code for ``Release Input Work Item    code=…``: ``SESSION_EXPIRED``, ``FORM_REJECTED``."""
        out = "".join(f"_{c}" if c.isupper() else c.upper() for c in self.kind)
        return out.lstrip("_")


class ApplicationError(LegacyWebError):
    """The system failed; retrying later may work."""

    family = "ApplicationError"


class SessionExpired(ApplicationError):
    """The system sent the browser back to its login page."""

    kind = "SessionExpired"


class SystemErrorPage(ApplicationError):
    """An error page: HTTP 5xx, or a page whose heading says the system failed."""

    kind = "SystemError"


class SystemBusy(ApplicationError):
    """The "System busy, please try again" interstitial."""

    kind = "SystemBusy"


class PageTimeout(ApplicationError):
    """A page, field or button did not come within the timeout."""

    kind = "Timeout"


class UnexpectedPage(ApplicationError):
    """The system shows another page than the one the robot waits for."""

    kind = "UnexpectedPage"


class Unreachable(ApplicationError):
    """The browser could not reach the system at all (connection refused, DNS)."""

    kind = "Unreachable"


class BrowserFailure(ApplicationError):
    """The browser itself failed (a crashed page, a closed context)."""

    kind = "BrowserError"


class BusinessError(LegacyWebError):
    """The system refused the input; a person must correct it."""

    family = "BusinessError"


class FormRejected(BusinessError):
    """The page came back with its validation box ("The following errors were found")."""

    kind = "FormRejected"


class OptionNotFound(BusinessError):
    """A drop-down list has no option with the wanted text."""

    kind = "OptionNotFound"


class InvalidDate(BusinessError):
    """A date in the input cannot be written into the form."""

    kind = "InvalidDate"


class LoginRefused(LegacyWebError):
    """The login page refused the credentials: the run cannot go on."""

    family = "LoginRefused"
    kind = "LoginRefused"
