"""Queues: every queue with its counts by state, and one queue's items, filtered and paginated.

The queue page never shows payload values: a row is the item's id, reference, state,
attempts, exception type and code, and when it last changed. Filters (query parameters,
the same for the page and its JSON twin ``/api/queues/NAME``)::

    state           pending, reserved, done or failed
    exception_type  BUSINESS or APPLICATION
    date            which time ``from`` and ``to`` bound: updated (default) or created
    from, to        local dates, YYYY-MM-DD, both days included
    reference       any part of the reference, ignoring case
    page, per_page  1-based page number; items a page, 1 to 500 (default 50)

A value that cannot be used is refused (400) with a message naming the parameter.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request

from workitems import ExceptionType, InvalidInput, State, WorkItem
from workitems.model import iso

from ..web import Ctx, Done, action, page

STATES = [s.value for s in State]
PER_PAGE = 50
MAX_PER_PAGE = 500
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def queue_url(queue: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"/queues/{quote(queue, safe='')}" + (f"?{query}" if query else "")


def summary(item: WorkItem) -> dict[str, Any]:
    """An item as a queue's row: no payload, no exception message (the item page has those)."""
    exc = item.exception
    return {"id": item.id, "queue": item.queue, "reference": item.reference, "state": item.state.value,
            "attempts": item.attempts, "priority": item.priority, "worker": item.worker,
            "exception": {"type": exc.type.value, "code": exc.code} if exc else None,
            "created_at": iso(item.created_at), "updated_at": iso(item.updated_at)}


# -- the list of queues -----------------------------------------------------------
@page("/queues", "queues.html")
def queues_page(request: Request, ctx: Ctx) -> dict:
    state = _state(request.query_params.get("state"))
    stats = ctx.store.stats()
    queues = [{"queue": q, **{s: stats[q].get(s, 0) for s in STATES}, "total": sum(stats[q].values()),
               "url": queue_url(q)} for q in sorted(stats)]
    if state:
        queues = [q for q in queues if q[state.value]]
    rows = [{k: v for k, v in q.items() if k != "url"} for q in queues]
    return {"queues": queues, "state": state.value if state else "", "states": STATES, "queue_url": queue_url,
            "data": {"state": state.value if state else None, "queues": rows}}


# -- one queue ----------------------------------------------------------------------
@page("/queues/{queue}", "queue.html")
def queue_page(request: Request, ctx: Ctx):
    queue = request.path_params["queue"]
    f = filters(request.query_params)
    items, total = ctx.store.search(
        queue, state=f["state"], exception_type=f["exception_type"], since=f["since"], until=f["until"],
        date_field=f["date"], reference=f["reference"], limit=f["per_page"], offset=(f["page"] - 1) * f["per_page"])
    if total == 0 and queue not in ctx.store.queues():
        portal = request.app.state.portal
        return portal.error(request, ctx, request.url.path.startswith("/api/"), 404,
                            f"there is no queue named {queue!r}: the queues page lists them")
    pages = max((total + f["per_page"] - 1) // f["per_page"], 1)
    echo = {"state": f["state"].value if f["state"] else "",
            "exception_type": f["exception_type"].value if f["exception_type"] else "",
            "date": f["date"] if f["date"] != "updated" else "", "from": f["from"], "to": f["to"],
            "reference": f["reference"] or "",
            "per_page": f["per_page"] if f["per_page"] != PER_PAGE else ""}
    can_act = ctx.user is not None and ctx.user.can("supervisor")
    application_failures = 0
    if can_act and ctx.store.count(queue, state=State.FAILED):  # from an index; the type needs the rows
        application_failures = ctx.store.count(queue, state=State.FAILED, exception_type=ExceptionType.APPLICATION)
    rows = [summary(item) for item in items]
    return {
        "queue": queue, "items": items, "total": total, "page": f["page"], "per_page": f["per_page"],
        "pages": pages, "first": (f["page"] - 1) * f["per_page"] + 1 if items else 0,
        "last": (f["page"] - 1) * f["per_page"] + len(items), "filters": echo, "states": STATES,
        "exception_types": [t.value for t in ExceptionType], "application_failures": application_failures,
        "page_url": lambda n: queue_url(queue, **echo, page=n if n > 1 else None),
        "queue_url": queue_url(queue), "filtered": any(v for k, v in echo.items() if k not in ("date", "per_page")),
        "data": {"queue": queue, "total": total, "page": f["page"], "per_page": f["per_page"], "pages": pages,
                 "filters": {**{k: (v or None) for k, v in echo.items() if k != "per_page"}, "date": f["date"]},
                 "items": rows},
    }


def filters(params) -> dict[str, Any]:
    """The queue page's query parameters, checked; InvalidInput names the one that is wrong."""
    def text(name: str) -> str:
        return (params.get(name) or "").strip()

    state = _state(text("state"))
    kind = None
    if text("exception_type"):
        try:
            kind = ExceptionType.parse(text("exception_type"))
        except InvalidInput:
            raise InvalidInput(f"the filter exception_type={text('exception_type')!r} is not an exception type: "
                               "use BUSINESS or APPLICATION") from None
    dated = text("date").lower() or "updated"
    if dated not in ("updated", "created"):
        raise InvalidInput(f"the filter date={text('date')!r} is not one of updated, created "
                           "(which time 'from' and 'to' bound)")
    start, end = _date("from", text("from")), _date("to", text("to"))
    if start and end and start > end:
        raise InvalidInput(f"the filter from={text('from')} is after to={text('to')}: swap them")
    reference = text("reference") or None
    if reference and len(reference) > 200:
        raise InvalidInput("the filter reference is longer than 200 characters (a reference is at most 200)")
    number = _whole("page", text("page"), 1, None, default=1)
    per_page = _whole("per_page", text("per_page"), 1, MAX_PER_PAGE, default=PER_PAGE)
    return {"state": state, "exception_type": kind, "date": dated, "from": text("from"), "to": text("to"),
            "since": _midnight(start) if start else None,
            "until": _midnight(end + timedelta(days=1)) if end else None,
            "reference": reference, "page": number, "per_page": per_page}


def _state(value: str | None) -> State | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return State.parse(value)
    except InvalidInput:
        raise InvalidInput(f"the filter state={value!r} is not a state: use one of {', '.join(STATES)}") from None


def _date(name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"the filter {name}={value!r} is not a date: give it as YYYY-MM-DD, "
                           "e.g. 2026-11-26") from None


def _midnight(day: date) -> float:
    """The start of a local day, as epoch seconds (the server's time zone; DST included)."""
    return datetime(day.year, day.month, day.day).timestamp()


def _whole(name: str, value: str, low: int, high: int | None, *, default: int) -> int:
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < low or (high is not None and number > high):
        bounds = f"{low} to {high}" if high is not None else f"{low} or more"
        raise InvalidInput(f"the parameter {name}={value!r} must be a whole number from {bounds}")
    return number


# -- acting on a queue ----------------------------------------------------------------
@action("/queues/{queue}/retry-application", role="supervisor")
def retry_application(request: Request, ctx: Ctx, form: dict) -> Done:
    queue = request.path_params["queue"]
    count = ctx.store.retry_failed(queue, actor=ctx.actor, exception_type=ExceptionType.APPLICATION)
    ctx.audit.record(ctx.actor, "retry-application", f"queue {queue}"[:200], {"count": count})
    if count:
        message = f"{count} APPLICATION failure{'s' if count != 1 else ''} of {queue} put back to pending"
    else:
        message = f"{queue} has no APPLICATION failures to retry"
    return Done(message, to=queue_url(queue), data={"queue": queue, "retried": count})
