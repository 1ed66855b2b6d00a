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
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workitems import ExceptionType, InvalidInput, State
from workitems.config import home
from workitems.store import Store

from .history import RunHistory
from .processes import Process, Step, expand, repo_root

ADAPTER = "workitems.rpa.QueueAdapter"

Progress = Callable[["StepResult", dict[str, int]], None]


@dataclass
class StepResult:
    task: str
    run_id: str
    artifacts: str
    input_queue: str | None
    status: str = "NOT RUN"  # RUNNING, then PASS, FAIL, TIMEOUT, STOPPED
    exit_code: int | None = None
    started: float = 0.0
    ended: float = 0.0
    workers: int = 1
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
        """PASS when every step passed; else TIMEOUT or STOPPED when a step was stopped, else FAIL."""
        if self.steps and all(s.status == "PASS" for s in self.steps):
            return "PASS"
        for stopped in ("TIMEOUT", "STOPPED"):
            if any(s.status == stopped for s in self.steps):
                return stopped
        return "FAIL"

    @property
    def exit_code(self) -> int | None:
        codes = [s.exit_code for s in self.steps if s.exit_code is not None]
        return next((c for c in codes if c != 0), codes[-1] if codes else None)

    def totals(self) -> dict[str, int]:
        return {"done": sum(s.done for s in self.steps),
                "business": sum(s.business_failures for s in self.steps),
                "application": sum(s.application_failures for s in self.steps)}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["status"] = self.status
        out["exit_code"] = self.exit_code
        for step, raw in zip(self.steps, out["steps"]):
            raw["seconds"] = round(step.seconds, 3)
            raw["seconds_per_item"] = step.seconds_per_item
        return out


