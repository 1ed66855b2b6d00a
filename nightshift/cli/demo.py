"""``nightshift demo``: one whole night against the sandbox (see ``night.py``), or with
``--example`` the small example process: an inbox file becomes one work item per row,
each handled, incomplete requests failed as BUSINESS errors for a person.

Both run their process the way the scheduler's workers do (``scheduler.runner``), so
each run is in the run history (``nightshift runs list``) with its artifacts under
``NIGHTSHIFT_HOME/artifacts/RUN_ID/``. Running again is safe: each run's trigger item
has its own reference, so each run works its own new items.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .common import app, console, open_store

EXAMPLE_QUEUES = ("example-input", "example-work", "example-done")
STATES = ("pending", "reserved", "done", "failed")


@app.command()
def demo(
    example: Annotated[bool, typer.Option("--example", help="Run the small example process instead of the referral bot.")] = False,
    referrals: Annotated[int, typer.Option("--referrals", min=1, max=2000, help="Referrals in the night's inbox.")] = 40,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the generated inbox (default: from the clock).")] = None,
    keep_sandbox: Annotated[bool, typer.Option("--keep-sandbox", help="Leave the stand-in systems running afterwards.")] = False,
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
    raise typer.Exit(_example_night())


def _example_night() -> int:
    from scheduler.processes import get_process
    from scheduler.runner import run_process
    from workitems.config import home

    from .run import print_summary

    console.print(f"[bold]nightshift demo[/]: the example process in {escape(str(home()))}", soft_wrap=True)
    with open_store() as store:
        with console.status("running the example process: producer, then consumer"):
            result = run_process(get_process("example"), store, trigger="demo")
        print_summary(result)
        _print_queues(store, result)
    return 0 if result.status == "PASS" else 1


def _print_queues(store, result) -> None:
    stats = store.stats()
    table = Table(title="Example queues (all nights)", title_justify="left")
    table.add_column("queue")
    for state in STATES:
        table.add_column(state, justify="right")
    for queue in EXAMPLE_QUEUES:
        counts = stats.get(queue, {})
        table.add_row(queue, *(str(counts.get(state, 0)) for state in STATES))
    console.print(table)
    failures = [i for i in store.list("example-work", state="failed", limit=500) if i.updated_at >= result.started]
    if failures:
        table = Table(title="This run's failures, waiting for a person", title_justify="left")
        for column in ("item", "type", "code", "message"):
            table.add_column(column)
        for item in failures:
            exc = item.exception
            table.add_row(str(item.id), exc.type.value if exc else "", escape(exc.code or "") if exc else "",
                          escape(exc.message or "") if exc else "")
        console.print(table)
        console.print("See them with: nightshift items list example-work --state failed", soft_wrap=True)
