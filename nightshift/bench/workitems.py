"""``nightshift bench workitems``: how fast the work-item queue claims and completes.

Each measurement is a function returning a dict of JSON-ready figures, run on a
fresh temporary NIGHTSHIFT_HOME, next to its baseline:

* ``raw_sqlite``   the physical limit: a bare ``sqlite3`` loop doing, per item,
  the two write transactions the store does (claim, complete), WAL and
  ``synchronous=NORMAL``, on its own small table.
* ``store``        the same through ``workitems.store`` by several processes
  (spawned), each looping ``claim`` → ``complete`` until the queue is empty.
* ``robot``        one Robot Framework robot (``robots/bench/loop.robot``) that
  makes one output per input with ``For Each Input Work Item``, through our
  ``workitems.rpa.QueueAdapter`` and through rpaframework's ``FileAdapter``.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import PROJECT_ROOT, Stopwatch, environ, fresh_home, rate

ROBOT = PROJECT_ROOT / "robots" / "bench" / "loop.robot"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_BENCH_DATABASE = "nightshift_bench"  # + "_PID", so two runs never share one
#: The targets of issue 2: store / raw, and robot-through-our-adapter / FileAdapter by M.
STORE_TARGET = 0.5
ROBOT_TARGETS = {2000: 1.0, 10000: 5.0}

Step = Callable[[str], None]


class BenchError(RuntimeError):
    """A measurement could not be taken, or its result is wrong (items lost, robot failed)."""


def _quiet(_: str) -> None:
    pass


def payload(i: int) -> dict[str, Any]:
    """A small synthetic referral-like payload (no real person)."""
    return {"n": i, "reference": f"BENCH-{i:06d}", "name": "Alex Example", "postcode": "ZZ99 9ZZ"}


# -- the raw sqlite3 limit ----------------------------------------------------

_RAW_SCHEMA = """
CREATE TABLE items (
    id INTEGER PRIMARY KEY, queue TEXT NOT NULL, state TEXT NOT NULL, payload BLOB,
    priority INTEGER NOT NULL DEFAULT 0, not_before REAL, attempts INTEGER NOT NULL DEFAULT 0,
    lease_expires_at REAL, worker TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE INDEX items_claim ON items (queue, state, priority DESC, id);
CREATE TABLE history (
    id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, at REAL NOT NULL, actor TEXT NOT NULL,
    from_state TEXT, to_state TEXT NOT NULL, event TEXT NOT NULL);
"""
_RAW_CLAIM = """
UPDATE items SET state = 'reserved', worker = ?, attempts = attempts + 1,
       lease_expires_at = ?, updated_at = ?
 WHERE id = (SELECT id FROM items
              WHERE queue = ? AND state = 'pending' AND (not_before IS NULL OR not_before <= ?)
              ORDER BY priority DESC, id LIMIT 1)
RETURNING id, payload, attempts
"""
_RAW_COMPLETE = """
UPDATE items SET state = 'done', worker = NULL, lease_expires_at = NULL, updated_at = ?
 WHERE id = ? AND state = 'reserved' AND worker = ?
"""
_RAW_HISTORY = "INSERT INTO history (item_id, at, actor, from_state, to_state, event) VALUES (?, ?, ?, ?, ?, ?)"


def raw_sqlite(items: int, home: Path) -> dict[str, Any]:
    """Claim + complete ``items`` rows in a bare sqlite3 loop: the physical limit here."""
    db = sqlite3.connect(home / "raw.db", isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_RAW_SCHEMA)
        now = time.time()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO items (queue, state, payload, created_at, updated_at) VALUES ('raw', 'pending', ?, ?, ?)",
            ((json.dumps(payload(i)).encode(), now, now) for i in range(items)),
        )
        db.execute("COMMIT")
        done = 0
        with Stopwatch() as sw:
            while True:
                now = time.time()
                db.execute("BEGIN IMMEDIATE")
                row = db.execute(_RAW_CLAIM, ("raw-worker", now + 300, now, "raw", now)).fetchone()
                if row is None:
                    db.execute("COMMIT")
                    break
                db.execute(_RAW_HISTORY, (row[0], now, "raw-worker", "pending", "reserved", "claimed"))
                db.execute("COMMIT")
                json.loads(row[1])  # a worker reads what it claimed
                now = time.time()
                db.execute("BEGIN IMMEDIATE")
                db.execute(_RAW_COMPLETE, (now, row[0], "raw-worker"))
                db.execute(_RAW_HISTORY, (row[0], now, "raw-worker", "reserved", "done", "completed"))
                db.execute("COMMIT")
                done += 1
        if done != items:
            raise BenchError(f"raw sqlite loop completed {done} of {items} rows")
        return {"raw_sqlite_items_per_s": rate(done, sw.seconds), "raw_sqlite_seconds": round(sw.seconds, 3)}
    finally:
        db.close()


# -- the store, claimed by several processes -----------------------------------


def _claim_loop(url: str, queue: str, worker: str, start: Any, results: Any) -> None:
    """One spawned worker: open the store, wait for the start, claim → complete until empty."""
    try:
        from workitems.store import open_store

        store = open_store(url)
        results.put(("ready", worker))
        start.wait()
        done = 0
        while (item := store.claim(queue, worker)) is not None:
            store.complete(item.id, worker)
            done += 1
        results.put(("done", worker, done, time.monotonic()))
        store.close()
    except BaseException:  # noqa: BLE001 - reported to the parent, which fails loudly
        results.put(("error", worker, traceback.format_exc()))


def claim_with_processes(url: str, queue: str, processes: int, timeout: float = 900.0) -> tuple[int, float]:
    """Run ``processes`` spawned claim loops on ``queue``; returns (items done, wall seconds)."""
    ctx = mp.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=_claim_loop, args=(url, queue, f"bench-{os.getpid()}-{n}", start, results))
        for n in range(processes)
    ]
    for proc in workers:
        proc.start()
    try:
        ready, finished = 0, []
        while ready < processes:
            msg = results.get(timeout=timeout)
            if msg[0] == "error":
                raise BenchError(f"worker {msg[1]} failed to start:\n{msg[2]}")
            ready += 1
        began = time.monotonic()
        start.set()
        while len(finished) < processes:
            msg = results.get(timeout=timeout)
            if msg[0] == "error":
                raise BenchError(f"worker {msg[1]} failed while claiming:\n{msg[2]}")
            finished.append(msg)
        return sum(m[2] for m in finished), max(m[3] for m in finished) - began
    finally:
        for proc in workers:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()


def _fill(url: str, queue: str, items: int) -> None:
    from workitems.store import open_store
    from workitems.store.base import NewItem

    store = open_store(url)
    try:
        batch = 5000
        for first in range(0, items, batch):
            store.add_many(queue, [NewItem(payload(i)) for i in range(first, min(first + batch, items))], actor="bench")
    finally:
        store.close()


def _check_done(url: str, queue: str, items: int) -> None:
    from workitems.model import State
    from workitems.store import open_store

    store = open_store(url)
    try:
        done = store.count(queue, state=State.DONE)
        left = {s.value: store.count(queue, state=s) for s in State if s is not State.DONE}
    finally:
        store.close()
    if done != items:
        raise BenchError(f"queue {queue!r}: {done} of {items} items done afterwards, others {left} — items were lost")


def store_throughput(url: str, queue: str, items: int, processes: int) -> tuple[float, float]:
    """Fill ``queue`` with ``items``, claim them with ``processes`` processes; (items/s, seconds)."""
    _fill(url, queue, items)
    done, seconds = claim_with_processes(url, queue, processes)
    if done != items:
        raise BenchError(f"{processes} workers completed {done} of {items} items on {queue!r}")
    _check_done(url, queue, items)
    return rate(done, seconds), round(seconds, 3)


def _store_env(home: Path, url: str) -> dict[str, str | None]:
    """Environment of a store under ``home``: its URL, and a key so nothing is generated on the fly."""
    key = os.environ.get("NIGHTSHIFT_KEY")
    if not key:
        try:
            from workitems.crypto import generate_key  # type: ignore[attr-defined]

            key = generate_key()
        except ImportError:
            key = None
    return {"NIGHTSHIFT_HOME": str(home), "NIGHTSHIFT_DB": url, "NIGHTSHIFT_KEY": key}


def sqlite_store(items: int, home: Path, processes: int = 2) -> dict[str, Any]:
    url = f"sqlite:///{home / 'nightshift.db'}"
    with environ(**_store_env(home, url)):
        per_s, seconds = store_throughput(url, "bench", items, processes)
    return {"store_items_per_s": per_s, "store_seconds": seconds, "store_processes": processes}


# -- PostgreSQL ------------------------------------------------------------------


def _pg_admin_conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_store(items: int, url: str, home: Path, processes: tuple[int, ...] = (1, 4)) -> dict[str, Any]:
    """Claim + complete through the PostgreSQL store in a dedicated, throw-away database.

    Returns ``{"pg": "unreachable: …"}`` (and no figures) when the server cannot be reached.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    try:
        admin = psycopg.connect(_pg_admin_conninfo(url), autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not reachable"
        return {"pg": f"unreachable: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"}
    database = f"{PG_BENCH_DATABASE}_{os.getpid()}"
    bench_url = make_url(url).set(database=database).render_as_string(hide_password=False)
    out: dict[str, Any] = {"pg": "measured"}
    try:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {database}")
        with environ(**_store_env(home, bench_url)):
            for n in processes:
                per_s, seconds = store_throughput(bench_url, f"bench-pg-{n}", items, n)
                out[f"pg_items_per_s_{n}"] = per_s
                out[f"pg_seconds_{n}"] = seconds
    finally:
        try:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        finally:
            admin.close()
    return out


# -- Robot Framework: our adapter against rpaframework's FileAdapter ------------------


def _run_robot(env: dict[str, str], cwd: Path) -> float:
    """Run the benchmark robot once in a subprocess; returns its wall seconds."""
    cmd = [sys.executable, "-m", "robot", "--rpa", "--output", "NONE", "--log", "NONE",
           "--report", "NONE", "--console", "quiet", str(ROBOT)]
    path = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    with Stopwatch() as sw:
        proc = subprocess.run(cmd, cwd=cwd, env={**env, "PYTHONPATH": path}, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip()[-2000:]
        raise BenchError(f"benchmark robot failed (exit {proc.returncode}):\n{tail}")
    return sw.seconds


def robot_fileadapter(items: int, home: Path) -> float:
    """Items/s of the robot over ``items`` inputs through ``FileAdapter``."""
    inputs, outputs = home / "inputs.json", home / "outputs.json"
    inputs.write_text(json.dumps([{"payload": payload(i), "files": {}} for i in range(items)]))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RPA_")},
           "RPA_WORKITEMS_ADAPTER": "RPA.Robocorp.WorkItems.FileAdapter",
           "RPA_INPUT_WORKITEM_PATH": str(inputs), "RPA_OUTPUT_WORKITEM_PATH": str(outputs)}
    seconds = _run_robot(env, home)
    made = len(json.loads(outputs.read_text()))
    if made != items:
        raise BenchError(f"FileAdapter robot made {made} outputs from {items} inputs")
    return rate(items, seconds)


def robot_queue_adapter(items: int, home: Path) -> float:
    """Items/s of the robot over ``items`` inputs through ``workitems.rpa.QueueAdapter`` (SQLite)."""
    url = f"sqlite:///{home / 'nightshift.db'}"
    store_env = _store_env(home, url)
    with environ(**store_env):
        _fill(url, "bench-in", items)
    # Nothing inherited may change the run (NIGHTSHIFT_WAIT_SECONDS, NIGHTSHIFT_ITEMS_LIMIT, another DB).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RPA_", "NIGHTSHIFT_"))}
    env.update({k: v for k, v in store_env.items() if v is not None})
    env.update({"RPA_WORKITEMS_ADAPTER": "workitems.rpa.QueueAdapter",
                "NIGHTSHIFT_QUEUE": "bench-in", "NIGHTSHIFT_OUTPUT_QUEUE": "bench-out"})
    seconds = _run_robot(env, home)
    with environ(**store_env):
        _check_done(url, "bench-in", items)
        from workitems.store import open_store

        with open_store(url) as store:
            made = store.count("bench-out")
    if made != items:
        raise BenchError(f"robot through QueueAdapter made {made} outputs from {items} inputs")
    return rate(items, seconds)


def robots(sizes: list[int], step: Step = _quiet, ours: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"robot_items": sizes}
    for m in sizes:
        step(f"robot through FileAdapter, {m:,} items")
        with fresh_home() as home:
            out[f"fileadapter_items_per_s_{m}"] = robot_fileadapter(m, home)
        if ours:
            step(f"robot through our QueueAdapter, {m:,} items")
            with fresh_home() as home:
                out[f"robot_items_per_s_{m}"] = robot_queue_adapter(m, home)
            out[f"robot_vs_fileadapter_{m}"] = round(out[f"robot_items_per_s_{m}"] / out[f"fileadapter_items_per_s_{m}"], 2)
    first = sizes[0]
    out["fileadapter_items_per_s"] = out[f"fileadapter_items_per_s_{first}"]
    if ours:
        out["robot_items_per_s"] = out[f"robot_items_per_s_{first}"]
    return out


# -- all of it -----------------------------------------------------------------------


def store_available() -> str | None:
    """None when our store and adapter import, else why not."""
    try:
        import workitems.rpa  # noqa: F401
        from workitems.store import open_store  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


def run(
    items: int = 20000,
    robot_items: tuple[int, ...] = (2000, 10000),
    pg_url: str | None = None,
    pg: bool = True,
    step: Step = _quiet,
) -> dict[str, Any]:
    """Every measurement of ``bench workitems``; the JSON the command prints."""
    missing = store_available()
    out: dict[str, Any] = {"items": items}
    step(f"raw sqlite3 loop, {items:,} items")
    with fresh_home() as home:
        out.update(raw_sqlite(items, home))
    if missing is None:
        step(f"store on SQLite, {items:,} items, 2 processes")
        with fresh_home() as home:
            out.update(sqlite_store(items, home))
        out["store_vs_raw"] = round(out["store_items_per_s"] / out["raw_sqlite_items_per_s"], 3)
    else:
        out["store"] = f"not available: {missing}"
    out.update(robots(list(robot_items), step, ours=missing is None))
    if not pg:
        out["pg"] = "skipped (--no-pg)"
    elif missing is None:
        url = pg_url or os.environ.get("NIGHTSHIFT_TEST_PG") or DEFAULT_PG_URL
        step(f"store on PostgreSQL, {items:,} items, 1 then 4 processes")
        with fresh_home() as home:
            out.update(pg_store(items, url, home))
    out["targets"] = targets(out)
    return out


def targets(out: dict[str, Any]) -> dict[str, bool]:
    """Which of issue 2's targets this run met (reported, never enforced)."""
    met: dict[str, bool] = {}
    if "store_vs_raw" in out:
        met["store_at_least_half_raw"] = out["store_vs_raw"] >= STORE_TARGET
    for m, factor in ROBOT_TARGETS.items():
        if f"robot_vs_fileadapter_{m}" in out:
            met[f"robot_{m}_at_least_{factor:g}x_fileadapter"] = out[f"robot_vs_fileadapter_{m}"] >= factor
    return met
