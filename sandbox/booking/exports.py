"""The booking export as a real one looks: the bytes of the CSV and XLSX files, with their quirks.

Columns (``COLUMNS``): Booking Ref, Client First Name, Client Surname, DOB, NHS No.,
Appointment Date/Time, Clinician, Status, Created. One row per booking, by appointment time.
The quirks, each drawn per booking from a hash of ``f"{seed}:booking-export:{booking_ref}"``
(so a booking looks the same in every export made with that seed, whatever the date range):

- the CSV starts with a UTF-8 byte-order mark and ends its lines with CRLF;
- about one row in ten has one or two trailing spaces in one text cell (names, clinician, status);
- dates come in three styles, one per row, as if rows came from different versions of the
  system: ``14/01/2026 09:30`` (most rows), ``2026-01-14 09:30:00``, ``14 Jan 2026 9:30am``
  (DOB in the same style without the time);
- about one row in forty is written twice, one after the other.

In the XLSX (openpyxl), DOB is a real date and Appointment Date/Time a real date-time
(``dd/mm/yyyy hh:mm``), except in rows of the third style, where it is text; Created is
always text in its row's style, and NHS No. and Booking Ref are text. The workbook's
timestamps are fixed, so its bytes depend only on the bookings and the seed.

``csv_bytes(bookings, seed)`` and ``xlsx_bytes(bookings, seed)`` take mappings with the
booking table's fields (``booking_ref``, ``child_forename``, ``child_surname``, ``dob``,
``nhs_number``, ``starts_at``, ``clinician``, ``status``, ``created_at``): the pages pass
rows of the database; a benchmark may pass the generator's bookings directly.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .schema import STATUSES

COLUMNS = ("Booking Ref", "Client First Name", "Client Surname", "DOB", "NHS No.", "Appointment Date/Time",
           "Clinician", "Status", "Created")
PADDABLE = ("Client First Name", "Client Surname", "Clinician", "Status")
STYLE_SHARES = (0.70, 0.20, 0.10)  # dd/mm/yyyy HH:MM, yyyy-mm-dd HH:MM:SS, d Mon yyyy H:MMam
PAD_SHARE = 0.10
DUPLICATE_SHARE = 0.025
XLSX_STAMP = datetime(2009, 6, 1, 9, 0, 0)  # fixed, so the same export gives the same bytes
SHEET_TITLE = "Bookings"


@dataclass(frozen=True)
class RowQuirks:
    """What the export does to one booking's row."""

    style: int  # 0, 1 or 2: the date style (see the module docstring)
    padded: str | None  # the column whose cell gets trailing spaces, if any
    pad: str
    duplicated: bool


def quirks(booking_ref: str, seed: int) -> RowQuirks:
    """The quirks of ``booking_ref``'s row under ``seed`` (pure: same arguments, same quirks)."""
    # A hash rather than random.Random(...): seeding a Random per row costs more than the whole row.
    digest = hashlib.blake2b(f"{seed}:booking-export:{booking_ref}".encode(), digest_size=20).digest()
    u = [int.from_bytes(digest[i:i + 4], "big") / 2**32 for i in range(0, 20, 4)]
    style = 0 if u[0] < STYLE_SHARES[0] else 1 if u[0] < STYLE_SHARES[0] + STYLE_SHARES[1] else 2
    padded = PADDABLE[int(u[2] * len(PADDABLE))] if u[1] < PAD_SHARE else None
    return RowQuirks(style, padded, " " * (1 + int(u[3] * 2)), u[4] < DUPLICATE_SHARE)


def format_datetime(value: datetime, style: int) -> str:
    """A date-time as text in one of the three styles."""
    if style == 0:
        return value.strftime("%d/%m/%Y %H:%M")
    if style == 1:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    hour = value.hour % 12 or 12
    return f"{value.day} {value:%b %Y} {hour}:{value:%M}{'am' if value.hour < 12 else 'pm'}"


def format_date(value: date, style: int) -> str:
    """A date as text in one of the three styles."""
    if style == 0:
        return value.strftime("%d/%m/%Y")
    if style == 1:
        return value.isoformat()
    return f"{value.day} {value:%b %Y}"


def _values(booking: Mapping[str, Any], q: RowQuirks) -> dict[str, Any]:
    """The row's typed values (dates as date/datetime), text cells padded where the quirk says."""
    nhs = str(booking["nhs_number"])
    values: dict[str, Any] = {
        "Booking Ref": booking["booking_ref"],
        "Client First Name": booking["child_forename"],
        "Client Surname": booking["child_surname"],
        "DOB": date.fromisoformat(str(booking["dob"])[:10]),
        "NHS No.": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
        "Appointment Date/Time": datetime.fromisoformat(str(booking["starts_at"])),
        "Clinician": booking["clinician"],
        "Status": STATUSES.get(booking["status"], booking["status"]),
        "Created": datetime.fromisoformat(str(booking["created_at"])),
    }
    if q.padded:
        values[q.padded] = f"{values[q.padded]}{q.pad}"
    return values


def _rows(bookings: Iterable[Mapping[str, Any]], seed: int) -> Iterable[tuple[RowQuirks, dict[str, Any]]]:
    for booking in bookings:
        q = quirks(str(booking["booking_ref"]), seed)
        values = _values(booking, q)
        yield q, values
        if q.duplicated:
            yield q, values


def csv_bytes(bookings: Iterable[Mapping[str, Any]], seed: int) -> bytes:
    """The CSV export of ``bookings`` (in the order given) under ``seed``: UTF-8 with a BOM, CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for q, values in _rows(bookings, seed):
        text = {**values, "DOB": format_date(values["DOB"], q.style),
                "Appointment Date/Time": format_datetime(values["Appointment Date/Time"], q.style),
                "Created": format_datetime(values["Created"], q.style)}
        writer.writerow([text[c] for c in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(bookings: Iterable[Mapping[str, Any]], seed: int) -> bytes:
    """The XLSX export of ``bookings`` (in the order given) under ``seed``: one sheet, "Bookings"."""
    from sandbox.generate.files import deterministic_xlsx  # here: the generator's package is slow to import

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.append(list(COLUMNS))
    for q, values in _rows(bookings, seed):
        cells: list[Any] = []
        for column in COLUMNS:
            value = values[column]
            if column == "DOB":
                value = _cell(sheet, value, "dd/mm/yyyy")
            elif column == "Appointment Date/Time":
                value = format_datetime(value, q.style) if q.style == 2 else _cell(sheet, value, "dd/mm/yyyy hh:mm")
            elif column == "Created":
                value = format_datetime(value, q.style)
            cells.append(value)
        sheet.append(cells)
    return deterministic_xlsx(workbook, XLSX_STAMP)


def _cell(sheet: Any, value: Any, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell
