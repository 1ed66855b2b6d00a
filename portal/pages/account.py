"""Signing in and out."""

from __future__ import annotations

import secrets
import time

from starlette.requests import Request
from starlette.responses import RedirectResponse

from ..users import SignInRefused
from ..web import Ctx, Done, action, page


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never an address elsewhere (//evil.example, https://…)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@page("/login", "login.html", role=None)
def login_page(request: Request, ctx: Ctx):
    """The sign-in form; its JSON twin gives scripts the CSRF token to POST /api/login with."""
    api = request.url.path.startswith("/api/")
    if ctx.user is not None and not api:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return {"next": _safe_next(request.query_params.get("next")), "error": None, "name": "",
            "data": {"csrf": ctx.session["csrf"], "user": ctx.user.name if ctx.user else None}}


@action("/login", role=None)
def login(request: Request, ctx: Ctx, form: dict):
    name = str(form.get("name") or "").strip()
    target = _safe_next(form.get("next"))
    try:
        user = ctx.users.sign_in(name, str(form.get("password") or ""))
    except SignInRefused as exc:
        ctx.audit.record(f"portal:{name[:100] or '?'}", "sign-in-refused", None, {"reason": str(exc)})
        if request.url.path.startswith("/api/"):
            from ..web import Forbidden

            raise Forbidden(str(exc)) from None
        portal = request.app.state.portal
        return portal.render("login.html", request, ctx, {"next": target, "error": str(exc), "name": name},
                             status=401)
    ctx.session.clear()
    ctx.session.update(user=user.name, since=time.time(), csrf=secrets.token_urlsafe(32))
    ctx.audit.record(f"portal:{user.name}", "sign-in")
    return Done(f"Signed in as {user.name}", to=target, data={"user": user.name, "role": user.role,
                                                              "csrf": ctx.session["csrf"]})


@action("/logout", role="viewer")
def logout(request: Request, ctx: Ctx, form: dict):
    ctx.audit.record(ctx.actor, "sign-out")
    ctx.session.clear()
    ctx.session["csrf"] = secrets.token_urlsafe(32)
    return Done("Signed out", to="/login")
