"""``nightshift bench``: measurements against a baseline taken in the same run.

Every bench prints a table for people and, as the very last line of stdout, one
JSON object for scripts. Progress goes to stderr so stdout stays clean.
"""

from __future__ import annotations

import json
import os
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


def referrals_table(out: dict[str, Any]) -> Table:
    """The robot against the floor (a bare Playwright script) and against keying by hand."""
    from nightshift.bench.referrals import TARGET_PER_MIN, TARGET_RATIO

    n = out["referrals"]
    table = Table(title=f"nightshift bench referrals: {n} valid referrals, chaos off", title_justify="left")
    for col in ("measurement", "s", "s/referral", "per min", "against", "target"):
        table.add_column(col, justify="left" if col in ("measurement", "against", "target") else "right")
    ratio, per_min = out["floor_ratio"], out["referrals_per_min"]
    table.add_row("robot (consumer step, whole)", f"{out['robot_seconds']:.1f}",
                  f"{out['seconds_per_referral']:.2f}", f"{per_min:.1f}", f"floor × {ratio:.2f}",
                  f"≤ {TARGET_RATIO:g}× {_met(ratio <= TARGET_RATIO)}, ≥ {TARGET_PER_MIN:g}/min "
                  f"{_met(per_min >= TARGET_PER_MIN)}")
    table.add_row("floor (bare Playwright, whole)", f"{out['floor_seconds']:.1f}",
                  f"{out['floor_seconds_per_referral']:.2f}", f"{60 / out['floor_seconds_per_referral']:.1f}", "", "")
    if "steady_ratio" in out:
        profile = out["profile"]
        table.add_row("  robot, keying only", "",
                      f"{profile['keying_seconds_per_referral']:.2f}", "", f"floor × {out['steady_ratio']:.2f}", "")
        table.add_row("  floor, keying only", "",
                      f"{out['floor_keying_seconds_per_referral']:.2f}", "", "", "")
    table.add_row("robot + producer step", f"{out['process_seconds']:.1f}",
                  f"{out['process_seconds'] / n:.2f}", f"{out['process_referrals_per_min']:.1f}", "", "")
    table.add_row("by hand", f"{n * out['manual_minutes'] * 60:,.0f}", f"{out['manual_minutes'] * 60:.0f}",
                  f"{1 / out['manual_minutes']:.2f}", f"{out['hours_saved']:.1f} h saved", "")
    return table


def referrals_profile_table(out: dict[str, Any]) -> Table:
    """Where the robot's consumer step spends its time, from its output.xml."""
    profile = out.get("profile") or {}
    table = Table(title="where the robot's time goes (consumer output.xml)", title_justify="left")
    table.add_column("part")
    table.add_column("seconds", justify="right")
    for name, key in (("Robot Framework start to suite start", "rf_start_s"),
                      ("suite setup: Chromium and login", "setup_s"),
                      ("process start to the first item", "first_item_after_s"),
                      ("items (Key One Referral)", "items_s"), ("between items (claim, release)", "between_items_s"),
                      ("after the last item (teardown, log and report)", "end_s")):
        if profile.get(key) is not None:
            table.add_row(name, f"{profile[key]:.2f}")
    table.add_section()
    for name, ms in profile.get("keywords_ms_per_referral", {}).items():
        table.add_row(f"{name} (ms per referral)", f"{ms:,.0f}")
    if profile.get("keyword_calls_per_referral"):
        table.add_row("keyword calls per referral", f"{profile['keyword_calls_per_referral']:.0f}")
    return table


def _met(ok: bool) -> str:
    return "[green]met[/]" if ok else "[red]not met[/]"


