"""How ``nightshift items show`` prints one item for people.

The payload's field names are shown, its values only with ``--reveal``: a
supervisor's screen may be shared, and the values are personal data.
"""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text

from .common import console
from .support import when


def print_item(item: Any, history: list[Any], *, reveal: bool) -> None:
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold")
    fields.add_column()
    rows: list[tuple[str, str]] = [
        ("id", str(item.id)),
        ("queue", item.queue),
        ("state", item.state.value),
        ("reference", item.reference or ""),
        ("priority", str(item.priority)),
        ("attempts", str(item.attempts)),
        ("parent", str(item.parent_id) if item.parent_id is not None else ""),
        ("not before", when(item.not_before)),
        ("deadline", when(item.deadline)),
        ("worker", item.worker or ""),
        ("lease until", when(item.lease_expires_at)),
        ("created", when(item.created_at)),
        ("updated", when(item.updated_at)),
    ]
    for name, value in rows:
        if value:
            fields.add_row(name, Text(value))
    console.print(fields)

    console.print()
    if reveal:
        console.print(Text("payload", style="bold"))
        console.print(Text(json.dumps(item.payload, indent=2, ensure_ascii=False)))
    else:
        console.print(Text("payload fields", style="bold"), Text("(values hidden; --reveal shows them)", style="dim"))
        console.print(Text(_payload_outline(item.payload)))

    if item.exception is not None:
        exc = item.exception
        console.print()
        console.print(Text("exception", style="bold red"))
        console.print(Text(f"{exc.type.value}" + (f" {exc.code}" if exc.code else "")))
        if exc.message:
            console.print(Text(exc.message))

    console.print()
    if item.files:
        table = Table(title="files", title_justify="left")
        table.add_column("name")
        table.add_column("bytes", justify="right")
        for info in item.files:
            table.add_row(Text(info.name), f"{info.size:,}")
        console.print(table)
    else:
        console.print(Text("no files", style="dim"))

    console.print()
    table = Table(title="history", title_justify="left")
    for column in ("at", "by", "from", "to", "event", "detail"):
        table.add_column(column)
    for entry in history:
        table.add_row(
            when(entry.at),
            Text(entry.actor),
            entry.from_state.value if entry.from_state else "",
            entry.to_state.value,
            Text(entry.event),
            Text(_detail(entry.detail)),
        )
    console.print(table)


def _payload_outline(payload: Any) -> str:
    if isinstance(payload, dict):
        if not payload:
            return "(empty)"
        return ", ".join(f"{key} ({_kind(value)})" for key, value in payload.items())
    return f"a JSON {_kind(payload)}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "text", list: "list", dict: "object"}.get(
        type(value), type(value).__name__
    )


def _detail(detail: dict[str, Any] | None) -> str:
    if not detail:
        return ""
    return ", ".join(f"{key}={value}" for key, value in detail.items())
