"""Real Robot Framework runs of a robot that knows only RPA.Robocorp.WorkItems, on our queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workitems import ExceptionType, State
from workitems.store import NewItem, open_store

ROBOT = Path(__file__).resolve().parent.parent / "robots" / "consumer.robot"
ROOT = ROBOT.parents[2]


def robot_cmd(outdir: Path, delay: float = 0) -> list[str]:
    return [sys.executable, "-m", "robot", "--rpa", "--outputdir", str(outdir), "--variable", f"DELAY:{delay}",
            str(ROBOT)]


def robot_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(RPA_WORKITEMS_ADAPTER="workitems.rpa.QueueAdapter", NIGHTSHIFT_QUEUE="in",
               NIGHTSHIFT_OUTPUT_QUEUE="out", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def test_robot_consumes_queue_and_writes_linked_outputs(tmp_path):
    with open_store() as store:
        ids = [store.add("in", {"n": n})[0].id for n in (1, 2, -1, 3)]
        with_file, _ = store.add("in", {"n": 7}, files=[("letter.txt", b"synthetic letter")])
    run = subprocess.run(robot_cmd(tmp_path), env=robot_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    with open_store() as store:
        states = {i: store.get(i).state for i in ids}
        assert [states[i] for i in ids] == [State.DONE, State.DONE, State.FAILED, State.DONE]
        failed = store.get(ids[2])
        assert failed.exception.to_dict() == {"type": "BUSINESS", "code": "NEGATIVE",
                                              "message": "n must not be negative"}
        outputs = {o.parent_id: o for o in store.list("out")}
        assert outputs[ids[0]].payload == {"n": 1, "double": 2}
        assert ids[2] not in outputs
        reply = outputs[with_file.id]
        assert store.get_file(reply.id, "reply.txt") == b"reply to synthetic letter"
        assert store.count("in", state=State.RESERVED) == 0


def test_a_failing_task_releases_its_item_as_failed_not_reserved(tmp_path):
    with open_store() as store:
        store.configure_queue("in", {"max_attempts": 1})
        bad, _ = store.add("in", {"n": -2})
    run = subprocess.run(robot_cmd(tmp_path), env=robot_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 1  # the task failed, as it should
    with open_store() as store:
        item = store.get(bad.id)
        assert item.state == State.FAILED
        assert item.exception.type == ExceptionType.APPLICATION
        assert "the legacy system answered 500" in item.exception.message


def test_empty_queue_ends_the_loop_quietly(tmp_path):
    run = subprocess.run(robot_cmd(tmp_path), env=robot_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout
    assert "1 task, 1 passed, 0 failed" in run.stdout


def test_sigkill_halfway_then_rerun_loses_nothing(tmp_path):
    total = 40
    with open_store() as store:
        store.configure_queue("in", {"lease_seconds": 2})
        store.add_many("in", [NewItem({"n": n}, reference=f"R{n}") for n in range(total)])
    first = subprocess.Popen(robot_cmd(tmp_path / "run1", delay=0.1), env=robot_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with open_store() as store:
            deadline = time.monotonic() + 120
            while store.count("in", state=State.DONE) < total // 3:
                assert time.monotonic() < deadline, "robot made no progress"
                assert first.poll() is None, "robot ended before it was killed"
                time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    with open_store() as store:
        interrupted = store.stats()["in"]
        assert interrupted["done"] < total and interrupted["pending"] > 0
        held = [i.id for i in store.list("in", state=State.RESERVED)]
        assert len(held) <= 1  # killed mid-item: the one it held stays reserved until its lease runs out
    # The rerun waits for the killed robot's lease to run out, then finishes everything.
    second = subprocess.run(robot_cmd(tmp_path / "run2"), env=robot_env(NIGHTSHIFT_WAIT_SECONDS="4"),
                            capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    with open_store() as store:
        assert store.stats()["in"] == {"pending": 0, "reserved": 0, "done": total, "failed": 0}
        parents = {o.parent_id for o in store.list("out", limit=10_000)}
        inputs = {i.id for i in store.list("in", limit=10_000)}
        assert inputs <= parents  # every input produced its output (at least once)
        for item_id in held:
            assert "lease expired" in [h.event for h in store.history(item_id)]


def test_reference_field_makes_a_rerun_producer_idempotent(tmp_path):
    with open_store() as store:
        for n in (1, 2):
            store.add("in", {"n": n})
    env = robot_env(NIGHTSHIFT_REFERENCE_FIELD="n")
    assert subprocess.run(robot_cmd(tmp_path / "a"), env=env, capture_output=True, timeout=120).returncode == 0
    with open_store() as store:  # the same inputs again, as after a crash and a rerun
        store.add_many("in", [NewItem({"n": 1}), NewItem({"n": 2})])
    assert subprocess.run(robot_cmd(tmp_path / "b"), env=env, capture_output=True, timeout=120).returncode == 0
    with open_store() as store:
        outputs = store.list("out")
        assert sorted(o.reference for o in outputs) == ["1", "2"]  # the second run found them
