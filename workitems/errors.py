"""Exceptions of the work-item queue, beside the interface that raises them.

Every message speaks to the person who reads it: what failed, with which input,
and what to do next. None of them quotes a payload value.
"""


class WorkItemError(Exception):
    """Base class of every error the queue raises."""


class InvalidInput(WorkItemError):
    """The caller gave something the queue cannot accept (bad JSON, unknown setting, …)."""


class ItemNotFound(InvalidInput):
    def __init__(self, item_id: object):
        super().__init__(f"no work item with id {item_id!r}: check the id with 'nightshift items list QUEUE'")
        self.item_id = item_id


class FileNotAttached(InvalidInput):
    def __init__(self, item_id: object, name: str):
        super().__init__(f"work item {item_id} has no file named {name!r}")


class FileTooLarge(InvalidInput):
    def __init__(self, name: str, size: int, limit: int):
        super().__init__(
            f"file {name!r} is {size:,} bytes, over the limit of {limit:,} bytes "
            "(raise NIGHTSHIFT_MAX_FILE_BYTES if it must be stored)"
        )


class LeaseLost(WorkItemError):
    """The worker no longer holds the item: its lease ran out and someone else may have it."""

    def __init__(self, item_id: object, worker: str):
        super().__init__(
            f"work item {item_id} is no longer reserved by {worker!r}: its lease ran out "
            "(raise the queue's lease_seconds if steps take longer)"
        )


class StoreUnavailable(WorkItemError):
    """The database cannot be reached or opened."""


class WrongKey(WorkItemError):
    """NIGHTSHIFT_KEY cannot decrypt what is stored."""
