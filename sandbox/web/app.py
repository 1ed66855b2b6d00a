"""The app factory every stand-in system is built with, and the pages they all share:
``/login``, ``/logout``, ``/healthz``, ``/admin/chaos`` and ``/static/legacy.css``."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from . import db as _db
from . import sessions, users
from .chaos import Chaos
from .pages import (EXPIRED_MESSAGE, SystemContext, context, db, message_page, page, redirect, render,
                    safe_next)
from .settings import CHAOS_PRESETS, ChaosSettings, SystemSettings

HERE = Path(__file__).resolve().parent
log = logging.getLogger("sandbox.web")


def make_app(system: str, title: str, routes: Sequence[BaseRoute], templates_dir: Path | None,
             settings: SystemSettings, *, schema: str = "", nav: Sequence[tuple[str, str]] = (),
             db_path: Path | None = None) -> Starlette:
    """A Starlette app for one stand-in system.

    ``system``         short name: the database ``<settings.home>/<system>.db``, the cookie names
    ``title``          shown in the banner ("Case Management System")
    ``routes``         the system's pages, declared with ``page(...)`` (plain Routes get no login/CSRF/chaos)
    ``templates_dir``  the system's Jinja templates (they extend ``base.html``); the framework's are the fallback
    ``schema``         the system's ``CREATE TABLE IF NOT EXISTS`` DDL, run at creation
    ``nav``            banner links, ``(label, path)``
    The database, the users (from ``users.json``) and the schema are ready when this returns.
    """
    path = db_path or settings.home / f"{system}.db"
    _db.ensure_schema(path, schema)
    conn = _db.connect(path)
    try:
        users.sync_users(conn, settings.home, settings.password_override)
        sessions.purge_idle(conn, settings.session_idle_seconds)
    finally:
        conn.close()
    loaders = [FileSystemLoader(str(HERE / "templates"))]
    if templates_dir is not None:
        loaders.insert(0, FileSystemLoader(str(templates_dir)))
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["ukdate"] = ukdate
    ctx = SystemContext(system, title, path, settings, Chaos(system, settings.chaos), env, tuple(nav))
    all_routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        page("/login", login, methods=["GET", "POST"], public=True, chaos_exempt=True),
        page("/logout", logout, methods=["POST"], public=True, chaos_exempt=True),
        page("/admin/chaos", admin_chaos, methods=["GET", "POST"], role="admin", chaos_exempt=True),
        Mount("/static", app=_SlowStatic(StaticFiles(directory=str(HERE / "static"))), name="static"),
        *routes,
    ]
    app = Starlette(routes=all_routes, exception_handlers={HTTPException: _http_error, Exception: _server_error})
    app.state.sandbox = ctx
    return app


def ukdate(value: Any) -> str:
    """Jinja filter: an ISO date (or date/datetime) as dd/mm/yyyy; '' for empty."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y")


class _SlowStatic:
    """Static files with chaos latency (but never errors: the pages must stay usable)."""

    def __init__(self, inner: StaticFiles) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx: SystemContext = scope["app"].state.sandbox
        delay = ctx.chaos.next_static()
        if delay:
            await asyncio.sleep(delay)
        await self.inner(scope, receive, send)


async def healthz(request: Request) -> Response:
    """Readiness: no login, no chaos."""
    ctx = context(request)
    return JSONResponse({"status": "ok", "system": ctx.system, "title": ctx.title})


async def login(request: Request) -> Response:
    """The login form; on success a new session and a redirect back to ``next``."""
    ctx = context(request)
    target = safe_next(request.query_params.get("next"), ctx.home_url)
    values: dict[str, Any] = {"next": target, "username": ""}
    if request.query_params.get("reason") == "expired":
        values["notice"] = EXPIRED_MESSAGE
    if request.method == "POST":
        form = await request.form()
        username = str(form.get("username", "")).strip()
        password = str(form.get("password", ""))
        values["username"] = username
        user = users.authenticate(db(request), username, password) if username and password else None
        if user is None:
            values["errors"] = ["Invalid username or password."]
            values.pop("notice", None)
            return render(request, "login.html", values)
        old = request.cookies.get(ctx.cookie_name)
        if old:
            sessions.delete_by_cookie(db(request), old)
        cookie_value, _ = sessions.create(db(request), user)
        log.info("%s: %s logged in", ctx.system, user.username)
        response = redirect(safe_next(str(form.get("next", "")), target))
        response.set_cookie(ctx.cookie_name, cookie_value, httponly=True, samesite="lax")
        response.delete_cookie(ctx.prelogin_cookie)
        return response
    return render(request, "login.html", values)


async def logout(request: Request) -> Response:
    ctx = context(request)
    session = getattr(request.state, "session", None)
    if session is not None:
        sessions.delete(db(request), session.id_hash)
    response = redirect("/login")
    response.delete_cookie(ctx.cookie_name)
    return response


CHAOS_FIELDS = ("latency_min_ms", "latency_max_ms", "error_rate", "busy_rate", "expire_rate", "seed")


async def admin_chaos(request: Request) -> Response:
    """Admins see and change the chaos settings and the session idle time of this system at run time."""
    ctx = context(request)
    errors: list[str] = []
    if request.method == "POST":
        form = await request.form()
        try:
            preset = str(form.get("preset", "custom"))
            seed = int(str(form.get("seed", "0")).strip() or 0)
            idle = float(str(form.get("session_idle_seconds", "")).strip() or ctx.settings.session_idle_seconds)
            if idle <= 0:
                raise ValueError("Session idle time must be a positive number of seconds")
            if preset == "custom":
                values = {k: _number(form.get(k), k) for k in CHAOS_FIELDS if k != "seed"}
                new = ChaosSettings(preset="custom", seed=seed, **values).validated()
            else:
                new = ChaosSettings.from_preset(preset, seed=seed)
        except ValueError as exc:
            errors.append(str(exc))
        else:
            ctx.chaos.configure(new)
            ctx.settings = replace(ctx.settings, chaos=new, session_idle_seconds=idle)
            log.info("%s: chaos set to %s by %s", ctx.system, new.as_dict(), request.state.user.username)
            return redirect("/admin/chaos", request, "Chaos settings saved.")
    return render(request, "admin_chaos.html", {
        "chaos": ctx.chaos.settings, "presets": [*CHAOS_PRESETS, "custom"], "errors": errors,
        "session_idle_seconds": ctx.settings.session_idle_seconds,
    })


def _number(raw: Any, name: str) -> float:
    text = str(raw or "0").strip()
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name.replace('_', ' ')} must be a number, not {text[:20]!r}") from None
    return int(value) if name.endswith("_ms") else value


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 404:
        return message_page(request, "Page not found", "The page you asked for does not exist.", 404, kind="error")
    if exc.status_code == 405:
        return message_page(request, "Not allowed", "That action is not available here.", 405, kind="error")
    return message_page(request, "Request refused", str(exc.detail), exc.status_code, kind="error")


async def _server_error(request: Request, exc: Exception) -> Response:
    # The traceback goes to the server log; the page tells nothing about the internals.
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    try:
        return message_page(request, "System error", "An unexpected error has occurred. Please try again later.",
                            500, kind="error")
    except Exception:  # noqa: BLE001 - the error page itself must not fail
        return Response("System error", status_code=500, media_type="text/plain")
