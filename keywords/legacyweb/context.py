"""What the keyword topics share: the browser, the item's context and page, the system's address,
the remembered login, and how a page is diagnosed (expired session, error page, busy page,
validation box). One ``LegacyWebContext`` per library instance."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

from robot.api import logger
from robot.api.types import Secret

from .errors import (BrowserFailure, FormRejected, LegacyWebError, PageTimeout, SessionExpired, SystemBusy,
                     SystemErrorPage, Unreachable, redact)

CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
)
DEBIAN_CHROMIUM = "/usr/bin/chromium"

# One round trip reads everything the diagnosis needs.
_SNAPSHOT_JS = """([box, loginButton]) => {
  const h1 = document.querySelector('h1');
  const para = h1 ? (h1.parentElement.querySelector('p') || {}).innerText : '';
  const errors = Array.from(document.querySelectorAll(box))
      .filter(e => e.offsetParent !== null || e.getClientRects().length);
  const items = errors.flatMap(e => {
      const li = Array.from(e.querySelectorAll('li')).map(x => x.innerText.trim());
      return li.length ? li : [e.innerText.trim()];
  });
  return {heading: h1 ? h1.innerText.trim() : '', text: (para || '').trim(),
          password: !!document.querySelector('input[type=password]') && Array.from(
              document.querySelectorAll('button, input[type=submit]')).some(
              b => (b.value || b.innerText || '').trim() === loginButton),
          errors: items};
}"""


def chromium_executable() -> str | None:
    """``NIGHTSHIFT_CHROMIUM``, else Debian's ``/usr/bin/chromium``; ``None`` lets Playwright use its own."""
    for candidate in (os.environ.get("NIGHTSHIFT_CHROMIUM"), DEBIAN_CHROMIUM):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@dataclass
class Signs:
    """How this system shows trouble. Headings match case-insensitively from their start."""

    login_path: str = "/login"
    error_headings: tuple[str, ...] = ("System error", "Internal Server Error", "Service Unavailable",
                                       "Bad Gateway", "Gateway Timeout")
    busy_headings: tuple[str, ...] = ("System busy",)
    errors_box: str = "[role=alert], .errors, .error-summary"
    username_label: str = "Username"
    password_label: str = "Password"
    login_button: str = "Log in"
    logout_button: str = "Log out"


@dataclass
class Snapshot:
    """What the page shows now, as far as the diagnosis cares."""

    path: str
    heading: str
    text: str
    login_form: bool
    errors: list[str] = field(default_factory=list)
    status: int | None = None


