"""The referral producer robot, run for real on a generated inbox through the queue.

Scored against the generator's manifest: one work item per distinct reference (a duplicate
makes no second one), invalid referrals marked for the consumer, unreadable files kept as
items, every file archived, no child's data in output.xml or log.html; and killed with
SIGKILL halfway, a rerun ends with the same items, none lost, none doubled.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from keywords.referrals import FIELDS
from workitems import State
from workitems.store import open_store

ROOT = Path(__file__).resolve().parents[3]
ROBOT = ROOT / "robots" / "referrals" / "producer.robot"
TRIGGERS, REFERRALS = "referrals-trigger", "referrals"
UNREADABLE = {"corrupt_pdf": "UNREADABLE_PDF", "wrong_encoding": "WRONG_ENCODING"}
CODES = {"missing_dob": "MISSING_DATE_OF_BIRTH", "future_dob": "FUTURE_DATE_OF_BIRTH",
         "invalid_nhs_number": "INVALID_NHS_NUMBER", "invalid_postcode": "INVALID_POSTCODE",
         "no_consent": "NO_CONSENT"}
PERSONAL = ("child_forename", "child_surname", "date_of_birth", "nhs_number", "address_line1", "postcode",
            "referrer_name", "referrer_phone", "referrer_email", "concern_details")
# Slows each saved item a little, so that a run can be killed halfway on a fast machine.
SLOW_LISTENER = """
import time
ROBOT_LISTENER_API_VERSION = 3
def end_keyword(data, result):
    if result.name == "Save Work Item":
        time.sleep(0.04)
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The night of `nightshift sandbox generate --seed 1 --referrals 60`."""
    from sandbox.generate import generate

    out = tmp_path_factory.mktemp("generated") / "set"
    return out, generate(out, seed=1, referrals=60, invoices=0, bookings=0)


@pytest.fixture
def night(generated, tmp_path):
    """A fresh copy of the inbox, and a trigger item naming it."""
    source, manifest = generated
    inbox, archive = tmp_path / "inbox" / "referrals", tmp_path / "archive"
    shutil.copytree(source / "inbox" / "referrals", inbox)
    with open_store() as store:
        trigger, _ = store.add(TRIGGERS, {"inbox": str(inbox), "archive": str(archive), "run_id": "test"})
    return manifest, inbox, archive, trigger.id


def robot_cmd(outdir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "robot", "--rpa", "--maxassignlength", "0", "--outputdir", str(outdir), *extra,
            str(ROBOT)]


def robot_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NIGHTSHIFT_REFERENCE_FIELD", None)  # the robot sets it itself
    env.update(RPA_WORKITEMS_ADAPTER="workitems.rpa.QueueAdapter", NIGHTSHIFT_QUEUE=TRIGGERS,
               NIGHTSHIFT_OUTPUT_QUEUE=REFERRALS, PYTHONPATH=str(ROOT), **extra)
    return env


def comparable(values: dict, defect: str | None) -> dict:
    values = {k: values[k] for k in FIELDS}
    if defect == "invalid_postcode":  # kept as typed: compare without the space
        values["postcode"] = values["postcode"].replace(" ", "").upper()
    return values


def assert_the_night_is_queued(manifest, inbox: Path, archive: Path, trigger_id: int) -> None:
    with open_store() as store:
        assert store.get(trigger_id).state == State.DONE
        items = {i.reference: i for i in store.list(REFERRALS, limit=10_000)}
        files = {ref: [f.name for f in store.list_files(item.id)] for ref, item in items.items()}
    readable = [e for e in manifest.referrals if e.defect not in UNREADABLE]
    unreadable = {Path(e.file).name: e for e in manifest.referrals if e.defect in UNREADABLE}
    by_file = {item.payload["source"]["file"]: item for ref, item in items.items() if ref.startswith("FILE-")}
    # One item per distinct reference, plus one per unreadable file; nothing else.
    assert set(items) == {e.reference for e in readable} | {i.reference for i in by_file.values()}
    assert set(by_file) == set(unreadable)
    for entry in readable:
        item = items[entry.reference]
        assert item.state == State.PENDING and item.parent_id == trigger_id
        assert set(item.payload) == set(FIELDS) | {"source", "validation"}
        assert comparable(item.payload, entry.defect) == comparable(entry.expected, entry.defect), entry.reference
        assert Path(entry.file).name in files[entry.reference]  # the source file is attached
        if entry.defect in CODES:
            assert item.payload["validation"]["field"] == entry.field, entry.reference
            assert item.payload["validation"]["code"] == CODES[entry.defect]
        else:
            assert item.payload["validation"] is None, entry.reference
        if entry.defect != "duplicate":  # the copy read first (its original) made the item
            assert item.payload["source"]["file"] == Path(entry.file).name
    for name, entry in unreadable.items():
        item = by_file[name]
        assert item.payload["validation"]["code"] == UNREADABLE[entry.defect]
        assert files[item.reference] == [name]
    # Every file moved to the archive, unchanged, none left behind and none archived twice.
    assert list(inbox.iterdir()) == []
    originals = {Path(f.file).name: f.sha256 for f in manifest.files if f.kind == "referral"}
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in archive.iterdir()} == originals


def log_texts(outdir: Path) -> list[str]:
    """output.xml, and every string of log.html (Robot keeps them zlib-compressed there)."""
    texts = [(outdir / "output.xml").read_text(encoding="utf-8")]
    html = (outdir / "log.html").read_text(encoding="utf-8")
    for chunk in re.findall(r'window\.output\["strings"\] = window\.output\["strings"\]\.concat\((\[.*?\])\);',
                            html):
        for s in ast.literal_eval(chunk):  # JavaScript string literals, which Python reads too
            texts.append(s[1:] if s.startswith("*") else zlib.decompress(base64.b64decode(s)).decode("utf-8"))
    assert len(texts) > 1, "found no strings in log.html"
    return texts


def test_producer_queues_one_item_per_referral_and_archives_every_file(night, tmp_path):
    manifest, inbox, archive, trigger_id = night
    run = subprocess.run(robot_cmd(tmp_path / "out"), env=robot_env(), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert_the_night_is_queued(manifest, inbox, archive, trigger_id)

    texts = log_texts(tmp_path / "out")
    # A surname such as "Read" is also an ordinary word of the robot's own documentation.
    own_words = ROBOT.read_text() + "".join(p.read_text() for p in (ROOT / "keywords" / "referrals").rglob("*.py"))

    everything = "\n".join(texts)

    def logged(value: str) -> bool:
        pattern = rf"\b{re.escape(value)}\b"
        return value in everything and bool(re.search(pattern, everything)) and not re.search(pattern, own_words)

    leaked = {(e.reference, field) for e in manifest.referrals for field in PERSONAL
              if isinstance(e.expected[field], str) and len(e.expected[field]) >= 4 and logged(e.expected[field])}
    assert not leaked, f"personal values in the robot's log: {sorted(leaked)[:5]}"
    assert any("PDF-2026-" in t for t in texts)  # references are logged: the log is not just empty


def test_a_trigger_without_an_inbox_fails_and_one_without_an_archive_gets_the_default(generated, tmp_path):
    source, manifest = generated
    form = next(e for e in manifest.referrals if e.format == "pdf" and e.defect is None)
    inbox = tmp_path / "home" / "inbox" / "referrals"
    inbox.mkdir(parents=True)
    shutil.copy(source / form.file, inbox)
    with open_store() as store:
        bad, _ = store.add(TRIGGERS, {"run_id": "test"})
        no_archive, _ = store.add(TRIGGERS, {"inbox": str(inbox), "run_id": "test"})
    run = subprocess.run(robot_cmd(tmp_path / "out"), env=robot_env(), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    with open_store() as store:
        failed = store.get(bad.id)
        assert store.get(no_archive.id).state == State.DONE
        assert [i.reference for i in store.list(REFERRALS)] == [form.reference]
    assert failed.state == State.FAILED
    assert (failed.exception.type.value, failed.exception.code) == ("BUSINESS", "BAD_TRIGGER")
    assert os.listdir(tmp_path / "home" / "archive" / "referrals") == [Path(form.file).name]


def test_sigkill_halfway_then_rerun_gives_the_same_items(night, tmp_path):
    manifest, inbox, archive, trigger_id = night
    listener = tmp_path / "slow_listener.py"
    listener.write_text(SLOW_LISTENER)
    with open_store() as store:
        store.configure_queue(TRIGGERS, {"lease_seconds": 2})
    first = subprocess.Popen(robot_cmd(tmp_path / "run1", "--listener", str(listener)), env=robot_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with open_store() as store:
            deadline = time.monotonic() + 120
            while store.count(REFERRALS) < 20:
                assert time.monotonic() < deadline, "the producer made no progress"
                assert first.poll() is None, "the producer ended before it was killed"
                time.sleep(0.02)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    with open_store() as store:
        assert store.get(trigger_id).state == State.RESERVED  # it died holding the trigger
        assert 20 <= store.count(REFERRALS) < len({e.reference for e in manifest.referrals})
    assert any(inbox.iterdir())  # some files still wait in the inbox

    # The rerun waits for the dead run's lease on the trigger to run out, then does it all again.
    second = subprocess.run(robot_cmd(tmp_path / "run2"),
                            env=robot_env(NIGHTSHIFT_WAIT_SECONDS="8", NIGHTSHIFT_ITEMS_LIMIT="1"),
                            capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert_the_night_is_queued(manifest, inbox, archive, trigger_id)
