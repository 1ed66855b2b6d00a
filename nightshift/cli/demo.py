"""``nightshift demo``: one example night, from an inbox file to done and failed items.

Until the real bots exist, the main job is the example robot in ``robots/example``
(written against ``RPA.Robocorp.WorkItems`` alone). The demo

1. puts one input item on ``example-input`` with the inbox file
   (``robots/example/devdata/requests.csv``) attached;
2. runs the producer step (``Produce items``): one work item per row on ``example-work``;
3. runs the consumer step (``Consume items``): acknowledgements on ``example-done``,
   incomplete requests failed as BUSINESS errors for a person;
4. prints what the queues hold, this night's failures and where each step's log is.

Each step is a separate ``python -m robot --rpa`` process, as the scheduler's workers
run them, with the queue adapter chosen by environment (DESIGN.md). Its artifacts go to
``NIGHTSHIFT_HOME/artifacts/RUN_ID/``.

Running it again is safe: every night's input item has its own reference, so each run
works its own new items and the queue counts grow night by night.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .common import app, console, fail, open_store

if TYPE_CHECKING:
    from rich.progress import TaskID

    from workitems.model import WorkItem
    from workitems.store import Store

ADAPTER = "workitems.rpa.QueueAdapter"
INPUT_QUEUE = "example-input"
WORK_QUEUE = "example-work"
DONE_QUEUE = "example-done"
INBOX_FILE = "requests.csv"
STATES = ("pending", "reserved", "done", "failed")
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Step:
    """One Robot Framework run of the night: a task, the queue it reads and the one it feeds."""

    name: str
    task: str
    queue: str
    output_queue: str


STEPS = (
    Step("example-produce", "Produce items", INPUT_QUEUE, WORK_QUEUE),
    Step("example-consume", "Consume items", WORK_QUEUE, DONE_QUEUE),
)


@dataclass
class StepRun:
    step: Step
    run_id: str
    folder: Path
    returncode: int | None = None

    @property
    def log(self) -> Path:
        return self.folder / "log.html"

    @property
    def console_log(self) -> Path:
        return self.folder / "console.txt"


@app.command()
def demo(
    example: Annotated[bool, typer.Option("--example", help="Run the small example robot instead of the referral bot.")] = False,
    referrals: Annotated[int, typer.Option("--referrals", min=1, max=2000, help="Referrals in the night's inbox.")] = 40,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the generated inbox (default: from the clock).")] = None,
    keep_sandbox: Annotated[bool, typer.Option("--keep-sandbox", help="Leave the stand-in systems running afterwards.")] = False,
    timeout: Annotated[
        int, typer.Option("--timeout", min=1, help="With --example: stop a step that runs longer than this many seconds.")
    ] = 300,
) -> None:
    """Run one whole night against the sandbox: generate an inbox, key its referrals, summarise.

    Starts the stand-in systems in the background, runs the referrals process (producer,
    then consumer) and prints the night's summary scored against the generator's manifest.
    Data goes to NIGHTSHIFT_HOME (default ./var), the database to NIGHTSHIFT_DB.
    Without NIGHTSHIFT_KEY an encryption key is generated and kept under NIGHTSHIFT_HOME.
    """
    if not example:
        from .night import referral_night

        raise typer.Exit(referral_night(referrals=referrals, seed=seed, keep_sandbox=keep_sandbox))
    from workitems.config import home as nightshift_home

    robot_dir = _example_robot()
    inbox = robot_dir / "devdata" / INBOX_FILE
    home = nightshift_home()
    artifacts = home / "artifacts"
    started = time.time()

    console.print(f"[bold]nightshift demo[/]: one example night in {escape(str(home))}", soft_wrap=True)
    with open_store() as store:
        # The producer's run id names the night: ids are unique, so every demo is a new
        # night with new items, while adding the same night's inbox twice creates nothing.
        first = StepRun(STEPS[0], *new_run_id(artifacts, STEPS[0].name))
        item, _ = store.add(
            INPUT_QUEUE,
            {"inbox": INBOX_FILE, "night": first.run_id},
            reference=f"example-inbox-{first.run_id}",
            files=[(INBOX_FILE, inbox.read_bytes())],
            actor="nightshift demo",
        )
        input_id = item.id

        runs: list[StepRun] = []
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            for step in STEPS:
                run = first if step is first.step else StepRun(step, *new_run_id(artifacts, step.name))
                runs.append(run)
                _run_step(run, store, progress, robot_dir, home, timeout)
                if run.returncode != 0:
                    break

        _print_summary(store, runs, input_id, started)

    failed = [run for run in runs if run.returncode != 0]
    if failed:
        run = failed[0]
        fail(
            escape(
                f"step {run.step.name} ({run.run_id}) failed with exit code {run.returncode}: "
                f"see {run.log} and {run.console_log}"
            ),
            code=1,
        )


def _example_robot() -> Path:
    candidates = [
        Path(__file__).resolve().parents[2] / "robots" / "example",
        Path.cwd() / "robots" / "example",
    ]
    for folder in candidates:
        if (folder / "tasks.robot").is_file() and (folder / "devdata" / INBOX_FILE).is_file():
            return folder
    fail("cannot find the example robot (robots/example/tasks.robot): run nightshift demo from the nightshift repository")


def new_run_id(artifacts: Path, name: str) -> tuple[str, Path]:
    """A unique, sortable run id and its artifacts folder (created).

    The id is the UTC second the run starts, then the step's name
    (``20261126T101500-example-produce``). A second already used by another run
    is skipped, so ids sort in the order runs started, whatever their names.
    """
    artifacts.mkdir(parents=True, exist_ok=True)
    while True:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        if not any(artifacts.glob(f"{stamp}-*")):
            run_id = f"{stamp}-{name}"
            try:
                (artifacts / run_id).mkdir()
                return run_id, artifacts / run_id
            except FileExistsError:
                pass
        time.sleep(1.001 - time.time() % 1.0)


def _robot_env(step: Step, home: Path, run_id: str, robot_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RPA_WORKITEMS_ADAPTER=ADAPTER,
        NIGHTSHIFT_QUEUE=step.queue,
        NIGHTSHIFT_OUTPUT_QUEUE=step.output_queue,
        NIGHTSHIFT_HOME=str(home),
        NIGHTSHIFT_RUN_ID=run_id,
    )
    # The repository root, so `workitems` imports even without an installed package.
    root = str(robot_dir.parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def _run_step(run: StepRun, store: Store, progress: Progress, robot_dir: Path, home: Path, timeout: int) -> None:
    """Run one step as its own Robot Framework process, showing how far its input queue has got."""
    step, folder, run_id = run.step, run.folder, run.run_id
    before = _counts(store, step.queue)
    todo = before["pending"] + before["reserved"]
    task = progress.add_task(f"{step.task} ({step.queue} → {step.output_queue})", total=max(todo, 1))
    command = [
        sys.executable, "-m", "robot",
        "--rpa",
        "--task", step.task,
        "--outputdir", str(folder),
        "--consolecolors", "off",
        # Payloads are personal data: keep assigned values out of output.xml and log.html.
        "--maxassignlength", "0",
        str(robot_dir),
    ]  # fmt: skip
    with open(run.console_log, "wb") as out:
        proc = subprocess.Popen(
            command, env=_robot_env(step, home, run_id, robot_dir), stdout=out, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        try:
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    _stop(proc)
                    progress.console.print(f"[red]{step.name} ran longer than {timeout} s and was stopped[/]")
                    break
                _show(progress, task, store, step, todo)
                time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:
            _stop(proc)
            raise typer.Abort() from None
    run.returncode = proc.wait()
    _show(progress, task, store, step, todo)
    progress.update(task, description=f"{step.task}: {'done' if run.returncode == 0 else 'FAILED'}")


def _stop(proc: subprocess.Popen) -> None:
    # Robot Framework stops gracefully on the first SIGINT (output.xml and log still written).
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def _show(progress: Progress, task: TaskID, store: Store, step: Step, todo: int) -> None:
    now = _counts(store, step.queue)
    left = now["pending"] + now["reserved"]
    created = _counts(store, step.output_queue)["pending"]
    progress.update(task, completed=max(todo - left, 0), description=f"{step.task} ({step.queue} → {step.output_queue}: {created} waiting)")


def _counts(store: Store, queue: str) -> dict[str, int]:
    counts = store.stats().get(queue, {})
    return {state: counts.get(state, 0) for state in STATES}


def _print_summary(store: Store, runs: list[StepRun], input_id: int, started: float) -> None:
    stats = store.stats()
    table = Table(title="Example queues (all nights)", title_justify="left")
    table.add_column("queue")
    for state in STATES:
        table.add_column(state, justify="right")
    for queue in (INPUT_QUEUE, WORK_QUEUE, DONE_QUEUE):
        counts = stats.get(queue, {})
        table.add_row(queue, *(str(counts.get(state, 0)) for state in STATES))
    console.print()
    console.print(table)

    tonight = _children(store, WORK_QUEUE, input_id, started)
    by_state = {state: sum(1 for i in tonight if i.state.value == state) for state in STATES}
    console.print(
        f"This night: {len(tonight)} work items from the inbox; "
        + ", ".join(f"{n} {state}" for state, n in by_state.items() if n),
        soft_wrap=True,
    )
    failures = [i for i in tonight if i.state.value == "failed"]
    if failures:
        table = Table(title="Failures waiting for a person", title_justify="left")
        for column in ("item", "type", "code", "message"):
            table.add_column(column)
        for item in failures:
            exc = item.exception
            table.add_row(
                str(item.id),
                exc.type.value if exc else "",
                escape(exc.code or "") if exc else "",
                escape(exc.message or "") if exc else "",
            )
        console.print(table)
        console.print(f"See them with: nightshift items list {WORK_QUEUE} --state failed", soft_wrap=True)

    console.print()
    for run in runs:
        status = "[green]PASS[/]" if run.returncode == 0 else f"[red]FAIL (exit {run.returncode})[/]"
        console.print(f"{run.step.task} {status}  run {run.run_id}", soft_wrap=True)
        console.print(f"  log: {escape(str(run.log))}", soft_wrap=True, highlight=False)


def _children(store: Store, queue: str, parent_id: int, since: float) -> list[WorkItem]:
    """Items of ``queue`` created from ``parent_id`` (newest first, not older than ``since``)."""
    found: list[WorkItem] = []
    offset, page = 0, 200
    while True:
        items = store.list(queue, limit=page, offset=offset)
        found.extend(i for i in items if i.parent_id == parent_id)
        if len(items) < page or items[-1].created_at < since:
            return found
        offset += page
