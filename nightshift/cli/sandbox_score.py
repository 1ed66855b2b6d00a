"""``nightshift sandbox score``: a night of the referral bot against the generator's manifest.

    nightshift sandbox score --manifest NIGHTSHIFT_HOME/nights/…/manifest.json [--json]

Reads the case system's database (``NIGHTSHIFT_HOME/sandbox/casesystem.db``) and the
``referrals`` queue of the store (``NIGHTSHIFT_DB``) and checks what issue 4 asks: every valid
referral keyed exactly once with the right values, every defective one a BUSINESS failure
naming its defect, no second item for a duplicate, items in = done + failed. See
``sandbox.score`` for the checks. Prints a table and every discrepancy (field names, never
values); exit code 1 when there is any, 2 for bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from .common import console, fail, open_store
from .sandbox import sandbox_app

if TYPE_CHECKING:
    from sandbox.score import NightScore


@sandbox_app.command("score")
def score_command(
    manifest: Annotated[Path, typer.Option(
        "--manifest", metavar="PATH", help="The manifest.json of the generated night (sandbox generate).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the score as one JSON object instead.")] = False,
    queue: Annotated[str, typer.Option("--queue", metavar="NAME", help="The queue the producer fills.")] = "referrals",
    case_db: Annotated[Optional[Path], typer.Option(
        "--case-db", metavar="PATH",
        help="The case system's database (default NIGHTSHIFT_HOME/sandbox/casesystem.db).")] = None,
) -> None:
    """Score the referral bot's night against the generator's manifest; exit 1 on any discrepancy.

    Every valid referral must be in the case system exactly once with the manifest's values,
    every defective one a BUSINESS failure whose code names its defect, a duplicate must have
    made no second item, and no item of the night may be left pending or reserved.
    """
    from sandbox.generate.manifest import load_manifest
    from sandbox.score import score_night
    from workitems.config import home

    if not manifest.is_file():
        fail(f"--manifest {manifest}: no such file (it is written by 'nightshift sandbox generate')")
    try:
        night = load_manifest(manifest)
    except (ValueError, KeyError, TypeError) as exc:
        fail(f"--manifest {manifest}: {exc}")
    db = case_db or home() / "sandbox" / "casesystem.db"
    if not db.is_file():
        fail(f"no case system database at {db}: start the sandbox and seed it, or pass --case-db")
    with open_store() as store:
        score = score_night(night, case_db=db, store=store, queue=queue)
    if as_json:
        sys.stdout.write(json.dumps(score.to_dict(), indent=2) + "\n")
    else:
        _print(score, manifest)
    raise typer.Exit(0 if score.passed else 1)


def _print(score: NightScore, manifest: Path) -> None:
    table = Table(title=f"the night against {escape(str(manifest))}", title_justify="left")
    table.add_column("check")
    table.add_column("expected", justify="right")
    table.add_column("found", justify="right")
    table.add_column("")
    rows = (
        ("valid referrals keyed exactly once", score.to_key, score.keyed_once),
        ("… with the manifest's values", score.to_key, score.keyed_right),
        ("defective referrals failed (BUSINESS) naming the defect", score.defective, score.failed_naming_defect),
        ("resent copies that made no second item", score.duplicates, score.duplicates_single),
        ("items still pending or reserved", 0, score.unfinished),
        ("items or referrals the manifest does not know", 0, score.unexpected),
    )
    for what, expected, found in rows:
        table.add_row(what, str(expected), str(found), "[green]ok[/]" if expected == found else "[red]no[/]")
    balanced = score.items == score.done + score.failed
    table.add_row("items in = done + failed", str(score.items), f"{score.done} + {score.failed}",
                  "[green]ok[/]" if balanced else "[red]no[/]")
    console.print(table)
    if score.passed:
        console.print(f"[green]passed[/]: {score.referrals} referrals, no discrepancy", highlight=False)
        return
    console.print(f"[red]{len(score.discrepancies)} discrepancies[/]:", highlight=False)
    for d in score.discrepancies:
        console.print(f"  {escape(d.reference)}: {escape(d.check)}: expected {escape(d.expected)}; "
                      f"found {escape(d.found)}", highlight=False, soft_wrap=True)
