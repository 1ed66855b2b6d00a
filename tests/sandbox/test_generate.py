"""``generate`` and ``nightshift sandbox generate``/``seed``: same seed same bytes, a manifest that
matches the files, and bad input refused with exit 2. What is inside the files is checked in
``test_generated_contents.py``."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from sandbox.generate import OutputNotEmpty, check_world, generate, load_manifest

ROOT = Path(__file__).resolve().parents[2]
NIGHT = date(2026, 1, 14)
# 40 referrals at 0.25 give all eight defect kinds; 12 invoices all three; 40 bookings all four discrepancies.
SMALL = dict(referrals=40, defect_rate=0.25, invoices=12, bookings=40, reference_date=NIGHT)


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def first(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("set") / "a"
    generate(out, seed=11, **SMALL)
    return out


def test_the_same_seed_gives_the_same_bytes(first, tmp_path):
    generate(tmp_path / "b", seed=11, **SMALL)
    assert hashes(tmp_path / "b") == hashes(first)  # every file, manifest.json and world.json included


def test_another_seed_gives_other_files(first, tmp_path):
    generate(tmp_path / "c", seed=12, **SMALL)
    mine, theirs = hashes(first), hashes(tmp_path / "c")
    assert mine["manifest.json"] != theirs["manifest.json"] and mine["world.json"] != theirs["world.json"]
    assert not set(mine.values()) & set(theirs.values())


def test_changing_the_invoice_count_leaves_the_referrals_alone(first, tmp_path):
    generate(tmp_path / "d", seed=11, **{**SMALL, "invoices": 3})
    ours, theirs = hashes(first), hashes(tmp_path / "d")
    referrals = {f: h for f, h in ours.items() if f.startswith("inbox/referrals/")}
    assert referrals == {f: h for f, h in theirs.items() if f.startswith("inbox/referrals/")}


def test_every_file_is_listed_with_its_hash_and_every_listed_file_exists(first):
    manifest = load_manifest(first / "manifest.json")
    on_disk = hashes(first)
    on_disk.pop("manifest.json")
    assert on_disk == {entry.file: entry.sha256 for entry in manifest.files}
    listed = {entry.file for entry in manifest.files}
    assert {r.file for r in manifest.referrals} | {i.file for i in manifest.invoices} | {"world.json"} == listed
    for entry in manifest.files:
        assert (first / entry.file).stat().st_size == entry.bytes
        inside = [r.reference for r in manifest.referrals if r.file == entry.file] + \
                 [i.invoice_number for i in manifest.invoices if i.file == entry.file]
        assert entry.references == list(dict.fromkeys(inside))


def test_the_counts_add_up(first):
    manifest = load_manifest(first / "manifest.json")
    counts, referrals = manifest.counts, manifest.referrals
    assert counts["referrals"]["total"] == len(referrals) == 40
    for key in ("by_format", "by_defect", "by_expect"):
        assert sum(counts["referrals"][key].values()) == len(referrals)
    assert set(counts["referrals"]["by_format"]) == {"pdf", "eml", "xlsx", "json", "csv"}
    assert set(counts["referrals"]["by_defect"]) == {"none", "missing_dob", "future_dob", "invalid_nhs_number",
                                                     "invalid_postcode", "no_consent", "corrupt_pdf",
                                                     "wrong_encoding", "duplicate"}
    assert counts["referrals"]["by_defect"]["none"] == 40 - 10
    duplicates = counts["referrals"]["by_defect"]["duplicate"]
    assert counts["referrals"]["distinct_references"] == len({r.reference for r in referrals}) == 40 - duplicates
    assert set(counts["invoices"]["by_defect"]) == {"none", "wrong_po", "wrong_amount", "duplicate_number"}
    assert sum(counts["invoices"]["by_expect"].values()) == len(manifest.invoices) == 12
    assert set(counts["bookings"]["by_class"]) == {"matched", "booked-not-recorded", "recorded-not-booked",
                                                   "time-mismatch", "cancelled-still-in-diary"}
    assert sum(counts["bookings"]["by_class"].values()) == len(manifest.bookings) == 40
    assert counts["files"]["total"] == len(manifest.files)
    world = json.loads((first / "world.json").read_text(encoding="utf-8"))
    assert counts["world"] == {"children": len(world["case_system"]["children"]),
                               "diary": len(world["case_system"]["diary"]),
                               "bookings": len(world["booking_system"]["bookings"]),
                               "suppliers": len(world["finance_system"]["suppliers"]),
                               "purchase_orders": len(world["finance_system"]["purchase_orders"])}
    assert counts["bookings"]["booking_rows"] == counts["world"]["bookings"]
    assert counts["bookings"]["diary_entries"] == counts["world"]["diary"]


def test_the_manifest_reads_back_unchanged(first):
    text = (first / "manifest.json").read_text(encoding="utf-8")
    assert load_manifest(first / "manifest.json").to_json() == text
    data = json.loads(text)
    assert data["seed"] == 11 and data["reference_date"] == "2026-01-14" and data["schema_version"] == 1


def test_world_json_has_exactly_the_shapes_the_systems_read(first):
    world = check_world(json.loads((first / "world.json").read_text(encoding="utf-8")))
    child = world["case_system"]["children"][0]
    assert set(child) == {"forename", "surname", "dob", "gender", "nhs_number", "address_line1", "town", "postcode",
                          "school"}
    assert {d["status"] for d in world["case_system"]["diary"]} <= {"booked", "cancelled"}
    assert {b["status"] for b in world["booking_system"]["bookings"]} <= {"booked", "cancelled", "attended",
                                                                          "did not attend"}
    assert all(len(o["amount_net"].split(".")[1]) == 2 for o in world["finance_system"]["purchase_orders"])
    assert {o["status"] for o in world["finance_system"]["purchase_orders"]} <= {"open", "closed"}


def test_a_folder_in_use_is_refused_unless_overwriting_a_generated_set(first, tmp_path):
    with pytest.raises(OutputNotEmpty, match="already holds a generated set"):
        generate(first, seed=11, **SMALL)
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(OutputNotEmpty, match="holds no generated set"):
        generate(stranger, seed=1, **SMALL, overwrite=True)
    again = tmp_path / "again"
    generate(again, seed=11, **SMALL)
    (again / "inbox" / "referrals" / "keep-me.txt").write_text("a file the generator did not write")
    generate(again, seed=5, referrals=5, defect_rate=0.0, invoices=1, bookings=5, reference_date=NIGHT,
             overwrite=True)
    manifest = load_manifest(again / "manifest.json")
    assert set(hashes(again)) == {e.file for e in manifest.files} | {"manifest.json", "inbox/referrals/keep-me.txt"}


@pytest.mark.parametrize("kwargs, message", [
    ({"defect_rate": 1.5}, "defect rate"), ({"defect_rate": -0.1}, "defect rate"),
    ({"referrals": -1}, "referrals"), ({"bookings": -2}, "bookings"),
])
def test_bad_parameters_are_refused_before_writing(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate(tmp_path / "x", seed=1, **{**SMALL, **kwargs})
    assert not (tmp_path / "x").exists()


def test_nothing_at_all_is_a_valid_set(tmp_path):
    manifest = generate(tmp_path / "empty", seed=1, referrals=0, invoices=0, bookings=0, reference_date=NIGHT)
    assert manifest.referrals == [] and manifest.invoices == [] and manifest.bookings == []
    assert [f.file for f in manifest.files] == ["world.json"]


# -- the command line ----------------------------------------------------------------------------
def nightshift(home: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NIGHTSHIFT_HOME": str(home), "COLUMNS": "200", "PYTHONIOENCODING": "utf-8",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p), **extra_env}
    return subprocess.run([sys.executable, "-m", "nightshift", *args], env=env, cwd=home.parent,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def refused(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result
    return lines[0]


def test_cli_generate_writes_a_set_and_prints_a_summary(tmp_path):
    home = tmp_path / "home"
    small = ("--seed", "5", "--referrals", "12", "--invoices", "3", "--bookings", "10", "--date", "2026-01-14")
    result = nightshift(home, "sandbox", "generate", *small)
    assert result.returncode == 0, result
    folder = home / "inbox-2026-01-14"
    manifest = load_manifest(folder / "manifest.json")
    assert len(manifest.referrals) == 12 and len(manifest.invoices) == 3 and manifest.seed == 5
    assert "format pdf" in result.stdout and "manifest.json" in result.stdout
    line = refused(nightshift(home, "sandbox", "generate", *small))
    assert "already holds a generated set" in line and "--force" in line
    before = hashes(folder)
    # Another process with another hash seed: still the same bytes.
    assert nightshift(home, "sandbox", "generate", *small, "--force", PYTHONHASHSEED="4242").returncode == 0
    assert hashes(folder) == before

    seeded = nightshift(home, "sandbox", "seed")
    assert seeded.returncode == 0, seeded
    assert str(folder / "world.json") in seeded.stdout


@pytest.mark.parametrize("args, expected", [
    (["--defect-rate", "1.5"], "--defect-rate must be between 0 and 1"),
    (["--defect-rate", "nan"], "--defect-rate"),
    (["--referrals", "-1"], "--referrals must be 0 or more"),
    (["--date", "14/01/2026"], "--date '14/01/2026'"),
    (["--seed", "seven"], "--seed"),
])
def test_cli_generate_refuses_bad_options(tmp_path, args, expected):
    assert expected in refused(nightshift(tmp_path / "home", "sandbox", "generate", "--out", str(tmp_path / "o"),
                                          *args))
    assert not (tmp_path / "o").exists()


def test_cli_generate_refuses_an_unwritable_folder(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    line = refused(nightshift(tmp_path / "home", "sandbox", "generate", "--out", str(blocker / "inbox")))
    assert str(blocker / "inbox") in line and "cannot write" in line


def test_cli_seed_refuses_a_missing_or_broken_world(tmp_path):
    home = tmp_path / "home"
    assert "sandbox generate" in refused(nightshift(home, "sandbox", "seed"))
    assert "no such file" in refused(nightshift(home, "sandbox", "seed", "--world", str(tmp_path / "nope.json")))
    broken = tmp_path / "world.json"
    broken.write_text('{"case_system": ')
    assert "not valid JSON" in refused(nightshift(home, "sandbox", "seed", "--world", str(broken)))
    broken.write_text('{"case_system": {"children": [{"forename": "A"}], "diary": []}}')
    assert "case_system.children record 1" in refused(nightshift(home, "sandbox", "seed", "--world", str(broken)))
