"""`nightshift run PROCESS`: steps run as real Robot Framework runs, with artifacts and a record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from workitems import State
from workitems.store import open_store


def nightshift(*args: str, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nightshift", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def test_run_example_process_records_steps_and_artifacts(nightshift_home):
    done = nightshift("run", "example", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["status"] == "PASS" and [s["task"] for s in record["steps"]] == ["Example producer", "Example consumer"]
    producer, consumer = record["steps"]
    assert (producer["done"], consumer["done"], consumer["business_failures"]) == (1, 4, 1)
    for step in record["steps"]:
        folder = Path(step["artifacts"])
        assert folder.parent.parent == nightshift_home / "artifacts"
        for name in ("output.xml", "log.html", "report.html", "console.txt"):
            assert (folder / name).is_file(), name
    assert json.loads((Path(record["artifacts"]) / "run.json").read_text())["run_id"] == record["run_id"]
    with open_store() as store:
        trigger = store.list("example-input")[0]
        assert trigger.reference == record["run_id"] and trigger.state == State.DONE


def test_unknown_process_is_exit_2_naming_it():
    out = nightshift("run", "no-such-process")
    assert out.returncode == 2
    assert "no-such-process" in out.stderr and "example" in out.stderr


def slow_process(folder: Path, timeout: int | None = None) -> dict[str, str]:
    """A process 'slow' whose one step holds its item for minutes; returns the env that selects it."""
    (folder / "slow").mkdir()
    (folder / "slow" / "tasks.robot").write_text(textwrap.dedent("""\
        *** Settings ***
        Library    RPA.Robocorp.WorkItems
        *** Tasks ***
        Hang
            For Each Input Work Item    Sleep    120s
        """))
    (folder / "robot.yaml").write_text(
        "tasks:\n  Slow:\n    shell: python -m robot --rpa --outputdir output slow\n")
    limit = f", timeout: {timeout}" if timeout else ""
    (folder / "processes.yaml").write_text(
        f"processes:\n  slow:\n    steps:\n      - {{task: Slow, input_queue: slow-in{limit}}}\n")
    return {"NIGHTSHIFT_PROCESSES": str(folder / "processes.yaml")}


def test_a_step_past_its_timeout_is_stopped_and_its_item_retried_later(tmp_path):
    env = slow_process(tmp_path, timeout=3)
    with open_store() as store:
        store.configure_queue("slow-in", {"lease_seconds": 1})
    out = nightshift("run", "slow", "--json", env=env)
    assert out.returncode == 1
    step = json.loads(out.stdout)["steps"][0]
    assert step["status"] == "TIMEOUT" and step["seconds"] < 30
    import time

    time.sleep(1.5)  # had the robot died without a word, its lease would have run out by now
    with open_store() as store:
        store.reap_expired("slow-in")
        item = store.list("slow-in")[0]
        # Stopped robots release their item as an APPLICATION failure; either way it is retried.
        assert item.state == State.PENDING and item.attempts == 1, [h.to_dict() for h in store.history(item.id)]
        assert item.exception is None or item.exception.type.value == "APPLICATION"


def test_stopping_the_runner_stops_the_robot_it_runs(tmp_path):
    import signal
    import time

    env = {**os.environ, **slow_process(tmp_path)}
    runner = subprocess.Popen([sys.executable, "-m", "nightshift", "run", "slow", "--json"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with open_store() as store:
            deadline = time.monotonic() + 60
            while store.count("slow-in", state=State.RESERVED) == 0:  # the robot holds its item
                assert time.monotonic() < deadline and runner.poll() is None
                time.sleep(0.2)
            worker = store.list("slow-in", state=State.RESERVED)[0].worker
        robot_pid = int(worker.rsplit(":", 1)[1])
        runner.send_signal(signal.SIGTERM)
        runner.wait(60)
        deadline = time.monotonic() + 30
        while _alive(robot_pid):
            assert time.monotonic() < deadline, "the robot outlived its runner"
            time.sleep(0.2)
    finally:
        if runner.poll() is None:
            runner.kill()
    with open_store() as store:
        assert store.count("slow-in", state=State.RESERVED) == 0  # released, not left held


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def test_a_step_with_two_workers_runs_two_robots_that_share_its_queue(tmp_path):
    """The example process with its consumer step on two robots: every item handled once."""
    import shutil

    import yaml

    root = Path(__file__).resolve().parents[2]
    shutil.copy(root / "robot.yaml", tmp_path / "robot.yaml")
    shutil.copytree(root / "robots", tmp_path / "robots", ignore=shutil.ignore_patterns("output", "__pycache__"))
    spec = yaml.safe_load((root / "processes.yaml").read_text())
    example = spec["processes"]["example"]
    example["trigger"]["files"] = [str(root / f) for f in example["trigger"]["files"]]
    example["steps"][1]["workers"] = 2
    (tmp_path / "processes.yaml").write_text(yaml.safe_dump({"processes": {"example": example}}))
    out = nightshift("run", "example", "--json", env={"NIGHTSHIFT_PROCESSES": str(tmp_path / "processes.yaml")})
    assert out.returncode == 0, out.stderr
    consumer = json.loads(out.stdout)["steps"][1]
    assert consumer["workers"] == 2 and (consumer["done"], consumer["business_failures"]) == (4, 1)
    folder = Path(consumer["artifacts"])
    assert (folder / "log.html").exists() and (folder / "worker-2" / "log.html").exists()
    with open_store() as store:
        handled = [h.actor for item in store.list("example-work") for h in store.history(item.id)
                   if h.to_state in ("done", "failed")]
    assert len(handled) == 5  # each item finished once, by one of the two robots
