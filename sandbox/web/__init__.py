'''The shared framework of the stand-in legacy systems (case management, booking, finance).

Each system is its own Starlette app with its own SQLite file
(``NIGHTSHIFT_HOME/sandbox/<system>.db``), server-rendered Jinja pages with a dated look,
and the same login, sessions, CSRF protection and chaos. A system is a package
``sandbox/<system>/`` with ``app.py`` (``create_app``), ``schema.py``, ``templates/`` and
``seed.py``, registered in ``sandbox.systems.SYSTEMS`` (port offset, ``"sandbox.booking.app:create_app"``,
``"sandbox.booking.seed:load"``; booking and finance are registered already).

Building a system
-----------------
::

    # sandbox/booking/app.py
    from pathlib import Path
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from sandbox.web import SystemSettings, db, forms, make_app, page, redirect, render

    from .schema import SCHEMA   # "CREATE TABLE IF NOT EXISTS bookings (...);" etc.

    async def bookings(request: Request) -> Response:
        rows = db(request).execute("SELECT * FROM bookings ORDER BY starts_at").fetchall()
        return render(request, "bookings.html", {"rows": rows})

    async def new_booking(request: Request) -> Response:
        errors, values = [], {}
        if request.method == "POST":
            form = await request.form()          # the CSRF token was already checked
            try:
                day = forms.uk_date(forms.text(form, "date"), "Date")
            except ValueError as exc:
                errors.append(str(exc))
            if not errors:
                with db(request) as conn:        # ``with`` commits
                    conn.execute("INSERT INTO bookings ...", (...))
                return redirect("/bookings", request, "Booking saved.")   # 303 + a flash message
        return render(request, "new_booking.html", {"errors": errors, "values": values})

    def create_app(settings: SystemSettings) -> Starlette:
        return make_app("booking", "Booking System", [
            page("/", bookings),                                   # needs login (any role)
            page("/bookings/new", new_booking, methods=["GET", "POST"]),
            page("/settings", settings_page, role="admin"),        # admins only
        ], Path(__file__).parent / "templates", settings, schema=SCHEMA,
           nav=[("Bookings", "/"), ("New booking", "/bookings/new")])

Pages
-----
- ``page(path, endpoint, methods=("GET",), public=False, role=None, chaos_exempt=False)``
  declares a page. By default it needs login: without a live session the browser is sent
  to ``/login?next=...`` (with "Your session has expired, please log in again" when the
  session ran out) and back afterwards. Every POST must carry the session's CSRF token
  or gets a 403 page "Invalid or missing form token". Inside the endpoint,
  ``request.state.user`` is a ``User`` (``username``, ``role``, ``is_admin``).
  Path parameters work as in Starlette (``page("/bookings/{id:int}", ...)``).
- ``render(request, "x.html", {...}, status_code=200)`` renders a template. Templates
  ``{% extends "base.html" %}`` and fill ``{% block content %}`` (and ``{% block title %}``).
  Put ``{{ csrf_input }}`` inside every ``<form method="post">``. Pass ``errors`` (a list
  of strings) to show the red "The following errors were found" box at the top.
  The ``ukdate`` filter shows an ISO date as dd/mm/yyyy. CSS classes: ``table.grid``
  (lists), ``table.form`` (label/field rows), ``<td colspan="2" class="wrapped"><label class="field">
  <span class="caption">Label</span><input name="f_17"></label></td>`` (a field with no id, wrapped
  by its label, looking like the other rows), ``.steps``, ``.reference``.
- ``redirect(url, request, "message")``: 303 with a message flashed on the next page.
  ``message_page(request, heading, text, status)`` for a one-paragraph page.
- ``db(request)``: this request's ``sqlite3`` connection (rows are ``sqlite3.Row``; use
  ``with db(request) as conn:`` to commit writes); closed after the page.
- ``forms``: ``text``, ``uk_date``, ``past_date``, ``hh_mm``, ``nhs_number``, ``postcode``,
  ``local_iso``; each raises ``ValueError`` with a message for the error box.
- Labels: every field needs a ``<label for=id>`` or a ``<label>`` wrapping it, so
  Playwright's ``get_by_label`` finds it; fields without ids are fine when wrapped.

Tables and seeds
----------------
``make_app(..., schema=SQL)`` runs the system's idempotent DDL after the framework's own
tables (``users``, ``sessions``, ``sandbox_meta``). ``seed.py`` exposes
``load(db_path: Path, world: dict) -> dict[str, int]``: it calls
``ensure_schema(db_path, SCHEMA)`` first (the seed may run before the server ever did),
inserts idempotently (``INSERT ... ON CONFLICT DO NOTHING`` on a natural key) and returns
counts, e.g. ``{"children": 120, "diary": 300}``. ``db_path(system)`` gives the default file.

Shared pages and behaviour
--------------------------
``/login``, ``/logout`` (POST), ``/healthz`` (no login, no chaos), ``/admin/chaos`` (admin),
``/static/legacy.css``. Users come from ``NIGHTSHIFT_HOME/sandbox/users.json`` (created with
random passwords, mode 0600; ``NIGHTSHIFT_SANDBOX_PASSWORD`` overrides all passwords).
Chaos (``ChaosSettings``; presets off/light/heavy) is drawn per request from the seed:
latency, error pages (HTTP 500 or a 200 "System error" page; on a POST, sometimes after the
change was saved), a "System busy, please try again" page with a Retry link, and early
session expiry. The login page, the chaos page and static files get latency only.

Serving: ``runner.serve({port: app, ...})`` (what ``nightshift sandbox up`` does) or, in
tests, ``with runner.ServerThread(app) as url: ...``. ``tests/sandbox/conftest.py`` has the
fixtures ``start_system("booking", session_idle_seconds=..., chaos=...)`` (in-process, free
port, private ``NIGHTSHIFT_HOME``, password ``sandbox_password``) and ``login(page, url, username)``.
'''

from __future__ import annotations

from . import forms, runner
from .app import make_app, ukdate
from .chaos import Chaos, Decision, Outcome, decide
from .db import connect, ensure_schema
from .pages import (CSRF_FIELD, EXPIRED_MESSAGE, FORM_TOKEN_MESSAGE, context, current_user, db, flash,
                    message_page, page, redirect, render)
from .settings import CHAOS_PRESETS, PASSWORD_ENV, ChaosSettings, SystemSettings, db_path, sandbox_home
from .users import User, ensure_users_file, users_file

__all__ = [
    "CHAOS_PRESETS", "CSRF_FIELD", "EXPIRED_MESSAGE", "FORM_TOKEN_MESSAGE", "PASSWORD_ENV", "Chaos", "ChaosSettings",
    "Decision", "Outcome", "SystemSettings", "User", "connect", "context", "current_user", "db", "db_path", "decide",
    "ensure_schema", "ensure_users_file", "flash", "forms", "make_app", "message_page", "page", "redirect", "render",
    "runner", "sandbox_home", "ukdate", "users_file",
]
