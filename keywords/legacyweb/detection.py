"""Keywords that check where the browser is: the expected page, a text on it, or trouble
(expired session, error page or HTTP 5xx, "System busy") raised as ``ApplicationError``."""

from __future__ import annotations

import re
from datetime import timedelta

from robot.api import logger
from robot.api.deco import keyword

from .context import LegacyWebContext
from .errors import PageTimeout, UnexpectedPage


class DetectionKeywords:
    """Knowing which page is shown, and whether the system is in trouble."""

    def __init__(self, ctx: LegacyWebContext) -> None:
        self.ctx = ctx

    @keyword
    def wait_for_page(self, heading: str, timeout: timedelta | None = None, exact: bool = False) -> None:
        """Wait until the page's main heading (``<h1>``) contains ``heading`` (ignoring case), or
        is exactly ``heading`` with ``exact``.

        Trouble is reported as soon as it shows: ``ApplicationError: SessionExpired``,
        ``SystemError`` or ``SystemBusy``. A page that is usable but has another heading gives
        ``ApplicationError: UnexpectedPage`` naming both, after ``timeout`` (default: the
        library's).

        | Click Button    Next
        | Wait For Page    New referral: concerns
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        pattern = re.compile(rf"^\s*{re.escape(heading)}\s*$" if exact else re.escape(heading), re.IGNORECASE)
        snap = self.ctx.snapshot()
        trouble = self.ctx.diagnose(form_errors=False, snap=snap)
        if trouble is not None:
            raise trouble
        if pattern.search(snap.heading):
            logger.info(f"On the page \"{heading}\".")
            return  # the usual case: the page came with the click that led here
        wait_s = timeout.total_seconds() if timeout is not None else self.ctx.timeout_s
        target = self.ctx.page.locator("h1").filter(has_text=pattern)
        try:
            target.first.wait_for(state="visible", timeout=wait_s * 1000)
        except PlaywrightTimeout:
            trouble = self.ctx.diagnose(form_errors=False)
            if trouble is not None:
                raise trouble from None
            shown = self.ctx.snapshot().heading
            if shown:
                raise UnexpectedPage(f"expected the page \"{heading}\" but the system shows \"{shown}\"",
                                     page=self.ctx.path()) from None
            raise PageTimeout(f"the page \"{heading}\" did not come within {wait_s:g} s",
                              page=self.ctx.path()) from None
        logger.info(f"On the page \"{heading}\".")

    @keyword
    def page_should_show(self, text: str, msg: str | None = None) -> None:
        """Fail unless ``text`` is visible somewhere on the page (ignoring case).

        ``msg`` replaces the default error message.

        | Page Should Show    Referral saved
        """
        if not self._shows(text):
            raise AssertionError(msg or f"The page {self.ctx.path()} does not show '{text}'.")

    @keyword
    def page_should_not_show(self, text: str, msg: str | None = None) -> None:
        """Fail if ``text`` is visible on the page (ignoring case).

        | Page Should Not Show    No matching children
        """
        if self._shows(text):
            raise AssertionError(msg or f"The page {self.ctx.path()} shows '{text}'.")

    @keyword
    def page_should_be_usable(self, allow_login: bool = False) -> None:
        """Raise the trouble the page shows, if any: ``ApplicationError: SessionExpired``
        (the login page, unless ``allow_login``), ``SystemError`` (an error page or HTTP 5xx),
        ``SystemBusy``, or ``BusinessError: FormRejected`` (a validation box).

        Navigation keywords of this library check this by themselves; use it after driving the
        page another way.

        | Page Should Be Usable
        """
        self.ctx.check(allow_login=allow_login)

    @keyword
    def get_page_heading(self) -> str:
        """The text of the page's main heading (``<h1>``), ``""`` if it has none.

        | ${heading}=    Get Page Heading
        """
        return self.ctx.snapshot().heading

    @keyword
    def session_has_expired(self) -> bool:
        """``True`` when the system shows its login form (the session ended or never began).

        | IF    Session Has Expired    Log In Again
        """
        return self.ctx.snapshot().login_form

    @keyword
    def get_page_path(self) -> str:
        """The path of the page shown, without its query (which may hold searched names).

        | ${draft}=    Get Page Path
        """
        return self.ctx.path()

    @keyword
    def get_error_code(self, message: str) -> str:
        """A stable code from an error message of this library, for ``Release Input Work Item    code=…``:
        ``ApplicationError: SessionExpired: …`` gives ``SESSION_EXPIRED``; any other message ``ERROR``.

        | EXCEPT    ApplicationError:*    type=glob    AS    ${error}
        |     ${code}=    Get Error Code    ${error}
        """
        match = re.match(r"^\s*(?:ApplicationError|BusinessError):\s*([A-Za-z]+)\b", str(message))
        if match is None:
            match = re.match(r"^\s*(LoginRefused)\b", str(message))
        if match is None:
            return "ERROR"
        return re.sub(r"(?<!^)(?=[A-Z])", "_", match.group(1)).upper()

    def _shows(self, text: str) -> bool:
        return self.ctx.page.get_by_text(text).filter(visible=True).count() > 0
