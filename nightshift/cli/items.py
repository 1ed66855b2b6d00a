"""``nightshift items``: add, import, list, show, retry and count work items.

Tables never show payload values (they are personal data); ``--json`` output
does, because whoever asks for JSON asked for the data.
"""

from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from .common import app, console, err_console
from .support import (
    actor,
    check_priority,
    fail,
    note,
    parse_item_id,
    parse_json,
    print_json,
    say,
    store_session,
    when,
)

items_app = typer.Typer(
    help="Work items: add and import them, see what happened to them, retry failures.",
    no_args_is_help=True,
)
app.add_typer(items_app, name="items")

STATES = ("pending", "reserved", "done", "failed")
PROGRESS_FROM_BYTES = 1 << 20  # below this a file reads too fast for a progress bar to help


@items_app.command("add")
def add(
    queue: Annotated[str, typer.Argument(metavar="QUEUE", help="Queue to add the item to, e.g. referrals.")],
    payload: Annotated[
        str, typer.Option("--payload", "-p", metavar="JSON", help='The item\'s data as JSON, e.g. \'{"case": "R-1"}\'.')
    ] = "{}",
    reference: Annotated[
        Optional[str],
        typer.Option(
            "--reference", "-r", metavar="REF",
            help="Business key, unique per queue: adding it again returns the existing item.",
        ),
    ] = None,
    priority: Annotated[int, typer.Option("--priority", metavar="N", help="Higher is claimed first.")] = 0,
    files: Annotated[
        Optional[list[Path]], typer.Option("--file", "-f", metavar="PATH", help="Attach a file (repeat for more).")
    ] = None,
    not_before: Annotated[
        Optional[str],
        typer.Option(
            "--not-before", metavar="TIME",
            help="Do not claim before this ISO 8601 time, e.g. 2025-01-31T07:00 (local time unless an offset is given).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the item as JSON.")] = False,
) -> None:
    """Add one work item to QUEUE (nothing is added when an item with the same --reference exists)."""
    data = parse_json(payload, "--payload")
    check_priority(priority)
    start = _parse_time(not_before, "--not-before") if not_before else None
    ref = reference.strip() if reference is not None else None
    if reference is not None and not ref:
        fail("--reference is empty: give a business key, or leave the option out")
    attachments = _read_files(files or [])
    with store_session() as store:
        item, created = store.add(
            queue, data, reference=ref, priority=priority, not_before=start,
            files=attachments, actor=actor(),
        )
    if as_json:
        print_json({**item.to_dict(), "created": created})
    elif created:
        say(f"created item {item.id} in queue {queue!r}")
    else:
        say(f"item {item.id} already exists in queue {queue!r} with reference {ref!r}: nothing added")


def _parse_time(text: str, option: str) -> float:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(
            f"{option} {text!r} is not an ISO 8601 time: use e.g. 2025-01-31T07:00 "
            "or 2025-01-31T07:00:00+00:00"
        )
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a time without an offset is local time
    return moment.timestamp()


def _read_files(paths: list[Path]) -> list[tuple[str, bytes]]:
    """Check every --file before anything is opened or written, then read them."""
    from workitems import config
    from workitems.errors import InvalidInput

    try:
        limit = config.max_file_bytes()
    except InvalidInput as exc:
        fail(str(exc))
    for path in paths:
        if not path.exists():
            fail(f"--file {str(path)!r} does not exist")
        if not path.is_file():
            fail(f"--file {str(path)!r} is not a file")
        size = path.stat().st_size
        if size > limit:
            fail(
                f"--file {str(path)!r} is {size:,} bytes, over the limit of {limit:,} bytes "
                "(raise NIGHTSHIFT_MAX_FILE_BYTES if it must be stored)"
            )
    attachments = []
    for path in paths:
        try:
            attachments.append((path.name, path.read_bytes()))
        except OSError as exc:
            fail(f"--file {str(path)!r} cannot be read: {exc.strerror}")
    return attachments


