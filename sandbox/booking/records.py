"""Reading and writing bookings (used by the pages, the export and the seed)."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .schema import FIRST_REF

LONDON = ZoneInfo("Europe/London")
FIELDS = ("child_forename", "child_surname", "dob", "nhs_number", "starts_at", "clinician")


def now_local() -> datetime:
    """Now in Europe/London, without an offset, to the second (how the system stores times)."""
    return datetime.now(LONDON).replace(tzinfo=None, microsecond=0)


def key(text: str) -> str:
    """How surnames are compared: casefolded, spaces squeezed."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Filters:
    """What the bookings list is narrowed to; every part is optional."""

    date_from: date | None = None
    date_to: date | None = None
    clinician: str = ""
    status: str = ""
    query: str = ""  # a surname, an NHS number or a booking reference

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if self.date_from:
            clauses.append("starts_at >= ?")
            args.append(self.date_from.isoformat())
        if self.date_to:
            clauses.append("starts_at < ?")
            args.append((self.date_to + timedelta(days=1)).isoformat())
        if self.clinician:
            clauses.append("clinician = ?")
            args.append(self.clinician)
        if self.status:
            clauses.append("status = ?")
            args.append(self.status)
        if self.query:
            digits = re.sub(r"[\s-]", "", self.query)
            if re.fullmatch(r"(?i)EHS-?\d+", self.query.strip()):
                clauses.append("booking_ref = ?")
                args.append("EHS-" + re.sub(r"\D", "", self.query))
            elif re.fullmatch(r"\d{10}", digits):
                clauses.append("nhs_number = ?")
                args.append(digits)
            else:
                clauses.append("surname_key LIKE ? ESCAPE '\\'")
                args.append(re.sub(r"([%_\\])", r"\\\1", key(self.query)) + "%")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def find(conn: sqlite3.Connection, filters: Filters, limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """One page of the bookings matching ``filters`` (by appointment time) and how many match in all."""
    where, args = filters.where()
    total = conn.execute(f"SELECT COUNT(*) FROM bookings{where}", args).fetchone()[0]
    rows = conn.execute(f"SELECT * FROM bookings{where} ORDER BY starts_at, booking_ref LIMIT ? OFFSET ?",
                        [*args, limit, offset]).fetchall()
    return rows, int(total)


def in_range(conn: sqlite3.Connection, first: date, last: date) -> list[sqlite3.Row]:
    """Every booking whose appointment falls on ``first`` .. ``last`` (inclusive), by appointment time."""
    rows, _ = find(conn, Filters(date_from=first, date_to=last), -1, 0)
    return rows


def by_ref(conn: sqlite3.Connection, booking_ref: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM bookings WHERE booking_ref = ?", (booking_ref.strip().upper(),)).fetchone()


def clinicians(conn: sqlite3.Connection) -> list[str]:
    """Every clinician with a booking, A to Z (the list's and the new booking form's choices)."""
    return [r[0] for r in conn.execute("SELECT DISTINCT clinician FROM bookings ORDER BY clinician")]


def clash(conn: sqlite3.Connection, nhs_number: str, starts_at: str) -> sqlite3.Row | None:
    """A live (not cancelled) booking of this child at this time, if any."""
    return conn.execute("SELECT * FROM bookings WHERE nhs_number = ? AND starts_at = ? AND status != 'cancelled'",
                        (nhs_number, starts_at)).fetchone()


def next_ref(conn: sqlite3.Connection) -> str:
    """The next free booking reference for a booking made through the pages."""
    top = conn.execute("SELECT MAX(CAST(substr(booking_ref, 5) AS INTEGER)) FROM bookings "
                       "WHERE booking_ref GLOB 'EHS-[0-9]*'").fetchone()[0]
    return f"EHS-{max(int(top or 0) + 1, FIRST_REF)}"


def insert(conn: sqlite3.Connection, values: dict[str, str], username: str, *, booking_ref: str | None = None,
           status: str = "booked", created_at: str | None = None) -> str:
    """Add a booking (``FIELDS``, normalised by the caller); its reference. Does not commit."""
    ref = booking_ref or next_ref(conn)
    conn.execute(
        "INSERT INTO bookings (booking_ref, child_forename, child_surname, surname_key, dob, nhs_number, starts_at,"
        " clinician, status, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (ref, values["child_forename"], values["child_surname"], key(values["child_surname"]), values["dob"],
         values["nhs_number"], values["starts_at"], values["clinician"], status,
         created_at or now_local().isoformat(), username),
    )
    return ref


def set_status(conn: sqlite3.Connection, booking_ref: str, status: str, username: str) -> None:
    """Change a booking's status and record who did it. Commits."""
    with conn:
        conn.execute("UPDATE bookings SET status = ?, updated_at = ?, updated_by = ? WHERE booking_ref = ?",
                     (status, now_local().isoformat(), username, booking_ref))
