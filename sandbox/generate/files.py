"""Writing the generated set: every file recorded with its hash, and byte-identical output for a seed.

reportlab PDFs are made with ``invariant=1`` (fixed creation date and document ID) and e-mails
get their Date, Message-ID and MIME boundary from the seed, so those are deterministic by
construction. An XLSX file is a zip whose entries carry the time they were written, and
openpyxl stamps ``docProps/core.xml`` with the time of saving; ``deterministic_xlsx`` rewrites
both to a fixed time.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook


@dataclass
class FileRecord:
    """One written file: its path relative to the output folder, what it is, and its hash."""

    file: str
    kind: str  # referral, invoice, world
    format: str  # pdf, eml, xlsx, json, csv
    sha256: str
    bytes: int
    references: list[str] = field(default_factory=list)


class OutputFolder:
    """Writes files under ``root`` and remembers each one for the manifest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records: list[FileRecord] = []

    def write(self, relative: str, data: bytes, *, kind: str, format: str, references: list[str]) -> str:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        self.records.append(FileRecord(relative, kind, format, digest, len(data), list(dict.fromkeys(references))))
        return relative


def deterministic_xlsx(workbook: Workbook, stamp: datetime) -> bytes:
    """The workbook's bytes with every zip entry dated ``stamp`` and the document properties
    (created, modified) set to ``stamp``, so that the same workbook always gives the same bytes."""
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    raw = io.BytesIO()
    workbook.save(raw)
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl sets "modified" to the time of saving, whatever the workbook says.
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + iso.encode() + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, data)
    return out.getvalue()
