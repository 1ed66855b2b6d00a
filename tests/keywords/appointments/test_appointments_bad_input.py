"""Bad exports stop the reconciliation with a message naming the file, the row and the column."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from keywords.appointments import BadExport, read_bookings, read_diary

HEADER = "Booking Ref,Client First Name,Client Surname,DOB,NHS No.,Appointment Date/Time,Clinician,Status,Created"
GOOD = "EHS-100001,Amy,Testwood,09/04/2013,943 476 5919,01/12/2026 10:00,Dr Ann Lee,Booked,01/11/2026 09:12"
GOOD2 = "EHS-100002,Ben,Testwood,09/04/2013,943 476 5870,2026-12-01 11:00:00,Dr Ann Lee,Booked,2026-11-01 09:12:00"
DIARY = "Entry ID,NHS number,Surname,Forename,Date,Time,Clinician,Type,Status"


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def message(call, path: Path) -> str:
    with pytest.raises(BadExport) as caught:
        call(path)
    text = str(caught.value)
    assert text.startswith(f"BAD_EXPORT: {path.name}")
    return text


def test_empty_file(tmp_path: Path) -> None:
    assert "row 1: the file is empty" in message(read_bookings, write(tmp_path, "b.csv", b"\xef\xbb\xbf\r\n"))


def test_header_without_rows(tmp_path: Path) -> None:
    text = message(read_bookings, write(tmp_path, "b.csv", HEADER + "\r\n"))
    assert "row 2: the file has a header row but no rows" in text


def test_missing_columns(tmp_path: Path) -> None:
    header = HEADER.replace(",NHS No.", "").replace(",Status", "")
    text = message(read_bookings, write(tmp_path, "b.csv", header + "\r\nx\r\n"))
    assert "row 1: the header row lacks the column(s) 'NHS No.', 'Status'" in text


def test_wrong_encoding_names_row_and_column(tmp_path: Path) -> None:
    data = "\r\n".join([HEADER, GOOD, GOOD2.replace("Ben", "Zoë")]).encode("cp1252")
    text = message(read_bookings, write(tmp_path, "b.csv", data))
    assert 'row 3, column "Client First Name": the text is not UTF-8' in text
    assert "Zo" not in text  # no personal value in the message


def test_unparseable_date(tmp_path: Path) -> None:
    text = message(read_bookings, write(tmp_path, "b.csv", "\r\n".join(
        [HEADER, GOOD, GOOD2.replace("2026-12-01 11:00:00", "31/02/2026 11:00")])))
    assert 'row 3, column "Appointment Date/Time": the date cannot be read' in text


def test_bad_nhs_number_and_status(tmp_path: Path) -> None:
    text = message(read_bookings, write(tmp_path, "b.csv", "\r\n".join(
        [HEADER, GOOD, GOOD2.replace("943 476 5870", "943 476 58")])))
    assert 'row 3, column "NHS No.": the NHS number does not have ten digits' in text
    text = message(read_bookings, write(tmp_path, "b2.csv", "\r\n".join([HEADER, GOOD.replace("Booked", "Maybe")])))
    assert 'row 2, column "Status"' in text


def test_one_reference_two_different_rows(tmp_path: Path) -> None:
    text = message(read_bookings, write(tmp_path, "b.csv", "\r\n".join(
        [HEADER, GOOD, GOOD.replace("10:00", "11:00")])))
    assert 'row 3, column "Booking Ref"' in text


def test_xlsx_unparseable_date_counts_rows_like_excel(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(GOOD.split(","))
    ws.append(GOOD2.replace("2026-12-01 11:00:00", "tomorrow").split(","))
    wb.save(tmp_path / "b.xlsx")
    assert 'row 3, column "Appointment Date/Time"' in message(read_bookings, tmp_path / "b.xlsx")
    write(tmp_path, "not.xlsx", b"PK\x03\x04 not really")
    assert "not an Excel workbook" in message(read_bookings, tmp_path / "not.xlsx")


def test_diary_bad_time(tmp_path: Path) -> None:
    path = write(tmp_path, "diary.csv", "\r\n".join(
        [DIARY, "1,9434765919,Testwood,Amy,01/12/2026,10:00,Dr Ann Lee,Follow-up,booked",
         "2,9434765870,Testwood,Ben,01/12/2026,25:00,Dr Ann Lee,Follow-up,booked"]))
    text = message(read_diary, path)
    assert 'row 3, column "Date" and "Time": the date cannot be read' in text
