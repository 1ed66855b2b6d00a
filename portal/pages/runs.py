"""Runs: a timeline of each process's runs, a run's record and steps, and its artifacts.

``/runs/{run_id}/files/{path}`` serves a file of the run's artifacts folder (the one
the run history recorded) and nothing outside it: the path is resolved, symbolic links
included, and must stay inside. Robot Framework's ``log.html`` and ``report.html``
build themselves with inline scripts (and ``eval``), so HTML files get a policy of their
own that allows those and little else (``ARTIFACT_HTML_CSP``).
"""

from __future__ import annotations

import mimetypes
import time
from datetime import datetime, time as day_time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse

from scheduler.history import RunHistory
from scheduler.processes import load_processes
from workitems import InvalidInput, ItemNotFound

from .. import charts
from ..web import Ctx, page

STATUSES = ("QUEUED", "RUNNING", "PASS", "FAIL", "TIMEOUT", "STOPPED", "SKIPPED", "MISSED")
DEFAULT_DAYS = 7
MAX_DAYS = 366
MAX_RUNS = 1000
MAX_SCREENSHOTS = 200
TIME_FIELDS = ("requested_at", "scheduled_for", "started_at", "ended_at")

# For Robot Framework's log.html and report.html: their inline scripts and styles run
# (and the eval of their jQuery templates), but the sandbox allows no forms, popups or
# frames and connect-src no requests, so a script smuggled into a log cannot act for
# the signed-in user. allow-same-origin keeps the session cookie on the log's own
# images and its link to report.html.
ARTIFACT_HTML_CSP = ("default-src 'self' 'unsafe-inline' 'unsafe-eval' data:; img-src 'self' data:; "
                     "connect-src 'none'; frame-src 'none'; object-src 'none'; worker-src 'none'; "
                     "frame-ancestors 'none'; form-action 'none'; base-uri 'none'; "
                     "sandbox allow-scripts allow-same-origin")
TEXT_TYPES = {".txt": "text/plain; charset=utf-8", ".log": "text/plain; charset=utf-8",
              ".xml": "application/xml; charset=utf-8", ".json": "application/json",
              ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8"}


class NotFound(ItemNotFound):
    """A run or artifact that is not there (the portal answers 404)."""

    def __init__(self, message: str):
        InvalidInput.__init__(self, message)
        self.item_id = None


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}, got {raw!r}") from None
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be from {low} to {high}, got {value}")
    return value


def _midnights(start: float, end: float) -> list[tuple[float, str]]:
    """Local midnights between start and end, labelled with the day they begin."""
    day = datetime.fromtimestamp(start).date() + timedelta(days=1)
    out = []
    while True:
        at = datetime.combine(day, day_time.min).astimezone().timestamp()
        if at >= end:
            return out
        out.append((at, day.strftime("%a %d")))
        day += timedelta(days=1)


def _span(run: dict[str, Any], now: float) -> charts.Span:
    start = run["started_at"] or run["scheduled_for"] or run["requested_at"]
    end = run["ended_at"] or (now if run["status"] in ("RUNNING", "QUEUED") else start)
    when = datetime.fromtimestamp(start).strftime("%a %d %b %H:%M")
    seconds = f", {run['seconds']:.0f} s" if run["seconds"] is not None else ""
    return charts.Span(start, end, f"run-{run['status']}", f"{run['id']}: {run['status']}, {when}{seconds}")


@page("/runs", "runs.html")
def runs_page(request: Request, ctx: Ctx) -> dict:
    process = (request.query_params.get("process") or "").strip() or None
    status = (request.query_params.get("status") or "").strip().upper() or None
    if status and status not in STATUSES:
        raise InvalidInput(f"unknown run status {status!r}: use one of {', '.join(STATUSES)}")
    days = _int_param(request, "days", DEFAULT_DAYS, 1, MAX_DAYS)
    now = time.time()
    since = now - days * 86400
    runs = RunHistory(ctx.store).list(process=process, status=status, since=since, limit=MAX_RUNS)
    ticks = _midnights(since, now)
    groups: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        span = _span(run, now)
        run["bar"] = charts.timeline([span], since, now, ticks=ticks, width=240, height=14,
                                     label=span.title)
        groups.setdefault(run["process"], []).append(run)
    processes = []
    for name in sorted(groups):
        rows = groups[name]
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        lane = charts.timeline([_span(r, now) for r in rows], since, now, ticks=ticks, width=960, height=34,
                               label=f"runs of {name} in the last {days} days")
        processes.append({"process": name, "runs": rows, "lane": lane, "counts": counts})
    try:
        configured = set(load_processes())
    except InvalidInput:  # a broken processes.yaml must not hide the history of runs
        configured = set()
    known = sorted(configured | set(groups) | ({process} if process else set()))
    truncated = len(runs) >= MAX_RUNS
    return {"processes": processes, "known": known, "statuses": STATUSES, "process": process or "",
            "status": status or "", "days": days, "truncated": truncated,
            "data": {"days": days, "since": datetime.fromtimestamp(since).astimezone(), "process": process,
                     "status": status, "truncated": truncated,
                     "processes": [{"process": p["process"], "counts": p["counts"],
                                    "runs": [{k: v for k, v in r.items() if k != "bar"} for r in p["runs"]]}
                                   for p in processes]}}


