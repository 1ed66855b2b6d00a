"""Reading the two exports into clean pandas frames, counting every cleaning step.

``read_bookings(path)`` reads the booking system's export (CSV or XLSX, columns
``BOOKING_COLUMNS``); ``read_diary(path)`` reads the case system's diary export (CSV, columns
``DIARY_COLUMNS``). Both return ``(frame, cleaning)``: the frame in the reconciliation's own
column names (``nhs_number`` ten digits, ``starts_at`` a ``datetime64``, ``status`` lower case,
``row`` the row in the file, the header being row 1) and a ``Cleaning`` that says what had to be
put right:

- ``byte_order_mark``: the file started with a UTF-8 byte-order mark (0 or 1);
- ``trailing_spaces``: text cells with spaces before or after the value;
- ``other_date_formats``: date-times in another style than the file's usual one
  (``2026-01-14 09:30:00`` or ``14 Jan 2026 9:30am`` beside ``14/01/2026 09:30``);
- ``text_dates``: date-times kept as text in a workbook instead of as dates;
- ``duplicate_rows``: rows that were exact copies of the row before them (dropped).

Anything that cannot be put right raises ``BadExport`` naming the file, the row and the column:
an empty file, a header with no rows, a missing column, text that is not UTF-8, a date or time
that none of the known styles reads, an NHS number without ten digits, an unknown status, one
booking reference with two different rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import BadExport

BOOKING_COLUMNS = {"Booking Ref": "booking_ref", "Client First Name": "forename", "Client Surname": "surname",
                   "DOB": "dob", "NHS No.": "nhs_number", "Appointment Date/Time": "starts_at",
                   "Clinician": "clinician", "Status": "status", "Created": "created"}
DIARY_COLUMNS = {"Entry ID": "entry_id", "NHS number": "nhs_number", "Surname": "surname", "Forename": "forename",
                 "Date": "date", "Time": "time", "Clinician": "clinician", "Type": "kind", "Status": "status"}
BOOKING_STATUSES = ("booked", "cancelled", "attended", "did not attend")
DIARY_STATUSES = ("booked", "cancelled")
# The booking export's three styles, the usual one first; a few neighbours are read too.
DATETIME_FORMATS = ("%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%d %b %Y %I:%M%p", "%Y-%m-%d %H:%M",
                    "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d %b %Y")
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class Cleaning:
    """What one file needed before it could be reconciled (see the module docstring)."""

    file: str
    rows_read: int = 0
    byte_order_mark: int = 0
    trailing_spaces: int = 0
    other_date_formats: int = 0
    text_dates: int = 0
    duplicate_rows: int = 0
    rows_kept: int = 0
    steps: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int | str]:
        return {"file": self.file, "rows_read": self.rows_read, "byte_order_mark": self.byte_order_mark,
                "trailing_spaces": self.trailing_spaces, "other_date_formats": self.other_date_formats,
                "text_dates": self.text_dates, "duplicate_rows": self.duplicate_rows, "rows_kept": self.rows_kept}


def read_bookings(path: str | Path) -> tuple[pd.DataFrame, Cleaning]:
    """The booking export at ``path`` (``.csv`` or ``.xlsx``) as a clean frame, and what was cleaned."""
    path = Path(path)
    cleaning = Cleaning(path.name)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raw = _xlsx_frame(path, BOOKING_COLUMNS)
    else:
        raw = _csv_frame(path, BOOKING_COLUMNS, cleaning)
    frame = _strip(raw, path.name, cleaning)
    frame["Appointment Date/Time"] = _datetimes(frame, "Appointment Date/Time", DATETIME_FORMATS, path.name,
                                                cleaning)
    frame["DOB"] = _datetimes(frame, "DOB", DATE_FORMATS, path.name, None)
    frame = frame.rename(columns=BOOKING_COLUMNS)
    frame["nhs_number"] = _nhs(frame, "NHS No.", path.name)
    frame["booking_ref"] = frame["booking_ref"].str.upper()
    frame["status"] = _status(frame, "Status", BOOKING_STATUSES, path.name)
    frame = _dedupe(frame, cleaning)
    twice = frame[frame.duplicated("booking_ref", keep=False)]
    if len(twice):
        row = int(twice["row"].iloc[1])
        raise BadExport(path.name, "this booking reference is on an earlier row with different values",
                        row=row, column="Booking Ref")
    cleaning.rows_kept = len(frame)
    return frame.reset_index(drop=True), cleaning


def read_diary(path: str | Path) -> tuple[pd.DataFrame, Cleaning]:
    """The case system's diary export at ``path`` (CSV) as a clean frame, and what was cleaned."""
    path = Path(path)
    cleaning = Cleaning(path.name)
    frame = _strip(_csv_frame(path, DIARY_COLUMNS, cleaning), path.name, cleaning)
    for column in ("Date", "Time"):
        blank = frame[column] == ""
        if blank.any():
            raise BadExport(path.name, "the cell is empty", row=int(frame.loc[blank, "row"].iloc[0]), column=column)
    frame["_when"] = frame["Date"] + " " + frame["Time"]
    frame["starts_at"] = _datetimes(frame, "_when", ("%d/%m/%Y %H:%M",), path.name, cleaning,
                                    label="Date\" and \"Time")
    frame = frame.drop(columns=["_when"]).rename(columns=DIARY_COLUMNS)
    frame["nhs_number"] = _nhs(frame, "NHS number", path.name)
    frame["status"] = _status(frame, "Status", DIARY_STATUSES, path.name)
    frame = _dedupe(frame.drop(columns=["date", "time"]), cleaning)
    cleaning.rows_kept = len(frame)
    return frame.reset_index(drop=True), cleaning


