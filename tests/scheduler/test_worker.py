"""Workers run the run requests the scheduler queues: real robots, a real SQLite store.

Each test reads what a supervisor would: the run history (``nightshift runs list`` and
``runs show``), the step's log.html in a browser, the e-mail that reached the team's
SMTP server, and the states and histories of the work items.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_alerts import smtp  # noqa: F401 - smtp is a fixture: a real SMTP server on 127.0.0.1

from scheduler.history import RUNS_QUEUE, RunHistory
from scheduler.schedules import load_schedules
from scheduler.service import Scheduler
from scheduler.worker import Worker
from workitems import ExceptionType, State
from workitems.store import open_store

BROKEN_SUITE = """\
    *** Settings ***
    Library    RPA.Robocorp.WorkItems

    *** Tasks ***
    Break
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=UNREADABLE
        ...    message=The request cannot be read.
        Fail    on purpose
    """


def nightshift(*args: str, env: dict[str, str] | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nightshift", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def cli_json(*args: str) -> object:
    out = nightshift(*args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(autouse=True)
def schedules_file(tmp_path, monkeypatch) -> Path:
    """The test's own schedules file (NIGHTSHIFT_SCHEDULES): the repository's never sends alerts from a test."""
    path = tmp_path / "schedules.yaml"
    path.write_text("calendar: {bank_holidays: none}\n")
    monkeypatch.setenv("NIGHTSHIFT_SCHEDULES", str(path))
    return path


@pytest.fixture
def store(nightshift_home):
    """The SQLite store in NIGHTSHIFT_HOME: the one the CLI, the worker and the robots share."""
    with open_store() as s:
        yield s


def robot_process(folder: Path, name: str, suite: str, *, step: str = "", env: dict[str, str] | None = None,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-step process ``name`` (input queue ``NAME-in``) running ``suite``; selected by NIGHTSHIFT_PROCESSES."""
    (folder / name).mkdir()
    (folder / name / "tasks.robot").write_text(textwrap.dedent(suite))
    (folder / "robot.yaml").write_text(
        f"tasks:\n  {name.title()}:\n    shell: python -m robot --rpa --outputdir output {name}\n")
    (folder / "processes.yaml").write_text(
        f"processes:\n  {name}:\n    env: {json.dumps(env or {})}\n    steps:\n"
        f"      - {{task: {name.title()}, input_queue: {name}-in{step}}}\n")
    monkeypatch.setenv("NIGHTSHIFT_PROCESSES", str(folder / "processes.yaml"))


def broken_schedule(path: Path, *, retry: str = "", smtp_port: int | None = None) -> Path:
    """Writes the schedule 'nightly-broken' of the process 'broken' to ``path`` (NIGHTSHIFT_SCHEDULES)."""
    lines = ["calendar: {bank_holidays: none}"]
    if smtp_port:
        lines.append(f"alerts: {{email: {{host: 127.0.0.1, port: {smtp_port}, from: nightshift@council.example, "
                     "to: [rpa-team@council.example]}}")
    lines += ["schedules:", "  nightly-broken:", "    process: broken", '    cron: "0 30 1 * * *"',
              "    skip_non_working_days: false"]
    if retry:
        lines.append(f"    retry: {retry}")
    path.write_text("\n".join(lines) + "\n")
    return path


def fire_now(scheduler: Scheduler, name: str) -> tuple[str, float]:
    """Fire the schedule as if it were due this second; returns the run id and the due time."""
    due = datetime.now(timezone.utc).replace(microsecond=0)
    outcome, run_id = scheduler.fire(scheduler.spec.schedules[name], due, now=due)
    assert outcome == "requested", outcome
    return run_id, due.timestamp()


def runs_of(store, schedule: str) -> list[dict]:
    return sorted((r for r in RunHistory(store).list(limit=100) if r["schedule"] == schedule),
                  key=lambda r: r["attempt"])


