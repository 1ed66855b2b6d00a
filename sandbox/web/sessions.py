"""Server-side sessions in the system's SQLite, with idle expiry and a CSRF token each.

The cookie carries a random value; the database keeps only its SHA-256, so neither a
copy of the database nor a log line can be replayed as a session.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass, field

from .users import User


@dataclass
class Session:
    """A logged-in session: who, its CSRF token, and messages waiting to be shown once."""

    id_hash: str
    user: User
    csrf_token: str
    flashes: list[str] = field(default_factory=list)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create(conn: sqlite3.Connection, user: User) -> tuple[str, Session]:
    """A new session for ``user``; returns the cookie value (shown to nobody but the browser) and the session."""
    value = secrets.token_urlsafe(32)
    session = Session(_hash(value), user, secrets.token_urlsafe(24))
    now = time.time()
    with conn:
        conn.execute(
            "INSERT INTO sessions (id_hash, username, csrf_token, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
            (session.id_hash, user.username, session.csrf_token, now, now),
        )
    return value, session


def load(conn: sqlite3.Connection, cookie_value: str, idle_seconds: float) -> Session | None:
    """The live session for a cookie value, its idle clock restarted; None if unknown or idle too long.

    An idle session is deleted on sight.
    """
    id_hash = _hash(cookie_value)
    row = conn.execute(
        "SELECT s.id_hash, s.csrf_token, s.last_seen, s.flash, u.username, u.role "
        "FROM sessions s JOIN users u ON u.username = s.username WHERE s.id_hash = ?",
        (id_hash,),
    ).fetchone()
    if row is None:
        return None
    now = time.time()
    if now - row["last_seen"] > idle_seconds:
        delete(conn, id_hash)
        return None
    flashes = json.loads(row["flash"]) if row["flash"] else []
    with conn:
        conn.execute("UPDATE sessions SET last_seen = ?, flash = NULL WHERE id_hash = ?", (now, id_hash))
    return Session(id_hash, User(row["username"], row["role"]), row["csrf_token"], flashes)


def delete_by_cookie(conn: sqlite3.Connection, cookie_value: str) -> None:
    """End the session a browser's cookie names (if any)."""
    delete(conn, _hash(cookie_value))


def delete(conn: sqlite3.Connection, id_hash: str) -> None:
    with conn:
        conn.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))


def add_flash(conn: sqlite3.Connection, session: Session, message: str) -> None:
    """Queue a message for the next page this session sees (e.g. after a redirect)."""
    row = conn.execute("SELECT flash FROM sessions WHERE id_hash = ?", (session.id_hash,)).fetchone()
    queued = (json.loads(row["flash"]) if row and row["flash"] else []) + [message]
    with conn:
        conn.execute("UPDATE sessions SET flash = ? WHERE id_hash = ?", (json.dumps(queued), session.id_hash))


def purge_idle(conn: sqlite3.Connection, idle_seconds: float) -> None:
    """Forget sessions idle for longer than ``idle_seconds`` (run at start)."""
    with conn:
        conn.execute("DELETE FROM sessions WHERE last_seen < ?", (time.time() - idle_seconds,))


def token_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a form's CSRF token with the session's."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())
