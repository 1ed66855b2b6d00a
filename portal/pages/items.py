"""One work item: its payload (masked until revealed), files, history, exception, failure
screenshot and the run that handled it; and what a supervisor can do with it.

Routes::

    GET  /items/ID                   the item (JSON twin /api/items/ID); values masked
    POST /items/ID/reveal            show the values to this session for a few minutes (viewer; audited)
    GET  /items/ID/files/NAME        an attached file (?inline=1 shows a PNG or JPEG in the page)
    POST /items/ID/retry             put a failed item back to pending (supervisor)
    POST /items/ID/resolve           mark a BUSINESS failure done by hand, with a note (supervisor)
    POST /items/ID/edit              change one payload field and retry (supervisor)

Each action is recorded in the audit log: who, which item, and (encrypted) the note or
the old and new values.
"""

from __future__ import annotations

import json
import mimetypes
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from scheduler.history import RunHistory
from workitems import ExceptionType, InvalidInput, ItemNotFound, State, WorkItem
from workitems.files import sanitize_name
from workitems.store import Store

from .. import mask
from ..web import Ctx, Done, action, page
from .queues import queue_url, summary

# Take Failure Screenshot (keywords/legacyweb) names its files NAME-YYYYmmdd-HHMMSS-NNN.png.
_SHOT = re.compile(r"-(\d{8}-\d{6})-(\d{3})\.png$", re.IGNORECASE)
_IMAGES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def item_url(item_id: int) -> str:
    return f"/items/{int(item_id)}"


def file_url(item_id: int, name: str, *, inline: bool = False) -> str:
    return f"{item_url(item_id)}/files/{quote(name, safe='')}" + ("?inline=1" if inline else "")


# -- the item page ------------------------------------------------------------------
@page("/items/{item_id:int}", "item.html")
def item_page(request: Request, ctx: Ctx) -> dict:
    item_id = request.path_params["item_id"]
    item = ctx.store.get(item_id)
    show = mask.revealed(ctx.session, item_id)
    runs = RunLinks(ctx.store)
    history = []
    for entry in ctx.store.history(item_id):
        detail = mask.mask_history_detail(entry.detail, show=show)
        history.append({**entry.to_dict(), "detail": detail, "run": runs.of(entry.actor),
                        "when": _local(entry.at), "text": describe(detail)})
    handled_by = next((h["run"] for h in reversed(history) if h["run"] and h["run"].get("log")), None)
    files = [{"name": f.name, "size": f.size, "url": file_url(item_id, f.name)} for f in item.files]
    shot = screenshot(item)
    can_act = ctx.user is not None and ctx.user.can("supervisor")
    payload = item.payload if show else mask.masked(item.payload)
    data = {**item.to_dict(), "payload": payload, "revealed": show,
            "files": files, "history": [{k: v for k, v in h.items() if k not in ("when", "text")} for h in history],
            "screenshot": file_url(item_id, shot, inline=True) if shot else None, "run": handled_by}
    return {
        "item": item, "fields": mask.fields(item.payload, show=show), "revealed": show,
        "reveal_minutes": mask.REVEAL_SECONDS // 60, "history": history, "files": files,
        "screenshot": data["screenshot"], "screenshot_name": shot, "run": handled_by,
        "queue_url": queue_url(item.queue), "created": _local(item.created_at), "updated": _local(item.updated_at),
        "lease": _local(item.lease_expires_at), "can_act": can_act,
        "can_resolve": can_act and _business_failure(item),
        "editable": (list(item.payload) if can_act and item.state is State.FAILED and isinstance(item.payload, dict)
                     else []),
        "data": data,
    }


def screenshot(item: WorkItem) -> str | None:
    """The name of the item's latest failure screenshot: a PNG attached by the robot, or None."""
    pictures = [f.name for f in item.files if f.name.lower().endswith(".png")]
    if not pictures:
        return None
    stamped = [n for n in pictures if _SHOT.search(n)]
    if stamped:
        return max(stamped, key=lambda n: _SHOT.search(n).groups())
    return pictures[-1]


