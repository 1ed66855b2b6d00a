"""Declaring pages and rendering them: login, roles, CSRF and chaos applied in one place.

Every page of every system is declared with :func:`page`, which wraps its endpoint so
that, in this order: chaos draws the request's fate (latency, error page, busy page,
early expiry); the session is loaded (a page that needs login sends an expired or
absent session to ``/login``, and back here afterwards); the role is checked; a POST
must carry the session's CSRF token in its form (else a 403 "Invalid or missing form
token"). The endpoint then runs with ``request.state.user`` set.
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Sequence
from urllib.parse import quote, urlsplit

from jinja2 import Environment
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from . import db as _db
from . import sessions
from .chaos import Chaos, Outcome
from .settings import SystemSettings
from .users import User

Endpoint = Callable[[Request], Awaitable[Response]]
CSRF_FIELD = "csrf_token"
EXPIRED_MESSAGE = "Your session has expired, please log in again"
FORM_TOKEN_MESSAGE = "Invalid or missing form token"


@dataclass
class SystemContext:
    """Everything a system's pages share, kept on ``app.state.sandbox``."""

    system: str
    title: str
    db_path: Any
    settings: SystemSettings
    chaos: Chaos
    env: Environment
    nav: Sequence[tuple[str, str]] = field(default_factory=tuple)
    home_url: str = "/"

    @property
    def cookie_name(self) -> str:
        # Cookies ignore ports, so systems side by side on 127.0.0.1 need names of their own.
        return f"sandbox_{self.system}_session"

    @property
    def prelogin_cookie(self) -> str:
        return f"sandbox_{self.system}_form"


def context(request: Request) -> SystemContext:
    return request.app.state.sandbox


def db(request: Request) -> sqlite3.Connection:
    """This request's connection to the system's database (opened on first use, closed after the page)."""
    conn = getattr(request.state, "db", None)
    if conn is None:
        conn = request.state.db = _db.connect(context(request).db_path)
    return conn


def current_user(request: Request) -> User | None:
    return getattr(request.state, "user", None)


def flash(request: Request, message: str) -> None:
    """Show ``message`` once, on the next page this session sees (typically after a redirect)."""
    session = getattr(request.state, "session", None)
    if session is not None:
        sessions.add_flash(db(request), session, message)


def redirect(url: str, request: Request | None = None, message: str | None = None) -> RedirectResponse:
    """A 303 to ``url`` (so the browser follows with GET); ``message`` is flashed there."""
    if request is not None and message:
        flash(request, message)
    return RedirectResponse(url, status_code=303)


def _csrf_token(request: Request) -> str:
    session = getattr(request.state, "session", None)
    if session is not None:
        return session.csrf_token
    token = request.cookies.get(context(request).prelogin_cookie)
    if not token:
        token = getattr(request.state, "new_prelogin_token", None) or secrets.token_urlsafe(24)
        request.state.new_prelogin_token = token
    return token


