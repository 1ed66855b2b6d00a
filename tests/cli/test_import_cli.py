"""``nightshift items import``: JSON lines, CSV and XLSX, all rows or none."""

from __future__ import annotations

import datetime as dt
import json

import pytest

ROWS = [
    {"reference": "REF-0001", "priority": 2, "child_name": "Amelia Okafor", "nhs_number": "9434765919"},
    {"reference": "REF-0002", "priority": 0, "child_name": "Oliver Price", "nhs_number": "4010232137"},
    {"reference": "REF-0003", "child_name": "Isla Begum", "nhs_number": "9990000018"},
]


def _by_reference(items):
    return {item["reference"]: item for item in items}


def test_import_json_lines(nightshift, tmp_path):
    source = tmp_path / "referrals.jsonl"
    source.write_text("\n".join(json.dumps(row) for row in ROWS) + "\n\n")  # a blank line is skipped

    result = nightshift.ok("items", "import", "referrals", str(source))
    assert "3 created" in result.out and "0 already present" in result.out

    items = _by_reference(nightshift.items("referrals"))
    assert set(items) == {"REF-0001", "REF-0002", "REF-0003"}
    assert items["REF-0001"]["priority"] == 2
    assert items["REF-0003"]["priority"] == 0
    assert items["REF-0001"]["payload"] == {"child_name": "Amelia Okafor", "nhs_number": "9434765919"}

    # Importing the same file again adds nothing: the references are already there.
    again = nightshift.ok("items", "import", "referrals", str(source))
    assert "0 created" in again.out and "3 already present" in again.out
    assert len(nightshift.items("referrals")) == 3


@pytest.mark.parametrize("bom", [True, False], ids=["with-bom", "without-bom"])
def test_import_csv(nightshift, tmp_path, bom):
    source = tmp_path / "referrals.csv"
    text = "Reference,Priority,child_name,postcode\r\nREF-1,1,Zoë Ní Bhriain,LS6 2QT\r\nREF-2,,\"Price, Oliver\",M1 1AE\r\n"
    source.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))

    nightshift.ok("items", "import", "referrals", str(source))
    items = _by_reference(nightshift.items("referrals"))
    assert items["REF-1"]["payload"] == {"child_name": "Zoë Ní Bhriain", "postcode": "LS6 2QT"}
    assert items["REF-1"]["priority"] == 1
    assert items["REF-2"]["payload"]["child_name"] == "Price, Oliver"
    assert items["REF-2"]["priority"] == 0


def test_import_xlsx_with_dates(nightshift, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["reference", "priority", "child_name", "date_of_birth", "received"])
    sheet.append(["REF-1", 3, "Amelia Okafor", dt.date(2016, 5, 17), dt.datetime(2025, 1, 6, 9, 15)])
    sheet.append([1002, None, "Oliver Price", dt.date(2014, 11, 2), None])
    book.create_sheet("ignored").append(["reference", "child_name"])
    source = tmp_path / "referrals.xlsx"
    book.save(source)

    result = nightshift.ok("items", "import", "referrals", str(source))
    assert "2 created" in result.out
    items = _by_reference(nightshift.items("referrals"))
    assert items["REF-1"]["priority"] == 3
    assert items["REF-1"]["payload"] == {
        "child_name": "Amelia Okafor", "date_of_birth": "2016-05-17", "received": "2025-01-06T09:15:00",
    }
    assert items["1002"]["payload"]["received"] is None


def test_a_bad_json_line_names_the_file_and_row_and_writes_nothing(nightshift, tmp_path):
    source = tmp_path / "referrals.jsonl"
    lines = [json.dumps(ROWS[0]), json.dumps(ROWS[1]), '{"reference": "REF-0003", "child_name": "Isla"', json.dumps(ROWS[2])]
    source.write_text("\n".join(lines) + "\n")

    line = nightshift.bad("items", "import", "referrals", str(source))
    assert str(source) in line and "row 3" in line and "not valid JSON" in line
    assert "Isla" not in line  # the message names the place, never the data
    assert nightshift.items("referrals") == []