# -- files -----------------------------------------------------------------------
def _csv_frame(path: Path, columns: dict[str, str], cleaning: Cleaning) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadExport(path.name, f"the file cannot be read ({exc.strerror})") from None
    if data.startswith(UTF8_BOM):
        cleaning.byte_order_mark = 1
        data = data[len(UTF8_BOM):]
    if not data.strip():
        raise BadExport(path.name, "the file is empty (not even a header row)", row=1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _encoding_error(path.name, data, exc) from None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except pd.errors.ParserError as exc:
        raise BadExport(path.name, f"the file is not a well-formed CSV ({str(exc).strip()[:120]})") from None
    return _checked(frame, columns, path.name, first_row=2)


def _xlsx_frame(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except ValueError as exc:
        raise BadExport(path.name, f"the workbook's first sheet cannot be read ({str(exc)[:120]})") from None
    except Exception as exc:  # noqa: BLE001 - zip, XML: any of them means "not a workbook"
        raise BadExport(path.name, f"the file is not an Excel workbook ({type(exc).__name__})") from None
    frame = frame.dropna(how="all")
    frame.columns = [str(c).strip() for c in frame.columns]
    return _checked(frame, columns, path.name, first_row=2, keep_index=True)


def _checked(frame: pd.DataFrame, columns: dict[str, str], name: str, *, first_row: int,
             keep_index: bool = False) -> pd.DataFrame:
    header = {str(c).strip().lstrip("\ufeff"): c for c in frame.columns}
    missing = [c for c in columns if c not in header]
    if missing:
        raise BadExport(name, f"the header row lacks the column(s) {', '.join(repr(c) for c in missing)} "
                              f"(it has {len(header)}: {', '.join(repr(c) for c in list(header)[:12])})", row=1)
    frame = frame[[header[c] for c in columns]].copy()
    frame.columns = list(columns)
    if frame.empty:
        raise BadExport(name, "the file has a header row but no rows: an export this empty is not a night's "
                              "bookings", row=first_row)
    # The row a person would find in the file: the header is row 1 (pandas' index counts data rows from 0).
    frame["row"] = (frame.index.to_numpy() + first_row) if keep_index else range(first_row, first_row + len(frame))
    return frame.reset_index(drop=True)


def _encoding_error(name: str, data: bytes, exc: UnicodeDecodeError) -> BadExport:
    before = data[:exc.start]
    row = before.count(b"\n") + 1
    line_start = before.rfind(b"\n") + 1
    header = data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    names = next(csv.reader([header]), [])
    index = next(csv.reader([before[line_start:].decode("utf-8", "replace")]), [""]).__len__() - 1
    column = names[index] if 0 <= index < len(names) else None
    guess = "UTF-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "Windows-1252 or Latin-1"
    return BadExport(name, f"the text is not UTF-8 (byte 0x{data[exc.start]:02x}; it looks like {guess})",
                     row=row, column=column, advice="export it again as UTF-8 (CSV UTF-8 in Excel) and retry")


# -- cells -----------------------------------------------------------------------
def _strip(frame: pd.DataFrame, name: str, cleaning: Cleaning) -> pd.DataFrame:
    cleaning.rows_read = len(frame)
    for column in frame.columns:
        if column == "row":
            continue
        values = frame[column]
        text = values.map(lambda v: isinstance(v, str))
        if not text.any():
            continue
        as_text = values[text].astype(str)
        stripped = as_text.str.strip()
        cleaning.trailing_spaces += int((stripped != as_text).sum())
        values = values.copy()
        values[text] = stripped
        frame[column] = values
    return frame


def _datetimes(frame: pd.DataFrame, column: str, formats: tuple[str, ...], name: str,
               cleaning: Cleaning | None, *, label: str | None = None) -> pd.Series:
    """The column as ``datetime64``: cells that are dates already, else text in one of ``formats``."""
    values = frame[column]
    is_date = values.map(lambda v: isinstance(v, (pd.Timestamp,)) or hasattr(v, "isoformat"))
    out = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if is_date.any():
        out[is_date] = pd.to_datetime(values[is_date])
    text = values[~is_date].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    pending = text.index
    usual = 0
    for k, fmt in enumerate(formats):
        if not len(pending):
            break
        parsed = pd.to_datetime(text[pending], format=fmt, errors="coerce")
        good = parsed.notna()
        out[parsed.index[good]] = parsed[good]
        if k == 0:
            usual = int(good.sum())
        pending = parsed.index[~good]
    if len(pending):
        first = pending[0]
        shown = "the cell is empty" if not text[first] else "the date cannot be read in any known style " \
                "(dd/mm/yyyy hh:mm, yyyy-mm-dd hh:mm:ss, d Mon yyyy h:mmam)"
        raise BadExport(name, shown, row=int(frame.at[first, "row"]), column=label or column)
    if cleaning is not None and is_date.any():
        # A workbook's usual style is a date cell: every text one is another style, and text.
        cleaning.text_dates += len(text)
        cleaning.other_date_formats += len(text)
    elif cleaning is not None:
        cleaning.other_date_formats += len(text) - usual
    return out


def _nhs(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    digits = frame["nhs_number"].astype(str).str.replace(r"[\s-]", "", regex=True)
    bad = ~digits.str.fullmatch(r"\d{10}")
    if bad.any():
        raise BadExport(name, "the NHS number does not have ten digits", row=int(frame.loc[bad, "row"].iloc[0]),
                        column=column)
    return digits


def _status(frame: pd.DataFrame, column: str, known: tuple[str, ...], name: str) -> pd.Series:
    status = frame["status"].astype(str).str.lower()
    bad = ~status.isin(known)
    if bad.any():
        raise BadExport(name, f"the status is not one of {', '.join(known)}", row=int(frame.loc[bad, "row"].iloc[0]),
                        column=column)
    return status


def _dedupe(frame: pd.DataFrame, cleaning: Cleaning) -> pd.DataFrame:
    copies = frame.drop(columns=["row"]).duplicated(keep="first")
    cleaning.duplicate_rows += int(copies.sum())
    return frame[~copies]
