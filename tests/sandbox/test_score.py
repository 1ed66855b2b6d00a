"""``sandbox.score`` and ``nightshift sandbox score`` on a small hand-made night.

A manifest of five referrals (two to key, one about a child the system knows, two defective of
which one is an unreadable file, and a resent copy), a case system database and a queue written
by hand: the right night passes, and each way of getting it wrong is caught and named, without a
personal value in the output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sandbox.generate.manifest import FileEntry, Manifest, ReferralEntry
from sandbox.score import score_night
from workitems import ExceptionType
from workitems.store import open_store

ROOT = Path(__file__).resolve().parents[2]
PRODUCER = "20261126T010000-referrals-1-referrals-producer@host:1"
WORKER = "20261126T010000-referrals-2-referrals-consumer@host:2"
UNREADABLE_SHA = "ab12" * 16
CHILD_FIELDS = ("forename", "surname", "dob", "gender", "nhs_number", "address_line1", "town", "postcode",
                "school")


def values(reference: str, forename: str, surname: str, nhs: str, **changes: Any) -> dict[str, Any]:
    """A referral's normalised values (synthetic: 999 NHS numbers, ZZ postcodes are fictional)."""
    out = {"reference": reference, "referral_date": "2026-11-25", "child_forename": forename,
           "child_surname": surname, "date_of_birth": "2015-03-09", "gender": "Female", "nhs_number": nhs,
           "address_line1": "1 Example Row", "town": "Exampleton", "postcode": "ZZ99 3AB", "school": "Example Primary",
           "referrer_name": "Sam Referrer", "referrer_role": "Teacher", "referrer_organisation": "Example Primary",
           "referrer_phone": "01632 960001", "referrer_email": "sam@example.org", "concern_category": "Neglect",
           "concern_details": "Synthetic concern text.\nSecond line.", "consent": True}
    out.update(changes)
    return out


def entry(reference: str, expect: str, vals: dict[str, Any], file: str, *, defect: str | None = None,
          field: str | None = None, known: bool = False, fmt: str = "pdf") -> ReferralEntry:
    return ReferralEntry(file=file, format=fmt, reference=reference, expect=expect, defect=defect, field=field,
                         problem=None, known_child=known, expected=vals)


@pytest.fixture
def night(tmp_path: Path) -> dict[str, Any]:
    """The manifest, the case system's database and the store's path, all as a correct bot leaves them."""
    from sandbox.casesystem import records
    from sandbox.casesystem.schema import SCHEMA
    from sandbox.web import connect, ensure_schema

    a = values("PDF-2026-00001", "Ava", "Exampleson", "9990000018")
    b = values("XLS-2026-00002", "Ben", "Sampleford", "9990000026", gender="Male")
    c = values("WEB-2026-00003", "Cai", "Knownchild", "9990000034")
    bad = values("PDF-2026-00004", "Dee", "Wrongpost", "9990000042", postcode="ZZ9")
    corrupt = values("PDF-2026-00005", "", "", "")
    referrals = [
        entry(a["reference"], "create", a, "inbox/referrals/PDF-2026-00001.pdf"),
        entry(a["reference"], "duplicate", a, "inbox/referrals/referral-PDF-2026-00001.eml", defect="duplicate",
              field="reference", fmt="eml"),
        entry(b["reference"], "create", b, "inbox/referrals/referrals-batch-01.xlsx", fmt="xlsx"),
        entry(c["reference"], "link-existing-child", c, "inbox/referrals/online-form-export-01.json", known=True,
              fmt="json"),
        entry(bad["reference"], "business-failure", bad, "inbox/referrals/PDF-2026-00004.pdf",
              defect="invalid_postcode", field="postcode"),
        entry(corrupt["reference"], "business-failure", corrupt, "inbox/referrals/PDF-2026-00005.pdf",
              defect="corrupt_pdf"),
    ]
    files = [FileEntry(file=e.file, kind="referral", format=e.format, sha256="0" * 64, bytes=1,
                       references=[e.reference]) for e in referrals]
    files[-1].sha256 = UNREADABLE_SHA
    manifest = Manifest(seed=1, reference_date="2026-11-26", parameters={}, files=files, referrals=referrals,
                        bookings=[], invoices=[])
    path = tmp_path / "manifest.json"
    path.write_text(manifest.to_json())

    db = tmp_path / "casesystem.db"
    ensure_schema(db, SCHEMA)
    conn = connect(db)
    known_id = records.insert_child(conn, child_of(c), "seed")
    for vals, child_id in ((a, None), (b, None), (c, known_id)):
        key_referral(conn, vals, child_id)
    conn.close()

    with open_store() as store:
        for vals, outcome in ((a, "done"), (b, "done"), (c, "done"), (bad, "INVALID_POSTCODE"),
                              ({"reference": f"FILE-{UNREADABLE_SHA[:16]}"}, "UNREADABLE_PDF")):
            put(store, vals["reference"], outcome)
    return {"manifest": manifest, "path": path, "db": db, "a": a, "b": b, "c": c, "bad": bad}


