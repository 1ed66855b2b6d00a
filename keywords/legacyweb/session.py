"""Keywords for the login session: log in, log in again after the session ended, log out."""

from __future__ import annotations

from urllib.parse import urlsplit

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from .context import LegacyWebContext
from .errors import LoginRefused, SessionExpired


class SessionKeywords:
    """Logging in with a ``Secret`` password that never reaches the log, and recovering an ended session."""

    def __init__(self, ctx: LegacyWebContext) -> None:
        self.ctx = ctx

    @keyword
    def log_in(self, username: str, password: Secret) -> None:
        """Log in through the system's login form and remember the credentials for `Log In Again`.

        ``password`` must be a ``Secret`` (Robot Framework 7.4+): from the vault
        (``keywords.vault`` hands passwords over as secrets), from an environment variable
        (``VAR    ${pw: Secret}    %{CASE_PASSWORD}``) or from the command line. It is typed
        into the page and kept in memory, never logged. Goes to the login page first unless the
        browser is already on it. Labels and button text come from the library's settings
        (``Username``, ``Password``, ``Log in``).

        Raises ``LoginRefused`` when the login form comes back with an error message (wrong
        password, locked account): every item would fail, so a robot should let this end the
        run. The login form coming back *without* a message (the new session ended at once) is
        ``ApplicationError: SessionExpired``. The page after a successful login is checked like
        any other (``ApplicationError``).

        | ${secret}=    Get Secret    case_system
        | Log In    ${secret}[username]    ${secret}[password]
        """
        if not isinstance(password, Secret):  # called from Python with a plain string
            raise TypeError("password must be a robot.api.types.Secret, so that it is never logged")
        self.ctx.username, self.ctx.password = username, password
        self._submit_login()

    @keyword
    def log_in_again(self) -> None:
        """Log in once more with the credentials of the last `Log In`, from whatever page is shown.

        Use it after ``ApplicationError: SessionExpired``. The system usually returns the browser to
        the page it was on; robots should still check where they are.

        | EXCEPT    ApplicationError: SessionExpired*    type=glob
        |     Log In Again
        """
        if self.ctx.username is None or self.ctx.password is None:
            raise RuntimeError("Nobody has logged in yet: call 'Log In' with the credentials first.")
        self._submit_login()

    @keyword
    def ensure_logged_in(self, path: str = "/") -> None:
        """Go to ``path`` and, if the system shows its login form instead, log in again there.

        Does nothing when the browser already shows ``path`` and the page is fine. The start of
        every work item, and of every retry: after `New Item Context` the carried-over session may
        have ended (idle time, a restart of the system); this logs in only when needed and
        leaves the browser on ``path``. Needs an earlier `Log In`.

        | New Item Context
        | Ensure Logged In    /
        """
        page = self.ctx.page
        wanted = urlsplit(self.ctx.url_for(path)).path.rstrip("/")
        if page.url.startswith(self.ctx.base_url) and self.ctx.path().rstrip("/") == wanted \
                and self.ctx.diagnose(form_errors=False) is None:
            return  # already there, and the page is fine: no request needed
        with self.ctx.guard(f"the page {path}", allow_login=True):
            page.goto(self.ctx.url_for(path), wait_until="domcontentloaded")
        self.ctx.check(allow_login=True)
        if self.ctx.snapshot().login_form:
            logger.info("The session has ended: logging in again.")
            self.log_in_again()
            if self.ctx.path().rstrip("/") != wanted:
                with self.ctx.guard(f"the page {path}"):
                    page.goto(self.ctx.url_for(path), wait_until="domcontentloaded")
        self.ctx.check()

    @keyword
    def log_out(self) -> None:
        """Click the system's log-out button, if the page has one; the remembered credentials stay.

        | [Teardown]    Run Keyword And Ignore Error    Log Out
        """
        button = self.ctx.page.get_by_role("button", name=self.ctx.signs.logout_button, exact=True)
        if button.count() == 0:
            logger.info("No log-out button on this page: nothing to do.")
            return
        with self.ctx.guard(f"the button '{self.ctx.signs.logout_button}'", allow_login=True):
            with self.ctx.page.expect_navigation(wait_until="domcontentloaded"):
                button.first.click()

    def _submit_login(self) -> None:
        signs, page = self.ctx.signs, self.ctx.page
        assert self.ctx.username is not None and self.ctx.password is not None
        on_login = page.url.startswith(self.ctx.base_url) and self.ctx.snapshot().login_form
        if not on_login:
            with self.ctx.guard("the login page", allow_login=True):
                page.goto(self.ctx.url_for(signs.login_path), wait_until="domcontentloaded")
            self.ctx.check(allow_login=True)
        with self.ctx.guard("the login form", allow_login=True):
            page.get_by_label(signs.username_label, exact=True).fill(self.ctx.username)
            page.get_by_label(signs.password_label, exact=True).fill(self.ctx.password.value)
            with page.expect_navigation(wait_until="domcontentloaded"):
                page.get_by_role("button", name=signs.login_button, exact=True).click()
        self.ctx.check(allow_login=True)
        snap = self.ctx.snapshot()
        if snap.login_form and snap.errors:
            said = "; ".join(e.rstrip(". ") for e in snap.errors)
            raise LoginRefused(f"the system refused the login of user '{self.ctx.username}': {said}. "
                               "Check the credentials in the vault (nightshift secrets set …).", page=snap.path)
        if snap.login_form:  # accepted, but the new session was already gone on the next page
            raise SessionExpired("the system showed its login form again right after logging in, without "
                                 "saying why; log in again and repeat the step", page=snap.path)
        logger.info(f"Logged in as {self.ctx.username}.")
        self.ctx.check()
