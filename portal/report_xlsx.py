"""The daily work-item report as an Excel workbook (openpyxl).

``workbook(report, items)`` takes the numbers of ``portal.pages.reports.daily_report``
and the rows of ``day_items`` and returns the ``.xlsx`` bytes:

* **Summary**: the day, when the workbook was made, and one row a queue: items created
  that day and their states now, items finished (done, failed) that day, failures by type.
* **Failures**: one row per queue, exception type and code among the day's failures.
* **one sheet a queue** with items that day: id, reference, state, attempts, exception
  type, code, message, created, updated.

Every table has a frozen header row and an auto filter; times are real Excel dates in
local time. A text cell beginning with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
return) is stored as text with Excel's quote prefix, so a reference or message made by
someone else can never run as a formula, not even after a person edits the cell.

No payload is written. Exception messages are: robots write them and they may name a
person, so the workbook is personal data, to be handled like the portal itself.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MAX_CELL_CHARS = 32767  # Excel's limit
MAX_WIDTH = 80

SUMMARY_HEADERS = ["queue", "created", "now pending", "now reserved", "now done", "now failed",
                   "finished done", "finished failed", "failed BUSINESS", "failed APPLICATION", "sheet"]
FAILURE_HEADERS = ["queue", "exception type", "code", "items"]
ITEM_HEADERS = ["id", "reference", "state", "attempts", "exception type", "code", "message", "created", "updated"]

_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unused sheet name for ``name``: at most 31 characters, none of ``[]:*?/\\``,
    no apostrophe at either end, not Excel's reserved 'History', unique ignoring case
    (a clash gets `` (2)``, `` (3)``, …). ``taken`` holds the lower-cased names so far."""
    base = _BAD_TITLE.sub("_", ILLEGAL_CHARACTERS_RE.sub("", name)).strip().strip("'").strip() or "queue"
    if base.lower() == "history":
        base = "history_"
    base = base[:31].rstrip()
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title = base[:31 - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(title.lower())
    return title


def put_cell(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # openpyxl took a leading '=' for a formula
        cell.quotePrefix = True  # and Excel keeps it text when a person edits the cell
    if number_format:
        cell.number_format = number_format
    return cell


def _local(ts: float | None) -> datetime | None:
    # Excel has no time zones: local wall-clock time, as the portal shows it
    return datetime.fromtimestamp(ts) if ts else None


def put_table(ws: Worksheet, header_row: int, headers: Sequence[str], rows: Sequence[Sequence[Any]],
           formats: dict[int, str] | None = None) -> None:
    """Headers in bold at ``header_row``, rows below, frozen header, auto filter, fitted widths."""
    formats = formats or {}
    widths = [len(h) for h in headers]
    for col, text in enumerate(headers, 1):
        put_cell(ws, header_row, col, text).font = Font(bold=True)
    for r, values in enumerate(rows, header_row + 1):
        for col, value in enumerate(values, 1):
            put_cell(ws, r, col, value, formats.get(col))
            if isinstance(value, datetime):
                shown = 19
            elif isinstance(value, date):
                shown = 10
            else:
                shown = max((len(line) for line in str(value if value is not None else "").splitlines()), default=0)
            widths[col - 1] = max(widths[col - 1], shown)
    for col, width in enumerate(widths, 1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = min(max(width + 2, 8), MAX_WIDTH)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{max(header_row + len(rows), header_row + 1)}"


def workbook(report: dict[str, Any], items: dict[str, list[dict[str, Any]]], *,
             made: datetime | None = None) -> bytes:
    """The report as ``.xlsx`` bytes (see the module docstring for its sheets)."""
    day: date = report["day"]
    wb = Workbook()
    wb.properties.title = f"nightshift daily work-item report {day.isoformat()}"
    wb.properties.creator = "nightshift"
    taken = {"summary", "failures"}
    titles = {queue: sheet_title(queue, taken) for queue in sorted(items) if items[queue]}

    summary = wb.active
    summary.title = "Summary"
    put_cell(summary, 1, 1, "nightshift daily work-item report").font = Font(bold=True, size=13)
    put_cell(summary, 2, 1, "day")
    put_cell(summary, 2, 2, day, DATE_FORMAT)
    put_cell(summary, 3, 1, "made")
    put_cell(summary, 3, 2, (made or datetime.now()).replace(microsecond=0, tzinfo=None), TIME_FORMAT)
    rows = []
    for q in report["queues"]:
        by_type = {f["type"]: 0 for f in q["failures"]}
        for f in q["failures"]:
            by_type[f["type"]] += f["count"]
        c = q["created"]
        rows.append([q["queue"], c["total"], c["pending"], c["reserved"], c["done"], c["failed"],
                     q["finished"]["done"], q["finished"]["failed"], by_type.get("BUSINESS", 0),
                     by_type.get("APPLICATION", 0), titles.get(q["queue"], "")])
    put_table(summary, 5, SUMMARY_HEADERS, rows)
    sheet_col = len(SUMMARY_HEADERS)
    for r, row in enumerate(rows, 6):
        if row[-1]:
            summary.cell(row=r, column=sheet_col).hyperlink = f"#'{row[-1]}'!A1"
    summary.column_dimensions["A"].width = max(summary.column_dimensions["A"].width, 34)

    failures = wb.create_sheet("Failures")
    put_table(failures, 1, FAILURE_HEADERS,
           [[q["queue"], f["type"], f["code"] or "", f["count"]] for q in report["queues"] for f in q["failures"]])

    for queue, title in titles.items():
        ws = wb.create_sheet(title)
        put_table(ws, 1, ITEM_HEADERS, [
            [i["id"], i["reference"] or "", i["state"], i["attempts"], i["exception_type"] or "",
             i["code"] or "", i["message"] or "", _local(i["created_at"]), _local(i["updated_at"])]
            for i in items[queue]], formats={8: TIME_FORMAT, 9: TIME_FORMAT})
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
