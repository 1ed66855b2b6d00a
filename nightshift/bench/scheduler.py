"""``nightshift bench scheduler``: from a schedule's fire to the robot's first keyword.

In a fresh temporary folder (NIGHTSHIFT_HOME, a SQLite store, and ``NIGHTSHIFT_PROCESSES`` and
``NIGHTSHIFT_SCHEDULES`` pointing at files written there), one process with one step whose robot's
first keyword writes ``time.time()`` to ``first-keyword.txt`` in its output folder:

* ``scheduled``  a schedule firing every few seconds (a six-field cron, seconds first), fired by
  ``scheduler.service.Scheduler`` (APScheduler), and a ``scheduler.worker.Worker`` in a thread of
  its own with its own store, taking run requests (``run_one()``, then ``store.wait("runs", 0.5)``
  when none waits) and running them with ``scheduler.runner.run_process``: the path of a run
  under ``nightshift serve``. Each of N runs gives (first keyword − the fire's scheduled time),
  read from the run history (``scheduled_for``) and the step's output folder. A fire that finds
  the previous run still going is skipped by the scheduler, by design; only runs that ran count.
* ``bare``       the same suite started by ``python -m robot --rpa`` in a subprocess, nothing of
  nightshift involved, timed from just before ``Popen`` to its first keyword.

Both figures are medians. The bare runs bracket the scheduled ones (half before, half after),
after one unmeasured warm-up run, so that the machine's load and its file cache weigh on both
alike. ``parts`` splits the scheduled figure, from the run history's timestamps: the fire to the
run request (APScheduler waking, the fire's decision), the request to a worker starting it (the
worker's poll, the claim), the start to the robot's ``Popen`` (the trigger item, queue counts),
and the robot's own start to its first keyword.

``nightshift serve``'s workers wait for requests with ``store.wait("runs", 5.0)``, which on SQLite
polls with a back-off growing to 1 s: there the request-to-start part is up to about 1 s
(PostgreSQL is woken by NOTIFY). This bench polls every 0.2 s at most, so it measures the
scheduler and the runner, not the idle worker's poll interval.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import environ, fresh_home

PROCESS = "bench-scheduler"
SCHEDULE = "bench-every-few-seconds"
TASK = "First keyword"
STAMP = "first-keyword.txt"
WORKER_WAIT_S = 0.5
#: Whole seconds that divide a minute: a ``*/N`` seconds field then fires evenly, N seconds apart.
EVERY_CHOICES = (2, 3, 4, 5, 6, 10, 12, 15, 20, 30)

_LIBRARY = '''\
"""The bench robot's only keyword: when it ran."""

import time
from pathlib import Path


def record_the_time(path: str) -> None:
    """Write ``time.time()`` to ``path``."""
    Path(path).write_text(repr(time.time()), encoding="utf-8")
