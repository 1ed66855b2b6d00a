"""The store interface: every verb the queue needs, and nothing about SQL.

A store is chosen by the scheme of the URL in ``NIGHTSHIFT_DB`` (see
``workitems.store.open_store``). The contract below is what the contract test
suite (``tests/workitems/test_store_contract.py``) checks against every store.

Contract in short:

* ``add`` with a reference that already exists in the queue returns the existing
  item with ``created=False`` and writes nothing.
* ``claim`` hands out the pending item with the highest priority, then the
  oldest, whose not-before time has passed, or an item whose lease ran out.
  It raises the item's attempts by one and leases it to the worker.
* ``complete``/``fail``/``renew`` raise ``LeaseLost`` when the worker no longer
  holds the item.
* A BUSINESS failure is final. An APPLICATION failure goes back to pending
  after the queue's backoff until ``max_attempts`` tries, then stays failed.
* Every state change writes one history entry, in the same transaction.
* Payloads, exception messages, file names and file contents are encrypted at
  rest with the store's cipher.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import ExceptionType, FileInfo, HistoryEntry, QueueSettings, State, WorkItem


@dataclass
class NewItem:
    """What ``add_many`` takes: one item to create."""

    payload: Any
    reference: str | None = None
    priority: int = 0
    not_before: float | None = None
    deadline: float | None = None
    parent_id: int | None = None
    files: Sequence[tuple[str, bytes]] = field(default_factory=list)


class Store(ABC):
    """A durable work-item queue."""

    url: str

    # -- creating -------------------------------------------------------
    @abstractmethod
    def add(
        self,
        queue: str,
        payload: Any,
        *,
        reference: str | None = None,
        priority: int = 0,
        not_before: float | None = None,
        deadline: float | None = None,
        parent_id: int | None = None,
        files: Sequence[tuple[str, bytes]] = (),
        actor: str = "api",
    ) -> tuple[WorkItem, bool]:
        """Create one pending item; returns ``(item, created)``."""

    @abstractmethod
    def add_many(
        self, queue: str, items: Iterable[NewItem], *, actor: str = "api"
    ) -> list[tuple[WorkItem, bool]]:
        """Create many items in one transaction: all are written, or none."""

    # -- working --------------------------------------------------------
    @abstractmethod
    def claim(self, queue: str, worker: str, *, lease_seconds: float | None = None) -> WorkItem | None:
        """Reserve the next item for ``worker``, or None when nothing is claimable now."""

    @abstractmethod
    def claim_item(self, item_id: int, worker: str, *, lease_seconds: float | None = None) -> WorkItem:
        """Reserve one particular pending item for ``worker`` (a person acting on it in the portal).

        Raises ItemNotFound, or InvalidInput when the item is not pending now (someone else
        holds it, or it is already done or failed).
        """

    @abstractmethod
    def renew(self, item_id: int, worker: str, *, lease_seconds: float | None = None) -> float:
        """Extend the lease; returns the new expiry (epoch seconds)."""

    @abstractmethod
    def complete(self, item_id: int, worker: str) -> WorkItem:
        """Release a reserved item as DONE."""

    @abstractmethod
    def fail(
        self,
        item_id: int,
        worker: str,
        exception_type: ExceptionType,
        code: str | None = None,
        message: str | None = None,
    ) -> WorkItem:
        """Release a reserved item as failed; APPLICATION failures may go back to pending."""

    @abstractmethod
    def release(self, item_id: int, worker: str, *, reason: str = "released") -> WorkItem:
        """Give a reserved item back to pending without counting a failure (e.g. shutdown)."""

    @abstractmethod
    def reap_expired(self, queue: str | None = None) -> int:
        """Return items whose lease ran out to pending (or failed past max_attempts); returns how many."""

    @abstractmethod
    def wait(self, queue: str, timeout: float) -> bool:
        """Block up to ``timeout`` seconds until the queue may have claimable work."""

    # -- people ---------------------------------------------------------
    @abstractmethod
    def retry(self, item_id: int, *, actor: str, reason: str = "retried by hand") -> WorkItem:
        """Put a failed item back to pending now (its attempts start again)."""

    @abstractmethod
    def retry_failed(
        self, queue: str, *, actor: str, exception_type: ExceptionType | None = None
    ) -> int:
        """Retry every failed item of a queue (optionally of one exception type); returns how many."""

    @abstractmethod
    def resolve(self, item_id: int, *, actor: str, note: str) -> WorkItem:
        """Mark a failed item done by hand, recording who and why."""

    @abstractmethod
    def edit_and_retry(self, item_id: int, changes: dict[str, Any], *, actor: str) -> WorkItem:
        """Change top-level fields of a failed item's payload and put it back to pending, at once.

        Only fields the payload has may change (InvalidInput naming the first that it lacks).
        The history keeps each field's old and new value (encrypted, like every detail).
        """

    # -- reading --------------------------------------------------------
    @abstractmethod
    def get(self, item_id: int) -> WorkItem:
        """The item with its files listed; raises ItemNotFound."""

    @abstractmethod
    def list(
        self,
        queue: str | None = None,
        *,
        state: State | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[WorkItem]:
        """Items, newest first."""

    @abstractmethod
    def count(
        self, queue: str | None = None, *, state: State | None = None,
        exception_type: ExceptionType | None = None,
    ) -> int: ...

    @abstractmethod
    def stats(self) -> dict[str, dict[str, int]]:
        """``{queue: {state: count}}`` with every state present (0 where none)."""

    @abstractmethod
    def history(self, item_id: int) -> list[HistoryEntry]: ...

    @abstractmethod
    def search(
        self,
        queue: str,
        *,
        state: State | None = None,
        exception_type: ExceptionType | None = None,
        since: float | None = None,
        until: float | None = None,
        date_field: str = "updated",
        reference: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[WorkItem], int]:
        """One page of a queue's items, newest first, and how many match in all.

        ``since`` (inclusive) and ``until`` (exclusive), epoch seconds, bound the items'
        ``updated_at``, or their ``created_at`` with ``date_field="created"``. ``reference``
        matches any part of the reference, ignoring case. Filters never decrypt anything,
        and the items come back with ``payload`` None and no files listed: ``get`` reads one.
        """

    # -- payload and files ----------------------------------------------
    @abstractmethod
    def save_payload(self, item_id: int, payload: Any, *, actor: str = "api") -> None: ...

    @abstractmethod
    def list_files(self, item_id: int) -> list[FileInfo]: ...

    @abstractmethod
    def get_file(self, item_id: int, name: str) -> bytes: ...

    @abstractmethod
    def add_file(self, item_id: int, name: str, content: bytes) -> FileInfo:
        """Attach (or replace) a file; the name is sanitised and returned in the FileInfo."""

    @abstractmethod
    def remove_file(self, item_id: int, name: str) -> None: ...

    # -- queues ---------------------------------------------------------
    @abstractmethod
    def queue_settings(self, queue: str) -> QueueSettings: ...

    @abstractmethod
    def configure_queue(self, queue: str, changes: dict[str, Any]) -> QueueSettings:
        """Change settings of a queue; raises InvalidInput naming an unknown or bad setting."""

    @abstractmethod
    def queues(self) -> list[str]: ...

    # -- life -----------------------------------------------------------
    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