@bench_app.command("referrals")
def bench_referrals(
    referrals: Annotated[int, typer.Option("--referrals", min=1, max=2000,
                                           help="Valid referrals both the robot and the floor key (N).")] = 60,
    manual_minutes: Annotated[float, typer.Option(
        "--manual-minutes", min=0.1, help="A person's minutes per referral, for hours saved.")] = 6.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated referrals.")] = 1,
    json_only: Annotated[bool, typer.Option("--json-only", help="Print only the JSON line.")] = False,
) -> None:
    """The referral bot against a bare Playwright script keying the same pages, and against keying by hand.

    In a temporary NIGHTSHIFT_HOME with the sandbox (chaos off): N generated valid referrals keyed by the real bot (the referrals process: producer, then consumer), scored against the manifest; and the same referrals keyed by a bare Playwright script (the floor), half before the robot and half after, each on the case system reset to its seeded state. Targets: within 1.5x the floor, at least 60 referrals a minute.
    """
    from nightshift.bench.referrals import BenchError, run

    with err_console.status("bench referrals", spinner="dots") as status:
        def step(text: str) -> None:
            err_console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False)
            status.update(f"bench referrals: {text}")

        try:
            out = run(referrals=referrals, manual_minutes=manual_minutes, seed=seed, step=step)
        except BenchError as exc:
            err_console.print(f"[bold red]bench failed:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
    if not json_only:
        console.print(referrals_table(out))
        console.print(referrals_profile_table(out))
        for name, met in out["targets"].items():
            console.print(f"target {name.replace('_', ' ')}: {_met(met)}", highlight=False)
        floor_load = " and ".join(f"{a:.1f}→{b:.1f}" for a, b in out["load_average_floor"])
        robot_load = "→".join(f"{x:.1f}" for x in out["load_average_robot"])
        console.print(f"load average (1 min, {os.cpu_count()} cores): floor halves {floor_load}, robot {robot_load}",
                      highlight=False)
    print_json_line(out)


def scheduler_table(out: dict[str, Any]) -> Table:
    """The scheduled run's start against a bare ``python -m robot``, then where its time goes."""
    table = Table(title=f"nightshift bench scheduler: {out['rounds']} scheduled runs, a fire every {out['every_s']} s",
                  title_justify="left")
    for col in ("measurement", "s (median)", "min–max", "against"):
        table.add_column(col, justify="left" if col in ("measurement", "against") else "right")

    def spread(values: list[float]) -> str:
        return f"{min(values):.3f}–{max(values):.3f}"

    table.add_row("scheduled: fire → first keyword", f"{out['fire_to_first_keyword_s']:.3f}",
                  spread(out["fire_to_first_keyword_all_s"]), f"bare × {out['ratio']:.2f}, +{out['overhead_s']:.3f} s")
    table.add_row("bare: python -m robot → first keyword", f"{out['bare_robot_start_s']:.3f}",
                  spread(out["bare_robot_start_all_s"]), "")
    table.add_section()
    for name, key in (("  fire → run requested", "fire_to_requested_s"),
                      ("  requested → a worker started it", "requested_to_started_s"),
                      ("  started → robot Popen", "started_to_robot_popen_s"),
                      ("  robot Popen → first keyword", "robot_popen_to_first_keyword_s")):
        table.add_row(name, f"{out['parts'][key]:.3f}", "", "")
    return table


@bench_app.command("scheduler")
def bench_scheduler(
    rounds: Annotated[int, typer.Option("--rounds", min=1, max=50,
                                        help="Scheduled runs timed, and bare robot starts timed (N).")] = 5,
    every: Annotated[int, typer.Option("--every", min=2, max=30,
                                       help="Seconds between the schedule's fires; must divide a minute.")] = 3,
    json_only: Annotated[bool, typer.Option("--json-only", help="Print only the JSON line.")] = False,
) -> None:
    """From a schedule's fire to the robot's first keyword, against a bare 'python -m robot' start.

    In a temporary NIGHTSHIFT_HOME: a schedule firing every few seconds runs a one-step process through the scheduler, a worker and the runner, N times; the same suite is started N times by 'python -m robot' alone (half before, half after). Medians; about 5 + N × every seconds.
    """
    from nightshift.bench.scheduler import EVERY_CHOICES, BenchError, run

    if every not in EVERY_CHOICES:
        fail(f"--every {every} does not divide a minute: use one of {', '.join(map(str, EVERY_CHOICES))}")
    with err_console.status("bench scheduler", spinner="dots") as status:
        def step(text: str) -> None:
            err_console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False)
            status.update(f"bench scheduler: {text}")

        try:
            out = run(rounds=rounds, every=every, step=step)
        except BenchError as exc:
            err_console.print(f"[bold red]bench failed:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
    if not json_only:
        console.print(scheduler_table(out))
        console.print(f"fires skipped while a run went on: {out['fires_skipped']}; load average (1 min, "
                      f"{os.cpu_count()} cores) {out['load_average'][0]:.1f}→{out['load_average'][1]:.1f}",
                      highlight=False)
    print_json_line(out)


@bench_app.command("reconcile")
def bench_reconcile(
    rows: Annotated[int, typer.Option("--rows", min=1000, max=2_000_000,
                                      help="Bookings, and about as many diary entries (generated in memory).")]
    = 100_000,
    rounds: Annotated[int, typer.Option("--rounds", min=1, max=20, help="Timed rounds of each; best of them.")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="The generator's seed.")] = 7,
    json_only: Annotated[bool, typer.Option("--json-only", help="Print only the JSON line.")] = False,
) -> None:
    """The appointment reconciliation of N bookings against N diary entries, against a bare pandas merge.

    Generated frames in memory (the generator's appointment classes, a tenth of them discrepancies); the reconciliation (pairing by NHS number and day within 15 minutes, the classes, the side-by-side frame) and an outer pd.merge on NHS number and day, alternated, best of --rounds. Targets: under 5 s and within 3x the merge.
    """
    from nightshift.bench.reconcile import run

    with err_console.status("bench reconcile", spinner="dots") as status:
        def step(text: str) -> None:
            err_console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False)
            status.update(f"bench reconcile: {text}")

        out = run(rows=rows, rounds=rounds, seed=seed, step=step)
    if not json_only:
        table = Table(title=f"nightshift bench reconcile: {out['bookings']:,} bookings against "
                            f"{out['diary_entries']:,} diary entries", title_justify="left")
        for name, justify in (("measurement", "left"), ("seconds", "right"), ("ratio", "right"),
                              ("target", "left")):
            table.add_column(name, justify=justify)
        met_s = out["reconcile_s"] < out["target_s"]
        met_r = out["ratio"] <= out["target_ratio"]
        table.add_row("bare pd.merge (outer, NHS number + day)", f"{out['bare_merge_s']:.3f}", "1.00×", "(baseline)")
        table.add_row("reconcile (pair, classify, side by side)", f"{out['reconcile_s']:.3f}", f"{out['ratio']:.2f}×",
                      f"< {out['target_s']:g} s {'[green]met[/]' if met_s else '[red]not met[/]'}; "
                      f"≤ {out['target_ratio']:g}× {'[green]met[/]' if met_r else '[red]not met[/]'}")
        console.print(table)
        truth = "all correct" if out["correct"] else f"{out['misclassified']} wrong"
        console.print("classes: " + ", ".join(f"{k} {v:,}" for k, v in out["counts"].items())
                      + f"; against the generator's truth: {truth}; best of {out['rounds']}; "
                      f"load average {out['load_average']} on {out['cores']} cores", highlight=False, soft_wrap=True)
    print_json_line(out)


