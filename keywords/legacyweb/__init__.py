"""Drive legacy web systems (no API, server-rendered pages) through Chromium, as a person would.

%TOC%

= Use =

| *** Settings ***
| Library    keywords.legacyweb
| Library    RPA.Robocorp.Vault
|
| *** Tasks ***
| Find a child
|     ${secret}=    Get Secret    case_system
|     Open Legacy System    %{CASE_SYSTEM_URL}
|     Log In    ${secret}[username]    ${secret}[password]
|     New Item Context
|     Ensure Logged In    /
|     Fill By Label    Surname    Testwood
|     Fill By Label    Date of birth    09/04/2016
|     Click Button    Find child
|     @{rows}=    Get Table Rows    id=child-results
|     [Teardown]    Close Legacy System

One Chromium (Playwright's sync API) serves the whole run: Debian's ``/usr/bin/chromium`` where
present, ``NIGHTSHIFT_CHROMIUM`` to name another, else Playwright's own. Each work item gets a
fresh browser context with `New Item Context`; only the login session's cookies are carried over.

= Finding fields =

Legacy pages often give fields no usable id or name (``f_17``), but a person finds them by
their labels, and so do these keywords: `Fill By Label`, `Choose By Label`, `Tick`, `Untick`,
`Choose Radio`. Buttons and links are found by their text (`Click Button`, `Click Link`).
*Values typed into fields are never logged*, only labels, because on these systems they are
personal data. Run robots with ``--maxassignlength 0`` so that values read back
(`Get Text`, `Get Table Rows`) do not reach the log either.

= Credentials =

`Log In` takes the password as a ``robot.api.types.Secret`` (Robot Framework 7.4+), so it
never appears in ``output.xml`` or ``log.html``. ``keywords.vault`` (for ``RPA.Robocorp.Vault``)
hands passwords over as secrets. The credentials are remembered in memory for `Log In Again`
and `Ensure Logged In`.

= When the system misbehaves =

Every keyword that leads to another page checks it, and so does `Wait For Page`. Trouble is
raised with a message a robot can catch by its start:

| =Message starts with= | =What happened= | =What to do= |
| ``ApplicationError: SessionExpired`` | the login page came instead (idle time, early expiry) | `Log In Again`, repeat |
| ``ApplicationError: SystemError`` | an error page, or HTTP 5xx | look for your earlier result, repeat |
| ``ApplicationError: SystemBusy`` | "System busy, please try again" | repeat |
| ``ApplicationError: Timeout`` | a page, field or button did not come in time | repeat |
| ``ApplicationError: UnexpectedPage`` | another page than the awaited one | repeat from the start |
| ``ApplicationError: Unreachable`` | the browser cannot reach the system | later |
| ``ApplicationError: BrowserError`` | the browser itself failed (a crashed page) | `New Item Context`, repeat |
| ``BusinessError: FormRejected`` | the page's validation box, with its messages | fail the item (BUSINESS) |
| ``BusinessError: OptionNotFound`` | no option of a list or radio group fits the value | fail the item (BUSINESS) |
| ``BusinessError: InvalidDate`` | a date in the item is not an ISO date | fail the item (BUSINESS) |
| ``LoginRefused`` | wrong credentials or a locked account | end the run |

Messages name pages (their path, never the query), labels and buttons, never a value typed;
the system's own validation messages are quoted with anything that looks like personal data
(long numbers, dates, e-mail addresses, postcodes, "SURNAME, Forename") replaced by ``…``.

Retrying is the robot's business, so that it stays visible in the robot: a bounded ``FOR``
loop around one *step* (one page of a multi-page form), with
``TRY``/``EXCEPT    ApplicationError:*    type=glob``. Each try starts with
`Ensure Logged In` on the step's own page, which logs in again when the session has ended and
does nothing when the browser is already there; after a ``Timeout`` a `New Item Context` first.
Retrying a step rather than the whole item keeps a bot going when a misbehaving system fails
one request in five. Because an error page after a form was sent may come *after* the system
saved it, a retry must never key anything twice: look for the earlier result first (search by
the item's reference before starting; search for the child again before creating one).
``robots/referrals/consumer.robot`` shows the whole pattern; its core:

| Repeat Step
|     [Arguments]    ${path}    ${step}    @{args}
|     FOR    ${try}    IN RANGE    0    4
|         TRY
|             Ensure Logged In    ${path}
|             ${result}=    Run Keyword    ${step}    @{args}
|             RETURN    ${result}
|         EXCEPT    ApplicationError:*    type=glob    AS    ${error}
|             Log    ${step} failed (try ${try + 1}): ${error}    WARN
|             IF    "Timeout" in $error    New Item Context
|         END
|     END
|     Fail    ${error}

When the tries are used up, the robot takes a `Take Failure Screenshot`, attaches it to the
work item and releases the item as an APPLICATION failure (code from `Get Error Code`), so the
queue retries it later.

= Library settings =

``timeout`` (seconds, default 15) bounds each wait. The signs of trouble default to those of
nightshift's sandbox systems and can be set when importing: ``login_path`` (``/login``),
``error_headings`` and ``busy_headings`` (lists of ``<h1>`` starts), ``errors_box`` (CSS of
the validation box), ``username_label``, ``password_label``, ``login_button``, ``logout_button``.

| Library    keywords.legacyweb    timeout=20    busy_headings=Service busy,Please wait
"""

