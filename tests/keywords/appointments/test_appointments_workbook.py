"""The reconciliation workbook, opened with openpyxl as the team would open it in Excel."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from keywords.appointments import Cleaning, reconcile, write_workbook
from keywords.appointments.keywords import ReconcileKeywords
from keywords.appointments.workbook import SHEETS, WEEKEND_COLOUR

from test_appointments_reconcile import NIGHT, WINDOW, write_exports


def test_summary_counts_sheets_and_formatted_dates(tmp_path: Path) -> None:
    manifest, _ = write_exports(tmp_path, bookings=120)
    path = tmp_path / "night" / "appointments-reconciliation.xlsx"
    result = ReconcileKeywords().reconcile_appointment_exports(
        tmp_path / "bookings_20261112_20261224.csv", tmp_path / "diary-export.csv", path,
        date_from=WINDOW[0], date_to=WINDOW[1], night=str(NIGHT))
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", *SHEETS.values()]
    summary = wb["Summary"]
    cells = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(1, summary.max_row + 1)}
    for klass in SHEETS:
        want = sum(1 for e in manifest.bookings if e.klass == klass)
        assert cells[klass] == want == result["counts"][klass]
        assert wb[SHEETS[klass]].max_row == want + 1  # the header and one row each
    assert cells["total"] == len(manifest.bookings)
    assert cells["byte-order mark removed"] == 1 and cells["duplicated rows dropped"] > 0
    assert cells["Saturday"] > 0  # the generator books a few Saturday mornings
    chart = summary._charts[0]
    colour = (lambda fill: str(getattr(fill.srgbClr, "val", fill.srgbClr)))
    weekend = {p.idx: colour(p.graphicalProperties.solidFill) for p in chart.series[0].dPt}
    assert weekend == {5: WEEKEND_COLOUR, 6: WEEKEND_COLOUR}

    sheet = wb[SHEETS["time-mismatch"]]
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["Booking ref", "NHS number"] and "In the diary for" in headers
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    booked = sheet.cell(2, headers.index("Booked for") + 1)
    diary = sheet.cell(2, headers.index("In the diary for") + 1)
    assert isinstance(booked.value, datetime) and booked.number_format == "dd/mm/yyyy hh:mm"
    assert isinstance(diary.value, datetime) and diary.is_date
    assert abs(sheet.cell(2, headers.index("Minutes apart") + 1).value) >= 30
    width = sheet.column_dimensions["A"].width
    assert len("EHS-123456") <= width <= 40
    # Booked but not recorded: the diary's side is empty.
    missing = wb[SHEETS["booked-not-recorded"]]
    assert missing.cell(2, headers.index("Diary entry") + 1).value is None
    # Recorded but not booked: the child's name comes from the diary.
    unbooked = wb[SHEETS["recorded-not-booked"]]
    assert unbooked.cell(2, headers.index("Surname") + 1).value == "Surname"  # as write_exports writes the diary
    assert unbooked.cell(2, headers.index("Booking ref") + 1).value is None


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    bookings = pd.DataFrame([{"booking_ref": "EHS-100001", "surname": "=HYPERLINK(\"http://x\")", "forename": "@Amy",
                              "nhs_number": "9434765919", "starts_at": pd.Timestamp("2026-12-05 10:00"),
                              "clinician": "-Dr Lee", "status": "booked", "dob": pd.Timestamp("2013-04-09")}])
    diary = pd.DataFrame({"entry_id": pd.Series([], dtype=str), "nhs_number": pd.Series([], dtype=str),
                          "starts_at": pd.Series([], dtype="datetime64[ns]"), "status": pd.Series([], dtype=str)})
    path = write_workbook(reconcile(bookings, diary), [Cleaning("b.csv")], bookings, tmp_path / "w.xlsx")
    sheet = load_workbook(path)[SHEETS["booked-not-recorded"]]
    row = {sheet.cell(1, c).value: sheet.cell(2, c) for c in range(1, sheet.max_column + 1)}
    assert row["Surname"].value == "=HYPERLINK(\"http://x\")" and row["Surname"].data_type == "s"
    assert row["Forename"].data_type == "s" and row["Booking clinician"].data_type == "s"
    assert row["Date of birth"].number_format == "dd/mm/yyyy"