def run_process(
    process: Process,
    store: Store,
    *,
    trigger: str = "manual",
    trigger_payload: dict[str, Any] | None = None,
    progress: Progress | None = None,
    extra_env: dict[str, str] | None = None,
    run_id: str | None = None,
    from_step: str | None = None,
    stop: threading.Event | None = None,
    worker: str | None = None,
) -> RunResult:
    """Run the process (from ``from_step``, a task name, when given) and record it in the run history.

    ``run_id`` is a run the scheduler already recorded as QUEUED; without it a new
    run is recorded. Setting ``stop`` stops the running step and skips the rest.
    """
    history = RunHistory(store)
    if run_id is None:
        run_id = history.start_manual(process.name, trigger)
    artifacts = home() / "artifacts" / run_id
    artifacts.mkdir(parents=True, exist_ok=True)
    machine = socket.gethostname()
    run = RunResult(run_id=run_id, process=process.name, trigger=trigger, machine=machine,
                    artifacts=str(artifacts), started=time.time(), manual_minutes=process.manual_minutes)
    history.started(run_id, machine=machine, worker=worker or f"{machine}:{os.getpid()}", artifacts=str(artifacts))
    try:
        steps = _steps_from(process, from_step)
        first_n, first = steps[0]
        if first.input_queue and first_n == 1:
            payload = {**expand(process.trigger), **(trigger_payload or {}), "run_id": run_id}
            files = [(Path(f).name, _read_trigger_file(f)) for f in payload.pop("files", [])]
            # a run taken up again after its worker died finds its trigger item already there
            store.add(first.input_queue, payload, reference=run_id, files=files, actor=f"run {run_id}")
        env = {**os.environ, **expand(process.env), **(extra_env or {})}
        for n, step in steps:
            if stop is not None and stop.is_set():
                break
            result = _run_step(step, n, run, store, env, progress, stop, history)
            run.steps.append(result)
            history.step(run_id, n, result)
            _write(run)
            if result.status in ("TIMEOUT", "STOPPED"):
                break  # the run ends here; the next run takes up what is left
    except BaseException as exc:
        totals = run.totals()
        status = "STOPPED" if isinstance(exc, KeyboardInterrupt) else "FAIL"
        history.finished(run_id, status=status, exit_code=run.exit_code, done=totals["done"],
                         business=totals["business"], application=totals["application"],
                         reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise
    run.ended = time.time()
    _write(run)
    totals = run.totals()
    history.finished(run_id, status=run.status, exit_code=run.exit_code, done=totals["done"],
                     business=totals["business"], application=totals["application"],
                     reason=_reason(run))
    return run


def _steps_from(process: Process, from_step: str | None) -> list[tuple[int, Step]]:
    numbered = list(enumerate(process.steps, 1))
    if from_step is None:
        return numbered
    for i, (_, step) in enumerate(numbered):
        if step.task == from_step:
            return numbered[i:]
    raise InvalidInput(f"process {process.name!r} has no step {from_step!r} "
                       f"(its steps: {', '.join(s.task for s in process.steps)})")


def _reason(run: RunResult) -> str | None:
    for step in run.steps:
        if step.status == "TIMEOUT":
            return f"step {step.task!r} ran past its timeout and was stopped"
        if step.status == "STOPPED":
            return f"stopped during step {step.task!r}"
        if step.status == "FAIL":
            return f"step {step.task!r} failed (exit code {step.exit_code}, {step.tasks_failed} task(s) failed)"
    return None


def _run_step(step: Step, n: int, run: RunResult, store: Store, base_env: dict[str, str],
              progress: Progress | None, stop: threading.Event | None = None,
              history: RunHistory | None = None) -> StepResult:
    step_id = f"{run.run_id}-{n}-{step.slug}"
    folder = Path(run.artifacts) / f"{n}-{step.slug}"
    folder.mkdir(parents=True, exist_ok=True)
    result = StepResult(task=step.task, run_id=step_id, artifacts=str(folder), input_queue=step.input_queue,
                        workers=step.workers, status="RUNNING")
    before = _outcomes(store, step.input_queue)
    result.items_in = store.count(step.input_queue, state=State.PENDING) if step.input_queue else 0
    env = {**base_env, **expand(step.env), "RPA_WORKITEMS_ADAPTER": ADAPTER, "NIGHTSHIFT_RUN_ID": step_id,
           "NIGHTSHIFT_HOME": str(home())}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo_root()), base_env.get("PYTHONPATH", "")]))
    for name, value in (("NIGHTSHIFT_QUEUE", step.input_queue), ("NIGHTSHIFT_OUTPUT_QUEUE", step.output_queue)):
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    result.started = time.time()
    if history is not None:
        history.step(run.run_id, n, result)
    # One robot per worker; the first writes to the step's folder, the others to worker-K/ in it.
    folders = [folder] + [folder / f"worker-{k}" for k in range(2, step.workers + 1)]
    procs: list[subprocess.Popen] = []
    consoles = []
    try:
        for k, out in enumerate(folders, 1):
            out.mkdir(parents=True, exist_ok=True)
            worker_env = {**env, "ROBOT_ARTIFACTS": str(out)}
            if step.workers > 1:
                worker_env["NIGHTSHIFT_WORKER"] = f"{socket.gethostname()}:w{k}"
            command = [*step.command[:-1], "--outputdir", str(out), step.command[-1]]
            console = open(out / "console.txt", "wb")  # noqa: SIM115 - closed below
            consoles.append(console)
            procs.append(subprocess.Popen(command, env=worker_env, cwd=repo_root(), stdout=console,
                                          stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + step.timeout
        while any(p.poll() is None for p in procs):
            if time.monotonic() > deadline:
                result.status = "TIMEOUT"
                break
            if stop is not None and stop.is_set():
                result.status = "STOPPED"
                break
            if progress is not None:
                progress(result, _delta(_outcomes(store, step.input_queue), before))
            time.sleep(0.25)
        for proc in procs:
            _stop(proc)
    except BaseException:  # Ctrl-C or SIGTERM of the runner stops its robots too
        for proc in procs:
            _stop(proc)
        raise
    finally:
        for console in consoles:
            console.close()
    result.ended = time.time()
    codes = [p.returncode for p in procs]
    result.exit_code = next((c for c in codes if c != 0), codes[0] if codes else None)
    delta = _delta(_outcomes(store, step.input_queue), before)
    result.done, result.business_failures, result.application_failures = (
        delta["done"], delta["business"], delta["application"])
    for out in folders:
        _read_output(result, out / "output.xml")
    if result.status == "RUNNING":
        result.status = "PASS" if all(c == 0 for c in codes) and result.tasks_failed == 0 else "FAIL"
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
    result.tasks_passed += stats.passed
    result.tasks_failed += stats.failed


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
