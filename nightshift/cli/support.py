"""What the ``items``, ``queues`` and ``keys`` commands share beyond ``common``.

Messages built here may quote what the user typed (a queue name, a file name),
so they are escaped before Rich sees them: a name like ``[/x]`` must print as
itself, not be read as markup.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn

from rich.markup import escape

from . import common

# The database keeps priorities in a 32-bit column on every backend.
PRIORITY_MIN, PRIORITY_MAX = -(2**31), 2**31 - 1


def fail(message: str) -> NoReturn:
    """``common.fail`` for a plain-text message (exit 2, one line on stderr)."""
    common.fail(message)


def say(message: str) -> None:
    """One plain-text line for people on stdout."""
    common.console.print(escape(message), highlight=False, soft_wrap=True)


def note(message: str) -> None:
    """One plain-text line on stderr: hints that must not mix with output scripts read."""
    common.err_console.print(escape(message), highlight=False, soft_wrap=True, style="dim")


def print_json(value: Any) -> None:
    """JSON for scripts: plain, no colours, no wrapping, whatever the terminal."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def when(ts: float | None) -> str:
    """An epoch time as local wall-clock time for tables ('' when unset)."""
    if not ts:
        return ""
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def actor() -> str:
    """Who history entries name for actions taken from this command line."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        user = os.environ.get("USER") or "unknown"
    return f"cli:{user}"


def parse_item_id(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        fail(
            f"no work item with id {raw!r}: ids are whole numbers; "
            "find them with 'nightshift items list QUEUE'"
        )
    return value


def parse_json(text: str, what: str) -> Any:
    """Parse JSON, failing with a message that names ``what`` and the position, not the value."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        fail(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
    except ValueError as exc:
        fail(f"{what} is not valid JSON: {exc}")


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON does not, and neither does the store.
    raise ValueError(f"{name} is not a JSON value")


def check_priority(value: int, what: str = "--priority") -> int:
    if not PRIORITY_MIN <= value <= PRIORITY_MAX:
        fail(f"{what} {value} is out of range: use a whole number from {PRIORITY_MIN} to {PRIORITY_MAX}")
    return value


@contextmanager
def store_session() -> Iterator[Any]:
    """``common.open_store`` whose errors (unknown id, wrong key, unreachable database)
    end the command with exit 2 and the store's one-line message."""
    from workitems.errors import WorkItemError

    try:
        with common.open_store() as store:
            yield store
    except WorkItemError as exc:
        fail(str(exc))
