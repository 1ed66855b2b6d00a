"""``nightshift bench referrals``: how fast the referral bot keys referrals, against a bare-script floor.

In a fresh temporary NIGHTSHIFT_HOME, with the sandbox's case system started (chaos off) and seeded:

* ``robot``  N generated valid referrals (defect rate 0) keyed by the real bot: the ``referrals``
  process of ``processes.yaml`` run by ``scheduler.runner.run_process`` (producer, then consumer),
  exactly as ``nightshift run referrals`` runs it. The night is scored against the generator's
  manifest (``sandbox.score``): a bench that keyed wrongly is an error, not a figure.
* ``floor``  the same referrals keyed by ``referrals_floor.py``, a bare Playwright script filling
  the same pages (one browser, one context per referral, no Robot Framework, no queue), against
  the case system reset to the same seeded state, so that both key every referral and take the
  same path through the pages (a new child, or the known one linked). The floor keys half the
  referrals before the robot and half after it, so that the machine's load, which swings here
  as other work comes and goes, weighs on both alike; its time is the two halves' keying plus one
  start-up (their mean). ``load_average_*`` give the 1-minute load before and after each part.

Both are timed from outside as whole processes (interpreter start, Chromium, login, keying).
The robot's figure is its consumer step; ``process_seconds`` adds the producer (reading the PDF
forms, e-mails, spreadsheets and exports). ``profile`` says where the consumer's time goes, from
its ``output.xml``: Robot Framework's start, the suite setup (Chromium and login), each keyword's
mean time per referral, the time between items (claiming, releasing) and the end (writing the
log and report).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import PROJECT_ROOT, environ, fresh_home

MANUAL_MINUTES = 6.0
TARGET_RATIO = 1.5  # the robot within 1.5x the floor
TARGET_PER_MIN = 60.0  # referrals a minute
PROCESS = "referrals"
#: The consumer's keywords the profile reports, in the order a referral meets them.
PROFILED = (
    "New Item Context", "Find Referral By Reference", "Get Draft Address", "Choose Or Create Child",
    "Fill In Referrer", "Fill In Concerns", "Fill In Consent", "Save Referral", "Ensure Logged In",
    "Wait For Page", "Fill By Label", "Click Button", "Get Work Item Payload", "Create Output Work Item",
    "Set Work Item Payload", "Save Work Item", "Key One Referral",
)

Step = Callable[[str], None]


class BenchError(RuntimeError):
    """The bench could not measure: the sandbox did not start, or a run did not key every referral."""


def _quiet(_: str) -> None:
    pass


def run(*, referrals: int = 60, manual_minutes: float = MANUAL_MINUTES, seed: int = 1,
        step: Step = _quiet) -> dict[str, Any]:
    """Key ``referrals`` valid referrals with the floor (half), the robot (all), the floor (the other half).

    Returns the JSON-ready figures (``figures``). ``BenchError`` when a part cannot be measured.
    """
    from sandbox.generate import generate
    from workitems.crypto import generate_key

    with fresh_home("nightshift-bench-referrals-") as home, environ(
            NIGHTSHIFT_HOME=str(home), NIGHTSHIFT_KEY=generate_key(), NIGHTSHIFT_DB=None, NIGHTSHIFT_FILES=None,
            NIGHTSHIFT_SANDBOX_PASSWORD=None, NIGHTSHIFT_QUEUE=None, NIGHTSHIFT_OUTPUT_QUEUE=None,
            RPA_WORKITEMS_ADAPTER=None, NIGHTSHIFT_REFERENCE_FIELD=None, NIGHTSHIFT_WAIT_SECONDS=None,
            NIGHTSHIFT_ITEMS_LIMIT=None, CASE_SYSTEM_SECRET=None, CASE_SYSTEM_URL=None):
        night = home / "night"
        step(f"generating {referrals} valid referrals (seed {seed})")
        manifest = generate(night, seed=seed, referrals=referrals, defect_rate=0.0, invoices=0, bookings=0)
        sandbox = Sandbox(home, night / "world.json")
        valid = [e.expected for e in manifest.referrals if e.expect in ("create", "link-existing-child")]
        try:
            sandbox.start()
            step(f"started the sandbox (chaos off) on port {sandbox.port}")
            password = _store_robot_login(home)
            # The floor brackets the robot (half before, half after), so that a change in the machine's
            # load during the run weighs on both alike.
            halves = [valid[0::2], valid[1::2]]
            floor_runs = []
            step(f"the floor, first half: a bare Playwright script keys {len(halves[0])} referrals")
            floor_runs.append(_floor(halves[0], sandbox, password, home))
            sandbox.reset()
            step("the robot: the referrals process, producer then consumer")
            robot = _robot(manifest, night, sandbox)
            step(f"the robot keyed {referrals} in {robot['robot_seconds']:.1f} s")
            if halves[1]:
                sandbox.reset()
                step(f"the floor, second half: {len(halves[1])} referrals")
                floor_runs.append(_floor(halves[1], sandbox, password, home))
            floor = _one_floor(floor_runs)
            step(f"the floor keyed {referrals} in {floor['floor_seconds']:.1f} s (one start-up counted)")
        finally:
            sandbox.stop()
    return figures(referrals, manual_minutes, robot, floor)


def figures(n: int, manual_minutes: float, robot: dict[str, Any], floor: dict[str, Any]) -> dict[str, Any]:
    """The bench's JSON: the contract's fields (DESIGN.md) first, then the detail behind them."""
    per = robot["robot_seconds"] / n
    floor_per = floor["floor_seconds"] / n
    out: dict[str, Any] = {
        "referrals": n,
        "referrals_per_min": round(60 / per, 1),
        "seconds_per_referral": round(per, 3),
        "floor_seconds_per_referral": round(floor_per, 3),
        "floor_ratio": round(per / floor_per, 2),
        "manual_minutes": manual_minutes,
        "hours_saved": round(n * manual_minutes / 60 - robot["process_seconds"] / 3600, 2),
        **{k: v for k, v in robot.items() if k != "profile"},
        **floor,
    }
    steady = robot["profile"].get("keying_seconds_per_referral")
    if steady:
        out["steady_ratio"] = round(steady / floor["floor_keying_seconds_per_referral"], 2)
    out["process_referrals_per_min"] = round(60 * n / robot["process_seconds"], 1)
    out["targets"] = {"within_1_5x_floor": out["floor_ratio"] <= TARGET_RATIO,
                      "at_least_60_per_min": out["referrals_per_min"] >= TARGET_PER_MIN}
    out["profile"] = robot["profile"]
    return out


class Sandbox:
    """The stand-in systems in the background (``nightshift sandbox up --detach``), chaos off."""

    def __init__(self, home: Path, world: Path) -> None:
        self.home, self.world = home, world
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        """Start on the first free ports from 8700 (other work on the machine may take them meanwhile), and seed."""
        from sandbox.web.runner import port_in_use

        for base in range(8700, 9700, 10):
            if any(port_in_use(base + i) for i in range(3)):
                continue
            done = _nightshift("sandbox", "up", "--detach", "--port-base", str(base), "--chaos", "off", check=False)
            if done.returncode == 0:
                self.port = base
                _nightshift("sandbox", "seed", "--world", str(self.world))
                return
            if "already in use" not in done.stderr:
                raise BenchError(f"'nightshift sandbox up' failed: {_last_line(done)}")
        raise BenchError("no three free ports for the sandbox between 8700 and 9700")

    def reset(self) -> None:
        """Back to the seeded state: the case system's database is removed and the sandbox started again."""
        self.stop()
        for suffix in ("", "-wal", "-shm"):
            (self.home / "sandbox" / f"casesystem.db{suffix}").unlink(missing_ok=True)
        self.start()

    def stop(self) -> None:
        _nightshift("sandbox", "down", check=False)


