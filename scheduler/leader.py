"""One active scheduler per store.

APScheduler 3 must not share a job store between schedulers, and two schedulers
firing the same schedule would run a process twice. So:

- PostgreSQL: every ``nightshift serve`` tries a session-level advisory lock on a
  connection of its own. The holder schedules; the others try again every few
  seconds (``NIGHTSHIFT_LEADER_POLL``, default 5) and one takes over soon after the
  holder dies, because the server frees the lock with the dead holder's connection.
- SQLite (one machine): a second scheduler on the same database file refuses to
  start, with a message naming the one that runs.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from workitems import InvalidInput
from workitems.store import Store

# One lock per schema: stores side by side in one database (test, live) each get their scheduler.
_LOCK_KEY = "hashtextextended('nightshift scheduler ' || current_schema(), 0)"


def poll_seconds() -> float:
    try:
        return max(float(os.environ.get("NIGHTSHIFT_LEADER_POLL", "5")), 0.2)
    except ValueError:
        raise InvalidInput("NIGHTSHIFT_LEADER_POLL must be a number of seconds") from None


class SchedulerRunning(InvalidInput):
    """Another scheduler already runs on this SQLite database."""


class LeaderLock:
    """Who schedules: ``acquire()`` tries without waiting; ``held()`` checks it is still ours."""

    def acquire(self) -> bool:
        raise NotImplementedError

    def held(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    @property
    def waits(self) -> bool:
        """True when a scheduler that cannot lead waits to take over (PostgreSQL)."""
        return False


class PostgresLeaderLock(LeaderLock):
    def __init__(self, url: str):
        sa_url = make_url(url)
        self._dsn = sa_url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn: psycopg.Connection | None = None

    @property
    def waits(self) -> bool:
        return True

    def _connect(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            # keepalives: a holder cut off by the network loses the lock within about 30 s
            self._conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=10,
                                         application_name="nightshift scheduler", keepalives=1,
                                         keepalives_idle=10, keepalives_interval=5, keepalives_count=3)
        return self._conn

    def acquire(self) -> bool:
        try:
            return bool(self._connect().execute(f"SELECT pg_try_advisory_lock({_LOCK_KEY})").fetchone()[0])
        except psycopg.Error:
            self._drop()
            return False

    def held(self) -> bool:
        if self._conn is None or self._conn.closed:
            return False
        try:  # a session-level lock lasts as long as the session: is it still there?
            self._conn.execute("SELECT 1").fetchone()
            return True
        except psycopg.Error:
            self._drop()
            return False

    def release(self) -> None:
        self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
        self._conn = None


class FileLeaderLock(LeaderLock):
    """An exclusive lock on ``<database>.scheduler.lock``, freed by the system when its holder exits."""

    def __init__(self, path: Path, database: str):
        self.path = path
        self.database = database
        self._fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise SchedulerRunning(
                f"another scheduler ({holder}) already runs on {self.database}; stop it first "
                "(one scheduler per SQLite database: use PostgreSQL in NIGHTSHIFT_DB to run several machines)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}).encode())
        self._fd = fd
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["since"]))
        return f"pid {info['pid']} on {info['host']}, since {since}"
    except (ValueError, KeyError, OSError):
        return "pid unknown"


def leader_lock(store: Store) -> LeaderLock:
    url = make_url(store.url)
    if url.get_backend_name() == "postgresql":
        return PostgresLeaderLock(store._url.render_as_string(hide_password=False))  # noqa: SLF001
    database = url.database or "nightshift.db"
    return FileLeaderLock(Path(f"{database}.scheduler.lock"), store.url)