class LegacyWebContext:
    """State shared by the topic classes of one ``LegacyWeb`` library."""

    def __init__(self, signs: Signs, timeout_s: float, headless: bool) -> None:
        self.signs = signs
        self.timeout_s = timeout_s
        self.headless = headless
        self.base_url = ""
        self.playwright: Any = None
        self.browser: Any = None
        self.context: Any = None
        self._page: Any = None
        self.last_status: int | None = None
        self.username: str | None = None
        self.password: Secret | None = None
        self.screenshots = 0
        self.cookies: list[dict[str, Any]] = []  # the login session, in memory only
        self.owns_browser = True  # False when given a running browser (tests share one)

    # -- browser and page --------------------------------------------------
    @property
    def page(self) -> Any:
        if self._page is None:
            raise RuntimeError("No legacy system is open: call 'Open Legacy System' (and 'New Item Context') first.")
        return self._page

    @property
    def timeout_ms(self) -> float:
        return self.timeout_s * 1000

    def launch(self) -> None:
        """Start Playwright and Chromium once; later calls keep the running browser."""
        if self.browser is not None and self.browser.is_connected():
            return
        from playwright.sync_api import sync_playwright

        self.owns_browser = True
        if self.playwright is None:
            self.playwright = sync_playwright().start()
        executable = chromium_executable()
        self.browser = self.playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS),
                                                       headless=self.headless)
        logger.info(f"Started Chromium {self.browser.version} ({executable or 'Playwright’s own'}).")

    def new_context(self, cookies: list[dict[str, Any]] | None = None) -> None:
        """A fresh browser context and page (nothing shared with the previous one but ``cookies``)."""
        self.close_context()
        self.context = self.browser.new_context(locale="en-GB", timezone_id="Europe/London",
                                                viewport={"width": 1024, "height": 900})
        if cookies:
            self.context.add_cookies(cookies)
        self.context.set_default_timeout(self.timeout_ms)
        self.context.set_default_navigation_timeout(self.timeout_ms)
        page = self.context.new_page()
        page.on("response", self._on_response)
        self._page = page
        self.last_status = None

    def _on_response(self, response: Any) -> None:
        # Only the document of the main frame tells whether the page is an error page.
        try:
            if response.request.is_navigation_request() and response.frame == self._page.main_frame:
                self.last_status = response.status
        except Exception:  # noqa: BLE001 - a closing page must not break the robot
            pass

    def session_cookies(self) -> list[dict[str, Any]]:
        """The cookies of the current (or last closed) context, to carry a login into the next one."""
        if self.context is not None:
            try:
                self.cookies = list(self.context.cookies())
            except Exception:  # noqa: BLE001 - a broken context: keep what was saved before
                pass
        return list(self.cookies)

    def close_context(self) -> None:
        if self.context is not None:
            self.session_cookies()  # kept in memory only, for the next context
            try:
                self.context.close()
            except Exception:  # noqa: BLE001 - already gone with the browser
                pass
        self.context = self._page = None

    def use_browser(self, browser: Any) -> None:
        """Drive an already running Playwright ``Browser`` (it is not closed by ``close``)."""
        self.browser, self.owns_browser = browser, False

    def close(self) -> None:
        """Close the context, and the browser and Playwright if this library started them; safe twice."""
        self.close_context()
        if not self.owns_browser:
            self.browser = None
            return
        for thing, method in ((self.browser, "close"), (self.playwright, "stop")):
            if thing is not None:
                try:
                    getattr(thing, method)()
                except Exception:  # noqa: BLE001
                    pass
        self.browser = self.playwright = None

    def url_for(self, target: str) -> str:
        """``target`` as an absolute URL: as given if it has a scheme, else relative to the system."""
        if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.I):
            return target
        if not self.base_url:
            raise RuntimeError("No legacy system is open: call 'Open Legacy System' first.")
        return urljoin(self.base_url, target)

    def path(self) -> str:
        """The page's path without its query (a query may hold a searched name)."""
        return urlsplit(self.page.url).path or "/"

    # -- diagnosis ---------------------------------------------------------
    def snapshot(self) -> Snapshot:
        from playwright.sync_api import Error as PlaywrightError

        try:
            data = self.page.evaluate(_SNAPSHOT_JS, [self.signs.errors_box, self.signs.login_button])
        except PlaywrightError as exc:
            if "destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            # The page was still changing (a redirect); read it once it has arrived.
            self.page.wait_for_load_state("domcontentloaded")
            data = self.page.evaluate(_SNAPSHOT_JS, [self.signs.errors_box, self.signs.login_button])
        login = self.path().rstrip("/") == self.signs.login_path.rstrip("/") or bool(data["password"])
        return Snapshot(self.path(), data["heading"], data["text"], login, list(data["errors"]), self.last_status)

    def diagnose(self, *, allow_login: bool = False, form_errors: bool = True,
                 snap: Snapshot | None = None) -> LegacyWebError | None:
        """The trouble this page (or ``snap`` of it) shows, as an exception to raise, or ``None``."""
        snap = snap or self.snapshot()
        heading = snap.heading.casefold()
        if any(heading.startswith(h.casefold()) for h in self.signs.busy_headings):
            return SystemBusy("the system answered \"System busy, please try again\"", page=snap.path)
        error_heading = any(heading.startswith(h.casefold()) for h in self.signs.error_headings)
        if error_heading or (snap.status is not None and snap.status >= 500):
            said = f": {redact(snap.text)[:200]}" if snap.text else ""
            status = f"HTTP {snap.status}" if snap.status else "an error page"
            return SystemErrorPage(f"the system answered with {status} \"{snap.heading or 'no heading'}\"{said}",
                                   page=snap.path)
        if snap.login_form and not allow_login:
            return SessionExpired("the system sent the browser back to its login page: the session has ended; "
                                  "log in again and repeat the step", page=snap.path)
        if form_errors and snap.errors and not snap.login_form:
            listed = redact("; ".join(e for e in snap.errors if e))[:500]
            return FormRejected(f"the page \"{snap.heading}\" refused the input: {listed}", page=snap.path)
        return None

    def check(self, *, allow_login: bool = False, form_errors: bool = True) -> None:
        """Raise the diagnosis of this page, if any."""
        trouble = self.diagnose(allow_login=allow_login, form_errors=form_errors)
        if trouble is not None:
            raise trouble

    @contextmanager
    def guard(self, what: str, *, allow_login: bool = False) -> Iterator[None]:
        """Turn Playwright's failures into ``ApplicationError``s that say what was awaited, and never
        echo Playwright's own message beyond its first line (its call log can quote field values)."""
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            yield
        except PlaywrightTimeout:
            trouble = self._safe_diagnosis(allow_login)
            if trouble is not None:
                raise trouble from None
            raise PageTimeout(f"{what} did not come within {self.timeout_s:g} s", page=self._safe_path()) from None
        except PlaywrightError as exc:
            first = str(exc.message if hasattr(exc, "message") else exc).strip().splitlines()[0]
            first = first.split(" resolved to ")[0][:200]
            if "net::ERR_" in first or "NS_ERROR" in first:
                raise Unreachable(f"the browser could not reach the system for {what}: {first}") from None
            trouble = self._safe_diagnosis(allow_login)
            if trouble is not None:
                raise trouble from None
            raise BrowserFailure(f"the browser failed on {what}: {first}", page=self._safe_path()) from None

    def _safe_diagnosis(self, allow_login: bool) -> LegacyWebError | None:
        try:
            return self.diagnose(allow_login=allow_login, form_errors=False)
        except Exception:  # noqa: BLE001 - the page may be gone; the original failure is reported
            return None

    def _safe_path(self) -> str:
        try:
            return self.path()
        except Exception:  # noqa: BLE001
            return ""
