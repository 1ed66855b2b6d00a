"""The work-item model: states, exception types, queue settings, items and their history.

These are plain values. Stores (``workitems.store``) persist them; nothing here
touches a database.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

from .errors import InvalidInput


class State(str, enum.Enum):
    """Where a work item is in its life."""

    PENDING = "pending"  # waiting to be claimed (maybe not before a time)
    RESERVED = "reserved"  # claimed by a worker, under a lease
    DONE = "done"  # finished
    FAILED = "failed"  # waits for a person (BUSINESS, or APPLICATION past the limit)

    @classmethod
    def parse(cls, value: str) -> "State":
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise InvalidInput(f"unknown state {value!r}: use one of {names}") from None


class ExceptionType(str, enum.Enum):
    """Why an item failed. The same two kinds as ``RPA.Robocorp.WorkItems.Error``."""

    BUSINESS = "BUSINESS"  # the input is wrong: never retried, goes to a person
    APPLICATION = "APPLICATION"  # a system failed: retried with backoff

    @classmethod
    def parse(cls, value: str | None) -> "ExceptionType":
        if value is None:
            return cls.APPLICATION
        try:
            return cls(str(value).strip().upper())
        except ValueError:
            raise InvalidInput(
                f"unknown exception type {value!r}: use BUSINESS or APPLICATION"
            ) from None


@dataclass(frozen=True)
class QueueSettings:
    """Per-queue behaviour. Every field has a default; ``nightshift queues set`` changes them."""

    lease_seconds: float = 300.0
    max_attempts: int = 3
    backoff_seconds: float = 60.0  # delay before the first retry
    backoff_factor: float = 2.0  # each further retry waits this much longer
    backoff_max_seconds: float = 3600.0

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def with_changes(self, changes: dict[str, Any]) -> "QueueSettings":
        """A copy with ``changes`` applied, each checked; raises InvalidInput naming the bad one."""
        known = {f.name: f.type for f in fields(self)}
        values = {name: getattr(self, name) for name in known}
        for name, raw in changes.items():
            key = name.replace("-", "_")
            if key not in known:
                raise InvalidInput(
                    f"unknown queue setting {name!r}: use one of {', '.join(known)}"
                )
            caster = int if key == "max_attempts" else float
            try:
                value = caster(raw)
            except (TypeError, ValueError):
                raise InvalidInput(
                    f"queue setting {name!r} must be a number, got {raw!r}"
                ) from None
            if not math.isfinite(value) or value < (1 if key in ("max_attempts", "backoff_factor") else 0):
                raise InvalidInput(f"queue setting {name!r} is out of range: {raw!r}")
            if key == "lease_seconds" and value < 1:
                raise InvalidInput(f"queue setting {name!r} must be at least 1 second")
            values[key] = value
        return QueueSettings(**values)

    def backoff(self, attempts: int) -> float:
        """Seconds to wait before the next try after ``attempts`` tries have failed."""
        delay = self.backoff_seconds * (self.backoff_factor ** max(attempts - 1, 0))
        return min(delay, self.backoff_max_seconds)


@dataclass(frozen=True)
class ItemException:
    type: ExceptionType
    code: str | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type.value, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class FileInfo:
    name: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size}


@dataclass
class WorkItem:
    id: int
    queue: str
    state: State
    payload: Any
    reference: str | None = None
    priority: int = 0
    parent_id: int | None = None
    attempts: int = 0
    not_before: float | None = None
    deadline: float | None = None
    lease_expires_at: float | None = None
    worker: str | None = None
    exception: ItemException | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    files: list[FileInfo] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape used by ``--json`` output and the portal's JSON twins."""
        return {
            "id": self.id,
            "queue": self.queue,
            "state": self.state.value,
            "payload": self.payload,
            "reference": self.reference,
            "priority": self.priority,
            "attempts": self.attempts,
            "parent_id": self.parent_id,
            "files": [f.to_dict() for f in self.files],
            "exception": self.exception.to_dict() if self.exception else None,
            "not_before": iso(self.not_before),
            "deadline": iso(self.deadline),
            "lease_expires_at": iso(self.lease_expires_at),
            "worker": self.worker,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass(frozen=True)
class HistoryEntry:
    """One state change: who or which run, when, from, to, why."""

    item_id: int
    at: float
    actor: str
    from_state: State | None
    to_state: State
    event: str
    detail: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "at": iso(self.at),
            "actor": self.actor,
            "from": self.from_state.value if self.from_state else None,
            "to": self.to_state.value,
            "event": self.event,
            "detail": self.detail,
        }


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="milliseconds")
