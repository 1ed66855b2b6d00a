"""``nightshift sandbox generate`` and ``nightshift sandbox seed``: a night's synthetic inputs, and the
records the stand-in systems start with.

    nightshift sandbox generate --seed 7 --referrals 200 --defect-rate 0.1
    nightshift sandbox seed          # loads the newest NIGHTSHIFT_HOME/inbox-*/world.json

``generate`` writes ``inbox/`` (referrals, invoices), ``world.json`` and ``manifest.json`` (the
ground truth) into ``--out``; ``seed`` loads a ``world.json`` into each system's SQLite database
under ``NIGHTSHIFT_HOME/sandbox/``. See ``sandbox.generate`` for the formats.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Optional
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .common import console, err_console, fail
from .sandbox import sandbox_app


@sandbox_app.command("generate")
def generate_command(
    out: Annotated[Optional[Path], typer.Option(
        "--out", metavar="DIR", help="Folder to write into (default: NIGHTSHIFT_HOME/inbox-<date>).")] = None,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Same seed, same files, byte for byte.")] = 1,
    referrals: Annotated[int, typer.Option("--referrals", metavar="N", help="Referrals in the inbox.")] = 200,
    defect_rate: Annotated[float, typer.Option(
        "--defect-rate", metavar="F", help="Share (0..1) of referrals, invoices and bookings that are wrong.")] = 0.1,
    invoices: Annotated[int, typer.Option("--invoices", metavar="N", help="Supplier invoices in the inbox.")] = 30,
    bookings: Annotated[int, typer.Option(
        "--bookings", metavar="N", help="Appointments in the booking system and the case diary.")] = 120,
    on: Annotated[Optional[str], typer.Option(
        "--date", metavar="YYYY-MM-DD", help="The night the set is for (default: today, London time).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a set generated in --out before (only its own files are removed).")] = False,
) -> None:
    """Generate a night's synthetic inputs, the systems' records and the ground truth.

    Writes referral forms, spreadsheets, e-mails and exports and supplier invoices (inbox/), the
    records the systems start with (world.json) and what a correct bot does (manifest.json).
    A share of every kind is defective on purpose (missing or future date of birth, bad NHS
    number, no consent, corrupt PDF, wrong encoding, duplicates, wrong purchase orders and amounts,
    appointments that disagree); the manifest says which, and what a correct bot does.
    """
    from sandbox.generate import OutputNotEmpty, generate

    for name, value in (("--referrals", referrals), ("--invoices", invoices), ("--bookings", bookings)):
        if value < 0:
            fail(f"{name} must be 0 or more, not {value}")
    if math.isnan(defect_rate) or not 0.0 <= defect_rate <= 1.0:
        fail(f"--defect-rate must be between 0 and 1, not {defect_rate}")
    night = _night(on)
    folder = (out or _home() / f"inbox-{night.isoformat()}").expanduser()

    with Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as progress:
        task = progress.add_task("planning", total=None)

        def report(what: str, done: int, total: int) -> None:
            progress.update(task, description=what, completed=done, total=total)

        try:
            manifest = generate(folder, seed=seed, referrals=referrals, defect_rate=defect_rate, invoices=invoices,
                                bookings=bookings, reference_date=night, overwrite=force, progress=report)
        except OutputNotEmpty as exc:
            hint = "" if force or "already holds" not in str(exc) else " (or pass --force)"
            fail(f"--out: {exc}{hint}")
        except OSError as exc:
            fail(f"--out {folder}: cannot write there: {exc.strerror or exc}")

    _summary(manifest.counts, folder)


@sandbox_app.command("seed")
def seed_command(
    world: Annotated[Optional[Path], typer.Option(
        "--world", metavar="PATH", help="The world.json to load (default: the newest NIGHTSHIFT_HOME/inbox-*/).")] = None,
) -> None:
    """Load a generated world.json into the stand-in systems.

    The case system, booking system and finance system databases under NIGHTSHIFT_HOME/sandbox/
    get every record they do not hold yet, so seeding twice adds nothing. A system whose code is
    not there yet is skipped, and said so."""
    from sandbox import SYSTEMS, resolve
    from sandbox.generate import read_world
    from sandbox.web.settings import db_path

    path = world or _newest_world()
    if not path.is_file():
        fail(f"--world {path}: no such file")
    try:
        records = read_world(path)
    except ValueError as exc:
        fail(str(exc))

    table = Table(title=f"Seeded from {escape(str(path))}", title_justify="left")
    for column in ("system", "database", "loaded"):
        table.add_column(column)
    for entry in sorted(SYSTEMS.values(), key=lambda e: e.port_offset):
        module = entry.seed.partition(":")[0]
        try:
            load = resolve(entry.seed)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                table.add_row(entry.title, "-", "skipped: not built yet")
                continue
            raise
        try:
            counts: dict[str, int] = load(db_path(entry.name), records)
        except ValueError as exc:  # the loaders name the record they could not take
            fail(f"{path}: {entry.title}: {exc}")
        loaded = ", ".join(f"{count:,} {what}" for what, count in counts.items()) or "nothing"
        table.add_row(entry.title, escape(str(db_path(entry.name))), escape(loaded))
    console.print(table)


def _home() -> Path:
    from workitems.config import home

    return home()


def _night(on: str | None) -> date:
    if on is None:
        return datetime.now(ZoneInfo("Europe/London")).date()
    try:
        return date.fromisoformat(on)
    except ValueError:
        fail(f"--date {on!r} is not a date like 2026-01-14")


def _newest_world() -> Path:
    found = sorted(_home().glob("inbox-*/world.json"))
    if not found:
        fail(f"no world.json under {_home()}: run 'nightshift sandbox generate' first, or pass --world PATH")
    return found[-1]


def _summary(counts: dict[str, Any], folder: Path) -> None:
    referrals, invoices, bookings = counts["referrals"], counts["invoices"], counts["bookings"]
    table = Table(title=f"Generated in {escape(str(folder))}", title_justify="left")
    table.add_column("what")
    table.add_column("kind")
    table.add_column("count", justify="right")
    for fmt, n in referrals["by_format"].items():
        table.add_row("referrals", f"format {fmt}", str(n))
    for defect, n in referrals["by_defect"].items():
        table.add_row("referrals", "clean" if defect == "none" else f"defect {defect}", str(n))
    table.add_row("referrals", "distinct references", str(referrals["distinct_references"]), end_section=True)
    for defect, n in invoices["by_defect"].items():
        table.add_row("invoices", "clean" if defect == "none" else f"defect {defect}", str(n))
    table.add_section()
    for klass, n in bookings["by_class"].items():
        table.add_row("appointments", klass, str(n))
    table.add_section()
    for what, n in counts.get("world", {}).items():
        table.add_row("world.json", what.replace("_", " "), str(n))
    console.print(table)
    console.print(f"manifest: {escape(str(folder / 'manifest.json'))}", highlight=False, soft_wrap=True)
