"""The hot path: Core statements compiled once, run on a raw DB-API connection per thread.

Claiming and completing an item are two short transactions that a busy queue
runs thousands of times a second. Building and compiling a SQLAlchemy
statement on every call cost more than the database work itself (profiled:
about 20x), so those statements are written once with SQLAlchemy Core,
compiled once for the store's dialect, and executed directly on the driver's
cursor. The SQL still comes from Core, so SQLite and PostgreSQL share it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine


class Prepared:
    """One compiled statement and how to hand it its parameters."""

    def __init__(self, stmt: Any, engine: Engine):
        compiled = stmt.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.defaults = dict(compiled.params)  # literals Core turned into bind parameters
        self.order = list(compiled.positiontup) if compiled.positional else None

    def args(self, values: dict[str, Any]) -> Any:
        merged = {**self.defaults, **values} if values else self.defaults
        if self.order is None:
            return merged
        return [merged[name] for name in self.order]


class RawConnections:
    """A raw DB-API connection per thread, taken from the engine's pool and kept.

    A thread that has ended gives its connection back to the pool when the next thread
    takes one: servers run handlers on pools of threads that come and go (the portal),
    and the engine's pool is small.
    """

    def __init__(
        self,
        engine: Engine,
        begin: Callable[[Any], None] | None = None,
    ):
        self.engine = engine
        self.begin = begin  # starts a write transaction on a cursor (None: the driver does)
        self._local = threading.local()
        self._all: list[Any] = []
        self._owners: dict[Any, threading.Thread] = {}  # connection -> the thread using it
        self._lock = threading.Lock()
        self._prepared: dict[str, Prepared] = {}

    def prepared(self, key: str, build: Callable[[], Any]) -> Prepared:
        found = self._prepared.get(key)
        if found is None:
            found = self._prepared[key] = Prepared(build(), self.engine)
        return found

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self._return_ended()
            conn = self.engine.raw_connection()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
                self._owners[conn] = threading.current_thread()  # (idents are reused; threads are not)
        return conn

    def _return_ended(self) -> None:
        with self._lock:
            ended = [c for c, thread in self._owners.items() if not thread.is_alive()]
            for conn in ended:
                del self._owners[conn]
                self._all.remove(conn)
        for conn in ended:
            try:
                conn.close()  # back to the pool
            except Exception:  # noqa: BLE001 - a broken connection is simply dropped
                pass

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Any]:
        conn = self._connection()
        cur = conn.cursor()
        try:
            if write and self.begin is not None:
                self.begin(cur)
            yield cur
            conn.commit()
        except BaseException as exc:
            broken = _is_disconnect(exc)
            try:
                conn.rollback()
            except Exception:  # noqa: BLE001 - the connection is unusable
                broken = True
            if broken:  # the next transaction on this thread opens a new connection
                self._discard(conn)
            raise
        finally:
            try:
                cur.close()
            except Exception:  # noqa: BLE001
                pass

    def _discard(self, conn: Any) -> None:
        self._local.conn = None
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
            self._owners.pop(conn, None)
        try:
            conn.invalidate()
        except Exception:  # noqa: BLE001
            pass

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
            self._owners.clear()
        for conn in conns:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass
        self._local = threading.local()


def _is_disconnect(exc: BaseException) -> bool:
    name = type(exc).__name__
    return name in ("OperationalError", "InterfaceError")