def _run(ctx: Ctx, run_id: str) -> dict[str, Any]:
    run = RunHistory(ctx.store).get(run_id)
    if run is None:
        raise NotFound(f"no run with id {run_id!r}: the runs page lists them")
    return run


def _folder(run: dict[str, Any]) -> Path | None:
    return Path(run["artifacts"]).resolve() if run.get("artifacts") else None


def _file_url(run_id: str, folder: Path, path: Path) -> str | None:
    """The portal address of an artifact, or None when it is not inside the run's folder."""
    try:
        rel = path.resolve().relative_to(folder)
    except ValueError:
        return None
    return f"/runs/{quote(run_id, safe='')}/files/{quote(rel.as_posix())}"


def _outputs(run_id: str, folder: Path | None, step: dict[str, Any]) -> dict[str, Any]:
    """A step's logs (its own and each extra worker's), console output and screenshots."""
    out: dict[str, Any] = {"logs": [], "screenshots": []}
    if folder is None or not step.get("artifacts"):
        return out
    step_dir = Path(step["artifacts"])
    workers = sorted(step_dir.glob("worker-*"), key=lambda p: (len(p.name), p.name)) if step_dir.is_dir() else []
    for k, sub in enumerate([step_dir, *workers], 1):
        entry = {"worker": k if workers else None}
        for name in ("log.html", "report.html", "console.txt"):
            entry[name.split(".")[0]] = _file_url(run_id, folder, sub / name) if (sub / name).is_file() else None
        out["logs"].append(entry)
    if step_dir.is_dir():
        for png in sorted(step_dir.rglob("*.png"))[:MAX_SCREENSHOTS]:
            url = _file_url(run_id, folder, png)
            if url:
                out["screenshots"].append({"name": png.relative_to(step_dir).as_posix(), "url": url})
    return out


@page("/runs/{run_id}", "run.html")
def run_page(request: Request, ctx: Ctx) -> dict:
    run_id = request.path_params["run_id"]
    run = _run(ctx, run_id)
    folder = _folder(run)
    steps = []
    for step in run["steps"]:
        step = {**step, **_outputs(run_id, folder, step)}
        first = step["logs"][0] if step["logs"] else {}
        step["log_url"], step["report_url"] = first.get("log"), first.get("report")
        steps.append(step)
    record = {k: v for k, v in run.items() if k != "steps"}
    return {"run": record, "steps": steps, "time_fields": TIME_FIELDS,
            "folder_exists": bool(folder and folder.is_dir()),
            "data": {**record, "steps": steps}}


def artifact(run: dict[str, Any], rel: str) -> Path:
    """The file at ``rel`` inside the run's artifacts folder; NotFound for anything else."""
    folder = _folder(run)
    if folder is None or not rel:
        raise NotFound(f"run {run['id']} has no file {rel!r}")
    try:
        path = (folder / rel).resolve()
    except (OSError, ValueError):  # a NUL byte, a loop of links
        raise NotFound(f"run {run['id']} has no file {rel!r}") from None
    if not path.is_relative_to(folder) or not path.is_file():
        raise NotFound(f"run {run['id']} has no file {rel!r}")
    return path


@page("/runs/{run_id}/files/{path:path}", "run.html", json_twin=False)
def run_file(request: Request, ctx: Ctx) -> FileResponse:
    run = _run(ctx, request.path_params["run_id"])
    path = artifact(run, request.path_params["path"])
    suffix = path.suffix.lower()
    media = TEXT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = {}
    if suffix in (".html", ".htm"):
        headers["Content-Security-Policy"] = ARTIFACT_HTML_CSP
    elif media == "application/octet-stream":
        headers["Content-Disposition"] = f'attachment; filename="{quote(path.name)}"'
    return FileResponse(path, media_type=media, headers=headers)
