"""Reading work items from JSON lines, CSV and XLSX files for ``nightshift items import``.

One item a row. The columns (or keys) ``reference`` and ``priority`` become the
item's fields; every other column goes into the payload dict. Spreadsheet
headers are matched case-insensitively (``Reference`` works), JSON keys exactly.

Row numbers are what the user sees: the line number in a JSON lines file, the
spreadsheet row (the header is row 1) in CSV and XLSX. Errors never quote a
cell's value, which may be personal data.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workitems.store.base import NewItem

from .support import PRIORITY_MAX, PRIORITY_MIN

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".xlsx": "xlsx"}
FIELD_COLUMNS = ("reference", "priority")
REFERENCE_MAX = 200  # the store's column width


class RowError(Exception):
    """A row (or the whole file) cannot become an item; ``row`` is None for the whole file."""

    def __init__(self, reason: str, row: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.row = row


@dataclass
class Source:
    """An opened import file: ``rows`` yields ``(row number, record, progress so far)``."""

    format: str
    total: int  # progress units: bytes for text files, rows for workbooks
    rows: Iterator[tuple[int, dict[str, Any], int]]


def detect_format(path: Path, given: str | None) -> str:
    if given:
        fmt = given.strip().lower().lstrip(".")
        fmt = {"ndjson": "jsonl", "json": "jsonl"}.get(fmt, fmt)
        if fmt not in {"jsonl", "csv", "xlsx"}:
            raise RowError(f"unknown --format {given!r}: use jsonl, csv or xlsx")
        return fmt
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise RowError(
            "cannot tell the format from the file name: name it .jsonl, .ndjson, .csv or .xlsx, "
            "or pass --format"
        ) from None


def open_source(path: Path, fmt: str) -> Source:
    readers: dict[str, Callable[[Path], Source]] = {"jsonl": _jsonl, "csv": _csv, "xlsx": _xlsx}
    return readers[fmt](path)


def to_new_item(record: dict[str, Any], case_sensitive: bool) -> NewItem:
    """Split a record into item fields and payload; raises RowError (without a row number)."""
    payload = dict(record)
    fields: dict[str, Any] = {}
    for key in list(payload):
        name = key if case_sensitive else key.strip().lower()
        if name in FIELD_COLUMNS:
            if name in fields:
                raise RowError(f"has two {name!r} columns")
            fields[name] = payload.pop(key)
    return NewItem(
        payload=payload,
        reference=_reference(fields.get("reference")),
        priority=_priority(fields.get("priority")),
    )


def _reference(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RowError("reference must be text or a number")
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    text = str(value).strip()
    if len(text) > REFERENCE_MAX:
        raise RowError(f"reference is {len(text)} characters long, over the limit of {REFERENCE_MAX}")
    return text or None


def _priority(value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            try:
                as_float = float(value.strip())
            except ValueError:
                as_float = None
            if as_float is not None and as_float.is_integer():
                number = int(as_float)
    if number is None:
        shown = value if isinstance(value, (str, int, float)) else type(value).__name__
        raise RowError(f"priority must be a whole number, got {shown!r}")
    if not PRIORITY_MIN <= number <= PRIORITY_MAX:
        raise RowError(f"priority {number} is out of range ({PRIORITY_MIN} to {PRIORITY_MAX})")
    return number


# -- JSON lines ---------------------------------------------------------------


def _jsonl(path: Path) -> Source:
    def rows() -> Iterator[tuple[int, dict[str, Any], int]]:
        done = 0
        for number, line in _text_lines(path):
            done += len(line.encode("utf-8"))
            if not line.strip():
                continue
            try:
                record = json.loads(line, parse_constant=_no_constant)
            except json.JSONDecodeError as exc:
                raise RowError(f"is not valid JSON: {exc.msg} at column {exc.colno}", number) from None
            except ValueError as exc:
                raise RowError(f"is not valid JSON: {exc}", number) from None
            if not isinstance(record, dict):
                raise RowError(f"is a JSON {_json_kind(record)}, not an object", number)
            yield number, record, done

    return Source("jsonl", path.stat().st_size, rows())


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def _text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Decoded lines with their line numbers (endings kept); a BOM on the first line is dropped."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError:
                raise RowError(
                    f"line {number} is not UTF-8 text: save the file as UTF-8 (in Excel: 'CSV UTF-8')"
                ) from None


# -- CSV ----------------------------------------------------------------------


def _csv(path: Path) -> Source:
    progress = [0]

    def lines() -> Iterator[str]:
        for _, line in _text_lines(path):
            progress[0] += len(line.encode("utf-8"))
            yield line

    def rows() -> Iterator[tuple[int, dict[str, Any], int]]:
        reader = csv.reader(lines())
        header: list[str] | None = None
        try:
            for number, cells in enumerate(reader, start=1):
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    header = _header(cells, number)
                    continue
                yield number, _record(header, cells, number), progress[0]
        except csv.Error as exc:
            raise RowError(f"is not valid CSV: {exc}", reader.line_num) from None

    return Source("csv", path.stat().st_size, rows())


# -- XLSX ---------------------------------------------------------------------


def _xlsx(path: Path) -> Source:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RowError(f"is not an XLSX workbook ({type(exc).__name__}): save it from Excel as .xlsx") from None
    if not book.worksheets:
        book.close()
        raise RowError("has no worksheet")
    sheet = book.worksheets[0]
    total = sheet.max_row or 0

    def rows() -> Iterator[tuple[int, dict[str, Any], int]]:
        header: list[str] | None = None
        try:
            for number, row in enumerate(sheet.iter_rows(min_row=1), start=1):
                cells = [_cell(cell) for cell in row]
                if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue
                if header is None:
                    header = _header(["" if c is None else str(c) for c in cells], number)
                    continue
                yield number, _record(header, cells, number), number
        finally:
            book.close()

    return Source("xlsx", total, rows())


def _cell(cell: Any) -> Any:
    # Dates become ISO text so the payload stays JSON; a date-only format gives a date.
    value = getattr(cell, "value", None)
    if isinstance(value, dt.datetime):
        date_only = value.time() == dt.time(0) and not any(
            mark in str(getattr(cell, "number_format", "")).lower() for mark in ("h", "s")
        )
        return value.date().isoformat() if date_only else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


# -- shared by CSV and XLSX ----------------------------------------------------


def _header(cells: list[str], number: int) -> list[str]:
    names = [c.strip() for c in cells]
    seen: set[str] = set()
    for name in names:
        if not name:
            continue
        if name.lower() in seen:
            raise RowError(f"the header names the column {name!r} twice", number)
        seen.add(name.lower())
    if not seen:
        raise RowError("the header row has no column names", number)
    return names


def _record(header: list[str], cells: list[Any], number: int) -> dict[str, Any]:
    if len(cells) > len(header) and any(_filled(c) for c in cells[len(header):]):
        raise RowError(f"has {len(cells)} cells but the header names only {len(header)} columns", number)
    record: dict[str, Any] = {}
    for column, name in enumerate(header):
        value = cells[column] if column < len(cells) else None
        if not name:
            if _filled(value):
                raise RowError(f"has a value in column {column + 1}, which has no name in the header", number)
            continue
        record[name] = value
    return record


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
