"""The example robot (robots/example), run for real through the queue adapter.

Each robot step is its own ``python -m robot --rpa`` process pointed at a temporary
NIGHTSHIFT_HOME, exactly as ``nightshift demo`` and the workers run it; the tests then
read the queue the way a supervisor would: states, failure reasons, parents.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROBOT = ROOT / "robots" / "example"
INBOX = ROBOT / "devdata" / "requests.csv"
ADAPTER = "workitems.rpa.QueueAdapter"

pytestmark = pytest.mark.slow


def rows() -> list[dict[str, str]]:
    with INBOX.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def isolated_env(home: Path, key: str | None, **extra: str) -> dict[str, str]:
    """This process's environment pointed at ``home`` and ``key`` (None: the key file under home)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NIGHTSHIFT_", "RPA_"))
    }
    env["NIGHTSHIFT_HOME"] = str(home)
    if key:
        env["NIGHTSHIFT_KEY"] = key
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def run_step(
    home: Path, key: str, task: str, queue: str, output_queue: str, outdir: Path
) -> subprocess.CompletedProcess:
    env = isolated_env(
        home, key, RPA_WORKITEMS_ADAPTER=ADAPTER, NIGHTSHIFT_QUEUE=queue, NIGHTSHIFT_OUTPUT_QUEUE=output_queue
    )
    return subprocess.run(
        [sys.executable, "-m", "robot", "--rpa", "--task", task, "--outputdir", str(outdir), str(ROBOT)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def open_store_at(home: Path, key: str | None):
    """The SQLite store under ``home``, read with ``key`` (None: the key file the demo keeps there)."""
    from workitems.store import open_store

    with pytest.MonkeyPatch.context() as mp:
        if key:
            mp.setenv("NIGHTSHIFT_KEY", key)
        else:
            mp.delenv("NIGHTSHIFT_KEY", raising=False)
        return open_store(f"sqlite:///{home / 'nightshift.db'}", home=home)


def all_items(store, queue: str) -> list:
    return store.list(queue, limit=10_000)


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """One night: an inbox item, the producer, then the consumer. Returns what the tests read."""
    from workitems.crypto import generate_key

    home = tmp_path_factory.mktemp("night") / "home"
    key = generate_key()
    with open_store_at(home, key) as store:
        inbox, created = store.add(
            "example-input", {"inbox": "requests.csv"}, reference="inbox-test",
            files=[("requests.csv", INBOX.read_bytes())],
        )  # fmt: skip
        assert created
    produce = run_step(home, key, "Produce items", "example-input", "example-work", home / "out" / "produce")
    consume = run_step(home, key, "Consume items", "example-work", "example-done", home / "out" / "consume")
    return {"home": home, "key": key, "inbox_id": inbox.id, "produce": produce, "consume": consume}


@pytest.fixture
def night_store(night):
    with open_store_at(night["home"], night["key"]) as store:
        yield store


def test_both_steps_pass_and_write_their_logs(night):
    for step in ("produce", "consume"):
        result = night[step]
        assert result.returncode == 0, f"{step} failed:\n{result.stdout}\n{result.stderr}"
        assert (night["home"] / "out" / step / "log.html").is_file()


def test_producer_creates_one_work_item_per_row_linked_to_the_inbox_item(night, night_store):
    inbox = night_store.get(night["inbox_id"])
    work = all_items(night_store, "example-work")
    assert inbox.state.value == "done"
    assert sorted(i.payload["reference"] for i in work) == sorted(r["reference"] for r in rows())
    assert {i.parent_id for i in work} == {inbox.id}
    by_ref = {i.payload["reference"]: i.payload for i in work}
    assert by_ref["EX-0001"] == rows()[0]


def test_consumer_completes_valid_requests_and_fails_the_incomplete_one_as_business(night, night_store):
    expected_failures = {r["reference"] for r in rows() if not r["date_of_birth"]}
    stats = night_store.stats()["example-work"]
    failed = night_store.list("example-work", state=_state("failed"))
    assert stats["pending"] == 0 and stats["reserved"] == 0
    assert stats["done"] == len(rows()) - len(expected_failures)
    assert stats["failed"] == len(expected_failures) == 1
    (item,) = failed
    assert item.payload["reference"] in expected_failures
    assert item.exception.type.value == "BUSINESS"
    assert item.exception.code == "MISSING_DATE_OF_BIRTH"
    assert item.exception.message.startswith(f"Incomplete request {item.payload['reference']}: it has no date of birth")
    assert item.attempts == 1  # a BUSINESS failure is final: never retried


def test_each_acknowledgement_is_a_child_of_the_request_it_answers(night, night_store):
    done = all_items(night_store, "example-done")
    parents = {i.id: i for i in all_items(night_store, "example-work")}
    assert len(done) == sum(1 for r in rows() if r["date_of_birth"])
    for ack in done:
        parent = parents[ack.parent_id]
        assert parent.state.value == "done"
        assert ack.payload["reference"] == parent.payload["reference"]
        assert ack.payload["message"] == f"Request {parent.payload['reference']} received: {parent.payload['service']}."
        assert ack.state.value == "pending"  # waiting for the next step


def test_payload_values_are_not_in_the_database_file(night):
    db = (night["home"] / "nightshift.db").read_bytes()
    for wal in night["home"].glob("nightshift.db-wal"):
        db += wal.read_bytes()
    for row in rows():
        assert row["child_name"].encode() not in db
        if row["date_of_birth"]:
            assert row["date_of_birth"].encode() not in db


def test_producer_fails_an_inbox_item_without_its_file_as_business(tmp_path):
    from workitems.crypto import generate_key

    home, key = tmp_path / "home", generate_key()
    with open_store_at(home, key) as store:
        inbox, _ = store.add("example-input", {"inbox": "requests.csv"})
    result = run_step(home, key, "Produce items", "example-input", "example-work", tmp_path / "out")
    with open_store_at(home, key) as store:
        inbox = store.get(inbox.id)
        work = store.count("example-work")
    assert result.returncode == 0, result.stdout + result.stderr
    assert inbox.state.value == "failed"
    assert (inbox.exception.type.value, inbox.exception.code) == ("BUSINESS", "NO_REQUESTS_FILE")
    assert work == 0


def test_consumer_on_an_empty_queue_ends_at_once_and_passes(tmp_path):
    from workitems.crypto import generate_key

    home, key = tmp_path / "home", generate_key()
    result = run_step(home, key, "Consume items", "example-work", "example-done", tmp_path / "out")
    with open_store_at(home, key) as store:
        stats = store.stats()
    assert result.returncode == 0, result.stdout + result.stderr
    assert sum(stats.get("example-done", {}).values()) == 0


def test_the_robot_uses_only_standard_libraries():
    """No nightshift keyword: the same robot runs on FileAdapter or Control Room."""
    from robot.api import get_model
    from robot.parsing.model.statements import LibraryImport, ResourceImport

    model = get_model(str(ROBOT / "tasks.robot"))
    libraries, resources = [], []

    class Imports:
        def visit(self, node):
            if isinstance(node, LibraryImport):
                libraries.append(node.name)
            elif isinstance(node, ResourceImport):
                resources.append(node.name)
            for child in getattr(node, "body", []) or []:
                self.visit(child)
            for section in getattr(node, "sections", []) or []:
                self.visit(section)

    Imports().visit(model)
    standard = {"BuiltIn", "Collections", "DateTime", "OperatingSystem", "String", "XML", "Process"}
    assert "RPA.Robocorp.WorkItems" in libraries
    assert set(libraries) - standard == {"RPA.Robocorp.WorkItems"}
    assert resources == []


def test_nightshift_demo_runs_a_night_and_can_run_again(tmp_path):
    home = tmp_path / "home"
    env = isolated_env(home, key=None)  # the demo makes and keeps its own key
    env["COLUMNS"] = "200"  # a wide table, so assertions need not follow wrapping
    command = [sys.executable, "-m", "nightshift", "demo", "--example"]
    first = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    second = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr

    for out in (first.stdout, second.stdout):
        assert "example-work" in out and "example-done" in out
        assert "MISSING_DATE_OF_BIRTH" in out
        logs = [Path(p) for p in re.findall(r"Example (?:producer|consumer): (\S+log\.html)", out)]
        assert len(logs) == 2 and all(p.is_file() for p in logs), out
        assert all(p.parent.parent.parent == home / "artifacts" for p in logs)
    # The key the demo generated is kept, and said so, the first time only.
    assert (home / "secret.key").is_file()
    assert "generated an encryption key" in first.stderr

    # Payloads are personal data: the robots' logs do not repeat them.
    for output in (home / "artifacts").glob("*/*/output.xml"):
        text = output.read_text(encoding="utf-8")
        assert not any(r["child_name"] in text for r in rows()), output

    # Two runs, each with its two steps, both in the run history.
    run_ids = sorted(p.name for p in (home / "artifacts").iterdir())
    assert len(run_ids) == 2 and all(r.endswith("-example") for r in run_ids)
    for run_id in run_ids:
        steps = sorted(p.name for p in (home / "artifacts" / run_id).iterdir() if p.is_dir())
        assert steps == ["1-example-producer", "2-example-consumer"]

    with open_store_at(home, key=None) as store:
        stats = store.stats()
    valid = sum(1 for r in rows() if r["date_of_birth"])
    assert stats["example-input"]["done"] == 2
    assert stats["example-work"]["done"] == 2 * valid
    assert stats["example-work"]["failed"] == 2 * (len(rows()) - valid)
    assert stats["example-done"]["pending"] == 2 * valid
    summary = re.search(r"example-work\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", _plain(second.stdout))
    assert summary and summary.groups() == ("0", "0", str(2 * valid), str(2 * (len(rows()) - valid)))


def _plain(text: str) -> str:
    """Table text without Rich's box-drawing characters."""
    return re.sub(r"[│┃┏┓┗┛━─┡┩└┘┌┐╇╈┼├┤╭╮╰╯]", " ", text)


def _state(name: str):
    from workitems.model import State

    return State(name)