def render(request: Request, template: str, values: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render ``template`` with the page basics: ``csrf_input`` (put it in every form), ``user``,
    ``system_title``, ``nav``, ``flashes``, ``errors`` (a list shown in red at the top) and ``values``."""
    ctx = context(request)
    session = getattr(request.state, "session", None)
    token = _csrf_token(request)
    page_values = {
        "request": request,
        "system": ctx.system,
        "system_title": ctx.title,
        "nav": ctx.nav,
        "user": current_user(request),
        "csrf_token": token,
        "csrf_input": Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'),
        "flashes": list(session.flashes) if session else [],
        "errors": [],
        **(values or {}),
    }
    response = HTMLResponse(ctx.env.get_template(template).render(page_values), status_code=status_code)
    new_token = getattr(request.state, "new_prelogin_token", None)
    if new_token:
        response.set_cookie(ctx.prelogin_cookie, new_token, httponly=True, samesite="lax")
    response.headers["Cache-Control"] = "no-store"
    return response


def message_page(request: Request, heading: str, text: str, status_code: int, *, kind: str = "message",
                 link: tuple[str, str] | None = None) -> HTMLResponse:
    """A plain page with one heading and one paragraph (errors, busy, forbidden, not found)."""
    return render(request, "message.html", {"heading": heading, "text": text, "kind": kind, "link": link},
                  status_code=status_code)


def safe_next(url: str | None, default: str = "/") -> str:
    """``url`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    return url


def _back_url(request: Request) -> str:
    """Where "try again" or "after login" should lead: this page for a GET, the form's page for a POST."""
    if request.method == "GET":
        query = f"?{request.url.query}" if request.url.query else ""
        return request.url.path + query
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return "/"
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))


def login_redirect(request: Request, expired: bool) -> RedirectResponse:
    reason = "&reason=expired" if expired else ""
    return RedirectResponse(f"/login?next={quote(_back_url(request), safe='/')}{reason}", status_code=303)


def _load_session(request: Request, force_expire: bool) -> tuple[sessions.Session | None, bool]:
    """The live session and whether the browser presented one that is no longer valid."""
    ctx = context(request)
    value = request.cookies.get(ctx.cookie_name)
    if not value:
        return None, False
    conn = db(request)
    session = sessions.load(conn, value, ctx.settings.session_idle_seconds)
    if session is not None and force_expire:
        sessions.delete(conn, session.id_hash)
        session = None
    return session, session is None


def page(path: str, endpoint: Endpoint, *, methods: Sequence[str] = ("GET",), public: bool = False,
         role: str | None = None, chaos_exempt: bool = False, name: str | None = None) -> Route:
    """A route whose endpoint gets login, role, CSRF and chaos handling.

    ``public``: no login needed (the login page). ``role="admin"``: admins only (others get 403).
    ``chaos_exempt``: only latency applies (login, the chaos settings page).
    """

    async def wrapped(request: Request) -> Response:
        ctx = context(request)
        decision = ctx.chaos.next(request.method)
        if decision.latency_s:
            await asyncio.sleep(decision.latency_s)
        outcome = Outcome.NONE if chaos_exempt else decision.outcome
        try:
            if outcome in (Outcome.ERROR_500, Outcome.ERROR_PAGE):
                return error_page(request, decision.n, 500 if outcome is Outcome.ERROR_500 else 200)
            if outcome is Outcome.BUSY:
                return message_page(request, "System busy, please try again",
                                    "The system is busy at the moment. Please wait a moment and try again.",
                                    200, kind="busy", link=(_back_url(request), "Retry"))
            session, was_expired = _load_session(request, force_expire=outcome is Outcome.EXPIRE and not public)
            request.state.session = session
            request.state.user = session.user if session else None
            if session is None and not public:
                return login_redirect(request, expired=was_expired)
            if role and not (session and (session.user.role == role or session.user.is_admin)):
                return message_page(request, "Access denied", "You do not have permission to view this page.", 403,
                                    kind="error")
            if request.method == "POST":
                form = await request.form()
                if not sessions.token_matches(_csrf_token(request), form.get(CSRF_FIELD)):
                    return message_page(request, FORM_TOKEN_MESSAGE,
                                        "The form could not be accepted. Go back, reload the page and try again.",
                                        403, kind="error")
            response = await endpoint(request)
            if outcome is Outcome.ERROR_AFTER:
                return error_page(request, decision.n, 500)
            return response
        finally:
            conn = getattr(request.state, "db", None)
            if conn is not None:
                conn.close()
                request.state.db = None

    wrapped.__name__ = wrapped.__qualname__ = getattr(endpoint, "__name__", "page")
    wrapped.__doc__ = endpoint.__doc__
    return Route(path, wrapped, methods=list(methods), name=name)


def error_page(request: Request, n: int, status_code: int) -> HTMLResponse:
    return message_page(request, "System error",
                        f"An unexpected error has occurred. Please try again later. (Error reference ERR-{n:06d})",
                        status_code, kind="error", link=(_back_url(request), "Back"))
