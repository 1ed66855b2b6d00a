"""Loading a generated world's children and diary entries into the case system, idempotently.

``nightshift sandbox seed`` calls ``load(db_path, world)`` with the generator's world:
``world["case_system"]["children"]`` (``forename, surname, dob`` ISO, ``gender, nhs_number,
address_line1, town, postcode, school``) and ``world["case_system"]["diary"]``
(``nhs_number, starts_at`` ISO local time Europe/London, ``clinician, kind, status``
``booked``/``cancelled``). Children are keyed on NHS number, diary entries on NHS number
and start time: loading the same world twice adds nothing the second time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sandbox.web import connect, ensure_schema
from sandbox.web.forms import local_iso

from . import records
from .schema import DIARY_STATUSES, SCHEMA

SEED_USER = "seed"


def load(db_path: Path, world: dict[str, Any]) -> dict[str, int]:
    """Add the world's children and diary entries not yet present; counts of those added.

    Returns ``{"children": added, "diary": added}``; records already there are left as they are.
    ``ValueError`` names the first record that cannot be loaded (nothing is half-loaded:
    it is all one transaction).
    """
    section = world.get("case_system") or {}
    ensure_schema(Path(db_path), SCHEMA)
    conn = connect(Path(db_path))
    counts = {"children": 0, "diary": 0}
    try:
        with conn:
            ids: dict[str, int] = {}
            for i, child in enumerate(section.get("children") or []):
                nhs = _nhs(child, f"case_system.children[{i}]")
                row = records.child_by_nhs(conn, nhs)
                if row is not None:
                    ids[nhs] = row["id"]
                    continue
                values = {f: str(child.get(f) or "").strip() for f in records.CHILD_FIELDS}
                values["nhs_number"] = nhs
                cur = conn.execute(
                    "INSERT INTO children (forename, surname, surname_key, dob, gender, nhs_number, address_line1,"
                    " town, postcode, school, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (values["forename"], values["surname"], records.key(values["surname"]), values["dob"][:10],
                     values["gender"] or "Not known", nhs, values["address_line1"], values["town"],
                     values["postcode"], values["school"], records.now_iso(), SEED_USER),
                )
                ids[nhs] = int(cur.lastrowid)
                counts["children"] += 1
            for i, entry in enumerate(section.get("diary") or []):
                where = f"case_system.diary[{i}]"
                nhs = _nhs(entry, where)
                child_id = ids.get(nhs) or _child_id(conn, nhs, where)
                try:
                    starts_at = local_iso(str(entry["starts_at"]))
                except (KeyError, ValueError):
                    raise ValueError(f"{where}: starts_at must be an ISO date-time") from None
                status = str(entry.get("status") or "booked")
                if status not in DIARY_STATUSES:
                    raise ValueError(f"{where}: status must be booked or cancelled, not {status!r}")
                if conn.execute("SELECT 1 FROM diary WHERE child_id = ? AND starts_at = ?",
                                (child_id, starts_at)).fetchone():
                    continue
                conn.execute(
                    "INSERT INTO diary (child_id, starts_at, clinician, kind, status, created_at, created_by,"
                    " cancelled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (child_id, starts_at, str(entry.get("clinician") or ""), str(entry.get("kind") or "Follow-up"),
                     status, records.now_iso(), SEED_USER, records.now_iso() if status == "cancelled" else None),
                )
                counts["diary"] += 1
    finally:
        conn.close()
    return counts


def _nhs(record: dict[str, Any], where: str) -> str:
    digits = re.sub(r"\D", "", str(record.get("nhs_number") or ""))
    if len(digits) != 10:
        raise ValueError(f"{where}: nhs_number must have 10 digits")
    return digits


def _child_id(conn: Any, nhs: str, where: str) -> int:
    row = records.child_by_nhs(conn, nhs)
    if row is None:
        raise ValueError(f"{where}: no child with this NHS number in the world or the case system")
    return int(row["id"])
