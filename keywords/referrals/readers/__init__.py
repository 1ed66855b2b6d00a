"""Readers of referral files, one module per format, chosen by the file's extension.

``read_file(path)`` returns the file's referrals, normalised (``..schema``), or raises
``ReferralFileUnreadable`` with the reference the file's name (or e-mail subject) gives, when
it gives one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ReferralFileUnreadable
from . import csv_export, eml, json_export, pdf, xlsx

READERS: dict[str, tuple[str, Callable[[bytes, str], list[dict[str, Any]]]]] = {
    ".pdf": ("pdf", pdf.read),
    ".eml": ("eml", eml.read),
    ".xlsx": ("xlsx", xlsx.read),
    ".json": ("json", json_export.read),
    ".csv": ("csv", csv_export.read),
}
# Formats whose file holds one referral, so that a reference in the file's name is that referral's.
SINGLE_REFERRAL_FORMATS = ("pdf", "eml")


def file_format(path: Path) -> str | None:
    entry = READERS.get(Path(path).suffix.lower())
    return entry[0] if entry else None


def read_file(path: Path, reference_pattern: str) -> list[dict[str, Any]]:
    path = Path(path)
    data = path.read_bytes()
    entry = READERS.get(path.suffix.lower())
    try:
        if entry is None:
            kinds = ", ".join(sorted(READERS))
            raise ReferralFileUnreadable(
                "UNSUPPORTED_FILE_TYPE",
                f"{path.name}: nightshift does not read {path.suffix or 'extension-less'} files (it reads "
                f"{kinds}) — key the referral by hand, or ask the sender for one of those",
                file=path.name,
            )
        return entry[1](data, path.name)
    except ReferralFileUnreadable as exc:
        places = [exc.hint or ""]
        if entry and entry[0] in SINGLE_REFERRAL_FORMATS:
            places.append(path.stem)
        exc.reference = next((m.group(0) for m in map(re.compile(reference_pattern).search, places) if m), None)
        raise