@pytest.mark.slow
def test_a_scheduled_run_of_the_example_is_run_by_a_worker_and_its_log_opens(store, schedules_file, page):
    schedules_file.write_text("calendar: {bank_holidays: none}\n"
                         "schedules:\n  example-nightly: {process: example, cron: '0 0 2 * * *', "
                         "skip_non_working_days: false}\n")
    run_id, due = fire_now(Scheduler(store, load_schedules()), "example-nightly")

    out = nightshift("worker", "--once", env={"NIGHTSHIFT_WORKER": "rpa-test:worker-1"})
    assert out.returncode == 0, out.stderr
    assert "1 run(s) done" in out.stdout + out.stderr

    [listed] = cli_json("runs", "list", "--process", "example")
    assert (listed["id"], listed["status"], listed["trigger"], listed["schedule"], listed["scheduled_for"]) == (
        run_id, "PASS", "schedule", "example-nightly", due)
    assert (listed["machine"], listed["worker"]) == (socket.gethostname(), "rpa-test:worker-1")
    assert listed["exit_code"] == 0 and listed["seconds"] > 0

    run = cli_json("runs", "show", run_id)
    producer, consumer = run["steps"]
    assert [s["task"] for s in run["steps"]] == ["Example producer", "Example consumer"]
    assert [s["status"] for s in run["steps"]] == ["PASS", "PASS"]
    # the producer takes the trigger item; the consumer does 4 requests and fails 1 without a date of birth
    assert (producer["done"], consumer["done"], consumer["business_failures"]) == (1, 4, 1)
    assert (run["done"], run["business_failures"], run["application_failures"]) == (5, 1, 0)
    for step in run["steps"]:
        assert Path(step["log"]).is_file() and Path(step["report"]).is_file()
    assert store.list(RUNS_QUEUE)[0].state == State.DONE

    # as report.html links a task: the log draws the suite tree (by script) opened at the task
    page.goto(Path(consumer["log"]).as_uri() + "#s1-s1-t1")
    assert page.title() == "Example Log"
    expect(page.locator("#s1 > .element-header")).to_contain_text("Example")
    task = page.locator("#s1-s1-t1")
    expect(task.locator("> .element-header")).to_contain_text("Consume items")
    expect(task.get_by_text("PASS", exact=True).first).to_be_visible()  # the task's status


def test_a_failed_run_is_recorded_and_e_mailed_to_the_team(tmp_path, monkeypatch, store, schedules_file, smtp):
    mailbox, port = smtp
    robot_process(tmp_path, "broken", BROKEN_SUITE, monkeypatch=monkeypatch)
    scheduler = Scheduler(store, load_schedules(broken_schedule(schedules_file, smtp_port=port)))
    run_id, _ = fire_now(scheduler, "nightly-broken")

    result = Worker(store).run_one()

    assert result is not None and result.status == "FAIL"
    run = RunHistory(store).get(run_id)
    assert (run["status"], run["exit_code"], run["business_failures"]) == ("FAIL", 1, 1)
    assert "step 'Broken' failed (exit code 1, 1 task(s) failed)" in run["reason"]
    [step] = run["steps"]
    assert (step["status"], step["exit_code"], step["tasks_failed"]) == ("FAIL", 1, 1)

    [(recipients, mail)] = mailbox.messages
    assert recipients == ["rpa-team@council.example"]
    assert mail["Subject"].strip() == f"nightshift: run {run_id} of broken failed (FAIL)"
    body = mail.get_content()
    assert "1. Broken: FAIL (exit code 1)" in body and step["log"] in body
    assert "0 done, 1 business failure, 0 application failures." in body
    assert "nightshift items list broken-in --state failed" in body
    assert [r["id"] for r in RunHistory(store).list()] == [run_id]  # no retry: none was asked for


@pytest.mark.slow
def test_a_failed_scheduled_run_is_retried_once_after_the_delay(tmp_path, monkeypatch, store, schedules_file):
    robot_process(tmp_path, "broken", BROKEN_SUITE, monkeypatch=monkeypatch)
    scheduler = Scheduler(store, load_schedules(broken_schedule(schedules_file, retry="{attempts: 1, delay: 2s}")))
    first_id, due = fire_now(scheduler, "nightly-broken")
    worker = Worker(store)

    assert worker.run_one().status == "FAIL"

    first, retry = runs_of(store, "nightly-broken")
    assert first["id"] == first_id and first["status"] == "FAIL"
    assert (retry["status"], retry["attempt"], retry["trigger"], retry["scheduled_for"]) == (
        "QUEUED", 2, "retry", due)
    [request] = store.list(RUNS_QUEUE, state=State.PENDING)
    assert request.reference == retry["id"] and request.not_before > time.time()
    assert worker.run_one() is None  # not claimable before the delay

    assert store.wait(RUNS_QUEUE, 10)  # claimable once the delay has passed
    assert time.time() >= request.not_before
    second = worker.run_one()

    assert (second.run_id, second.trigger, second.status) == (retry["id"], "retry", "FAIL")
    first, retry = runs_of(store, "nightly-broken")
    assert (retry["status"], retry["attempt"], retry["schedule"], retry["scheduled_for"]) == (
        "FAIL", 2, "nightly-broken", due)
    # the last attempt allowed: no third run is queued
    assert store.count(RUNS_QUEUE, state=State.PENDING) == 0 and len(runs_of(store, "nightly-broken")) == 2
    assert worker.run_one() is None


