"""The reconciliation workbook for the team (openpyxl).

``write_workbook(result, cleaning, path)`` writes, atomically (a temporary file renamed into
place, so a failed run leaves no half-written workbook):

- *Summary*: the date range and tolerance, the count of each class, what the exports needed
  cleaning, what was ignored, and a bar chart of bookings by weekday with Saturday and Sunday
  in another colour, so weekend bookings stand out;
- one sheet per class, the booking's columns beside the diary entry's, with a frozen header,
  filters, dates as real dates (``dd/mm/yyyy hh:mm``) and widths that fit.

Text starting with ``=``, ``+``, ``-`` or ``@`` is written as text, never as a formula.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .reconcile import CLASSES, Reconciliation
from .reading import Cleaning

SHEETS = {"matched": "Matched", "booked-not-recorded": "Booked not recorded",
          "recorded-not-booked": "Recorded not booked", "time-mismatch": "Time mismatch",
          "cancelled-still-in-diary": "Cancelled still in diary"}
COLUMNS = (  # (heading, frame column, number format)
    ("Booking ref", "b_booking_ref", None), ("NHS number", "nhs_number", None),
    ("Surname", "surname", None), ("Forename", "forename", None), ("Date of birth", "b_dob", "dd/mm/yyyy"),
    ("Booked for", "b_starts_at", "dd/mm/yyyy hh:mm"), ("Booking clinician", "b_clinician", None),
    ("Booking status", "b_status", None),
    ("Diary entry", "d_entry_id", None), ("In the diary for", "d_starts_at", "dd/mm/yyyy hh:mm"),
    ("Diary clinician", "d_clinician", None), ("Diary type", "d_kind", None), ("Diary status", "d_status", None),
    ("Minutes apart", "minutes_apart", "0"),
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FORMULA_STARTS = ("=", "+", "-", "@")
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WEEKDAY_COLOUR, WEEKEND_COLOUR = "4472C4", "C00000"
MAX_WIDTH = 40


def write_workbook(result: Reconciliation, cleaning: Sequence[Cleaning], bookings: pd.DataFrame,
                   path: str | Path) -> Path:
    """Write the workbook to ``path`` (replacing it only once complete) and return the path."""
    path = Path(path)
    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    _summary(summary, result, cleaning, bookings)
    for klass in CLASSES:
        _class_sheet(wb.create_sheet(SHEETS[klass]), result.of_class(klass))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".reconciliation-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _summary(ws: Any, result: Reconciliation, cleaning: Sequence[Cleaning], bookings: pd.DataFrame) -> None:
    ws["A1"] = "Appointment reconciliation: the booking system against the case diary"
    ws["A1"].font = Font(bold=True, size=14)
    row = 3
    if result.window:
        _put(ws, row, 1, "Appointments from").font = BOLD
        _put(ws, row, 2, result.window[0], "dd/mm/yyyy")
        _put(ws, row, 3, "to").font = BOLD
        _put(ws, row, 4, result.window[1], "dd/mm/yyyy")
        row += 1
    _put(ws, row, 1, "Tolerance (minutes)").font = BOLD
    _put(ws, row, 2, result.tolerance_minutes)
    row += 2
    _header(ws, row, ("Class", "Appointments", "What happens"))
    actions = {"matched": "nothing to do", "booked-not-recorded": "keyed into the case diary by the robot",
               "recorded-not-booked": "a person decides", "time-mismatch": "a person decides",
               "cancelled-still-in-diary": "a person decides"}
    counts = result.counts
    for klass in CLASSES:
        row += 1
        _put(ws, row, 1, klass)
        _put(ws, row, 2, counts[klass])
        _put(ws, row, 3, actions[klass])
    row += 1
    _put(ws, row, 1, "total").font = BOLD
    _put(ws, row, 2, sum(counts.values())).font = BOLD
    row += 2
    _header(ws, row, ("Cleaning", *[c.file for c in cleaning]))
    for label, attr in (("rows read", "rows_read"), ("byte-order mark removed", "byte_order_mark"),
                        ("cells with trailing spaces trimmed", "trailing_spaces"),
                        ("dates in another format", "other_date_formats"),
                        ("dates stored as text", "text_dates"), ("duplicated rows dropped", "duplicate_rows"),
                        ("rows kept", "rows_kept")):
        row += 1
        _put(ws, row, 1, label)
        for k, c in enumerate(cleaning, 2):
            _put(ws, row, k, getattr(c, attr))
    row += 2
    _header(ws, row, ("Left out", "Records"))
    for label, n in result.ignored.items():
        row += 1
        _put(ws, row, 1, label)
        _put(ws, row, 2, n)
    row += 2
    _header(ws, row, ("Weekday", "Bookings"))
    first = row + 1
    by_day = bookings["starts_at"].dt.dayofweek.value_counts() if len(bookings) else pd.Series(dtype=int)
    for k, name in enumerate(WEEKDAYS):
        row += 1
        _put(ws, row, 1, name)
        _put(ws, row, 2, int(by_day.get(k, 0)))
    chart = BarChart()
    chart.type = "col"
    chart.title = "Bookings by weekday (weekend in red)"
    chart.y_axis.title = "bookings"
    chart.legend = None
    chart.add_data(Reference(ws, min_col=2, min_row=first - 1, max_row=first + 6), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=first + 6))
    series = chart.series[0]
    series.graphicalProperties.solidFill = WEEKDAY_COLOUR
    for k in (5, 6):
        point = DataPoint(idx=k)
        point.graphicalProperties.solidFill = WEEKEND_COLOUR
        series.dPt.append(point)
    chart.width, chart.height = 16, 8
    ws.add_chart(chart, "F3")
    ws.column_dimensions["A"].width = 36
    for col in "BCDE":
        ws.column_dimensions[col].width = 24


def _class_sheet(ws: Any, rows: pd.DataFrame) -> None:
    headings = [h for h, _, _ in COLUMNS]
    _header(ws, 1, headings)
    widths = [len(h) for h in headings]
    present = [(k, col, fmt) for k, (_, col, fmt) in enumerate(COLUMNS, 1) if col in rows.columns]
    values = {col: rows[col].tolist() for _, col, _ in present}
    for r in range(len(rows)):
        for k, col, fmt in present:
            value = _plain(values[col][r])
            if value is None:
                continue
            _put(ws, r + 2, k, value, fmt)
            shown = 16 if isinstance(value, datetime) else 10 if isinstance(value, date) else len(str(value))
            widths[k - 1] = max(widths[k - 1], shown)
    for k, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(k)].width = min(width + 2, MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{max(len(rows) + 1, 2)}"


def _plain(value: Any) -> Any:
    """A cell value: pandas' missing values as empty, timestamps as datetimes (dates for midnight DOBs)."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, float) and pd.isna(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _header(ws: Any, row: int, headings: Iterable[str]) -> None:
    for k, text in enumerate(headings, 1):
        cell = _put(ws, row, k, text)
        cell.font, cell.fill = BOLD, HEADER_FILL


def _put(ws: Any, row: int, column: int, value: Any, number_format: str | None = None) -> Any:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # openpyxl took it for a formula: keep it text
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    return cell
