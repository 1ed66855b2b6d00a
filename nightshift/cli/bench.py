"""``nightshift bench``: measurements against a baseline taken in the same run.

Every bench prints a table for people and, as the very last line of stdout, one
JSON object for scripts. Progress goes to stderr so stdout stays clean.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated, Any

import typer
from rich.table import Table

from .common import app, console, err_console, fail

bench_app = typer.Typer(
    help="Benchmarks: each prints a table, then one JSON line (its last line of stdout).",
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")


def print_json_line(value: dict[str, Any]) -> None:
    """The one JSON line scripts read: last on stdout, nothing after it."""
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def _sizes(raw: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        fail(f"--robot-items {raw!r} is not a list of whole numbers: use e.g. 2000,10000")
    if not sizes or min(sizes) < 1:
        fail(f"--robot-items {raw!r} must name at least one positive number of items, e.g. 2000,10000")
    return sizes


def _fmt(value: float | None, unit: str = "/s") -> str:
    return "—" if value is None else f"{value:,.0f}{unit}"


def _verdict(ratio: float | None, target: float | None) -> str:
    if ratio is None or target is None:
        return ""
    return f"≥ {target:g}× [green]met[/]" if ratio >= target else f"≥ {target:g}× [red]not met[/]"


def workitems_table(out: dict[str, Any]) -> Table:
    """Each figure beside its baseline: the raw sqlite3 loop for the stores, FileAdapter for the robot."""
    from nightshift.bench.workitems import ROBOT_TARGETS, STORE_TARGET

    table = Table(title=f"nightshift bench workitems: {out['items']:,} items", title_justify="left")
    table.add_column("measurement")
    table.add_column("items/s", justify="right")
    table.add_column("baseline")
    table.add_column("ratio", justify="right")
    table.add_column("target")
    raw = out["raw_sqlite_items_per_s"]
    raw_name = f"raw sqlite3 {_fmt(raw)}"
    table.add_row("raw sqlite3 loop, 1 process", _fmt(raw), "(the physical limit)", "", "")
    if "store_items_per_s" in out:
        table.add_row(f"SQLite store, {out['store_processes']} processes", _fmt(out["store_items_per_s"]),
                      raw_name, f"{out['store_vs_raw']:.2f}×", _verdict(out["store_vs_raw"], STORE_TARGET))
    else:
        table.add_row("SQLite store", "—", out.get("store", ""), "", "")
    pg_keys = sorted((k for k in out if k.startswith("pg_items_per_s_")), key=lambda k: int(k.rsplit("_", 1)[1]))
    for key in pg_keys:
        n = int(key.rsplit("_", 1)[1])
        table.add_row(f"PostgreSQL store, {n} process{'es' if n > 1 else ''}", _fmt(out[key]),
                      raw_name, f"{out[key] / raw:.2f}×", "")
    if not pg_keys:
        table.add_row("PostgreSQL store", "—", str(out.get("pg", "not measured")), "", "")
    for m in out["robot_items"]:
        fa = out[f"fileadapter_items_per_s_{m}"]
        if f"robot_items_per_s_{m}" in out:
            ratio = out[f"robot_vs_fileadapter_{m}"]
            table.add_row(f"robot, QueueAdapter, {m:,} items", _fmt(out[f"robot_items_per_s_{m}"]),
                          f"FileAdapter {_fmt(fa)}", f"{ratio:.2f}×", _verdict(ratio, ROBOT_TARGETS.get(m)))
        else:
            table.add_row(f"robot, FileAdapter, {m:,} items", _fmt(fa), "", "", "")
    return table


@bench_app.command("workitems")
def bench_workitems(
    items: Annotated[int, typer.Option("--items", min=1, help="Items the store claims and completes (N).")] = 20000,
    robot_items: Annotated[str, typer.Option(
        "--robot-items", help="Inputs of the robot runs (M), comma-separated; the first is the headline figure.")] = "2000,10000",
    pg_url: Annotated[str | None, typer.Option(
        "--pg-url", help="PostgreSQL server (default NIGHTSHIFT_TEST_PG, else postgresql://postgres@127.0.0.1:5432/test); "
        "a database 'nightshift_bench_PID' is created there and dropped afterwards.")] = None,
    no_pg: Annotated[bool, typer.Option("--no-pg", help="Skip PostgreSQL.")] = False,
    json_only: Annotated[bool, typer.Option("--json-only", help="Print only the JSON line.")] = False,
) -> None:
    """Work-item throughput, each figure against a baseline measured in the same run.

    The store (claim + complete by 2 processes) against a bare sqlite3 loop; a robot through our adapter against rpaframework's FileAdapter; PostgreSQL with 1 and 4 processes when reachable.

    With the defaults it takes several minutes: FileAdapter rewrites its whole JSON file on every output, so its 10,000-item run alone takes about five minutes here.
    """
    from nightshift.bench.workitems import BenchError, run

    sizes = _sizes(robot_items)
    with err_console.status("bench workitems", spinner="dots") as status:
        def step(text: str) -> None:
            err_console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False)
            status.update(f"bench workitems: {text}")

        try:
            out = run(items=items, robot_items=sizes, pg_url=pg_url, pg=not no_pg, step=step)
        except BenchError as exc:
            err_console.print(f"[bold red]bench failed:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
    if not json_only:
        console.print(workitems_table(out))
        for name, met in out["targets"].items():
            console.print(f"target {name.replace('_', ' ')}: {'[green]met[/]' if met else '[red]not met[/]'}",
                          highlight=False)
    print_json_line(out)
