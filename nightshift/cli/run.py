"""``nightshift run PROCESS``: run a process now, step after step, and summarise it."""

from __future__ import annotations

import json
import signal
from typing import Annotated

import typer
from rich.live import Live
from rich.table import Table

from .common import app, console, fail, open_store


@app.command("run")
def run(
    process: Annotated[str, typer.Argument(help="A process of processes.yaml, e.g. 'referrals'.")],
    set_: Annotated[list[str], typer.Option("--set", help="KEY=VALUE added to the trigger item's payload (repeatable).")] = [],  # noqa: B006
    as_json: Annotated[bool, typer.Option("--json", help="Print the run record as JSON instead of tables.")] = False,
) -> None:
    """Run PROCESS now: put its trigger item on the first queue, run each step, print the summary.

    Artifacts (output.xml, log.html, report.html, screenshots, console.txt, run.json)
    go to NIGHTSHIFT_HOME/artifacts/RUN_ID/. Exit code 1 when a step failed.
    """
    from scheduler.processes import get_process
    from scheduler.runner import run_process

    extra = {}
    for pair in set_:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--set {pair!r} is not KEY=VALUE")
        extra[key.strip()] = value
    spec = get_process(process)
    signal.signal(signal.SIGTERM, _interrupt)  # stopping the runner stops the step it runs
    with open_store() as store:
        if as_json:
            result = run_process(spec, store, trigger_payload=extra)
        else:
            table = _progress_table(spec.name)
            with Live(table, console=console, refresh_per_second=4, transient=True) as live:
                def show(step, delta):
                    live.update(_progress_table(spec.name, step, delta))

                result = run_process(spec, store, trigger_payload=extra, progress=show)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print_summary(result)
    raise typer.Exit(0 if result.status == "PASS" else 1)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _progress_table(name: str, step=None, delta=None) -> Table:
    table = Table(title=f"running {name}", title_justify="left")
    for col in ("step", "done", "business failures", "application failures", "seconds"):
        table.add_column(col, justify="right" if col != "step" else "left")
    if step is not None:
        import time

        table.add_row(step.task, str(delta["done"]), str(delta["business"]), str(delta["application"]),
                      f"{time.time() - step.started:.0f}")
    return table


def print_summary(result) -> None:
    table = Table(title=f"{result.process}: run {result.run_id} — {result.status}", title_justify="left")
    for col in ("step", "status", "items in", "done", "business", "application", "seconds", "s/item"):
        table.add_column(col, justify="left" if col in ("step", "status") else "right")
    for step in result.steps:
        per = step.seconds_per_item
        table.add_row(step.task, step.status, str(step.items_in), str(step.done), str(step.business_failures),
                      str(step.application_failures), f"{step.seconds:.1f}", f"{per:.2f}" if per else "—")
    console.print(table)
    for step in result.steps:
        console.print(f"  {step.task}: {step.log}", highlight=False, soft_wrap=True)
    console.print(f"  run record: {result.artifacts}/run.json", highlight=False, soft_wrap=True)
