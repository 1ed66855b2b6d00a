"""The appointment bot, run for real: ``nightshift run appointments``'s runner against the sandbox's
booking and case systems served in-process, Chromium downloading both exports and keying the
bookings missing from the diary.

Scored against the generator's manifest: every discrepancy is an item of the right class, no
item is a false one, the bookings missing from the diary are in it exactly once (also after the
night is run again, and after the same items are worked a second time), the other
discrepancies are BUSINESS failures with their codes, the workbook is a run artifact attached
to the report item, and no artifact holds the robot's password.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest

from workitems import ExceptionType, State
from workitems.store import open_store

PASSWORD = "Appointments-synthetic-pw-7731"  # synthetic, for these tests only
QUEUE = "appointments"
CODES = {"recorded-not-booked": "RECORDED_NOT_BOOKED", "time-mismatch": "TIME_MISMATCH",
         "cancelled-still-in-diary": "CANCELLED_STILL_IN_DIARY"}

pytestmark = [pytest.mark.timeout(420), pytest.mark.slow]


@dataclass
class Sandbox:
    case: Any
    booking: Any
    urls: dict[str, str]
    manifest: Any
    today: date

    def diary(self) -> list[dict[str, Any]]:
        conn = sqlite3.connect(self.case.state.sandbox.db_path)
        conn.row_factory = sqlite3.Row
        with conn:
            rows = [dict(r) for r in conn.execute(
                "SELECT d.id, c.nhs_number, d.starts_at, d.status, d.kind, d.clinician, d.created_by FROM diary d"
                " JOIN children c ON c.id = d.child_id")]
        conn.close()
        return rows


def start_sandbox(home: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Any], chaos: Any = None) -> Sandbox:
    """Both systems served in-process on a generated world of 40 appointments, the robot's logins in the vault."""
    from keywords.vault import save_all
    from sandbox.booking import seed as booking_seed
    from sandbox.booking.app import create_app as booking_app
    from sandbox.casesystem import seed as case_seed
    from sandbox.casesystem.app import create_app as case_app
    from sandbox.generate import generate
    from sandbox.web import ChaosSettings, SystemSettings, sandbox_home
    from sandbox.web.runner import ServerThread

    monkeypatch.setenv("NIGHTSHIFT_SANDBOX_PASSWORD", PASSWORD)
    for name in ("RPA_SECRET_MANAGER", "NIGHTSHIFT_REFERENCE_FIELD", "CASE_SYSTEM_SECRET", "BOOKING_SYSTEM_SECRET"):
        monkeypatch.delenv(name, raising=False)
    today = datetime.now(ZoneInfo("Europe/London")).date()
    manifest = generate(home / "generated", seed=2611, referrals=0, invoices=0, bookings=40,
                        defect_rate=0.3, reference_date=today)
    world = json.loads((home / "generated" / "world.json").read_text())
    settings = SystemSettings(home=sandbox_home(), chaos=chaos or ChaosSettings())
    case, booking = case_app(settings), booking_app(settings)
    servers += [ServerThread(case), ServerThread(booking)]
    urls = {"CASE_SYSTEM_URL": servers[-2].start(), "BOOKING_SYSTEM_URL": servers[-1].start()}
    case_seed.load(case.state.sandbox.db_path, world)
    booking_seed.load(booking.state.sandbox.db_path, world)
    save_all({"case_system": {"username": "robot", "password": PASSWORD},
              "booking_system": {"username": "robot", "password": PASSWORD}})
    with open_store() as store:  # retried at once, so that a short test sees its retries through
        store.configure_queue(QUEUE, {"backoff_seconds": 0, "max_attempts": 6})
    return Sandbox(case, booking, urls, manifest, today)