def portal_table(out: dict[str, Any]) -> Table:
    """Each page's server time beside the bare SELECT of the same 50 rows."""
    table = Table(title=f"nightshift bench portal: one queue of {out['items']:,} items "
                        f"({out['counts']['failed']:,} failed), median of {out['requests']} requests",
                  title_justify="left")
    for name, justify in (("measurement", "left"), ("ms (median)", "right"), ("× bare SELECT", "right"),
                          ("target", "left")):
        table.add_column(name, justify=justify)
    bare = out["bare_select_ms_median"]
    met = out["targets"]["queue_page_under_150_ms"]
    table.add_row("queue page, page 1 (50 items and the total)", f"{out['queue_page_ms_median']:.1f}",
                  f"{out['queue_page_ratio']:.1f}×", f"< {out['target_queue_page_ms']:g} ms {_met(met)}")
    table.add_row("queue page, state=failed", f"{out['queue_page_failed_ms_median']:.1f}",
                  f"{out['queue_page_failed_ratio']:.1f}×", "")
    table.add_row("item page (failed, with history and screenshot)", f"{out['item_page_ms_median']:.1f}",
                  f"{out['item_page_ratio']:.1f}×", "")
    table.add_section()
    table.add_row("bare SELECT of the same 50 rows (baseline)", f"{bare:.2f}", "1.0×", "")
    table.add_row("bare count(*) of the queue", f"{out['bare_count_ms_median']:.2f}",
                  f"{out['bare_count_ms_median'] / max(bare, 1e-3):.1f}×", "")
    table.add_row("/healthz (the test client's own cost)", f"{out['healthz_ms_median']:.2f}",
                  f"{out['healthz_ms_median'] / max(bare, 1e-3):.1f}×", "")
    return table