@items_app.command("import")
def import_items(
    queue: Annotated[str, typer.Argument(metavar="QUEUE", help="Queue to add the items to.")],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A .jsonl/.ndjson, .csv (UTF-8) or .xlsx file.", show_default=False)],
    fmt: Annotated[
        Optional[str], typer.Option("--format", metavar="FORMAT", help="jsonl, csv or xlsx, when the file name does not say.")
    ] = None,
) -> None:
    """Add one item per row of FILE, all or nothing.

    Columns named reference and priority become the item's fields; the other
    columns make up its payload. CSV and XLSX take their column names from the
    header row (XLSX: the first sheet; dates become ISO text). A row whose
    reference is already in the queue adds nothing. If any row is bad, the
    command names the row and adds no item at all. Rows are numbered as an
    editor shows them: the line in JSON lines, the sheet row (header = 1) in
    CSV and XLSX.
    """
    from . import item_import

    if not file.exists():
        fail(f"{str(file)!r} does not exist")
    if not file.is_file():
        fail(f"{str(file)!r} is not a file")
    try:
        new_items = _read_rows(file, item_import.detect_format(file, fmt))
    except item_import.RowError as exc:
        where = f"{file}, row {exc.row}" if exc.row is not None else str(file)
        joint = " " if exc.reason.startswith(("is ", "has ")) else ": "
        fail(f"{where}{joint}{exc.reason}; nothing was imported")
    except OSError as exc:
        fail(f"{str(file)!r} cannot be read: {exc.strerror or exc}")
    if not new_items:
        say(f"{file} has no rows: nothing imported")
        return
    with store_session() as store:
        writing = err_console.status(f"adding {len(new_items):,} items to {queue!r}…", spinner="dots")
        with writing if err_console.is_terminal else nullcontext():
            results = store.add_many(queue, new_items, actor=actor())
    created = sum(1 for _, was_created in results if was_created)
    say(
        f"imported {file} into {queue!r}: {created:,} created, "
        f"{len(results) - created:,} already present (same reference)"
    )


def _read_rows(file: Path, fmt: str) -> list[Any]:
    from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn

    from . import item_import

    source = item_import.open_source(file, fmt)
    units = DownloadColumn() if fmt != "xlsx" else MofNCompleteColumn()
    show = err_console.is_terminal and file.stat().st_size >= PROGRESS_FROM_BYTES
    new_items = []
    with Progress(
        TextColumn("reading {task.description}"), BarColumn(), units,
        console=err_console, transient=True, disable=not show,
    ) as progress:
        task = progress.add_task(file.name, total=source.total or None)
        for number, record, done in source.rows:
            try:
                new_items.append(item_import.to_new_item(record, case_sensitive=fmt == "jsonl"))
            except item_import.RowError as exc:
                raise item_import.RowError(exc.reason, number) from None
            if show and number % 500 == 0:
                progress.update(task, completed=done)
    return new_items


def _state(value: Optional[str]) -> Any:
    from workitems.model import State

    if value is None:
        return None
    try:
        return State(value.strip().lower())
    except ValueError:
        fail(f"--state {value!r} is not a state: use one of {', '.join(STATES)}")


@items_app.command("list")
def list_items(
    queue: Annotated[str, typer.Argument(metavar="QUEUE", help="Queue to list.")],
    state: Annotated[
        Optional[str], typer.Option("--state", "-s", metavar="STATE", help="Only items in this state: pending, reserved, done or failed.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", metavar="N", help="At most this many items, newest first.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of items, payloads included.")] = False,
) -> None:
    """List the items of QUEUE, newest first (the table leaves payloads out)."""
    wanted = _state(state)
    if limit < 1:
        fail(f"--limit {limit} must be at least 1")
    with store_session() as store:
        found = store.list(queue, state=wanted, limit=limit)
        total = store.count(queue, state=wanted) if len(found) >= limit else len(found)
        known = store.queues() if not found else []
    if as_json:
        print_json([item.to_dict() for item in found])
        return
    if not found:
        in_state = f" in state {wanted.value}" if wanted else ""
        say(f"no items in queue {queue!r}{in_state}")
        if queue not in known and known:
            note(f"known queues: {', '.join(known)}")
        return
    table = Table(title=f"queue {queue}", title_justify="left")
    for column in ("id", "state", "reference", "priority", "attempts", "exception", "updated"):
        table.add_column(
            column,
            justify="right" if column in ("id", "priority", "attempts") else "left",
            no_wrap=column in ("id", "state", "priority", "attempts"),
            min_width=9 if column in ("reference", "exception") else None,
            overflow="fold",
        )
    for item in found:
        table.add_row(
            str(item.id), _styled_state(item.state.value), Text(item.reference or ""),
            str(item.priority), str(item.attempts), Text(_exception_label(item)), when(item.updated_at),
        )
    console.print(table)
    if total > len(found):
        note(f"showing the newest {len(found)} of {total}; use --limit to see more")