@pytest.fixture
def new_sandbox(nightshift_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    servers: list[Any] = []
    yield lambda chaos=None: start_sandbox(nightshift_home, monkeypatch, servers, chaos)
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(new_sandbox: Any) -> Sandbox:
    return new_sandbox()


def run_night(sb: Sandbox, **payload: Any):
    from scheduler.processes import get_process
    from scheduler.runner import run_process

    window = {"date_from": str(sb.today - timedelta(days=14)), "date_to": str(sb.today + timedelta(days=28)),
              "night": str(sb.today), **payload}
    with open_store() as store:
        return run_process(get_process("appointments"), store, trigger="test", trigger_payload=window,
                           extra_env=sb.urls)


def expected(sb: Sandbox) -> dict[str, str]:
    """reference -> class, for every discrepancy the generator made."""
    out = {}
    entries = {(d["nhs_number"], d["starts_at"][:16]): d["id"] for d in sb.diary()}
    for e in sb.manifest.bookings:
        if e.klass == "matched":
            continue
        key = e.booking_ref if e.booking else f"DIARY-{entries[e.nhs_number, e.diary['starts_at'][:16]]}"
        out[f"{sb.today}:{e.klass}:{key}"] = e.klass
    return out


def assert_scored(sb: Sandbox, want: dict[str, str]) -> None:
    with open_store() as store:
        items = [i for i in store.list(QUEUE, limit=10_000) if i.payload.get("kind") == "discrepancy"]
        reports = [i for i in store.list(QUEUE, limit=10_000) if i.payload.get("kind") == "report"]
        keyed = store.list("appointments-keyed", limit=10_000)
    got = {i.reference: i.payload["class"] for i in items}
    assert got == want, "every discrepancy found with the right class, and no false one"
    for item in items:
        klass = item.payload["class"]
        if klass == "booked-not-recorded":
            assert item.state == State.DONE, (item.reference, item.exception)
        else:
            assert item.state == State.FAILED and item.exception.type == ExceptionType.BUSINESS, item.reference
            assert item.exception.code == CODES[klass]
            assert item.payload["booking"] is None or item.payload["booking"]["booking_ref"] in item.exception.message
    assert reports and all(r.state == State.DONE for r in reports)
    assert {k.reference for k in keyed} == {r for r, c in want.items() if c == "booked-not-recorded"}
    # In the case system: each booking that was missing is there now, exactly once, booked.
    diary = Counter((d["nhs_number"], d["starts_at"][:16]) for d in sb.diary() if d["status"] == "booked")
    for e in sb.manifest.bookings:
        if e.klass == "booked-not-recorded":
            assert diary[(e.nhs_number, e.booking["starts_at"][:16])] == 1, e.booking_ref


def test_night_scored_against_manifest_and_rerun(sandbox: Sandbox, nightshift_home: Path) -> None:
    want = expected(sandbox)
    classes = Counter(want.values())
    assert all(classes[k] >= 2 for k in ("booked-not-recorded", "recorded-not-booked", "time-mismatch",
                                         "cancelled-still-in-diary")), classes
    first = run_night(sandbox)
    assert first.status == "PASS", [(s.task, s.status, s.artifacts) for s in first.steps]
    assert_scored(sandbox, want)
    robot_rows = [d for d in sandbox.diary() if d["created_by"] == "robot"]
    assert len(robot_rows) == classes["booked-not-recorded"]
    assert {d["kind"] for d in robot_rows} <= {"Initial assessment", "Follow-up"}

    # The workbook: a run artifact, and attached to the report item.
    workbooks = list(Path(first.artifacts).rglob("appointments-reconciliation-*.xlsx"))
    assert len(workbooks) == 1
    with open_store() as store:
        report = next(i for i in store.list(QUEUE, limit=1000) if i.reference.endswith(first.run_id))
        assert [f.name for f in store.list_files(report.id)] == [workbooks[0].name]
        assert store.get_file(report.id, workbooks[0].name) == workbooks[0].read_bytes()
    assert report.payload["counts"] == {k: sum(1 for e in sandbox.manifest.bookings if e.klass == k)
                                        for k in report.payload["counts"]}

    # The same night again (XLSX this time): nothing new is found, nothing is keyed twice.
    second = run_night(sandbox, format="xlsx")
    assert second.status == "PASS"
    assert_scored(sandbox, want)
    assert len([d for d in sandbox.diary() if d["created_by"] == "robot"]) == classes["booked-not-recorded"]
    with open_store() as store:
        report2 = next(i for i in store.list(QUEUE, limit=1000) if i.reference.endswith(second.run_id))
    assert report2.payload["counts"]["booked-not-recorded"] == 0
    assert report2.payload["counts"]["matched"] == report.payload["counts"]["matched"] + classes["booked-not-recorded"]

    # The same bookings handed to the consumer again (as after a crash before the release): it looks first.
    with open_store() as store:
        for item in store.list(QUEUE, limit=1000):
            if item.payload.get("class") == "booked-not-recorded":
                store.add(QUEUE, {**item.payload, "reference": item.reference + ":again"},
                          reference=item.reference + ":again")
    third = run_night(sandbox)
    assert third.status == "PASS"
    assert len([d for d in sandbox.diary() if d["created_by"] == "robot"]) == classes["booked-not-recorded"]
    with open_store() as store:
        again = [i for i in store.list("appointments-keyed", limit=1000) if i.reference.endswith(":again")]
    assert len(again) == classes["booked-not-recorded"] and all(i.payload["existing"] for i in again)

    # No artifact holds the password; the Robot Framework logs hold no NHS number.
    nhs = {e.nhs_number for e in sandbox.manifest.bookings}
    for path in Path(nightshift_home / "artifacts").rglob("*"):
        if path.is_file() and path.suffix in (".xml", ".html", ".txt", ".json"):
            text = path.read_text(errors="replace")
            assert PASSWORD not in text, path
            leaked = [n for n in nhs if n in text]
            assert not leaked, f"{path} holds NHS numbers"


def test_a_bad_export_stops_the_night_and_keeps_nothing(sandbox: Sandbox) -> None:
    """A booking with a nine-digit NHS number in the booking system: its export cannot be trusted."""
    import re

    conn = sqlite3.connect(sandbox.booking.state.sandbox.db_path)
    with conn:
        ref = conn.execute("SELECT booking_ref FROM bookings ORDER BY starts_at, id LIMIT 1 OFFSET 4").fetchone()[0]
        conn.execute("UPDATE bookings SET nhs_number = '123456789' WHERE booking_ref = ?", (ref,))
    conn.close()
    diary_before = sandbox.diary()
    result = run_night(sandbox)
    with open_store() as store:
        trigger = next(i for i in store.list("appointments-trigger", limit=100) if i.reference == result.run_id)
        assert trigger.state == State.FAILED and trigger.exception.type == ExceptionType.BUSINESS
        assert trigger.exception.code == "BAD_EXPORT"
        assert re.match(r'BAD_EXPORT: bookings_\d{8}_\d{8}\.csv, row \d+, column "NHS No\.": the NHS number does '
                        r"not have ten digits; export the file again", trigger.exception.message), \
            trigger.exception.message
        assert "123456789" not in trigger.exception.message
        assert store.list(QUEUE, limit=100) == []  # no discrepancy, no report
    assert not list(Path(result.artifacts).rglob("*.xlsx"))  # no workbook, not even half of one
    assert sandbox.diary() == diary_before


def test_a_night_with_chaos_ends_the_same(new_sandbox: Any) -> None:
    """Error pages, "system busy" pages, latency and sessions ending early, on both systems: the
    downloads and the keying are retried, and the night ends as it would without chaos."""
    from sandbox.web import ChaosSettings

    # Harsher than "light", so that a night of some 40 requests a system meets each kind of trouble.
    sb = new_sandbox(ChaosSettings.from_preset("light", seed=5, error_rate=0.1, busy_rate=0.08, expire_rate=0.05))
    want = expected(sb)
    result = run_night(sb)
    with open_store() as store:
        pending = store.count(QUEUE, state=State.PENDING)
    if pending or result.status != "PASS":  # an item failed for good within the night: the next run retries it
        result = run_night(sb)
    assert result.status == "PASS"
    assert_scored(sb, want)
    robot_rows = [d for d in sb.diary() if d["created_by"] == "robot"]
    assert len(robot_rows) == Counter(want.values())["booked-not-recorded"]
    recovered = sum(p.read_text(errors="replace").count("[ WARN ]")
                    for p in Path(result.artifacts).parent.rglob("console.txt"))
    assert recovered > 0, "chaos should have made the robots retry"