from __future__ import annotations

from robotlibcore import DynamicCore

from .browser import BrowserKeywords
from .context import LegacyWebContext, Signs, chromium_executable
from .detection import DetectionKeywords
from .errors import (ApplicationError, BrowserFailure, BusinessError, FormRejected, InvalidDate, LegacyWebError,
                     LoginRefused,
                     OptionNotFound, PageTimeout, SessionExpired, SystemBusy, SystemErrorPage, UnexpectedPage,
                     Unreachable)
from .forms import FormKeywords
from .session import SessionKeywords

__version__ = "0.1.0"
__all__ = [
    "ApplicationError", "BrowserFailure", "BusinessError", "FormRejected", "InvalidDate", "LegacyWeb", "LegacyWebError",
    "LoginRefused", "OptionNotFound", "PageTimeout", "SessionExpired", "Signs", "SystemBusy", "SystemErrorPage",
    "UnexpectedPage", "Unreachable", "chromium_executable",
]


def _listed(value: str | list[str] | tuple[str, ...] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(i.strip() for i in items if i.strip())


class LegacyWeb(DynamicCore):
    __doc__ = __doc__  # the module's manual is the library's introduction in libdoc

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(self, timeout: float = 15.0, headless: bool = True, login_path: str = "/login",
                 error_headings: str | list[str] | None = None, busy_headings: str | list[str] | None = None,
                 errors_box: str | None = None, username_label: str = "Username", password_label: str = "Password",
                 login_button: str = "Log in", logout_button: str = "Log out") -> None:
        """Settings for every system this library drives in a run; see `Library settings`."""
        defaults = Signs()
        signs = Signs(login_path=login_path, error_headings=_listed(error_headings, defaults.error_headings),
                      busy_headings=_listed(busy_headings, defaults.busy_headings),
                      errors_box=errors_box or defaults.errors_box, username_label=username_label,
                      password_label=password_label, login_button=login_button, logout_button=logout_button)
        self.ctx = LegacyWebContext(signs, float(timeout), headless)
        self.ROBOT_LIBRARY_LISTENER = self
        super().__init__([BrowserKeywords(self.ctx), SessionKeywords(self.ctx), FormKeywords(self.ctx),
                          DetectionKeywords(self.ctx)])

    # A library listener: Robot Framework calls ``close`` when the run is over, so a robot that
    # forgot ``Close Legacy System`` leaves no Chromium behind.
    ROBOT_LISTENER_API_VERSION = 3

    def close(self) -> None:
        """Listener method: close the browser when the library goes out of scope."""
        self.ctx.close()


# Robot Framework takes the class named like the module: ``Library    keywords.legacyweb``.
legacyweb = LegacyWeb