def child_of(vals: dict[str, Any]) -> dict[str, str]:
    mapping = {"forename": "child_forename", "surname": "child_surname", "dob": "date_of_birth"}
    return {f: vals[mapping.get(f, f)] for f in CHILD_FIELDS}


def key_referral(conn: Any, vals: dict[str, Any], child_id: int | None = None) -> str:
    """Save a referral as the bot would key it (a new child unless ``child_id``)."""
    from sandbox.casesystem import records

    if child_id is None:
        known = records.child_by_nhs(conn, vals["nhs_number"])  # keyed twice: the child is there already
        child_id = known["id"] if known else records.insert_child(conn, child_of(vals), "robot")
    return records.insert_referral(conn, {
        "external_ref": vals["reference"], "child_id": child_id, "referrer_name": vals["referrer_name"],
        "referrer_role": vals["referrer_role"], "referrer_org": vals["referrer_organisation"],
        "referrer_phone": vals["referrer_phone"], "referrer_email": vals["referrer_email"],
        "category": vals["concern_category"], "details": vals["concern_details"], "consent": "Yes",
        "consent_date": vals["referral_date"]}, "robot")


def put(store: Any, reference: str, outcome: str) -> None:
    """An item made by the producer and worked to ``outcome``: "done", "pending" or a BUSINESS code."""
    store.add("referrals", {"reference": reference}, reference=reference, actor=PRODUCER)
    if outcome == "pending":
        return
    item = store.claim("referrals", WORKER)
    assert item is not None and item.reference == reference
    if outcome == "done":
        store.complete(item.id, WORKER)
    else:
        store.fail(item.id, WORKER, ExceptionType.BUSINESS, outcome, f"{outcome}: synthetic")


def score(night: dict[str, Any]):
    with open_store() as store:
        return score_night(night["manifest"], case_db=night["db"], store=store)


def found(result, check: str) -> list[tuple[str, str]]:
    return [(d.reference, d.found) for d in result.discrepancies if d.check == check]


def test_a_correct_night_passes(night):
    result = score(night)
    assert result.passed, result.discrepancies
    assert (result.to_key, result.keyed_once, result.keyed_right) == (3, 3, 3)
    assert (result.defective, result.failed_naming_defect) == (2, 2)
    assert (result.duplicates, result.duplicates_single) == (1, 1)
    assert (result.items, result.done, result.failed, result.unfinished) == (5, 3, 2, 0)


def test_a_missing_referral_is_caught(night):
    conn = sqlite_conn(night["db"])
    with conn:
        conn.execute("DELETE FROM referrals WHERE external_ref = ?", (night["b"]["reference"],))
    result = score(night)
    assert found(result, "keyed exactly once") == [(night["b"]["reference"], "none")]
    assert result.keyed_once == 2 and not result.passed


def test_a_referral_keyed_twice_is_caught(night):
    conn = sqlite_conn(night["db"])
    key_referral(conn, night["a"])
    result = score(night)
    assert found(result, "keyed exactly once") == [(night["a"]["reference"], "2 referrals")]


def test_a_wrong_value_is_named_by_its_field_not_its_value(night):
    conn = sqlite_conn(night["db"])
    with conn:
        conn.execute("UPDATE children SET postcode = 'ZZ99 9ZZ' WHERE nhs_number = ?", (night["b"]["nhs_number"],))
        conn.execute("UPDATE referrals SET details = 'Other text' WHERE external_ref = ?", (night["c"]["reference"],))
    result = score(night)
    wrong = dict(found(result, "right values"))
    assert wrong == {night["b"]["reference"]: "different: postcode",
                     night["c"]["reference"]: "different: concern_details"}
    assert "ZZ99" not in json.dumps(result.to_dict())


def test_a_known_child_created_again_is_caught(night):
    conn = sqlite_conn(night["db"])
    with conn:
        conn.execute("UPDATE children SET created_by = 'robot' WHERE nhs_number = ?", (night["c"]["nhs_number"],))
    assert "new record" in dict(found(score(night), "right values"))[night["c"]["reference"]]


