"""The supervisor portal: a Starlette application over the work-item store.

``create_app(store)`` builds it; ``nightshift portal`` (or ``nightshift serve``) runs
it with uvicorn on 127.0.0.1. Pages live in ``portal/pages/``, one module an area,
registered with ``portal.web.page`` and ``portal.web.action``.
"""

from __future__ import annotations

import importlib
import secrets
from contextlib import asynccontextmanager
from pathlib import Path

import anyio

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from workitems.store import Store
from workitems.store.schema import meta as meta_t

from . import web

HERE = Path(__file__).resolve().parent
PAGE_MODULES = ("account", "overview", "queues", "items", "runs", "reports", "admin", "chat", "enquiries", "approvals", "bids")


def create_app(store: Store, *, secure_cookies: bool = False) -> Starlette:
    for name in PAGE_MODULES:
        try:
            importlib.import_module(f"portal.pages.{name}")
        except ModuleNotFoundError as exc:  # an area still being written
            if exc.name != f"portal.pages.{name}":
                raise
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = web.fmt_time
    portal = web.Portal(store, env, web.Sessions(_secret(store), secure_cookies))
    routes: list = [Route("/healthz", lambda request: PlainTextResponse("ok"))]
    for spec in web.REGISTRY:
        methods = ["GET"] if spec.kind == "page" else ["POST"]
        routes.append(Route(spec.path, portal.endpoint(spec, api=False), methods=methods))
        if spec.json:
            routes.append(Route(f"/api{spec.path}", portal.endpoint(spec, api=True), methods=methods))
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    app = Starlette(routes=routes, lifespan=_lifespan)
    app.state.portal = portal
    return app


THREADS = 8


@asynccontextmanager
async def _lifespan(app):
    # Handlers run in threads, and each thread keeps a database connection while it lives
    # (workitems/store/prepared.py): keep the threads fewer than the engine's pool (15).
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    yield


def _secret(store: Store) -> bytes:
    """The key that signs session cookies: made once, kept (encrypted) in the store for every portal."""
    with store.transaction(write=True) as conn:
        conn.execute(store.insert_ignoring_conflicts(meta_t).values(
            key="portal_secret", value=store.cipher.encrypt(secrets.token_bytes(32))))
        token = conn.execute(select(meta_t.c.value).where(meta_t.c.key == "portal_secret")).scalar_one()
    return store.cipher.decrypt(token)
