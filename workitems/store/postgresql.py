"""PostgreSQL: several machines share one queue.

Claims use ``FOR UPDATE SKIP LOCKED`` so workers never wait on each other's
rows; waiting workers sleep on ``LISTEN nightshift_items`` and are woken by the
``NOTIFY`` that every new or retried item sends.
"""

from __future__ import annotations

import time

import psycopg
from sqlalchemy import Connection, Engine, bindparam, create_engine, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .sql import SQLStore

CHANNEL = "nightshift_items"
_MIGRATION_LOCK = 7_001_001  # advisory lock id: one start-up migrates at a time


class PostgresStore(SQLStore):
    skip_locked = True

    def _create_engine(self, url) -> Engine:
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._listener: psycopg.Connection | None = None
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})

    def _insert(self, table):
        return pg_insert(table)

    def _lock_for_migration(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})

    def _notify(self, conn: Connection, queue: str) -> None:
        conn.execute(text("SELECT pg_notify(:channel, :queue)"), {"channel": CHANNEL, "queue": queue})

    def _raw_notify(self, cur, queue: str) -> None:
        p = self.raw.prepared("notify", lambda: select(func.pg_notify(bindparam("channel"), bindparam("queue"))))
        cur.execute(p.sql, p.args({"channel": CHANNEL, "queue": queue}))

    def wait(self, queue: str, timeout: float) -> bool:
        if self._claimable(queue):
            return True
        if self._listener is None or self._listener.closed:
            self._listener = psycopg.connect(self._dsn, autocommit=True)
            self._listener.execute(f"LISTEN {CHANNEL}")
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self._claimable(queue)
            # Wake at least every few seconds: backoff and lease expiry send no NOTIFY.
            for note in self._listener.notifies(timeout=min(remaining, 5.0)):
                if note.payload == queue:
                    return True
            if self._claimable(queue):
                return True

    def close(self) -> None:
        if self._listener is not None and not self._listener.closed:
            self._listener.close()
        super().close()
