"""``RPA.Robocorp.WorkItems`` on the nightshift queue.

A robot written against the standard library runs unchanged with::

    RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter
    NIGHTSHIFT_QUEUE=referrals-in            # the queue inputs are claimed from
    NIGHTSHIFT_OUTPUT_QUEUE=referrals-keyed  # where Create Output Work Item puts outputs
    NIGHTSHIFT_DB=sqlite:///var/nightshift.db  (default: under NIGHTSHIFT_HOME)

While an input is reserved, a background thread renews its lease, so a slow
item is not handed to another worker; if the robot is killed, the lease runs
out and the item is claimed again (at-least-once delivery).

Optional: ``NIGHTSHIFT_WORKER`` (a name for this worker in the item history;
default host:pid), ``NIGHTSHIFT_RUN_ID`` (prefixed to it, so the history
says which run handled an item), ``NIGHTSHIFT_ITEMS_LIMIT`` (stop after
claiming this many inputs), ``NIGHTSHIFT_WAIT_SECONDS`` (when the queue is
empty, wait this long for an item to arrive or a lease to run out before
ending the loop; default 0, end at once), ``NIGHTSHIFT_REFERENCE_FIELD`` (a
payload field whose value becomes an output item's reference, so a producer
that is run again after a crash finds its earlier output instead of making a
second one; off unless set).
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time
from typing import Any

from RPA.Robocorp.WorkItems import BaseAdapter, EmptyQueue, Error, State

from .errors import InvalidInput, LeaseLost
from .model import ExceptionType
from .store import Store, open_store

log = logging.getLogger(__name__)


def _worker_name() -> str:
    name = os.environ.get("NIGHTSHIFT_WORKER") or f"{socket.gethostname()}:{os.getpid()}"
    run = os.environ.get("NIGHTSHIFT_RUN_ID")
    return f"{run}@{name}" if run else name


class _LeaseKeeper(threading.Thread):
    """Renews the lease of the one input the robot holds, every third of the lease."""

    def __init__(self, store: Store, worker: str):
        super().__init__(name="nightshift-lease", daemon=True)
        self.store = store
        self.worker = worker
        self._item: int | None = None
        self._interval = 60.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def hold(self, item_id: int | None, lease_seconds: float = 180.0) -> None:
        with self._lock:
            self._item = item_id
            self._interval = max(lease_seconds / 3.0, 0.2)
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            with self._lock:
                item = self._item
            if item is None:
                continue
            try:
                self.store.renew(item, self.worker)
            except LeaseLost as exc:
                log.warning("%s", exc)
                with self._lock:
                    if self._item == item:
                        self._item = None
            except Exception as exc:  # keep trying: the database may be back next time
                log.warning("could not renew the lease of work item %s: %s", item, exc)


class QueueAdapter(BaseAdapter):
    """The nightshift work-item queue as an ``RPA.Robocorp.WorkItems`` adapter."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.input_queue = os.environ.get("NIGHTSHIFT_QUEUE", "").strip()
        if not self.input_queue:
            raise InvalidInput(
                "NIGHTSHIFT_QUEUE is not set: name the queue this robot reads its input work items from"
            )
        self.output_queue = os.environ.get("NIGHTSHIFT_OUTPUT_QUEUE", "").strip() or None
        self.reference_field = os.environ.get("NIGHTSHIFT_REFERENCE_FIELD", "").strip() or None
        limit = os.environ.get("NIGHTSHIFT_ITEMS_LIMIT", "").strip()
        self._limit = int(limit) if limit.isdigit() else 0
        self._claimed = 0
        wait = os.environ.get("NIGHTSHIFT_WAIT_SECONDS", "").strip()
        try:
            self._wait = float(wait) if wait else 0.0
        except ValueError:
            raise InvalidInput(f"NIGHTSHIFT_WAIT_SECONDS must be a number of seconds, got {wait!r}") from None
        self.worker = _worker_name()
        self.store = open_store()
        self._lease_seconds = self.store.queue_settings(self.input_queue).lease_seconds
        self._keeper = _LeaseKeeper(self.store, self.worker)
        self._keeper.start()
        self._held: int | None = None
        atexit.register(self.close)

    # -- inputs -----------------------------------------------------------
    def reserve_input(self) -> str:
        if self._limit and self._claimed >= self._limit:
            raise EmptyQueue(f"reached NIGHTSHIFT_ITEMS_LIMIT={self._limit}")
        item = self.store.claim(self.input_queue, self.worker)
        deadline = time.monotonic() + self._wait
        while item is None and time.monotonic() < deadline:
            if self.store.wait(self.input_queue, deadline - time.monotonic()):
                item = self.store.claim(self.input_queue, self.worker)
        if item is None:
            raise EmptyQueue(f"no work items waiting in queue {self.input_queue!r}")
        self._claimed += 1
        self._held = item.id
        self._keeper.hold(item.id, self._lease_seconds)
        return str(item.id)

    def release_input(self, item_id: str, state: State, exception: dict | None = None) -> None:
        self._keeper.hold(None)
        self._held = None
        if state is State.DONE:
            self.store.complete(int(item_id), self.worker)
            return
        exception = exception or {}
        kind = exception.get("type") or Error.APPLICATION.value
        self.store.fail(
            int(item_id),
            self.worker,
            ExceptionType.parse(getattr(kind, "value", kind)),
            exception.get("code"),
            exception.get("message"),
        )

    # -- outputs ----------------------------------------------------------
    def create_output(self, parent_id: str, payload: Any = None) -> str:
        if not self.output_queue:
            raise InvalidInput(
                "NIGHTSHIFT_OUTPUT_QUEUE is not set: name the queue that output work items go to"
            )
        payload = payload if payload is not None else {}
        reference = None
        if self.reference_field and isinstance(payload, dict) and payload.get(self.reference_field) not in (None, ""):
            reference = str(payload[self.reference_field])
        item, _ = self.store.add(
            self.output_queue,
            payload,
            reference=reference,
            parent_id=int(parent_id) if parent_id is not None else None,
            actor=self.worker,
        )
        return str(item.id)

    # -- payloads and files -----------------------------------------------
    def load_payload(self, item_id: str) -> Any:
        return self.store.get(int(item_id)).payload

    def save_payload(self, item_id: str, payload: Any) -> None:
        self.store.save_payload(int(item_id), payload, actor=self.worker)

    def list_files(self, item_id: str) -> list[str]:
        return [f.name for f in self.store.list_files(int(item_id))]

    def get_file(self, item_id: str, name: str) -> bytes:
        return self.store.get_file(int(item_id), name)

    def add_file(self, item_id: str, name: str, *, original_name: str, content: bytes) -> None:
        self.store.add_file(int(item_id), name, content)

    def remove_file(self, item_id: str, name: str) -> None:
        self.store.remove_file(int(item_id), name)

    # -- end --------------------------------------------------------------
    def close(self) -> None:
        """Give back an input still held when the robot ends, so it is not stuck reserved."""
        self._keeper.stop()
        if self._held is not None:
            held, self._held = self._held, None
            try:
                self.store.release(held, self.worker, reason="robot ended without releasing it")
            except Exception as exc:  # its lease will run out instead
                log.warning("could not give back work item %s: %s", held, exc)