@bench_app.command("portal")
def bench_portal(
    items: Annotated[int, typer.Option("--items", min=100, max=2_000_000,
                                       help="Items in the queue, 5% of them failed (N).")] = 100_000,
    requests: Annotated[int, typer.Option("--requests", min=3, max=500, help="Timed requests of each page.")] = 20,
    json_only: Annotated[bool, typer.Option("--json-only", help="Print only the JSON line.")] = False,
) -> None:
    """The portal's queue and item pages at N items, against a bare SELECT of the same rows.

    In a temporary NIGHTSHIFT_HOME (SQLite): one queue filled with N encrypted items, every 20th failed; a signed-in supervisor's requests through Starlette's TestClient (in process, no network), and the bare SELECT of the page's 50 rows with the store's engine, in rounds. Medians. Target: the queue page under 150 ms at 100,000 items.
    """
    from nightshift.bench.portal import run

    with err_console.status("bench portal", spinner="dots") as status:
        def step(text: str) -> None:
            err_console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False)
            status.update(f"bench portal: {text}")

        out = run(items=items, requests=requests, step=step)
    if not json_only:
        console.print(portal_table(out))
        console.print(f"filled in {out['fill_s']:.1f} s; load average {out['load_average']} on {out['cores']} cores",
                      highlight=False)
    print_json_line(out)


def chatbot_table(out: dict[str, Any]) -> Table:
    """Accuracy, answered and declined for the whole question file and each half, beside BM25 alone."""
    from nightshift.bench.chatbot import TARGETS

    table = Table(title=f"nightshift bench chatbot: {out['pages']} pages, {out['questions']} questions "
                        f"({out['answerable']} answerable), threshold {out['threshold']:g}", title_justify="left")
    table.add_column("questions")
    for name in ("top-1", "top-3", "answered", "answered right", "declined"):
        table.add_column(name, justify="right")

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    def row(name: str, s: dict[str, Any]) -> None:
        table.add_row(name, *(pct(s.get(k)) for k in ("top1", "top3", "answered", "answered_right", "declined")))

    row("all", out)
    row("  odd lines", out["halves"]["odd"])
    row("  even lines", out["halves"]["even"])
    if "baseline" in out:
        table.add_section()
        row("BM25 alone", out["baseline"])
    table.add_section()
    table.add_row("target", *(f"≥ {TARGETS[k]:.0%} {_met((out[k] or 0) >= TARGETS[k])}" if k in TARGETS else ""
                              for k in ("top1", "top3", "answered", "answered_right", "declined")))
    return table


