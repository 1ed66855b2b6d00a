"""The durable work-item queue: model, stores (SQLite, PostgreSQL), files, encryption,
and the ``RPA.Robocorp.WorkItems`` adapter (``workitems.rpa.QueueAdapter``).

It stands on nothing else of nightshift's: the scheduler, the portal and the
keywords use it, never the other way round.
"""

from .errors import (
    FileNotAttached,
    FileTooLarge,
    InvalidInput,
    ItemNotFound,
    LeaseLost,
    StoreUnavailable,
    WorkItemError,
    WrongKey,
)
from .model import ExceptionType, FileInfo, HistoryEntry, ItemException, QueueSettings, State, WorkItem

__all__ = [
    "ExceptionType", "FileInfo", "FileNotAttached", "FileTooLarge", "HistoryEntry", "InvalidInput",
    "ItemException", "ItemNotFound", "LeaseLost", "QueueSettings", "State", "StoreUnavailable",
    "WorkItem", "WorkItemError", "WrongKey",
]
