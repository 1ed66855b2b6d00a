"""SQLite for the stand-in systems: one file per system, tables created idempotently.

Every system's schema is a DDL script of ``CREATE TABLE IF NOT EXISTS`` statements,
run at start (and by the system's ``seed.load``) after the framework's own tables.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1

FRAMEWORK_SCHEMA = """
CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,          -- sha256 of the cookie value; the value itself is never stored
    username TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL,
    flash TEXT
);
"""


def connect(path: Path) -> sqlite3.Connection:
    """A connection with rows as ``sqlite3.Row``, WAL, foreign keys on and a 10 s busy wait.

    Use ``with conn:`` around writes: it commits (or rolls back on an exception).
    """
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def ensure_schema(path: Path, schema: str = "") -> None:
    """Create the framework's tables and then ``schema`` (idempotent DDL) in the file at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(FRAMEWORK_SCHEMA + "\n" + schema)
        with conn:
            conn.execute(
                "INSERT INTO sandbox_meta (key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT (key) DO NOTHING",
                (str(SCHEMA_VERSION),),
            )
    finally:
        conn.close()