def describe(detail: Any) -> str:
    """A history entry's detail as one line for people."""
    if not isinstance(detail, dict):
        return "" if detail is None else str(detail)
    parts = []
    for key, value in detail.items():
        if value in (None, "", [], {}):
            continue
        if key == "changes" and isinstance(value, list):
            parts.extend(f"{c.get('field')}: {_text(c.get('old'))} → {_text(c.get('new'))}"
                         for c in value if isinstance(c, dict))
        elif key == "retry_at" and isinstance(value, int | float):
            parts.append(f"retry at {_local(value)}")
        elif key == "previous" and isinstance(value, dict):  # the exception a retry cleared
            parts.append("previous: " + " ".join(str(v) for v in (value.get("type"), value.get("code")) if v))
        else:
            parts.append(f"{key.replace('_', ' ')}: {_text(value)}")
    return "; ".join(parts)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _local(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def _business_failure(item: WorkItem) -> bool:
    return item.state is State.FAILED and item.exception is not None and item.exception.type is ExceptionType.BUSINESS


class RunLinks:
    """Which run (and step) an actor in the history was, with links to its pages and log.

    Robots record themselves as ``RUNID-N-step-slug@worker`` (``scheduler/runner.py`` names the
    step, ``workitems/rpa.py`` adds the worker); the runner creates trigger items as ``run RUNID``.
    A run id (``20261126T013000-referrals``) may itself hold ``-N-``, so each way of splitting
    is checked against the run history, and the first split is taken when none is recorded.
    """

    _RUN = re.compile(r"\d{8}T\d{6}-\S+")
    _SPLIT = re.compile(r"-(\d+)-(?=[a-z0-9])")
    _SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
    _WORKER_K = re.compile(r":w(\d+)$")  # the K-th of several robots on one step

    def __init__(self, store: Store):
        self.history = RunHistory(store)
        self._known: dict[str, bool] = {}
        self._cache: dict[str, dict[str, Any] | None] = {}

    def of(self, actor: str) -> dict[str, Any] | None:
        if actor not in self._cache:
            self._cache[actor] = self._parse(actor)
        return self._cache[actor]

    def _exists(self, run_id: str) -> bool:
        if run_id not in self._known:
            self._known[run_id] = self.history.get(run_id) is not None
        return self._known[run_id]

    def _parse(self, actor: str) -> dict[str, Any] | None:
        if actor.startswith("run ") and self._RUN.fullmatch(actor[4:]):
            run_id = actor[4:]
            return {"run_id": run_id, "url": f"/runs/{quote(run_id)}", "step": None, "log": None}
        step_id, _, worker = actor.partition("@")
        if not self._RUN.fullmatch(step_id):
            return None
        candidates = []
        for m in self._SPLIT.finditer(step_id, 16):  # past "YYYYmmddTHHMMSS-"
            slug = step_id[m.end():]
            if self._SLUG.fullmatch(slug):
                candidates.append((step_id[:m.start()], int(m.group(1)), slug))
        if not candidates:
            return None
        run_id, n, slug = next((c for c in candidates if self._exists(c[0])), candidates[0])
        folder = f"{n}-{slug}"
        k = self._WORKER_K.search(worker)
        if k and int(k.group(1)) > 1:
            folder += f"/worker-{k.group(1)}"
        return {"run_id": run_id, "url": f"/runs/{quote(run_id)}", "step": folder,
                "log": f"/runs/{quote(run_id)}/files/{folder}/log.html"}


# -- files --------------------------------------------------------------------------
@page("/items/{item_id:int}/files/{name}", "item.html", json_twin=False)
def download(request: Request, ctx: Ctx) -> Response:
    """The file's bytes, as a download; ``?inline=1`` shows a PNG or JPEG in the page instead."""
    item_id = request.path_params["item_id"]
    try:
        name = sanitize_name(request.path_params["name"])
        content = ctx.store.get_file(item_id, name)
    except ItemNotFound:
        raise
    except InvalidInput as exc:  # no file of that name, or a name with nothing usable in it
        return request.app.state.portal.error(request, ctx, False, 404, str(exc))
    picture = next((kind for magic, kind in _IMAGES.items() if content.startswith(magic)), None)
    inline = request.query_params.get("inline") == "1" and picture is not None
    if not inline:
        ctx.audit.record(ctx.actor, "download", f"item {item_id}", {"file": name})
    kind = picture if inline else (mimetypes.guess_type(name)[0] or "application/octet-stream")
    return Response(content, media_type=kind,
                    headers={"Content-Disposition": _disposition("inline" if inline else "attachment", name)})


def _disposition(kind: str, name: str) -> str:
    """RFC 6266: a plain ASCII name for old clients, the exact one (RFC 5987) for the rest."""
    fallback = re.sub(r'[^A-Za-z0-9._ -]', "_", name) or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# -- revealing ----------------------------------------------------------------------
@action("/items/{item_id:int}/reveal", role="viewer")
def reveal(request: Request, ctx: Ctx, form: dict) -> Done:
    item_id = request.path_params["item_id"]
    ctx.store.get(item_id)  # an unknown id is a 404, and nothing is recorded
    until = mask.grant(ctx.session, item_id)
    ctx.audit.record(ctx.actor, "reveal", f"item {item_id}")
    return Done(f"Personal fields of item {item_id} shown for {mask.REVEAL_SECONDS // 60} minutes "
                "(recorded in the audit log)", to=f"{item_url(item_id)}?revealed=1",
                data={"item_id": item_id, "revealed_until": datetime.fromtimestamp(until).astimezone()})


# -- acting on an item --------------------------------------------------------------
@action("/items/{item_id:int}/retry", role="supervisor")
def retry(request: Request, ctx: Ctx, form: dict) -> Done:
    item_id = request.path_params["item_id"]
    item = ctx.store.retry(item_id, actor=ctx.actor)
    ctx.audit.record(ctx.actor, "retry", f"item {item_id}")
    return Done(f"Item {item_id} put back to pending: the next run of its queue takes it",
                to=item_url(item_id), data={"item": summary(item)})


@action("/items/{item_id:int}/resolve", role="supervisor")
def resolve(request: Request, ctx: Ctx, form: dict) -> Done:
    item_id = request.path_params["item_id"]
    note = _one(form, "note").strip()
    if not note:
        raise InvalidInput(f"note: say what was done by hand to resolve item {item_id} (a note is required)")
    item = ctx.store.get(item_id)
    if not _business_failure(item):
        what = (f"a failed {item.exception.type.value} item: retry it instead" if item.state is State.FAILED
                and item.exception else item.state.value)
        raise InvalidInput(f"work item {item_id} is {what}: only a failed BUSINESS item can be resolved by hand")
    item = ctx.store.resolve(item_id, actor=ctx.actor, note=note)
    ctx.audit.record(ctx.actor, "resolve", f"item {item_id}", {"note": note})
    return Done(f"Item {item_id} marked done by hand", to=item_url(item_id), data={"item": summary(item)})


@action("/items/{item_id:int}/edit", role="supervisor")
def edit(request: Request, ctx: Ctx, form: dict) -> Done:
    """Change one top-level payload field of a failed item and retry it.

    The value is kept as typed when the field holds text; otherwise it is read as JSON
    (a number, true or false, null, a list or an object), like the value it replaces.
    """
    item_id = request.path_params["item_id"]
    name = _one(form, "field").strip()
    if not name:
        raise InvalidInput("field: say which payload field to change")
    if "value" not in form:
        raise InvalidInput(f"value: give the new value of field {name!r}")
    item = ctx.store.get(item_id)
    if item.state is not State.FAILED:
        raise InvalidInput(f"work item {item_id} is {item.state.value}: only failed items can be edited")
    if not isinstance(item.payload, dict) or name not in item.payload:
        raise InvalidInput(f"field {name!r} is not in the payload of work item {item_id}: "
                           "only its existing top-level fields can be edited")
    old = item.payload[name]
    new = _typed(name, old, form["value"])
    ctx.store.edit_and_retry(item_id, {name: new}, actor=ctx.actor)
    ctx.audit.record(ctx.actor, "edit", f"item {item_id}", {"field": name, "old": old, "new": new})
    return Done(f"Field {name!r} of item {item_id} changed, and the item put back to pending",
                to=item_url(item_id), data={"item_id": item_id, "field": name})


def _one(form: dict, name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        raise InvalidInput(f"{name}: give one value, not {len(value)}")
    return str(value)


def _typed(name: str, old: Any, value: Any) -> Any:
    if not isinstance(value, str) or isinstance(old, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        if old is None:
            return value
        kind = {bool: "true or false", int: "a number", float: "a number", list: "a list"}.get(type(old), "an object")
        raise InvalidInput(f"value: field {name!r} holds {kind}, so give the new value in JSON "
                           "(e.g. 42, true, null, [1, 2] or {\"a\": 1})") from None
