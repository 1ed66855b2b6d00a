"""The portal's small framework: pages with JSON twins, actions, sign-in, CSRF, roles.

A page is a function of the request returning a dict for its template; the same page
answers JSON under ``/api``::

    @page("/queues/{queue}", "queue.html")            # GET /queues/x  and  GET /api/queues/x
    def queue_page(request: Request, ctx: Ctx) -> dict:
        return {"data": {...}, ...}                    # "data" is the JSON twin's body

    @action("/items/{item_id:int}/retry", role="supervisor")   # POST, form or /api (JSON)
    def retry(request: Request, ctx: Ctx, form: dict) -> Done:
        return Done("item 42 put back to pending", to="/items/42", data={...})

Every route but ``/login``, ``/healthz``, ``/static`` and those declared ``role=None`` (the
public chatbot) needs a signed-in user; a role below the route's gets 403. Every POST needs
the session's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``), but a public
action declared ``csrf=False``. Handlers run in a thread (the store is blocking).
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from workitems import InvalidInput, ItemNotFound, WorkItemError
from workitems.store import Store

from .audit import Audit
from .users import ROLES, User, Users, role_at_least

SESSION_COOKIE = "nightshift_portal"
SESSION_MAX_AGE_S = 12 * 3600


@dataclass
class Ctx:
    """What a handler gets besides the request."""

    store: Store
    users: Users
    audit: Audit
    user: User | None
    session: dict[str, Any]

    @property
    def actor(self) -> str:
        return f"portal:{self.user.name}" if self.user else "portal:anonymous"


@dataclass
class Done:
    """An action's outcome: a message for people, where to go next, and the JSON twin's body."""

    message: str
    to: str
    data: dict[str, Any] = field(default_factory=dict)


class Forbidden(Exception):
    pass


@dataclass(frozen=True)
class Spec:
    path: str
    handler: Callable[..., Any]
    kind: str  # "page" or "action"
    template: str | None
    role: str | None  # None: no sign-in needed
    json: bool = True  # has an /api twin
    csrf: bool = True  # POST needs the session's CSRF token


REGISTRY: list[Spec] = []


def page(path: str, template: str, *, role: str | None = "viewer", json_twin: bool = True):
    assert role is None or role in ROLES

    def register(handler):
        REGISTRY.append(Spec(path, handler, "page", template, role, json_twin))
        return handler

    return register


def action(path: str, *, role: str | None = "supervisor", csrf: bool = True):
    # Only a public action may go without CSRF: with no sign-in there is no one's authority to forge
    # (the public chatbot, posted from other sites' widgets where the session cookie is not sent).
    assert role is None or role in ROLES
    assert csrf or role is None

    def register(handler):
        REGISTRY.append(Spec(path, handler, "action", None, role, csrf=csrf))
        return handler

    return register


# -- sessions ---------------------------------------------------------------------
class Sessions:
    """A signed cookie holding the user's name and a CSRF token (no personal data)."""

    def __init__(self, secret: bytes, secure: bool):
        self.serializer = URLSafeTimedSerializer(secret, salt="nightshift-portal-session")
        self.secure = secure

    def load(self, request: Request) -> dict[str, Any]:
        raw = request.cookies.get(SESSION_COOKIE)
        if raw:
            try:
                data = self.serializer.loads(raw, max_age=SESSION_MAX_AGE_S)
                if isinstance(data, dict) and data.get("csrf"):
                    return data
            except BadSignature:
                pass
        return {"csrf": secrets.token_urlsafe(32)}

    def save(self, response: Response, session: dict[str, Any]) -> None:
        response.set_cookie(SESSION_COOKIE, self.serializer.dumps(session), max_age=SESSION_MAX_AGE_S,
                            httponly=True, samesite="strict", secure=self.secure, path="/")


