"""The referral consumer robot, run for real: generated referrals on the queue, the sandbox's case
system served in-process, Chromium keying them in through the pages.

Scored through the system's own database against the generator's values: every valid referral is
there exactly once with the right values (linked to the known child, or with a new one), every
invalid one is a BUSINESS failure, items in = done + failed, one output per referral; with chaos
on and the robot killed with SIGKILL halfway, a rerun ends the same; and no file under the output
folder holds the password.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from workitems import ExceptionType, State
from workitems.store import open_store

ROOT = Path(__file__).resolve().parents[3]
ROBOT = ROOT / "robots" / "referrals" / "consumer.robot"
IN, OUT = "referrals-valid", "referrals-keyed"
PASSWORD = "Consumer-synthetic-pw-5521"  # synthetic, for these tests only

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]


@dataclass
class Night:
    """A case system with a generated world, and the referrals waiting on the queue."""

    app: Any
    url: str
    valid: dict[str, dict[str, Any]] = field(default_factory=dict)  # reference -> expected values
    known: set[str] = field(default_factory=set)  # references about a child the system knows
    invalid: dict[str, str] = field(default_factory=dict)  # reference -> validation code

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.app.state.sandbox.db_path)
        conn.row_factory = sqlite3.Row
        return conn


def start_night(home: Path, servers: list[Any], *, seed: int, referrals: int, chaos: Any = None,
                max_attempts: int = 6) -> Night:
    """Serve the case system, seed its children, queue one item per distinct generated referral."""
    from keywords.vault import save_all
    from sandbox.casesystem import seed as case_seed
    from sandbox.casesystem.app import create_app
    from sandbox.generate import generate
    from sandbox.web import ChaosSettings, SystemSettings, sandbox_home
    from sandbox.web.runner import ServerThread

    app = create_app(SystemSettings(home=sandbox_home(), chaos=chaos or ChaosSettings()))
    server = ServerThread(app)
    servers.append(server)
    night = Night(app, server.start())
    manifest = generate(home / "generated", seed=seed, referrals=referrals, defect_rate=0.25, invoices=0,
                        bookings=0)
    case_seed.load(app.state.sandbox.db_path, json.loads((home / "generated" / "world.json").read_text()))
    with open_store() as store:
        store.configure_queue(IN, {"lease_seconds": 3, "backoff_seconds": 0, "max_attempts": max_attempts})
        for entry in manifest.referrals:
            if entry.defect == "duplicate":
                continue  # the producer makes one item per reference
            payload = {**entry.expected, "source": {"file": Path(entry.file).name, "format": entry.format,
                                                   "row": entry.row}, "validation": None}
            if entry.defect:
                code = entry.defect.upper()
                payload["validation"] = {"code": code, "field": entry.field,
                                         "message": f"synthetic validation failure {code}"}
                night.invalid[entry.reference] = code
            else:
                night.valid[entry.reference] = entry.expected
                if entry.known_child:
                    night.known.add(entry.reference)
            store.add(IN, payload, reference=entry.reference)
    save_all({"case_system": {"username": "robot", "password": PASSWORD}})
    return night


@pytest.fixture
def case_env(nightshift_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The robot's environment: our queue adapter and queues; the vault and system come per test."""
    monkeypatch.setenv("NIGHTSHIFT_SANDBOX_PASSWORD", PASSWORD)
    for name in ("RPA_SECRET_MANAGER", "NIGHTSHIFT_REFERENCE_FIELD", "NIGHTSHIFT_WAIT_SECONDS",
                 "NIGHTSHIFT_ITEMS_LIMIT", "CASE_SYSTEM_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return dict(os.environ, RPA_WORKITEMS_ADAPTER="workitems.rpa.QueueAdapter", NIGHTSHIFT_QUEUE=IN,
                NIGHTSHIFT_OUTPUT_QUEUE=OUT, PYTHONPATH=str(ROOT))


@pytest.fixture
def new_night(nightshift_home: Path, case_env: dict[str, str]) -> Iterator[Any]:
    """``new_night(seed=…, referrals=…, chaos=…, max_attempts=…)``; its case system stops after the test."""
    servers: list[Any] = []
    yield lambda **kwargs: start_night(nightshift_home, servers, **kwargs)
    for server in servers:
        server.stop()


def robot_cmd(outdir: Path) -> list[str]:
    return [sys.executable, "-m", "robot", "--rpa", "--maxassignlength", "0", "--outputdir", str(outdir),
            str(ROBOT)]