'''
_SUITE = """\
*** Settings ***
Documentation     The first keyword writes the time it ran: nightshift bench scheduler reads it.
Library           FirstKeyword.py

*** Tasks ***
Record when the first keyword runs
    Record The Time    ${OUTPUT DIR}${/}first-keyword.txt
"""
_ROBOT_YAML = f"""\
tasks:
  {TASK}:
    shell: python -m robot --rpa --outputdir output suite
"""
_PROCESSES_YAML = f"""\
processes:
  {PROCESS}:
    description: One robot whose first keyword records the time (nightshift bench scheduler)
    steps:
      - task: {TASK}
        input_queue: bench-scheduler-trigger
        timeout: 120
"""
_SCHEDULES_YAML = """\
timezone: UTC
calendar: {{bank_holidays: none}}
schedules:
  {schedule}:
    process: {process}
    cron: "*/{every} * * * * *"
    skip_non_working_days: false
    misfire_grace: 1m
"""

Step = Callable[[str], None]


class BenchError(RuntimeError):
    """A measurement could not be taken: a robot failed, or the scheduler ran too few runs in time."""


def _quiet(_: str) -> None:
    pass


def run(*, rounds: int = 5, every: int = 3, step: Step = _quiet) -> dict[str, Any]:
    """Time ``rounds`` scheduled runs and ``rounds`` bare robot starts; the JSON the command prints."""
    if every not in EVERY_CHOICES:
        raise BenchError(f"a fire every {every} s does not divide a minute: use one of {EVERY_CHOICES}")
    from workitems.crypto import generate_key

    with fresh_home("nightshift-bench-scheduler-") as home, environ(
            NIGHTSHIFT_HOME=str(home), NIGHTSHIFT_DB=f"sqlite:///{home / 'nightshift.db'}",
            NIGHTSHIFT_KEY=generate_key(), NIGHTSHIFT_PROCESSES=str(home / "processes.yaml"),
            NIGHTSHIFT_SCHEDULES=str(home / "schedules.yaml"), NIGHTSHIFT_FILES=None, NIGHTSHIFT_QUEUE=None,
            NIGHTSHIFT_OUTPUT_QUEUE=None, NIGHTSHIFT_WORKER=None, NIGHTSHIFT_WAIT_SECONDS=None,
            NIGHTSHIFT_ITEMS_LIMIT=None, RPA_WORKITEMS_ADAPTER=None):
        write_process(home, every)
        load = [round(os.getloadavg()[0], 2)]
        step("a warm-up run of the bare robot (not counted)")
        bare_start(home, home / "bare" / "warm-up")
        before, after = (rounds + 1) // 2, rounds // 2
        step(f"the bare robot: {before} start(s) by python -m robot")
        bare = [bare_start(home, home / "bare" / f"{k}") for k in range(1, before + 1)]
        step(f"the scheduler: {rounds} run(s) of a schedule firing every {every} s")
        runs, skipped = scheduled_runs(rounds, every, step)
        if after:
            step(f"the bare robot: {after} more start(s)")
            bare += [bare_start(home, home / "bare" / f"{k}") for k in range(before + 1, rounds + 1)]
        load.append(round(os.getloadavg()[0], 2))
    return figures(runs, bare, every=every, skipped=skipped, load=load)


def write_process(folder: Path, every: int) -> None:
    """The bench's process, its robot.yaml task, its suite and its schedule, in ``folder``."""
    suite = folder / "suite"
    suite.mkdir()
    (suite / "FirstKeyword.py").write_text(_LIBRARY, encoding="utf-8")
    (suite / "first_keyword.robot").write_text(_SUITE, encoding="utf-8")
    (folder / "robot.yaml").write_text(_ROBOT_YAML, encoding="utf-8")
    (folder / "processes.yaml").write_text(_PROCESSES_YAML, encoding="utf-8")
    (folder / "schedules.yaml").write_text(
        _SCHEDULES_YAML.format(schedule=SCHEDULE, process=PROCESS, every=every), encoding="utf-8")


def bare_start(folder: Path, out: Path) -> float:
    """Seconds from just before ``Popen`` of ``python -m robot --rpa`` on the suite to its first keyword."""
    command = [sys.executable, "-m", "robot", "--rpa", "--outputdir", str(out), str(folder / "suite")]
    before = time.time()
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-2000:]
        raise BenchError(f"the bare robot failed (exit {done.returncode}):\n{tail}")
    return _first_keyword(out) - before


def scheduled_runs(rounds: int, every: int, step: Step = _quiet) -> tuple[list[dict[str, float]], int]:
    """Fire the schedule until ``rounds`` runs have finished; their timestamps, and the fires skipped."""
    from scheduler.history import FINISHED, RunHistory
    from scheduler.schedules import load_schedules
    from scheduler.service import Scheduler
    from workitems.store import open_store

    url = os.environ["NIGHTSHIFT_DB"]
    stop = threading.Event()
    errors: list[BaseException] = []
    with open_store(url) as store:
        history = RunHistory(store)
        scheduler = Scheduler(store, load_schedules())
        worker = threading.Thread(target=_work, args=(url, stop, errors), daemon=True, name="bench-worker")
        worker.start()
        scheduler.start()
        # the first fire comes within one period; each run, and a fire skipped under load, within two more
        deadline = time.monotonic() + 20 + 3 * every * rounds
        try:
            while True:
                rows = [r for r in history.list(limit=1000) if r["schedule"] == SCHEDULE]
                finished = sorted((r for r in rows if r["status"] in FINISHED), key=lambda r: r["scheduled_for"])
                failed = next((r for r in finished if r["status"] != "PASS"), None)
                if failed is not None:
                    raise BenchError(f"scheduled run {failed['id']} ended {failed['status']} "
                                     f"({failed['reason'] or 'no reason recorded'}); its robot's console ends:\n"
                                     f"{_console_tail(failed['artifacts'])}")
                if errors:
                    raise BenchError(f"the worker stopped on an error: {errors[0]!r}")
                if len(finished) >= rounds:
                    break
                if time.monotonic() > deadline:
                    raise BenchError(f"the scheduler finished {len(finished)} of {rounds} runs in time "
                                     f"({len(rows)} fires recorded); is the machine very busy?")
                time.sleep(0.25)
        finally:
            scheduler.stop()
            stop.set()
            worker.join(timeout=60)
        counted = finished[:rounds]
        skipped = sum(1 for r in rows if r["status"] == "SKIPPED" and r["scheduled_for"] < counted[-1]["scheduled_for"])
        runs = [_timestamps(history.get(r["id"])) for r in counted]
    step(f"{len(runs)} scheduled run(s) timed, {skipped} fire(s) skipped while a run went on")
    return runs, skipped


def _work(url: str, stop: threading.Event, errors: list[BaseException]) -> None:
    """A worker with its own store, as ``nightshift serve`` runs them, polling at most every 0.2 s."""
    from scheduler.history import RUNS_QUEUE
    from scheduler.worker import Worker
    from workitems.store import open_store

    try:
        with open_store(url) as store:
            worker = Worker(store, name="bench-worker", stop=stop)
            while not stop.is_set():
                if worker.run_one() is None:
                    store.wait(RUNS_QUEUE, WORKER_WAIT_S)
    except BaseException as exc:  # noqa: BLE001 - reported by the bench's thread
        errors.append(exc)


def _timestamps(run: dict[str, Any] | None) -> dict[str, float]:
    """A finished run's moments: fire, request, start, the robot's Popen, its first keyword."""
    if run is None or not run["steps"]:
        raise BenchError("a finished run has no step in the run history")
    first_step = run["steps"][0]
    return {"fire": run["scheduled_for"], "requested": run["requested_at"], "started": run["started_at"],
            "robot_started": first_step["started_at"], "first_keyword": _first_keyword(Path(first_step["artifacts"]))}


def _first_keyword(out: Path) -> float:
    try:
        return float((out / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BenchError(f"the robot's first keyword left no time in {out / STAMP}: {exc}") from None


def _console_tail(artifacts: str | None) -> str:
    consoles = sorted(Path(artifacts).glob("*/console.txt")) if artifacts else []
    if not consoles:
        return artifacts or "no artifacts"
    return consoles[0].read_text(encoding="utf-8", errors="replace").strip()[-1500:]


def figures(runs: list[dict[str, float]], bare: list[float], *, every: int, skipped: int,
            load: list[float]) -> dict[str, Any]:
    """The bench's JSON: the contract's fields (DESIGN.md) first, then the detail behind them."""
    fire = [r["first_keyword"] - r["fire"] for r in runs]
    fire_s, bare_s = round(statistics.median(fire), 3), round(statistics.median(bare), 3)

    def part(start: str, end: str) -> float:
        return round(statistics.median(r[end] - r[start] for r in runs), 3)

    return {
        "fire_to_first_keyword_s": fire_s,
        "bare_robot_start_s": bare_s,
        "ratio": round(fire_s / bare_s, 2),
        "overhead_s": round(fire_s - bare_s, 3),
        "rounds": len(runs),
        "every_s": every,
        "fires_skipped": skipped,
        "parts": {
            "fire_to_requested_s": part("fire", "requested"),
            "requested_to_started_s": part("requested", "started"),
            "started_to_robot_popen_s": part("started", "robot_started"),
            "robot_popen_to_first_keyword_s": part("robot_started", "first_keyword"),
        },
        "fire_to_first_keyword_all_s": [round(x, 3) for x in fire],
        "bare_robot_start_all_s": [round(x, 3) for x in bare],
        "load_average": load,
    }
