"""A spreadsheet (.xlsx) of referrals: a header row, then one referral a row.

The sheet named "Referrals" is read, or else the first sheet. Dates may be date cells or
``dd/mm/yyyy`` text; an NHS number may be a number cell.
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import ReferralFileUnreadable
from .. import normalise
from .base import map_columns, no_referrals, rows_to_referrals


def read(data: bytes, name: str) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - zip, XML and openpyxl errors alike mean a damaged file
        raise ReferralFileUnreadable(
            "UNREADABLE_SPREADSHEET",
            f"{name}: the spreadsheet is damaged or not an .xlsx workbook — open it in Excel to check, "
            "and ask the sender to save it again as .xlsx",
            file=name,
        ) from None
    try:
        sheet = workbook["Referrals"] if "Referrals" in workbook.sheetnames else workbook.worksheets[0]
        rows = [(number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()
    while rows and all(normalise.text(cell) == "" for cell in rows[0][1]):
        rows.pop(0)  # blank lines above the header
    if not rows:
        raise no_referrals(name)
    columns = map_columns(rows[0][1], name)
    found = rows_to_referrals(rows[1:], columns, name, "xlsx")
    if not found:
        raise no_referrals(name)
    return found
