"""``nightshift queues``: see queues and change their settings (lease, attempts, backoff)."""

import dataclasses
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from workitems.model import QueueSettings

from .common import app, console
from .support import fail, note, print_json, say, store_session

queues_app = typer.Typer(
    help="Queues: their item counts and settings (lease time, maximum attempts, backoff).",
    no_args_is_help=True,
)
app.add_typer(queues_app, name="queues")

STATES = ("pending", "reserved", "done", "failed")
MEANINGS = {
    "lease_seconds": "how long a claim lasts unless the worker renews it; then another worker may take the item",
    "max_attempts": "tries before an APPLICATION failure stays failed",
    "backoff_seconds": "wait before the first retry after an APPLICATION failure",
    "backoff_factor": "each further retry waits this many times longer",
    "backoff_max_seconds": "the longest wait between retries",
}


def _settings_dict(settings: QueueSettings) -> dict[str, Any]:
    return dataclasses.asdict(settings)


@queues_app.command("list")
def list_queues(
    as_json: Annotated[bool, typer.Option("--json", help="Print the queues, counts and settings as JSON.")] = False,
) -> None:
    """List every queue with its item counts by state and its main settings."""
    with store_session() as store:
        counts = store.stats()
        names = sorted(set(store.queues()) | set(counts))
        settings = {name: store.queue_settings(name) for name in names}
    zero = {state: 0 for state in STATES}
    if as_json:
        print_json(
            [
                {"name": name, "counts": {**zero, **counts.get(name, {})}, "settings": _settings_dict(settings[name])}
                for name in names
            ]
        )
        return
    if not names:
        say("no queues yet: add items with 'nightshift items add QUEUE --payload JSON'")
        return
    table = Table()
    table.add_column("queue")
    for state in STATES:
        table.add_column(state, justify="right")
    table.add_column("lease s", justify="right")
    table.add_column("max attempts", justify="right")
    for name in names:
        row = {**zero, **counts.get(name, {})}
        table.add_row(
            Text(name), *(str(row[state]) for state in STATES),
            _number(settings[name].lease_seconds), str(settings[name].max_attempts),
        )
    console.print(table)


@queues_app.command("show")
def show_queue(
    queue: Annotated[str, typer.Argument(metavar="QUEUE", help="The queue's name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts and settings as JSON.")] = False,
) -> None:
    """Show a queue's settings (marking those changed from the default) and its item counts."""
    with store_session() as store:
        settings = store.queue_settings(queue)
        known = queue in store.queues()
        counts = {**{state: 0 for state in STATES}, **store.stats().get(queue, {})}
    if as_json:
        print_json({"name": queue, "counts": counts, "settings": _settings_dict(settings)})
        return
    defaults = QueueSettings()
    table = Table(title=f"queue {queue}", title_justify="left")
    table.add_column("setting")
    table.add_column("value", justify="right")
    table.add_column("meaning")
    for name, value in _settings_dict(settings).items():
        changed = value != getattr(defaults, name)
        table.add_row(name, Text(_number(value), style="bold" if changed else ""),
                      MEANINGS.get(name, "") + ("" if changed else " (default)"))
    console.print(table)
    say("items: " + ", ".join(f"{counts[state]} {state}" for state in STATES))
    if not known:
        note(f"queue {queue!r} has no items or settings yet: these are the defaults")


@queues_app.command(
    "set",
    help="Change settings of QUEUE, e.g. 'nightshift queues set referrals max_attempts=5 lease_seconds=600'. "
    f"Settings: {', '.join(QueueSettings.names())}.",
)
def set_queue(
    queue: Annotated[str, typer.Argument(metavar="QUEUE", help="The queue's name.")],
    assignments: Annotated[
        list[str], typer.Argument(metavar="SETTING=VALUE...", help="One or more settings to change.", show_default=False)
    ],
) -> None:
    from workitems.errors import InvalidInput

    changes: dict[str, str] = {}
    names = QueueSettings.names()
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            fail(f"{assignment!r} is not SETTING=VALUE: e.g. max_attempts=5")
        key = name.replace("-", "_")
        if key not in names:
            fail(f"unknown queue setting {name!r}: use one of {', '.join(names)}")
        if key in changes:
            fail(f"queue setting {name!r} is given twice")
        if not value:
            fail(f"queue setting {name!r} has no value: e.g. {key}=5")
        changes[key] = value
    try:
        QueueSettings().with_changes(changes)  # check every value before the store is opened
    except InvalidInput as exc:
        fail(str(exc))
    with store_session() as store:
        settings = store.configure_queue(queue, changes)
    say(f"queue {queue!r}: " + ", ".join(f"{key}={_number(getattr(settings, key))}" for key in changes))


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