def _nightshift(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nightshift", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env=os.environ.copy(), timeout=120)
    if check and done.returncode != 0:
        raise BenchError(f"'nightshift {' '.join(args)}' failed: {_last_line(done)}")
    return done


def _last_line(done: subprocess.CompletedProcess) -> str:
    return ((done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"])[0]


def _store_robot_login(home: Path) -> str:
    """The sandbox's robot user into the vault, as ``nightshift demo`` does; its password, for the floor."""
    from keywords.vault import load_all, save_all
    from sandbox.web.users import read_users

    robot = next((u for u in read_users(home / "sandbox") if u["username"] == "robot"), None)
    if robot is None:
        raise BenchError(f"the sandbox has no 'robot' user in {home / 'sandbox' / 'users.json'}")
    secrets = load_all()
    secrets["case_system"] = {"username": "robot", "password": robot["password"]}
    save_all(secrets)
    return str(robot["password"])


def _robot(manifest: Any, night: Path, sandbox: Sandbox) -> dict[str, Any]:
    from sandbox.score import score_night
    from scheduler.processes import get_process
    from scheduler.runner import run_process
    from workitems.store import open_store

    load = os.getloadavg()[0]
    with open_store() as store:
        result = run_process(get_process(PROCESS), store, trigger="bench",
                             trigger_payload={"inbox": str(night / "inbox" / "referrals")},
                             extra_env={"CASE_SYSTEM_URL": sandbox.url})
        score = score_night(manifest, case_db=sandbox.home / "sandbox" / "casesystem.db", store=store)
    if result.status != "PASS" or not score.passed:
        wrong = "; ".join(f"{d.reference}: {d.check}: found {d.found}" for d in score.discrepancies[:5])
        raise BenchError(f"the robot's run {result.status}: {wrong or 'see'} (artifacts {result.artifacts})")
    producer, consumer = result.steps
    return {"robot_seconds": round(consumer.seconds, 3), "producer_seconds": round(producer.seconds, 3),
            "process_seconds": round(result.ended - result.started, 3),
            "load_average_robot": [round(load, 2), round(os.getloadavg()[0], 2)],
            "profile": profile(Path(consumer.artifacts) / "output.xml", consumer.started, consumer.ended,
                               len(manifest.referrals))}


def _floor(referrals: list[dict[str, Any]], sandbox: Sandbox, password: str, home: Path) -> dict[str, Any]:
    """One run of the floor script on ``referrals``: its wall time, start-up and keying."""
    data = home / "floor-referrals.json"  # synthetic values, removed with the temporary home
    data.write_text(json.dumps(referrals), encoding="utf-8")
    env = {**os.environ, "CASE_SYSTEM_USERNAME": "robot", "CASE_SYSTEM_PASSWORD": password,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nightshift.bench.referrals_floor", sandbox.url, str(data)],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=60 + 30 * len(referrals))
    seconds = time.perf_counter() - started
    data.unlink()
    if done.returncode != 0:
        # Playwright's call log ends its message: the cause is a few lines up
        tail = " | ".join(line.strip() for line in done.stderr.strip().splitlines()[-8:]) or "no output"
        raise BenchError(f"the floor script failed: {tail}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    keyed = _keyed_references(sandbox.home / "sandbox" / "casesystem.db")
    if out["keyed"] != len(referrals) or keyed != {r["reference"] for r in referrals}:
        raise BenchError(f"the floor keyed {out['keyed']} of {len(referrals)} referrals")
    keying = out["seconds_per_referral"] * len(referrals)
    return {"n": len(referrals), "seconds": seconds, "keying": keying, "start": seconds - keying,
            "load": [round(load, 2), round(os.getloadavg()[0], 2)]}


def _one_floor(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The floor's runs as one process keying them all: their keying, plus one (the mean) start-up."""
    n = sum(r["n"] for r in runs)
    keying = sum(r["keying"] for r in runs)
    start = sum(r["start"] for r in runs) / len(runs)
    return {"floor_seconds": round(keying + start, 3), "floor_start_seconds": round(start, 3),
            "floor_keying_seconds_per_referral": round(keying / n, 4),
            "floor_halves_seconds_per_referral": [round(r["seconds"] / r["n"], 3) for r in runs],
            "load_average_floor": [r["load"] for r in runs]}


def _keyed_references(db: Path) -> set[str]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT external_ref, COUNT(*) FROM referrals GROUP BY external_ref").fetchall()
    finally:
        conn.close()
    if any(n != 1 for _, n in rows):
        raise BenchError("the floor keyed a referral twice")
    return {ref for ref, _ in rows}


def profile(output_xml: Path, started: float, ended: float, referrals: int) -> dict[str, Any]:
    """Where the consumer's time went, from its ``output.xml`` (see the module docstring)."""
    from robot.api import ExecutionResult

    if not output_xml.exists():
        return {}
    suite = ExecutionResult(str(output_xml)).suite
    totals: dict[str, list[float]] = {}
    first_item: list[float] = []

    def walk(body: Any) -> None:
        for node in body:
            if getattr(node, "type", "") in ("KEYWORD", "SETUP", "TEARDOWN") and getattr(node, "name", None):
                totals.setdefault(node.name, []).append(node.elapsed_time.total_seconds())
                if node.name == "Key One Referral" and not first_item and node.start_time:
                    first_item.append(node.start_time.timestamp())
            if getattr(node, "body", None):
                walk(node.body)

    setup = 0.0
    for each in [suite, *suite.suites]:  # robots/referrals is a folder: its suites hold setup and tasks
        walk([part for part in (each.setup, each.teardown) if part])
        setup += each.setup.elapsed_time.total_seconds() if each.setup else 0.0
        for test in each.tests:
            walk(test.body)
    suite_start = suite.start_time.timestamp() if suite.start_time else started
    loop = sum(totals.get("For Each Input Work Item", []))
    items = totals.get("Key One Referral", [])
    suite_end = suite_start + suite.elapsed_time.total_seconds()
    out: dict[str, Any] = {
        "rf_start_s": round(suite_start - started, 2),
        "setup_s": round(setup, 2),
        "first_item_after_s": round(first_item[0] - started, 2) if first_item else None,
        "items_s": round(sum(items), 2),
        "between_items_s": round(loop - sum(items), 2),
        "end_s": round(ended - suite_end, 2),
        "keying_seconds_per_referral": round(loop / referrals, 3) if referrals and loop else None,
        "keywords_ms_per_referral": {name: round(1000 * sum(totals[name]) / referrals, 1)
                                     for name in PROFILED if name in totals and referrals},
        "keyword_calls_per_referral": round(sum(len(v) for v in totals.values()) / referrals, 1) if referrals else 0,
    }
    return out
