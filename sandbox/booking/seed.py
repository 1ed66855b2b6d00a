"""Loading a generated world's bookings into the booking system, idempotently.

``nightshift sandbox seed`` calls ``load(db_path, world)`` with the generator's world:
``world["booking_system"]["bookings"]`` (``booking_ref, child_forename, child_surname, dob``
ISO, ``nhs_number, starts_at`` and ``created_at`` ISO local time Europe/London, ``clinician,
status`` booked/cancelled/attended/did not attend). Bookings are keyed on their reference:
loading the same world twice adds nothing the second time.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sandbox.web import connect, ensure_schema
from sandbox.web.forms import local_iso

from . import records
from .schema import SCHEMA, STATUSES

SEED_USER = "seed"


def load(db_path: Path, world: dict[str, Any]) -> dict[str, int]:
    """Add the world's bookings not yet present; ``{"bookings": added}``.

    Bookings already there (same reference) are left as they are. ``ValueError`` names the
    first booking that cannot be loaded; nothing is half-loaded (it is all one transaction).
    """
    bookings = (world.get("booking_system") or {}).get("bookings") or []
    ensure_schema(Path(db_path), SCHEMA)
    conn = connect(Path(db_path))
    added = 0
    try:
        with conn:
            for i, booking in enumerate(bookings):
                ref, values, status, created = _read(booking, f"booking_system.bookings[{i}]")
                if records.by_ref(conn, ref) is not None:
                    continue
                records.insert(conn, values, SEED_USER, booking_ref=ref, status=status, created_at=created)
                added += 1
    finally:
        conn.close()
    return {"bookings": added}


def _read(booking: dict[str, Any], where: str) -> tuple[str, dict[str, str], str, str]:
    ref = str(booking.get("booking_ref") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2,5}-\d+", ref):
        raise ValueError(f"{where}: booking_ref must look like EHS-123456, not {ref[:20]!r}")
    where = f"{where} ({ref})"
    nhs = re.sub(r"\D", "", str(booking.get("nhs_number") or ""))
    if len(nhs) != 10:
        raise ValueError(f"{where}: nhs_number must have 10 digits")
    status = str(booking.get("status") or "")
    if status not in STATUSES:
        raise ValueError(f"{where}: status must be one of {', '.join(STATUSES)}, not {status!r}")
    try:
        dob = date.fromisoformat(str(booking["dob"])[:10]).isoformat()
        starts_at = local_iso(str(booking["starts_at"]))
        created = datetime.fromisoformat(str(booking["created_at"])).replace(tzinfo=None, microsecond=0).isoformat()
    except (KeyError, ValueError):
        raise ValueError(f"{where}: dob must be an ISO date, starts_at and created_at ISO date-times") from None
    values = {"child_forename": str(booking.get("child_forename") or "").strip(),
              "child_surname": str(booking.get("child_surname") or "").strip(),
              "dob": dob, "nhs_number": nhs, "starts_at": starts_at,
              "clinician": str(booking.get("clinician") or "").strip()}
    if not values["child_forename"] or not values["child_surname"] or not values["clinician"]:
        raise ValueError(f"{where}: child_forename, child_surname and clinician must not be empty")
    return ref, values, status, created