# -- responses --------------------------------------------------------------------
def to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return to_json(value.to_dict())
    if hasattr(value, "__dataclass_fields__"):
        return to_json({k: getattr(value, k) for k in value.__dataclass_fields__})
    if hasattr(value, "value") and hasattr(value, "name"):  # an Enum
        return value.value
    return value


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Portal:
    """Builds the routes from REGISTRY and runs each request through sign-in, role and CSRF checks."""

    def __init__(self, store: Store, env: Environment, sessions: Sessions):
        self.store = store
        self.env = env
        self.sessions = sessions
        self.users = Users(store)
        self.audit = Audit(store)

    def endpoint(self, spec: Spec, api: bool):
        async def handle(request: Request) -> Response:
            session = self.sessions.load(request)
            response = await self._handle(spec, api, request, session)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            self.sessions.save(response, session)
            return response

        handle.__name__ = f"{spec.handler.__name__}{'_api' if api else ''}"
        return handle

    async def _handle(self, spec: Spec, api: bool, request: Request, session: dict[str, Any]) -> Response:
        user = await run_in_threadpool(self._user, session)
        ctx = Ctx(self.store, self.users, self.audit, user, session)
        if spec.role is not None and user is None:
            if api:
                return JSONResponse({"error": "sign in first (POST /login)"}, status_code=401)
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        if spec.role is not None and not user.can(spec.role):
            return self.error(request, ctx, api, 403, f"this needs the {spec.role} role; you are a {user.role}")
        form: dict[str, Any] = {}
        if request.method == "POST":
            try:
                form, token = await _read_body(request)
            except InvalidInput as exc:
                return self.error(request, ctx, api, 400, str(exc))
            token = request.headers.get("x-csrf-token") or token
            if spec.csrf and (not token or not hmac.compare_digest(str(token), session["csrf"])):
                return self.error(request, ctx, api, 403,
                                  "the form's security token is missing or out of date: reload the page and try again")
        try:
            if spec.kind == "page":
                result = await run_in_threadpool(spec.handler, request, ctx)
            else:
                result = await run_in_threadpool(spec.handler, request, ctx, form)
        except Forbidden as exc:
            return self.error(request, ctx, api, 403, str(exc))
        except ItemNotFound as exc:
            return self.error(request, ctx, api, 404, str(exc))
        except (InvalidInput, WorkItemError) as exc:
            return self.error(request, ctx, api, 400, str(exc))
        if isinstance(result, Response):
            return result
        if isinstance(result, Done):
            if api:
                return JSONResponse({"ok": True, "message": result.message, **to_json(result.data)})
            session["flash"] = result.message
            return RedirectResponse(result.to, status_code=303)
        if api:
            return JSONResponse(to_json(result.get("data", result)))
        return self.render(spec.template, request, ctx, result)

    def _user(self, session: dict[str, Any]) -> User | None:
        name = session.get("user")
        if not name:
            return None
        user = self.users.get(name)
        if user is None or user.disabled or session.get("since", 0) < user.created_at:
            session.pop("user", None)
            return None
        return user

    def render(self, template: str, request: Request, ctx: Ctx, values: dict[str, Any], status: int = 200) -> HTMLResponse:
        flash = ctx.session.pop("flash", None)
        html = self.env.get_template(template).render(
            request=request, user=ctx.user, csrf=ctx.session["csrf"], flash=flash, path=request.url.path,
            role_at_least=role_at_least, **values)
        return HTMLResponse(html, status_code=status)

    def error(self, request: Request, ctx: Ctx, api: bool, status: int, message: str) -> Response:
        if api:
            return JSONResponse({"error": message}, status_code=status)
        return self.render("error.html", request, ctx, {"status": status, "message": message}, status=status)


async def _read_body(request: Request) -> tuple[dict[str, Any], str | None]:
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise InvalidInput("the request body is not valid JSON") from None
        body = body if isinstance(body, dict) else {}
        return body, body.pop("csrf", None)
    form = await request.form()
    values: dict[str, Any] = {}
    for key, value in form.multi_items():
        values.setdefault(key, []).append(value)
    flat = {k: v[0] if len(v) == 1 else v for k, v in values.items()}
    return flat, flat.pop("csrf", None)


def reason_from(form: dict[str, Any], why: str, *, limit: int = 500) -> str:
    """A person's reason from a form's ``reason`` field, spaces tidied; :class:`InvalidInput` when it is
    missing (``why`` says what it is for) or longer than ``limit`` characters."""
    reason = " ".join(str(form.get("reason", "")).split())
    if not reason:
        raise InvalidInput(f"reason: {why} (a reason is required)")
    if len(reason) > limit:
        raise InvalidInput(f"reason: at most {limit} characters (it has {len(reason)})")
    return reason


def fmt_time(ts: float | str | None) -> str:
    """A moment (epoch seconds, or ISO 8601 text as payloads hold it) in the portal's local time."""
    if not ts:
        return ""
    try:
        moment = datetime.fromisoformat(ts) if isinstance(ts, str) else datetime.fromtimestamp(ts)
    except ValueError:
        return str(ts)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
