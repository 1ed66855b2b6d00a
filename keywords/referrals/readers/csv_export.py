"""A CSV export of referrals (partner portals): UTF-8, a header row, one referral a record.

Commas, semicolons or tabs as separators; quoted fields may hold line breaks, so ``row`` is
the record's number (the header being 1), as a spreadsheet program would show it.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .base import decode_text, map_columns, no_referrals, rows_to_referrals


def read(data: bytes, name: str) -> list[dict[str, Any]]:
    text = decode_text(data, name)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    if not records:
        raise no_referrals(name)
    columns = map_columns(records[0], name)
    found = rows_to_referrals(enumerate(records[1:], start=2), columns, name, "csv")
    if not found:
        raise no_referrals(name)
    return found
