"""The scheduler's decisions on a fake clock: on time, bank holidays, no overlap, misfire grace.

What a supervisor sees is the run history (``nightshift runs list``), so every
assertion reads it: which fires became run requests, which were skipped or missed
and why, and what waits on the 'runs' queue for a worker.
"""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.history import RUNS_QUEUE, RunHistory
from scheduler.schedules import load_schedules
from scheduler.service import Scheduler
from workitems import State

LONDON = ZoneInfo("Europe/London")


def write_schedules(folder: Path, body: str) -> Path:
    path = folder / "schedules.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def nightly(tmp_path):
    return load_schedules(write_schedules(tmp_path, """\
        timezone: Europe/London
        calendar:
          bank_holidays: england-and-wales
          extra_non_working_days: [{date: 2026-12-24, reason: office closed}]
        schedules:
          nightly:
            process: example
            cron: "30 1 * * *"
            misfire_grace: 2h
        """))


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def history_rows(store, schedule="nightly"):
    rows = RunHistory(store).list(limit=1000)
    return sorted(((datetime.fromtimestamp(r["scheduled_for"], LONDON), r["status"], r["reason"])
                   for r in rows if r["schedule"] == schedule), key=lambda r: r[0])


def finish_all(store):
    """A worker takes every waiting run request and finishes it."""
    history = RunHistory(store)
    while (item := store.claim(RUNS_QUEUE, "test-worker")) is not None:
        history.finished(item.payload["run_id"], status="PASS", exit_code=0, done=1, business=0, application=0)
        store.complete(item.id, "test-worker")


def test_a_schedule_fires_on_time_and_puts_one_run_request_on_the_runs_queue(store, nightly):
    schedule = nightly.schedules["nightly"]
    due = schedule.next_fire(london(2026, 11, 26, 12, 0).astimezone(timezone.utc))
    assert due == london(2026, 11, 27, 1, 30)
    scheduler = Scheduler(store, nightly, clock=Clock(due + timedelta(seconds=1)))
    outcome, run_id = scheduler.fire(schedule, due)
    assert outcome == "requested" and run_id == "20261127T013000-example"
    request = store.list(RUNS_QUEUE)[0]
    assert request.state == State.PENDING and request.reference == run_id
    assert request.payload["process"] == "example" and request.payload["trigger"] == "schedule"
    assert history_rows(store) == [(london(2026, 11, 27, 1, 30), "QUEUED", None)]
    # the same fire seen again (a second scheduler, a restart) is not requested twice
    assert scheduler.fire(schedule, due) == ("duplicate", None)
    assert store.count(RUNS_QUEUE) == 1


def test_bank_holidays_and_extra_closure_days_are_skipped_and_recorded(store, nightly):
    schedule = nightly.schedules["nightly"]
    scheduler = Scheduler(store, nightly)
    for day in (24, 25, 26, 27, 28, 29):
        due = london(2026, 12, day, 1, 30)
        scheduler.fire(schedule, due, now=due)
        finish_all(store)
    rows = history_rows(store)
    # 26 December 2026 is a Saturday: the bank holiday moves to Monday 28, and both are skipped
    assert [(r[0].day, r[1]) for r in rows] == [
        (24, "SKIPPED"), (25, "SKIPPED"), (26, "SKIPPED"), (27, "PASS"), (28, "SKIPPED"), (29, "PASS")]
    assert [r[2] for r in rows if r[1] == "SKIPPED"] == [
        "2026-12-24: office closed", "2026-12-25: bank holiday (Christmas Day)", "2026-12-26: bank holiday (Boxing Day)",
        "2026-12-28: bank holiday (Boxing Day (observed))"]
    assert store.count(RUNS_QUEUE) == 2  # only the working days became run requests


def test_a_fire_while_the_process_still_runs_is_skipped_not_overlapped(store, nightly):
    schedule = nightly.schedules["nightly"]
    scheduler = Scheduler(store, nightly)
    first, second, third = (london(2026, 11, d, 1, 30) for d in (17, 18, 19))
    assert scheduler.fire(schedule, first, now=first)[0] == "requested"
    item = store.claim(RUNS_QUEUE, "w")  # a worker runs it ... and it runs for more than a day
    RunHistory(store).started(item.payload["run_id"], machine="m", worker="w", artifacts="")
    outcome, _ = scheduler.fire(schedule, second, now=second)
    assert outcome == "skipped"
    RunHistory(store).finished(item.payload["run_id"], status="PASS", exit_code=0, done=3, business=0, application=0)
    store.complete(item.id, "w")
    assert scheduler.fire(schedule, third, now=third)[0] == "requested"
    rows = history_rows(store)
    assert [r[1] for r in rows] == ["PASS", "SKIPPED", "QUEUED"]
    assert rows[1][2] == "example was still running (run 20261117T013000-example)"
    assert store.count(RUNS_QUEUE, state=State.PENDING) == 1