def test_a_defect_that_was_not_failed_is_caught(night, tmp_path):
    # A second store in which the defective referral was keyed instead, and the unreadable file is still pending.
    home = tmp_path / "other"
    with open_store(f"sqlite:///{home}.db") as store:
        for ref in (night["a"]["reference"], night["b"]["reference"], night["c"]["reference"],
                    night["bad"]["reference"]):
            put(store, ref, "done")
        put(store, f"FILE-{UNREADABLE_SHA[:16]}", "pending")
        result = score_night(night["manifest"], case_db=night["db"], store=store)
    file_ref = f"FILE-{UNREADABLE_SHA[:16]} (PDF-2026-00005.pdf)"
    checks = {(d.reference, d.check): d for d in result.discrepancies}
    keyed = checks[(night["bad"]["reference"], "business failure")]
    assert keyed.found == "done" and "INVALID_POSTCODE" in keyed.expected and "field postcode" in keyed.expected
    assert checks[(file_ref, "business failure")].found == "pending"
    assert checks[(file_ref, "items in = done + failed")].found == "pending after 0 attempt(s)"
    assert (result.items, result.done, result.failed, result.unfinished) == (5, 4, 0, 1)


def test_a_failure_with_the_wrong_code_and_a_defective_referral_keyed_are_caught(night, tmp_path):
    conn = sqlite_conn(night["db"])
    key_referral(conn, night["bad"])
    with open_store(f"sqlite:///{tmp_path / 'other.db'}") as store:
        for ref in (night["a"]["reference"], night["b"]["reference"], night["c"]["reference"]):
            put(store, ref, "done")
        put(store, night["bad"]["reference"], "MISSING_TOWN")
        put(store, f"FILE-{UNREADABLE_SHA[:16]}", "UNREADABLE_PDF")
        put(store, "NOREF-0123456789abcdef-2", "MISSING_REFERENCE")  # the producer made one too many
        result = score_night(night["manifest"], case_db=night["db"], store=store)
    checks = {(d.reference, d.check): d.found for d in result.discrepancies}
    assert checks[(night["bad"]["reference"], "business failure")] == "failed (BUSINESS MISSING_TOWN)"
    assert checks[(night["bad"]["reference"], "not keyed")] == "1 referral(s) keyed"
    assert ("NOREF-0123456789abcdef-2", "no unexpected item") in checks
    assert result.unexpected == 1


def test_a_resent_copy_that_made_a_second_item_is_caught(night):
    class TwoItemsForOne:
        """A queue without unique references, where the resent copy became an item of its own."""

        def __init__(self, store: Any) -> None:
            self.store = store

        def list(self, queue: str | None = None, **kwargs: Any) -> list[Any]:
            items = self.store.list(queue, **kwargs)
            return items + [i for i in items if i.reference == night["a"]["reference"]]

        def history(self, item_id: int) -> list[Any]:
            return self.store.history(item_id)

    with open_store() as store:
        result = score_night(night["manifest"], case_db=night["db"], store=TwoItemsForOne(store))
    assert found(result, "duplicate made no second item") == [(night["a"]["reference"], "2 work items")]
    assert result.duplicates_single == 0


def test_the_command_prints_discrepancies_without_values_and_exits_1(night, nightshift_home):
    conn = sqlite_conn(night["db"])
    with conn:
        conn.execute("UPDATE children SET surname = 'Changedname' WHERE nhs_number = ?", (night["a"]["nhs_number"],))
    cmd = [sys.executable, "-m", "nightshift", "sandbox", "score", "--manifest", str(night["path"]),
           "--case-db", str(night["db"])]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env())
    assert proc.returncode == 1, proc.stderr
    assert "PDF-2026-00001: right values: expected the manifest's values; found different: child_surname" in \
        " ".join(proc.stdout.split())
    for value in ("Changedname", "Exampleson", night["a"]["nhs_number"], "ZZ99 3AB"):
        assert value not in proc.stdout
    as_json = subprocess.run([*cmd, "--json"], capture_output=True, text=True, cwd=ROOT, env=env())
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and data["passed"] is False and data["keyed_right"] == 2
    assert data["discrepancies"] == [{"reference": "PDF-2026-00001", "check": "right values",
                                      "expected": "the manifest's values", "found": "different: child_surname"}]


def test_the_command_passes_a_correct_night_and_refuses_a_missing_manifest(night, tmp_path):
    base = [sys.executable, "-m", "nightshift", "sandbox", "score", "--case-db", str(night["db"])]
    ok = subprocess.run([*base, "--manifest", str(night["path"])], capture_output=True, text=True, cwd=ROOT,
                        env=env())
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "passed" in ok.stdout
    missing = subprocess.run([*base, "--manifest", str(tmp_path / "nope.json")], capture_output=True, text=True,
                             cwd=ROOT, env=env())
    assert missing.returncode == 2 and "no such file" in missing.stderr


def sqlite_conn(path: Path) -> Any:
    from sandbox.web import connect

    return connect(path)


def env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
