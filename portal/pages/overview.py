"""The overview: queues by state, last night's runs, failures needing a person, hours saved."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from starlette.requests import Request

from scheduler.history import RunHistory
from scheduler.processes import load_processes
from workitems import InvalidInput, State

from ..web import Ctx, page
from .bids import live_totals

STATES = [s.value for s in State]


def hours_saved(ctx: Ctx) -> dict[str, float]:
    """Hours the bots saved today, this week (from Monday) and this month.

    Each process's work items are those its last step works (the referrals keyed, not
    the night's trigger item); hours = items that step's runs finished as done × the
    process's ``manual_minutes``. Items a person resolved by hand are not counted.
    """
    now = datetime.now().astimezone()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = {"today": today, "week": today - timedelta(days=today.weekday()), "month": today.replace(day=1)}
    processes = {name: p for name, p in load_processes().items() if not isinstance(p, InvalidInput)}
    steps = RunHistory(ctx.store).steps_since(min(starts.values()).timestamp())
    out = {}
    for key, start in starts.items():
        minutes = 0.0
        for step in steps:
            process = processes.get(step["process"])
            if process and step["task"] == process.steps[-1].task and step["started_at"] >= start.timestamp():
                minutes += (step["done"] or 0) * process.manual_minutes
        out[key] = round(minutes / 60, 1)
    return out


@page("/", "overview.html")
def overview(request: Request, ctx: Ctx) -> dict:
    stats = ctx.store.stats()
    queues = [{"queue": q, **{s: stats[q].get(s, 0) for s in STATES}} for q in sorted(stats)]
    since = time.time() - 24 * 3600
    runs = [r for r in RunHistory(ctx.store).list(limit=200, since=since)]
    failures = sum(q["failed"] for q in queues)
    saved = hours_saved(ctx)
    bids = live_totals(ctx)  # hours measured by live bids' bots (None while bids.yaml is wrong)
    return {"queues": queues, "runs": runs, "saved": saved, "failures": failures, "bids": bids,
            "data": {"queues": queues, "runs": runs, "failed_items": failures, "hours_saved": saved,
                     "live_bids": bids}}
