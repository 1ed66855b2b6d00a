"""``nightshift serve``, ``worker``, ``schedules`` and ``runs``: the night's clock and its record."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .common import app, console
from .support import fail, print_json, say, store_session, when

schedules_app = typer.Typer(help="Schedules: when each process runs (schedules.yaml).", no_args_is_help=True)
runs_app = typer.Typer(help="Runs: the history of every process run, skipped and missed fire.", no_args_is_help=True)
app.add_typer(schedules_app, name="schedules")
app.add_typer(runs_app, name="runs")


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    for noisy in ("apscheduler", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum, frame):
        logging.getLogger("nightshift.serve").info("stopping (signal %d): the running step is stopped", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def _reload_on_sighup() -> threading.Event:
    """SIGHUP (POSIX): read the schedules file now. Edits are picked up without it, at the next poll."""
    reload = threading.Event()
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, lambda signum, frame: reload.set())
    return reload


@app.command("serve")
def serve_command(
    workers: Annotated[int, typer.Option("--workers", min=0, help="Local workers running run requests (0: scheduler only).")] = 1,
    portal: Annotated[bool, typer.Option("--portal/--no-portal", help="Also run the supervisor portal.")] = True,
    portal_host: Annotated[str, typer.Option("--portal-host", help="The portal's address (127.0.0.1: this machine only).")] = "127.0.0.1",
    portal_port: Annotated[int, typer.Option("--portal-port", help="The portal's port.")] = 8600,
) -> None:
    """Run the scheduler, local workers and the portal until stopped (Ctrl-C or SIGTERM).

    With PostgreSQL several machines may run 'serve': one schedules, the others stand
    by and take over within seconds if it stops. With SQLite a second one refuses.
    Edits to the schedules file are picked up while it runs; SIGHUP reads it at once.
    """
    from scheduler.schedules import load_schedules
    from scheduler.serve import serve

    spec = load_schedules()
    _logging()
    stop = _stop_on_signals()
    reload = _reload_on_sighup()
    servers = []

    def started() -> None:
        if portal:
            servers.append(_start_portal(store, portal_host, portal_port))
        say(f"nightshift serve: {len(spec.schedules)} schedule(s) from {spec.path}, {workers} worker(s), "
            f"database {store.url}" + (f", portal http://{portal_host}:{portal_port}/" if portal else ""))

    with store_session() as store:
        try:
            serve(store, spec, workers=workers, stop=stop, reload=reload, on_start=started)
        finally:
            for server in servers:
                server.should_exit = True


def _start_portal(store, host: str, port: int):
    """The portal in a thread of this process (uvicorn leaves the signals to the main thread)."""
    import socket

    import uvicorn

    from portal.app import create_app

    with socket.socket() as probe:
        if probe.connect_ex((host, port)) == 0:
            fail(f"the portal's port {port} on {host} is in use: pick another with --portal-port, or --no-portal")
    server = uvicorn.Server(uvicorn.Config(create_app(store), host=host, port=port, log_level="warning"))
    threading.Thread(target=server.run, name="portal", daemon=True).start()
    return server


@app.command("worker")
def worker_command(
    workers: Annotated[int, typer.Option("--workers", min=1, help="Runs taken side by side by this machine.")] = 1,
    once: Annotated[bool, typer.Option("--once", help="Run the requests waiting now, then exit.")] = False,
) -> None:
    """Run workers only: claim run requests from the store and run them (for more machines)."""
    from scheduler.serve import serve
    from scheduler.worker import Worker

    _logging()
    stop = _stop_on_signals()
    with store_session() as store:
        if once:
            done = Worker(store, stop=stop).run_forever(idle_exit=0)
            say(f"{done} run(s) done")
            return
        say(f"nightshift worker: {workers} worker(s), database {store.url}")
        serve(store, None, workers=workers, stop=stop)


@schedules_app.command("list")
def schedules_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the schedules as JSON.")] = False,
) -> None:
    """Every schedule with its next fire time (non-working days skipped, and said so)."""
    from scheduler.schedules import load_schedules

    spec = load_schedules()
    now = datetime.now(timezone.utc)
    rows = [_schedule_row(spec, s, now) for s in spec.schedules.values()]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"schedules ({spec.path})", title_justify="left")
    for col in ("schedule", "process", "when", "time zone", "next run", "note"):
        table.add_column(col)
    for row in rows:
        table.add_row(row["schedule"], row["process"], row["when"], row["timezone"], row["next_run_local"] or "—",
                      row["note"])
    console.print(table)


def _schedule_row(spec, schedule, now: datetime) -> dict[str, Any]:
    skipped = []
    nxt = schedule.next_fire(now) if schedule.enabled else None
    for _ in range(400):  # the next fire that runs: past skipped days
        if nxt is None or not schedule.skip_non_working_days:
            break
        why = spec.workdays.why_not_working(nxt.astimezone(schedule.timezone).date())
        if not why:
            break
        skipped.append(f"{nxt.astimezone(schedule.timezone):%a %d %b} skipped: {why}")
        nxt = schedule.next_fire(nxt)
    if schedule.queue_trigger:
        q = schedule.queue_trigger
        when_text = f"{q.pending_at_least}+ pending on {q.queue} (checked every {q.check_every:.0f}s)"
    else:
        when_text = schedule.cron or ""
    note = "disabled" if not schedule.enabled else "; ".join(skipped[:2])
    return {
        "schedule": schedule.name, "process": schedule.process, "when": when_text, "cron": schedule.cron,
        "timezone": str(schedule.timezone), "enabled": schedule.enabled,
        "next_run": nxt.astimezone(timezone.utc).isoformat() if nxt else None,
        "next_run_local": nxt.astimezone(schedule.timezone).strftime("%a %Y-%m-%d %H:%M %Z") if nxt else None,
        "skipped_before_next": skipped, "note": note,
        "misfire_grace_s": schedule.misfire_grace, "retry_attempts": schedule.retry_attempts,
    }


@runs_app.command("list")
def runs_list(
    process: Annotated[str | None, typer.Option("--process", help="Only this process's runs.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Only runs in this status (PASS, FAIL, TIMEOUT, SKIPPED, MISSED, …).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
) -> None:
    """The latest runs, newest first: status, trigger, duration and items handled."""
    from scheduler.history import RunHistory

    with store_session() as store:
        rows = RunHistory(store).list(process=process, status=status, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        say("no runs yet" + (f" of {process}" if process else ""))
        return
    table = Table(title="runs", title_justify="left")
    for col in ("run", "process", "trigger", "status", "started", "seconds", "done", "business", "application", "note"):
        table.add_column(col, justify="right" if col in ("seconds", "done", "business", "application") else "left")
    for r in rows:
        table.add_row(r["id"], r["process"], r["trigger"], r["status"], when(r["started_at"] or r["requested_at"]),
                      f"{r['seconds']:.0f}" if r["seconds"] is not None else "", str(r["done"]),
                      str(r["business_failures"]), str(r["application_failures"]), r["reason"] or "")
    console.print(table)


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="A run id from 'nightshift runs list'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the run and its steps as JSON.")] = False,
) -> None:
    """One run: its record, each step's result, and where its logs are."""
    from scheduler.history import RunHistory

    with store_session() as store:
        run = RunHistory(store).get(run_id)
    if run is None:
        fail(f"no run {run_id!r}: see 'nightshift runs list' for the run ids")
    if as_json:
        print_json(run)
        return
    fields = [("process", run["process"]), ("status", run["status"]), ("trigger", run["trigger"]),
              ("schedule", run["schedule"] or ""), ("attempt", str(run["attempt"])),
              ("due", when(run["scheduled_for"])), ("machine", run["machine"] or ""),
              ("worker", run["worker"] or ""), ("started", when(run["started_at"])), ("ended", when(run["ended_at"])),
              ("exit code", "" if run["exit_code"] is None else str(run["exit_code"])),
              ("items", f"{run['done']} done, {run['business_failures']} business failures, "
                        f"{run['application_failures']} application failures"),
              ("note", run["reason"] or ""), ("artifacts", run["artifacts"] or "")]
    table = Table(title=f"run {run['id']}", title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for name, value in fields:
        if value:
            table.add_row(name, value)
    console.print(table)
    if run["steps"]:
        steps = Table(title="steps", title_justify="left")
        for col in ("#", "task", "status", "exit", "done", "business", "application", "seconds", "log"):
            steps.add_column(col)
        for s in run["steps"]:
            log = s["log"] if s["log"] and Path(s["log"]).exists() else "(no log)"
            steps.add_row(str(s["n"]), s["task"], s["status"], "" if s["exit_code"] is None else str(s["exit_code"]),
                          str(s["done"]), str(s["business_failures"]), str(s["application_failures"]),
                          f"{s['seconds']:.1f}" if s["seconds"] is not None else "", log)
        console.print(steps)
