"""Runs a process now: each step as a Robot Framework run on the work-item queue.

A run gets an id (``20261126T021500-referrals``, UTC, unique and sortable) and a
folder ``NIGHTSHIFT_HOME/artifacts/RUN_ID/`` with one sub-folder per step holding
``output.xml``, ``log.html``, ``report.html``, screenshots and ``console.txt``;
``run.json`` there records what happened. The first step is started by a *trigger
item* put on its input queue (the process's ``trigger`` payload plus ``run_id``),
exactly as a scheduled run request will be.

Each step is ``robot.yaml``'s shell line run as a subprocess with the queue adapter
chosen by environment (DESIGN.md contracts). A trigger's ``files`` (paths,
relative to the repository) are attached to the trigger item. Past its timeout the step is stopped
and its items' leases run out, so the next run retries them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from workitems import ExceptionType, InvalidInput, State
from workitems.config import home
from workitems.store import Store

from .processes import Process, Step, expand, repo_root

ADAPTER = "workitems.rpa.QueueAdapter"

Progress = Callable[["StepResult", dict[str, int]], None]


@dataclass
class StepResult:
    task: str
    run_id: str
    artifacts: str
    input_queue: str | None
    status: str = "NOT RUN"  # PASS, FAIL, TIMEOUT, ERROR
    exit_code: int | None = None
    started: float = 0.0
    ended: float = 0.0
    tasks_passed: int = 0
    tasks_failed: int = 0
    items_in: int = 0
    done: int = 0
    business_failures: int = 0
    application_failures: int = 0

    @property
    def seconds(self) -> float:
        return max(self.ended - self.started, 0.0)

    @property
    def seconds_per_item(self) -> float | None:
        handled = self.done + self.business_failures + self.application_failures
        return self.seconds / handled if handled else None

    @property
    def log(self) -> Path:
        return Path(self.artifacts) / "log.html"


@dataclass
class RunResult:
    run_id: str
    process: str
    trigger: str
    machine: str
    artifacts: str
    started: float
    ended: float = 0.0
    steps: list[StepResult] = field(default_factory=list)
    manual_minutes: float = 0.0

    @property
    def status(self) -> str:
        return "PASS" if self.steps and all(s.status == "PASS" for s in self.steps) else "FAIL"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["status"] = self.status
        for step, raw in zip(self.steps, out["steps"]):
            raw["seconds"] = round(step.seconds, 3)
            raw["seconds_per_item"] = step.seconds_per_item
        return out


def new_run_id(process: str, artifacts_root: Path) -> str:
    """A UTC timestamp and the process name; a second already taken moves on by one."""
    now = int(time.time())
    while True:
        stamp = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y%m%dT%H%M%S")
        run_id = f"{stamp}-{process}"
        try:
            (artifacts_root / run_id).mkdir(parents=True)
            return run_id
        except FileExistsError:
            now += 1


def run_process(
    process: Process,
    store: Store,
    *,
    trigger: str = "manual",
    trigger_payload: dict[str, Any] | None = None,
    progress: Progress | None = None,
    extra_env: dict[str, str] | None = None,
) -> RunResult:
    artifacts_root = home() / "artifacts"
    run_id = new_run_id(process.name, artifacts_root)
    run = RunResult(run_id=run_id, process=process.name, trigger=trigger, machine=socket.gethostname(),
                    artifacts=str(artifacts_root / run_id), started=time.time(),
                    manual_minutes=process.manual_minutes)
    first = process.steps[0]
    if first.input_queue:
        payload = {**expand(process.trigger), **(trigger_payload or {}), "run_id": run_id}
        files = [(Path(f).name, _read_trigger_file(f)) for f in payload.pop("files", [])]
        store.add(first.input_queue, payload, reference=run_id, files=files, actor=f"run {run_id}")
    env = {**os.environ, **expand(process.env), **(extra_env or {})}
    for n, step in enumerate(process.steps, 1):
        result = _run_step(step, n, run, store, env, progress)
        run.steps.append(result)
        _write(run)
    run.ended = time.time()
    _write(run)
    return run


def _run_step(step: Step, n: int, run: RunResult, store: Store, base_env: dict[str, str],
              progress: Progress | None) -> StepResult:
    step_id = f"{run.run_id}-{n}-{step.slug}"
    folder = Path(run.artifacts) / f"{n}-{step.slug}"
    folder.mkdir(parents=True, exist_ok=True)
    result = StepResult(task=step.task, run_id=step_id, artifacts=str(folder), input_queue=step.input_queue)
    before = _outcomes(store, step.input_queue)
    result.items_in = store.count(step.input_queue, state=State.PENDING) if step.input_queue else 0
    env = {**base_env, **expand(step.env), "RPA_WORKITEMS_ADAPTER": ADAPTER, "NIGHTSHIFT_RUN_ID": step_id,
           "NIGHTSHIFT_HOME": str(home()), "ROBOT_ARTIFACTS": str(folder)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo_root()), base_env.get("PYTHONPATH", "")]))
    for name, value in (("NIGHTSHIFT_QUEUE", step.input_queue), ("NIGHTSHIFT_OUTPUT_QUEUE", step.output_queue)):
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    command = [*step.command[:-1], "--outputdir", str(folder), step.command[-1]]
    result.started = time.time()
    with open(folder / "console.txt", "wb") as console:
        proc = subprocess.Popen(command, env=env, cwd=repo_root(), stdout=console, stderr=subprocess.STDOUT,
                                start_new_session=True)
        deadline = time.monotonic() + step.timeout
        try:
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    _stop(proc)
                    result.status = "TIMEOUT"
                    break
                if progress is not None:
                    progress(result, _delta(_outcomes(store, step.input_queue), before))
                time.sleep(0.25)
        except BaseException:  # Ctrl-C or SIGTERM of the runner stops its robot too
            _stop(proc)
            raise
    result.ended = time.time()
    result.exit_code = proc.returncode
    delta = _delta(_outcomes(store, step.input_queue), before)
    result.done, result.business_failures, result.application_failures = (
        delta["done"], delta["business"], delta["application"])
    _read_output(result, folder / "output.xml")
    if result.status != "TIMEOUT":
        result.status = "PASS" if proc.returncode == 0 and result.tasks_failed == 0 else "FAIL"
    if progress is not None:
        progress(result, delta)
    return result


def _read_trigger_file(name: str) -> bytes:
    path = Path(name) if Path(name).is_absolute() else repo_root() / name
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"the trigger file {path} cannot be read: {exc.strerror}") from None


def _outcomes(store: Store, queue: str | None) -> dict[str, int]:
    if not queue:
        return {"done": 0, "business": 0, "application": 0}
    return {
        "done": store.count(queue, state=State.DONE),
        "business": store.count(queue, state=State.FAILED, exception_type=ExceptionType.BUSINESS),
        # failed for good, or waiting to be retried after a system error
        "application": store.count(queue, state=State.FAILED, exception_type=ExceptionType.APPLICATION)
        + store.count(queue, state=State.PENDING, exception_type=ExceptionType.APPLICATION),
    }


def _delta(now: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: max(now[k] - before[k], 0) for k in now}


def _read_output(result: StepResult, output: Path) -> None:
    if not output.exists():
        return
    from robot.api import ExecutionResult

    try:
        stats = ExecutionResult(str(output)).statistics.total
    except Exception:  # noqa: BLE001 - a run killed mid-write leaves a broken output.xml
        return
    result.tasks_passed, result.tasks_failed = stats.passed, stats.failed


def _stop(proc: subprocess.Popen) -> None:
    """Stop the robot and anything it started (its browser): TERM, then KILL."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _write(run: RunResult) -> None:
    path = Path(run.artifacts) / "run.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(run.to_dict(), indent=2))
    tmp.replace(path)