def _styled_state(state: str) -> Text:
    return Text(state, style={"done": "green", "failed": "red", "reserved": "yellow"}.get(state, ""))


def _exception_label(item: Any) -> str:
    if item.exception is None:
        return ""
    exc = item.exception
    return f"{exc.type.value}/{exc.code}" if exc.code else exc.type.value


@items_app.command("show")
def show(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="The item's id (see 'items list').")],
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the payload's values, not just its fields.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the item and its history as JSON.")] = False,
) -> None:
    """Show one item: its fields, files, exception and history."""
    wanted = parse_item_id(item_id)
    with store_session() as store:
        item = store.get(wanted)
        history = store.history(wanted)
    if as_json:
        print_json({**item.to_dict(), "history": [entry.to_dict() for entry in history]})
        return
    from .item_view import print_item

    print_item(item, history, reveal=reveal)


@items_app.command("retry")
def retry(
    item_id: Annotated[
        Optional[str], typer.Argument(metavar="ID", help="The failed item to retry.", show_default=False)
    ] = None,
    all_failed: Annotated[
        Optional[str], typer.Option("--all-failed", metavar="QUEUE", help="Retry every failed item of QUEUE.")
    ] = None,
    exception_type: Annotated[
        Optional[str],
        typer.Option("--type", metavar="APPLICATION|BUSINESS", help="With --all-failed: only items that failed so."),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why, for the item's history.")] = "retried by hand",
) -> None:
    """Put a failed item (or every failed item of a queue) back to pending, to be claimed now."""
    from workitems.model import ExceptionType

    if (item_id is None) == (all_failed is None):
        fail("give either an item ID or --all-failed QUEUE (not both)")
    kind = None
    if exception_type is not None:
        if all_failed is None:
            fail("--type only goes with --all-failed QUEUE")
        try:
            kind = ExceptionType(exception_type.strip().upper())
        except ValueError:
            fail(f"--type {exception_type!r} is not an exception type: use APPLICATION or BUSINESS")
    if item_id is not None:
        wanted = parse_item_id(item_id)
        with store_session() as store:
            item = store.retry(wanted, actor=actor(), reason=reason)
        say(f"item {item.id} in queue {item.queue!r} is {item.state.value} again")
        return
    with store_session() as store:
        count = store.retry_failed(all_failed, actor=actor(), exception_type=kind)
    which = f"{kind.value} " if kind else ""
    say(f"retried {count} failed {which}item{'s' if count != 1 else ''} in queue {all_failed!r}")


@items_app.command("stats")
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print {queue: {state: count}} as JSON.")] = False) -> None:
    """Count the items of every queue by state."""
    with store_session() as store:
        counts = store.stats()
    if as_json:
        print_json(counts)
        return
    if not counts:
        say("no queues yet: add items with 'nightshift items add QUEUE --payload JSON'")
        return
    table = Table()
    table.add_column("queue")
    for state in (*STATES, "total"):
        table.add_column(state, justify="right")
    for queue in sorted(counts):
        row = [counts[queue].get(state, 0) for state in STATES]
        table.add_row(Text(queue), *(str(n) for n in row), str(sum(counts[queue].values())))
    console.print(table)