def run_robot(outdir: Path, env: dict[str, str], **extra: str) -> subprocess.CompletedProcess:
    run = subprocess.run(robot_cmd(outdir), env={**env, **extra}, capture_output=True, text=True, timeout=200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


def assert_keyed_exactly_once(night: Night) -> None:
    """What a supervisor would check in the morning, in the case system and in the queues."""
    with night.db() as conn:
        rows = {r["external_ref"]: dict(r) for r in conn.execute(
            "SELECT r.*, c.forename, c.surname, c.dob, c.gender, c.nhs_number, c.address_line1, c.town,"
            " c.postcode, c.school, c.created_by AS child_created_by FROM referrals r"
            " JOIN children c ON c.id = r.child_id")}
        counts = dict(conn.execute("SELECT external_ref, COUNT(*) FROM referrals GROUP BY external_ref").fetchall())
    assert set(counts) == set(night.valid), "exactly the valid referrals are keyed, none of the invalid"
    assert all(n == 1 for n in counts.values()), f"keyed twice: {[r for r, n in counts.items() if n > 1]}"
    for reference, want in night.valid.items():
        got = rows[reference]
        assert (got["forename"], got["surname"], got["dob"], got["gender"], got["nhs_number"]) == \
            (want["child_forename"], want["child_surname"], want["date_of_birth"], want["gender"],
             want["nhs_number"]), reference
        assert (got["address_line1"], got["town"], got["postcode"], got["school"]) == \
            (want["address_line1"], want["town"], want["postcode"], want["school"]), reference
        assert (got["referrer_name"], got["referrer_role"], got["referrer_org"], got["referrer_phone"],
                got["referrer_email"]) == (want["referrer_name"], want["referrer_role"],
                                           want["referrer_organisation"], want["referrer_phone"],
                                           want["referrer_email"]), reference
        assert (got["category"], got["details"], got["consent"], got["consent_date"]) == \
            (want["concern_category"], want["concern_details"].strip(), "Yes", want["referral_date"]), reference
        # A child the system knew is linked, not created a second time.
        assert (got["child_created_by"] == "seed") == (reference in night.known), reference
    with open_store() as store:
        stats = store.stats()
        items = store.list(IN, limit=10_000)
        outputs = store.list(OUT, limit=10_000)
    assert stats[IN] == {"pending": 0, "reserved": 0, "done": len(night.valid), "failed": len(night.invalid)}
    assert len(items) == len(night.valid) + len(night.invalid)  # items in = done + failed
    for item in items:
        if item.reference in night.invalid:
            assert item.state == State.FAILED
            assert item.exception.type == ExceptionType.BUSINESS
            assert item.exception.code == night.invalid[item.reference]
        else:
            assert item.state == State.DONE, (item.reference, item.exception)
    by_reference = {o.reference: o.payload for o in outputs}
    assert len(outputs) == len(by_reference) == len(night.valid), "one output per keyed referral"
    for reference in night.valid:
        payload = by_reference[reference]
        assert payload["reference"] == reference and payload["case_reference"] == rows[reference]["case_ref"]
        assert set(payload) == {"reference", "case_reference", "existing"}  # no personal values


def assert_no_secret_under(folder: Path) -> int:
    files = [p for p in folder.rglob("*") if p.is_file()]
    for path in files:
        data = path.read_bytes()
        assert PASSWORD.encode() not in data and PASSWORD.encode("utf-16-le") not in data, path
    return len(files)


def prekey(night: Night, reference: str) -> str:
    """Save a referral straight into the case system, as a run that died before releasing its item would have."""
    from sandbox.casesystem import records

    want = night.valid[reference]
    child = {"forename": want["child_forename"], "surname": want["child_surname"], "dob": want["date_of_birth"],
             "gender": want["gender"], "nhs_number": want["nhs_number"], "address_line1": want["address_line1"],
             "town": want["town"], "postcode": want["postcode"], "school": want["school"]}
    with night.db() as conn:
        known = records.child_by_nhs(conn, want["nhs_number"])
        child_id = known["id"] if known else records.insert_child(conn, child, "robot")
        return records.insert_referral(conn, {
            "external_ref": reference, "child_id": child_id, "referrer_name": want["referrer_name"],
            "referrer_role": want["referrer_role"], "referrer_org": want["referrer_organisation"],
            "referrer_phone": want["referrer_phone"], "referrer_email": want["referrer_email"],
            "category": want["concern_category"], "details": want["concern_details"], "consent": "Yes",
            "consent_date": want["referral_date"]}, "robot")


def assert_no_personal_value_in(output_xml: Path, night: Night) -> None:
    """The values the robot typed (and their dd/mm/yyyy forms) are nowhere in output.xml."""
    text = output_xml.read_text(encoding="utf-8")
    for reference, want in night.valid.items():
        for name in ("child_forename", "child_surname", "nhs_number", "address_line1", "postcode",
                     "referrer_name", "referrer_phone", "referrer_email", "concern_details"):
            assert str(want[name]) not in text, f"{name} of {reference} is in {output_xml}"
        dob = want["date_of_birth"]
        assert f"{dob[8:10]}/{dob[5:7]}/{dob[:4]}" not in text and dob not in text


def test_keys_each_valid_referral_once_and_fails_the_invalid_ones(tmp_path, new_night, case_env):
    night = new_night(seed=11, referrals=7)
    assert night.invalid and night.known, "the generated set should have both kinds"
    earlier = sorted(set(night.valid) - night.known)[0]
    case_ref = prekey(night, earlier)
    run_robot(tmp_path / "out", {**case_env, "CASE_SYSTEM_URL": night.url})
    assert_keyed_exactly_once(night)
    with open_store() as store:
        found = {o.reference: o.payload for o in store.list(OUT, limit=10_000)}
        # the producer's verdicts fail at once: no page was involved, so no screenshot
        assert all(not store.list_files(i.id) for i in store.list(IN, state=State.FAILED))
    assert found[earlier] == {"reference": earlier, "case_reference": case_ref, "existing": True}
    assert sum(p["existing"] for p in found.values()) == 1
    assert assert_no_secret_under(tmp_path / "out") >= 3
    assert_no_personal_value_in(tmp_path / "out" / "output.xml", night)


def test_chaos_and_a_sigkill_halfway_still_key_each_referral_once(tmp_path, new_night, case_env):
    from sandbox.web import ChaosSettings

    chaos = ChaosSettings.from_preset("heavy", seed=7, latency_min_ms=0, latency_max_ms=30)
    night = new_night(seed=23, referrals=7, chaos=chaos)
    env = {**case_env, "CASE_SYSTEM_URL": night.url}
    first = subprocess.Popen(robot_cmd(tmp_path / "run1"), env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    started = time.monotonic()
    try:
        with open_store() as store, night.db() as conn:
            while True:  # kill it, at best between saving a referral and releasing its item
                assert first.poll() is None, "the robot ended before it was killed"
                assert time.monotonic() < started + 150, "the robot made no progress"
                done = store.count(IN, state=State.DONE)
                keyed = conn.execute("SELECT COUNT(*) FROM referrals").fetchone()[0]
                if done >= 1 and keyed > done or done >= 3:
                    os.killpg(first.pid, signal.SIGKILL)
                    break
                time.sleep(0.01)
        print(f"killed after {time.monotonic() - started:.1f} s with {done} items done, {keyed} keyed")
        first.wait(30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    with open_store() as store:
        assert store.count(IN, state=State.DONE) < len(night.valid)
    # The rerun waits for the killed robot's lease to run out, then finishes the rest.
    run_robot(tmp_path / "run2", env, NIGHTSHIFT_WAIT_SECONDS="4")
    assert_keyed_exactly_once(night)
    if keyed > done:  # killed after a save, before the release: the rerun found that referral
        with open_store() as store:
            assert any(o.payload["existing"] for o in store.list(OUT, limit=10_000))
    log = (tmp_path / "run2" / "output.xml").read_text(encoding="utf-8")
    assert "ApplicationError: " in log, "the seed should have made the system misbehave"
    assert_no_secret_under(tmp_path)


def test_a_system_that_stays_busy_fails_the_item_as_application_with_a_screenshot(tmp_path, new_night, case_env):
    from sandbox.web import ChaosSettings

    night = new_night(seed=5, referrals=2, max_attempts=1, chaos=ChaosSettings(preset="custom", busy_rate=1.0))
    run = run_robot(tmp_path / "out", {**case_env, "CASE_SYSTEM_URL": night.url})
    assert "System busy" in run.stderr  # the warnings of each try
    with open_store() as store:
        items = {i.reference: i for i in store.list(IN)}
        for reference in night.valid:
            item = items[reference]
            assert item.state == State.FAILED and item.exception.type == ExceptionType.APPLICATION
            assert item.exception.code == "SYSTEM_BUSY"
            assert item.exception.message.startswith("ApplicationError: SystemBusy: ")
            files = [f.name for f in store.list_files(item.id)]
            assert len(files) == 1 and files[0].startswith(reference) and files[0].endswith(".png")
            assert store.get_file(item.id, files[0]).startswith(b"\x89PNG")
        assert store.count(OUT) == 0
    with night.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM referrals").fetchone()[0] == 0
