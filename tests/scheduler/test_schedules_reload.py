"""`nightshift serve` picks up edits to the schedules file without a restart.

The supervisor's view: the log says what was reloaded (or why an edit was refused),
and the run history shows which schedules fire. Schedules fire every second or two
and the file is looked at every 0.2 s, so each test takes a few seconds.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from test_serve import schedules, start_serve, stop, wait_for

from scheduler.history import RunHistory
from workitems.store import open_store

POLL = {"NIGHTSHIFT_LEADER_POLL": "0.2"}


def edit(path: Path, crons: dict[str, str]) -> None:
    """Save the file as an editor would, whole (a rename), with one schedule per cron."""
    body = "".join(f'  {name}: {{process: example, cron: "{cron}", misfire_grace: 60s}}\n'
                   for name, cron in crons.items())
    new = path.with_suffix(".new")
    new.write_text("calendar: {bank_holidays: none}\nschedules:\n" + body)
    os.replace(new, path)


def fires(schedule: str, after: float = 0) -> list[float]:
    """The fire times of ``schedule`` after ``after`` in the run history, any outcome."""
    with open_store() as store:
        rows = RunHistory(store).list(limit=10_000)
    return sorted(r["scheduled_for"] for r in rows if r["schedule"] == schedule and r["scheduled_for"] > after)


def wait_for_fire(schedule: str, after: float, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not fires(schedule, after):
        if time.monotonic() > deadline:
            pytest.fail(f"schedule {schedule} did not fire after {after} within {timeout}s")
        time.sleep(0.2)


@pytest.fixture
def served(tmp_path):
    """``nightshift serve`` on SQLite with one schedule, 'often', every second; yields (file, log, process)."""
    path = schedules(tmp_path, "* * * * * *")
    log = tmp_path / "serve.log"
    proc = start_serve({"NIGHTSHIFT_SCHEDULES": str(path), **POLL}, log, "--workers", "0")
    try:
        wait_for(log, "this is the active scheduler (1 schedules)", 30)
        wait_for_fire("often", 0)
        yield path, log, proc
    finally:
        stop(proc)


def test_added_changed_and_removed_schedules_take_effect_without_a_restart(served):
    path, log, proc = served
    edit(path, {"often": "* * * * * *", "added": "* * * * * *"})
    wait_for(log, f"schedules reloaded from {path}: added added", 5)
    wait_for_fire("added", time.time())

    edit(path, {"often": "*/2 * * * * *", "added": "* * * * * *"})  # every second to every other second
    wait_for(log, f"schedules reloaded from {path}: changed often", 5)
    changed_at = time.time()
    time.sleep(3)
    assert fires("often", changed_at), "the changed schedule stopped firing"
    assert all(int(t) % 2 == 0 for t in fires("often", changed_at)), fires("often", changed_at)

    edit(path, {"often": "*/2 * * * * *"})
    wait_for(log, f"schedules reloaded from {path}: removed added", 5)
    removed_at = time.time()
    time.sleep(2.5)
    assert fires("added", removed_at) == []
    assert fires("often", removed_at), "the schedule left in the file stopped"
    with open_store() as store:  # each fire recorded once, across all three edits
        counts = Counter((r["schedule"], r["scheduled_for"]) for r in RunHistory(store).list(limit=10_000))
    assert max(counts.values()) == 1
    assert proc.poll() is None


def test_an_invalid_edit_keeps_the_old_schedules_and_the_fixed_file_is_picked_up(served):
    path, log, proc = served
    edit(path, {"often": "* * * * * *", "broken": "61 * * * *"})
    wait_for(log, f"the schedules file {path} cannot be used", 5)
    refused_at = time.time()
    time.sleep(2)  # ten polls: the error is said once, and the old schedule goes on
    text = log.read_text()
    assert text.count(f"the schedules file {path} cannot be used") == 1
    assert "schedule 'broken': cron '61 * * * *' is not valid" in text
    assert fires("often", refused_at), "the old schedule stopped firing after a broken edit"
    assert "schedules reloaded" not in text

    edit(path, {"often": "* * * * * *", "fixed": "* * * * * *"})
    wait_for(log, f"schedules reloaded from {path}: added fixed", 5)
    wait_for_fire("fixed", time.time())
    assert proc.poll() is None


def test_sighup_reads_the_file_at_once(served):
    path, log, proc = served
    os.killpg(proc.pid, signal.SIGHUP)
    wait_for(log, f"schedules reloaded from {path}: no schedule added, changed or removed", 5)
    assert proc.poll() is None