@bench_app.command("chatbot")
def bench_chatbot(
    kb: Annotated[str, typer.Option("--kb", help="The knowledge-base folder.")] = "/work/shared/local-offer",
    questions: Annotated[str | None, typer.Option(
        "--questions", help="JSON lines: {\"q\": ..., \"expect\": page name without extension, or null}; "
        "default the project's own, tests/data/chatbot-questions.jsonl.")] = None,
    threshold: Annotated[float | None, typer.Option(
        "--threshold", min=0.0, max=1.0, help="Confidence below which the chatbot declines (default the library's).")]
    = None,
    misses: Annotated[bool, typer.Option("--misses", help="Also list the questions it got wrong.")] = False,
    json_only: Annotated[bool, typer.Option("--json-only", help="Print only the JSON line.")] = False,
    ranker: Annotated[str | None, typer.Option(
        "--ranker", help="bm25 (default) or embeddings (needs the 'embeddings' extra), or package.module.Class; "
        "default NIGHTSHIFT_CHATBOT_RANKER.")] = None,
) -> None:
    """The chatbot's answers to a question file: top-1 and top-3 page, answered, declined, ms per answer.

    Every question goes through Ask Chatbot on the knowledge base; figures for the whole file, for its odd and even lines (to check a change made on one half against the other) and for BM25 alone (no misspelling correction, no thesaurus) as the baseline. Targets: top-1 ≥ 0.80, top-3 ≥ 0.95, answered ≥ 0.90, declined ≥ 0.80, under 50 ms an answer.
    """
    from pathlib import Path

    from nightshift.bench.chatbot import TARGET_MS, BenchError, run

    saved = os.environ.get("NIGHTSHIFT_CHATBOT_RANKER")
    if ranker:  # the library reads it when the bench makes its Chatbot
        os.environ["NIGHTSHIFT_CHATBOT_RANKER"] = ranker
    try:
        out = run(kb=Path(kb), questions=Path(questions) if questions else None, threshold=threshold,
                  step=lambda text: err_console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False))
    except (BenchError, ImportError, ValueError) as exc:  # ImportError, ValueError: the ranker asked for
        err_console.print(f"[bold red]bench failed:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        if ranker and saved is None:
            del os.environ["NIGHTSHIFT_CHATBOT_RANKER"]
        elif ranker:
            os.environ["NIGHTSHIFT_CHATBOT_RANKER"] = saved
    wrong = out.pop("misses")
    if not json_only:
        console.print(chatbot_table(out))
        console.print(f"ms per answer: mean {out['ms_per_answer']:.2f}, median {out['ms_median']:.2f}, slowest "
                      f"{out['ms_max']:.2f} (target < {TARGET_MS:g} {_met(out['ms_per_answer'] < TARGET_MS)}); "
                      f"BM25 alone {out['baseline']['ms_per_answer']:.2f}; index built in {out['load_ms']:.0f} ms",
                      highlight=False)
        if misses:
            for m in wrong:
                want = m["expect"] or "(decline)"
                got = ", ".join(m["ranked"]) + ("" if m["answered"] else " — declined")
                console.print(f"  {m['q']!r}: want {want}; got {got}", highlight=False, soft_wrap=True)
    print_json_line(out)


@bench_app.command("transcribe")
def bench_transcribe(
    sentences: Annotated[str, typer.Option("--sentences", help="Test sentences, one a line, not in the corpus.")]
    = "tests/data/transcribe-sentences.txt",
    corpus: Annotated[str, typer.Option("--corpus", help="Text to build the domain language model from.")]
    = "tests/data/conference-corpus.txt",
    json_only: Annotated[bool, typer.Option("--json-only", help="Print only the JSON line.")] = False,
    adapt: Annotated[bool, typer.Option("--adapt/--no-adapt", help="Also measure with the acoustic model adapted "
                                        "to the voice from corpus sentences (needs sphinxtrain).")] = True,
) -> None:
    """Word error rate of the generic and a domain pocketsphinx model on espeak-ng recordings, and the
    real-time factor. Targets: domain WER at most half the generic; real-time factor under 0.5."""
    from pathlib import Path

    from keywords.transcription.bench import BenchError, run, table

    for path in (sentences, corpus):
        if not Path(path).is_file():
            fail(f"{path} does not exist: give --sentences and --corpus as text files, one sentence a line")
    try:
        out = run(Path(sentences), Path(corpus), adapt=adapt,
                  step=lambda text: err_console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False))
    except BenchError as exc:
        err_console.print(f"[bold red]bench failed:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if not json_only:
        console.print(table(out))
    print_json_line(out)
