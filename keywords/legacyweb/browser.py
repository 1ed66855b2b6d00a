"""Keywords for the browser: open the system, a fresh context per work item, go to a page,
take a screenshot, close everything."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from .context import LegacyWebContext


class BrowserKeywords:
    """One Chromium for the whole run; one context (cookies, pages, cache) per work item."""

    def __init__(self, ctx: LegacyWebContext) -> None:
        self.ctx = ctx

    @keyword
    def open_legacy_system(self, url: str, timeout: timedelta | None = None) -> None:
        """Start Chromium (once per run), open a first context and go to ``url``.

        ``url`` is the system's address; later `Go To Page` paths are relative to it.
        ``timeout`` (default: the library's, 15 s) bounds every wait for a page, field or button.
        Raises ``ApplicationError: Unreachable`` or ``Timeout`` when the system does not answer.
        An error or busy page here is only logged as a warning: the keywords that follow check
        their own pages (`Log In` goes to the login page anyway).

        | Open Legacy System    %{CASE_SYSTEM_URL}    timeout=20s
        """
        if timeout is not None:
            self.ctx.timeout_s = timeout.total_seconds()
        self.ctx.base_url = url if url.endswith("/") else url + "/"
        self.ctx.launch()
        self.ctx.new_context()
        logger.info(f"Opening {re.sub(r'[?#].*', '', url)}")
        with self.ctx.guard(f"the system at {re.sub(r'[?#].*', '', url)}", allow_login=True):
            self.ctx.page.goto(url, wait_until="domcontentloaded")
        trouble = self.ctx.diagnose(allow_login=True, form_errors=False)
        if trouble is not None:  # a busy moment must not end the run: later keywords check their pages
            logger.warn(f"The system's first page shows trouble: {trouble}")

    @keyword
    def new_item_context(self, keep_session: bool = True) -> None:
        """Close the current browser context and open a fresh one, with a blank page.

        Call it at the start of every work item: nothing one item left behind (a half-filled
        form, a stuck page, cached answers) can reach the next. With ``keep_session`` (default)
        the cookies of the previous context, i.e. the login session, are carried over in memory,
        so an item does not have to log in again while the session lives; `Ensure Logged In`
        logs in when it has ended. ``keep_session=False`` starts with no cookies at all.

        | New Item Context
        | Ensure Logged In
        """
        self.ctx.launch()
        cookies = self.ctx.session_cookies() if keep_session else []
        self.ctx.new_context(cookies)

    @keyword
    def close_item_context(self) -> None:
        """Close the current browser context (the browser stays open for the next item; its
        login session is kept in memory for the next `New Item Context`).

        | [Teardown]    Close Item Context
        """
        self.ctx.close_context()

    @keyword
    def close_legacy_system(self) -> None:
        """Close the context, Chromium and Playwright. Safe to call when nothing is open.

        | [Teardown]    Close Legacy System
        """
        self.ctx.close()

    @keyword
    def go_to_page(self, path: str = "/", allow_login: bool = False) -> None:
        """Go to ``path`` (relative to the system's address, or a full URL) and check the page.

        Raises ``ApplicationError: SessionExpired`` if the system shows its login page instead
        (unless ``allow_login``), ``SystemError`` on an error page or HTTP 5xx, ``SystemBusy`` on
        the busy page, ``Timeout`` if the page does not come. Only the path is logged.

        | Go To Page    /children/new
        """
        self._goto(self.ctx.url_for(path), allow_login=allow_login)

    def _goto(self, url: str, *, allow_login: bool) -> None:
        page = self.ctx.page
        logger.info(f"Going to {re.sub(r'[?#].*', '', url)}")
        with self.ctx.guard(f"the page {self.ctx.url_for(url).split('?')[0]}", allow_login=allow_login):
            page.goto(url, wait_until="domcontentloaded")
        self.ctx.check(allow_login=allow_login)

    @keyword
    def take_failure_screenshot(self, name: str = "failure") -> str:
        """Save a screenshot of the whole page under ``${OUTPUT DIR}/screenshots/`` and return its path.

        The file name is ``name`` (made safe), the time and a counter, so screenshots never
        overwrite each other. The log shows it as a picture linked to the file. Returns ``""``
        when no page is open or the browser cannot take one (the caller's failure matters more).
        The screenshot shows what the page shows: it is personal data, like the items.

        | ${path}=    Take Failure Screenshot    ${reference}
        | Add Work Item File    ${path}
        """
        if self.ctx.context is None:
            logger.info("No page is open: no screenshot taken.")
            return ""
        folder = _output_dir() / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        self.ctx.screenshots += 1
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:60] or "failure"
        path = folder / f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}-{self.ctx.screenshots:03d}.png"
        try:
            self.ctx.page.screenshot(path=str(path), full_page=True, timeout=self.ctx.timeout_ms)
        except Exception as exc:  # noqa: BLE001 - report, don't mask the failure being recorded
            logger.warn(f"Could not take a screenshot: {str(exc).splitlines()[0][:200]}")
            return ""
        try:
            relative = path.relative_to(_output_dir()).as_posix()
        except ValueError:
            relative = path.as_posix()
        logger.info(f'<a href="{relative}"><img src="{relative}" width="400"></a>', html=True)
        return str(path)


def _output_dir() -> Path:
    """``${OUTPUT DIR}`` while Robot Framework runs, else the current directory."""
    try:
        value = BuiltIn().get_variable_value("${OUTPUT DIR}")
    except RobotNotRunningError:
        value = None
    return Path(value) if value else Path.cwd()
