"""The reconciliation on generated exports with known discrepancies, scored against the generator's
manifest (no browser): every discrepancy found with the right class and no false one, from the
CSV and from the XLSX export alike; the rules at the tolerance's edge; nothing written on bad input.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from keywords.appointments import BadExport, read_bookings, read_diary, reconcile
from keywords.appointments.keywords import ReconcileKeywords

NIGHT = date(2026, 11, 26)
WINDOW = ("2026-11-12", "2026-12-24")


def write_exports(folder: Path, *, seed: int = 11, bookings: int = 200, rate: float = 0.2):
    """The booking export (CSV and XLSX, as the booking system writes them) and the diary export."""
    from sandbox.booking.exports import csv_bytes, xlsx_bytes
    from sandbox.casesystem.diary import EXPORT_COLUMNS
    from sandbox.generate import generate

    manifest = generate(folder / "generated", seed=seed, referrals=0, invoices=0, bookings=bookings,
                        defect_rate=rate, reference_date=NIGHT)
    world = json.loads((folder / "generated" / "world.json").read_text())
    rows = sorted(world["booking_system"]["bookings"], key=lambda b: b["starts_at"])
    (folder / "bookings_20261112_20261224.csv").write_bytes(csv_bytes(rows, 5))
    (folder / "bookings_20261112_20261224.xlsx").write_bytes(xlsx_bytes(rows, 5))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    ids = {}
    for i, e in enumerate(world["case_system"]["diary"], 1):
        when = datetime.fromisoformat(e["starts_at"])
        ids[(e["nhs_number"], e["starts_at"])] = i
        writer.writerow([i, e["nhs_number"], "Surname", "Forename", f"{when:%d/%m/%Y}", f"{when:%H:%M}",
                         e["clinician"], e["kind"], e["status"]])
    (folder / "diary-export.csv").write_text(out.getvalue(), encoding="utf-8")
    return manifest, ids


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_discrepancy_found_with_its_class_and_no_false_one(tmp_path: Path, fmt: str) -> None:
    manifest, ids = write_exports(tmp_path)
    result = ReconcileKeywords().reconcile_appointment_exports(
        tmp_path / f"bookings_20261112_20261224.{fmt}", tmp_path / "diary-export.csv", tmp_path / "out.xlsx",
        date_from=WINDOW[0], date_to=WINDOW[1], night=str(NIGHT))
    want = {}
    for e in manifest.bookings:
        if e.klass != "matched":
            key = e.booking_ref if e.booking else f"DIARY-{ids[(e.nhs_number, e.diary['starts_at'])]}"
            want[f"{NIGHT}:{e.klass}:{key}"] = e.klass
    got = {item["reference"]: item["class"] for item in result["items"]}
    assert got == want
    by_class = {k: sum(1 for e in manifest.bookings if e.klass == k) for k in result["counts"]}
    assert result["counts"] == by_class
    assert all(n >= 5 for n in by_class.values())
    # Payloads a consumer can key from, messages that name references and no personal value.
    for item in result["items"]:
        assert item["code"] == item["class"].upper().replace("-", "_")
        if item["booking"]:
            assert item["booking"]["booking_ref"] in item["message"]
            assert item["booking"]["nhs_number"] not in item["message"]
            assert item["booking"]["surname"] not in item["message"]
        if item["class"] == "booked-not-recorded":
            entry = next(e for e in manifest.bookings if e.booking_ref == item["booking"]["booking_ref"])
            assert item["booking"]["starts_at"] == entry.booking["starts_at"]
            assert item["booking"]["dob"] == entry.booking["dob"]
            assert item["booking"]["clinician"] == entry.booking["clinician"]


def test_cleaning_steps_are_counted(tmp_path: Path) -> None:
    from sandbox.booking.exports import quirks

    manifest, _ = write_exports(tmp_path)
    refs = [e.booking_ref for e in manifest.bookings if e.booking]
    q = [quirks(r, 5) for r in refs]
    frame, cleaning = read_bookings(tmp_path / "bookings_20261112_20261224.csv")
    assert cleaning.byte_order_mark == 1
    assert cleaning.duplicate_rows == sum(x.duplicated for x in q) > 0
    assert cleaning.trailing_spaces == sum(bool(x.padded) * (1 + x.duplicated) for x in q) > 0
    assert cleaning.other_date_formats == sum((x.style != 0) * (1 + x.duplicated) for x in q) > 0
    assert cleaning.rows_kept == len(refs) == len(frame)
    assert frame["starts_at"].dtype.kind == "M" and not frame["starts_at"].isna().any()
    assert not frame["surname"].str.endswith(" ").any() and not frame["status"].str.endswith(" ").any()
    assert frame["nhs_number"].str.fullmatch(r"\d{10}").all()
    xframe, xcleaning = read_bookings(tmp_path / "bookings_20261112_20261224.xlsx")
    assert xcleaning.byte_order_mark == 0
    assert xcleaning.text_dates == sum((x.style == 2) * (1 + x.duplicated) for x in q) > 0
    pd.testing.assert_frame_equal(frame.drop(columns=["row", "created"]), xframe.drop(columns=["row", "created"]))


def _frames(bookings: list[tuple[str, str, str]], diary: list[tuple[str, str, str]]):
    b = pd.DataFrame([{"booking_ref": f"EHS-{100000 + i}", "nhs_number": n, "starts_at": pd.Timestamp(t),
                       "status": s} for i, (n, t, s) in enumerate(bookings)])
    d = pd.DataFrame([{"entry_id": str(i + 1), "nhs_number": n, "starts_at": pd.Timestamp(t), "status": s}
                      for i, (n, t, s) in enumerate(diary)])
    return b, d


def test_rules_at_the_edges() -> None:
    a, b, c, d, e, f = "9434765919", "9434765870", "4010232137", "9990000018", "9990000026", "9990000034"
    bookings, diary = _frames(
        [(a, "2026-12-01 10:00", "booked"), (b, "2026-12-01 10:00", "booked"), (c, "2026-12-01 10:00", "booked"),
         (d, "2026-12-02 09:00", "cancelled"), (e, "2026-12-03 09:00", "booked"),
         (f, "2026-12-04 09:00", "booked"), (f, "2026-12-04 14:00", "booked")],
        [(a, "2026-12-01 10:15", "booked"), (b, "2026-12-01 10:16", "booked"), (c, "2026-12-02 10:00", "booked"),
         (d, "2026-12-02 09:00", "cancelled"), (e, "2026-12-03 09:00", "cancelled"),
         (f, "2026-12-04 14:05", "booked"), (f, "2026-12-04 09:00", "booked")])
    result = reconcile(bookings, diary, tolerance_minutes=15)
    got = sorted(zip(result.frame["b_booking_ref"].fillna("-"), result.frame["class"]))
    assert got == sorted([
        ("EHS-100000", "matched"),  # 15 minutes apart: within the tolerance
        ("EHS-100001", "time-mismatch"),  # 16 minutes
        ("EHS-100002", "booked-not-recorded"), ("-", "recorded-not-booked"),  # another day
        ("EHS-100003", "matched"),  # both cancelled
        ("EHS-100004", "booked-not-recorded"),  # only a cancelled diary entry: a person sees it in the consumer
        ("EHS-100005", "matched"), ("EHS-100006", "matched"),  # two that day: nearest first, each once
    ])
    assert result.ignored["cancelled diary entries with no booking"] == 1
    assert reconcile(bookings, diary, tolerance_minutes=20).counts["time-mismatch"] == 0


def test_nothing_is_written_for_a_bad_export(tmp_path: Path) -> None:
    write_exports(tmp_path, bookings=30)
    bad = tmp_path / "bookings_bad.csv"
    lines = (tmp_path / "bookings_20261112_20261224.csv").read_text(encoding="utf-8-sig").splitlines()
    lines[6] = lines[6].replace("/2026 ", "/2O26 ", 1) if "/2026 " in lines[6] else lines[6].replace(
        "2026-", "2O26-", 1).replace(" 2026 ", " 2O26 ", 1)
    bad.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    workbook = tmp_path / "night" / "reconciliation.xlsx"
    with pytest.raises(BadExport) as caught:
        ReconcileKeywords().reconcile_appointment_exports(bad, tmp_path / "diary-export.csv", workbook)
    assert str(caught.value).startswith("BAD_EXPORT: bookings_bad.csv, row 7, column ")
    assert not workbook.exists() and not list(tmp_path.rglob("*.xlsx.tmp")) and not list(
        tmp_path.rglob(".reconciliation-*"))


def test_diary_reader_cleans_and_keeps_entry_ids(tmp_path: Path) -> None:
    write_exports(tmp_path, bookings=30)
    frame, cleaning = read_diary(tmp_path / "diary-export.csv")
    assert cleaning.byte_order_mark == 0 and cleaning.rows_kept == len(frame)
    assert list(frame["entry_id"][:3]) == ["1", "2", "3"]
    assert set(frame["status"]) <= {"booked", "cancelled"}