@pytest.mark.slow
def test_a_run_past_its_timeout_leaves_its_item_to_the_next_run(tmp_path, monkeypatch, store):
    marker = tmp_path / "hung-once"
    # The trick: the first attempt at an item creates the marker, then hangs until the step's
    # timeout stops the robot; every later attempt finds the marker and is done at once.
    robot_process(tmp_path, "hang", """\
        *** Settings ***
        Library    OperatingSystem
        Library    RPA.Robocorp.WorkItems

        *** Tasks ***
        Hang once
            For Each Input Work Item    Work The Item

        *** Keywords ***
        Work The Item
            ${first_attempt}=    Run Keyword And Return Status    File Should Not Exist    %{HANG_MARKER}
            IF    ${first_attempt}
                Create File    %{HANG_MARKER}
                Sleep    120s
            END
        """, step=", timeout: 5", env={"HANG_MARKER": str(marker)}, monkeypatch=monkeypatch)
    # No backoff, so the item the stopped robot gives back is ready for the next run at once; and a
    # short lease, so it is ready soon even when the robot is killed before it can give it back.
    store.configure_queue("hang-in", {"lease_seconds": 2, "backoff_seconds": 0})
    history = RunHistory(store)
    worker = Worker(store)

    first_id = history.request("hang", trigger="manual")
    assert worker.run_one().status == "TIMEOUT"
    first = history.get(first_id)
    assert first["status"] == "TIMEOUT" and first["steps"][0]["status"] == "TIMEOUT"
    assert first["reason"] == "step 'Hang' ran past its timeout and was stopped" and first["seconds"] < 30
    assert marker.exists()
    [item] = [i for i in store.list("hang-in") if i.reference == first_id]
    assert (item.state, item.attempts) == (State.PENDING, 1), [h.to_dict() for h in store.history(item.id)]

    second_id = history.request("hang", trigger="manual")
    second = worker.run_one()

    console = Path(second.steps[0].artifacts) / "console.txt"
    assert history.get(second_id)["status"] == second.status == "PASS", console.read_text()
    item = store.get(item.id)
    assert (item.state, item.attempts) == (State.DONE, 2)
    claims = [h for h in store.history(item.id) if h.event == "claimed"]
    assert len(claims) == 2
    assert claims[0].actor.startswith(f"{first_id}-") and claims[1].actor.startswith(f"{second_id}-")
    # the second run's own trigger item is done too
    assert {i.reference: i.state for i in store.list("hang-in")}[second_id] == State.DONE


def test_a_request_for_a_process_no_longer_in_processes_yaml_fails_as_a_business_failure(
        tmp_path, monkeypatch, store, schedules_file, smtp):
    mailbox, port = smtp
    robot_process(tmp_path, "broken", BROKEN_SUITE, monkeypatch=monkeypatch)
    history = RunHistory(store)
    # a request left on the queue for 'retired', which processes.yaml (now) no longer holds
    run_id = history.request("retired", trigger="schedule", schedule="retired-nightly")
    broken_schedule(schedules_file, smtp_port=port)  # for its alerts: the team's SMTP server

    Worker(store).run_one()

    run = history.get(run_id)
    assert run["status"] == "FAIL" and run["steps"] == []
    assert "no process named 'retired'" in run["reason"] and "known processes are broken" in run["reason"]
    assert run["worker"] and run["machine"] == socket.gethostname()
    request = store.get(run["request_item_id"])
    assert request.state == State.FAILED
    assert (request.exception.type, request.exception.code) == (ExceptionType.BUSINESS, "NO_SUCH_PROCESS")
    assert "retired" in request.exception.message
    [(_, mail)] = mailbox.messages
    assert mail["Subject"].strip() == f"nightshift: run {run_id} of retired failed (FAIL)"


def test_worker_once_goes_on_past_a_request_for_an_unknown_process(tmp_path, monkeypatch, store):
    robot_process(tmp_path, "broken", BROKEN_SUITE, monkeypatch=monkeypatch)
    history = RunHistory(store)
    retired = history.request("retired", trigger="manual")
    broken = history.request("broken", trigger="manual")

    out = nightshift("worker", "--once")

    assert out.returncode == 0, out.stderr
    assert history.get(retired)["status"] == "FAIL"
    assert history.get(broken)["status"] == "FAIL"  # run, not left queued