def test_a_run_whose_worker_died_for_good_does_not_block_the_schedule(store, nightly):
    schedule = nightly.schedules["nightly"]
    store.configure_queue(RUNS_QUEUE, {"max_attempts": 1})
    scheduler = Scheduler(store, nightly)
    first, second = london(2026, 11, 17, 1, 30), london(2026, 11, 18, 1, 30)
    scheduler.fire(schedule, first, now=first)
    item = store.claim(RUNS_QUEUE, "w")
    from workitems import ExceptionType

    store.fail(item.id, "w", ExceptionType.APPLICATION, message="the worker died")  # past its attempts
    assert scheduler.fire(schedule, second, now=second)[0] == "requested"


def test_catch_up_runs_the_last_missed_fire_once_within_grace_and_records_the_rest(store, nightly):
    schedule = nightly.schedules["nightly"]
    scheduler = Scheduler(store, nightly)
    monday = london(2026, 11, 16, 1, 30)
    scheduler.fire(schedule, monday, now=monday)
    finish_all(store)
    # The machine was off from Monday until Thursday 02:15: Tue and Wed were missed, Thu is 45 min late.
    back = london(2026, 11, 19, 2, 15)
    outcomes = scheduler.catch_up(back)
    assert [o[1] for o in outcomes] == ["missed", "requested"]
    rows = history_rows(store)
    assert [(r[0].day, r[1]) for r in rows] == [(16, "PASS"), (18, "MISSED"), (19, "QUEUED")]
    assert rows[1][2].startswith("2 fire(s) from 2026-11-17 01:30 GMT to 2026-11-18 01:30 GMT passed")
    # starting again (a second start-up, another scheduler taking over) runs nothing more
    assert Scheduler(store, nightly).catch_up(back + timedelta(minutes=1)) == []
    assert store.count(RUNS_QUEUE, state=State.PENDING) == 1


def test_catch_up_past_the_grace_records_the_fire_as_missed(store, nightly):
    schedule = nightly.schedules["nightly"]
    scheduler = Scheduler(store, nightly)
    monday = london(2026, 11, 16, 1, 30)
    scheduler.fire(schedule, monday, now=monday)
    finish_all(store)
    outcomes = scheduler.catch_up(london(2026, 11, 17, 9, 0))  # 7.5 h late, grace 2 h
    assert [o[1] for o in outcomes] == ["missed"]
    rows = history_rows(store)
    assert rows[-1][1] == "MISSED" and rows[-1][2] == "missed by 7.5h (misfire grace 2h)"
    assert store.count(RUNS_QUEUE, state=State.PENDING) == 0


def test_clock_changes_fire_once_a_night_at_the_london_time(nightly):
    schedule = nightly.schedules["nightly"]
    autumn = schedule.fires_between(london(2026, 10, 23, 12, 0), london(2026, 10, 27, 12, 0))
    assert [f.astimezone(LONDON).strftime("%d %H:%M %Z") for f in autumn] == [
        "24 01:30 BST", "25 01:30 BST", "26 01:30 GMT", "27 01:30 GMT"]  # 01:30 happens twice on the 25th
    spring = schedule.fires_between(london(2027, 3, 27, 12, 0), london(2027, 3, 29, 12, 0))
    # 01:30 does not exist on 28 March 2027: that night it fires at 02:30 BST, an hour of wall clock later
    assert [f.astimezone(LONDON).strftime("%d %H:%M %Z") for f in spring] == ["28 02:30 BST", "29 01:30 BST"]
    assert [f.astimezone(timezone.utc).hour for f in spring] == [1, 0]


def test_a_seconds_cron_fires_through_apscheduler_and_records_its_runs(store, tmp_path):
    import time

    spec = load_schedules(write_schedules(tmp_path, """\
        calendar: {bank_holidays: none}
        schedules:
          often:
            process: example
            cron: "*/2 * * * * *"
        """))
    scheduler = Scheduler(store, spec)
    scheduler.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(history_rows(store, "often")) < 2:
            time.sleep(0.2)
    finally:
        scheduler.stop()
    rows = history_rows(store, "often")
    assert [r[1] for r in rows[:2]] == ["QUEUED", "SKIPPED"]  # the second fire finds the first still queued
    assert (rows[1][0] - rows[0][0]).total_seconds() == 2 and rows[0][0].second % 2 == 0
    requested = RunHistory(store).list(status="QUEUED")[0]
    assert abs(requested["requested_at"] - requested["scheduled_for"]) < 1.5  # on time