@pytest.mark.parametrize(
    "row, problem",
    [
        ('"REF-2","high","Oliver Price"', "priority must be a whole number"),
        ('"REF-2","1.5","Oliver Price"', "priority must be a whole number"),
        ('"REF-2","1","Oliver Price","extra"', "cells"),
    ],
)
def test_a_bad_csv_row_names_the_file_and_row_and_writes_nothing(nightshift, tmp_path, row, problem):
    source = tmp_path / "referrals.csv"
    source.write_text(f"reference,priority,child_name\nREF-1,1,Amelia Okafor\n{row}\nREF-3,0,Isla Begum\n")

    line = nightshift.bad("items", "import", "referrals", str(source))
    assert str(source) in line and "row 3" in line and problem in line
    assert "nothing was imported" in line
    assert nightshift.items("referrals") == []


def test_a_bad_xlsx_row_names_the_sheet_row(nightshift, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["reference", "priority", "child_name"])
    sheet.append(["REF-1", 1, "Amelia Okafor"])
    sheet.append([])  # a blank row is skipped, but still counts in the numbering
    sheet.append(["REF-2", "urgent", "Oliver Price"])
    source = tmp_path / "referrals.xlsx"
    book.save(source)

    line = nightshift.bad("items", "import", "referrals", str(source))
    assert "row 4" in line and "priority" in line
    assert nightshift.items("referrals") == []


def test_a_json_line_that_is_not_an_object(nightshift, tmp_path):
    source = tmp_path / "referrals.ndjson"
    source.write_text('{"reference": "A"}\n["not", "an", "object"]\n')
    line = nightshift.bad("items", "import", "referrals", str(source))
    assert "row 2" in line and "not an object" in line
    assert nightshift.items("referrals") == []


def test_a_csv_that_is_not_utf8(nightshift, tmp_path):
    source = tmp_path / "referrals.csv"
    source.write_bytes("reference,child_name\nREF-1,Zoë\n".encode("cp1252"))
    line = nightshift.bad("items", "import", "referrals", str(source))
    assert "line 2" in line and "UTF-8" in line


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("missing.csv", None, "does not exist"),
        ("referrals.txt", "reference\nA\n", "cannot tell the format"),
        ("referrals.xlsx", "reference\nA\n", "is not an XLSX workbook"),
    ],
)
def test_unreadable_import_files(nightshift, tmp_path, name, content, problem):
    source = tmp_path / name
    if content is not None:
        source.write_text(content)
    line = nightshift.bad("items", "import", "referrals", str(source))
    assert name in line and problem in line


def test_format_option_reads_a_file_without_a_known_suffix(nightshift, tmp_path):
    source = tmp_path / "export.txt"
    source.write_text("reference,child_name\nREF-1,Amelia Okafor\n")
    nightshift.ok("items", "import", "referrals", str(source), "--format", "csv")
    assert [i["reference"] for i in nightshift.items("referrals")] == ["REF-1"]


def test_an_empty_file_imports_nothing(nightshift, tmp_path):
    source = tmp_path / "referrals.csv"
    source.write_text("reference,child_name\n")
    result = nightshift.ok("items", "import", "referrals", str(source))
    assert "nothing imported" in result.out


def test_a_large_import_is_one_transaction(nightshift, tmp_path):
    source = tmp_path / "referrals.jsonl"
    rows = [{"reference": f"REF-{n:05d}", "n": n} for n in range(5000)]
    rows.append({"reference": "REF-LAST", "priority": "not a number"})
    source.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    line = nightshift.bad("items", "import", "referrals", str(source))
    assert "row 5001" in line
    assert nightshift.items("referrals") == []

    source.write_text("\n".join(json.dumps(row) for row in rows[:-1]) + "\n")
    result = nightshift.ok("items", "import", "referrals", str(source))
    assert "5,000 created" in result.out
    assert nightshift.ok("items", "stats", "--json").json()["referrals"]["pending"] == 5000
