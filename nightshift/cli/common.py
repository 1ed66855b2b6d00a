"""What every sub-command shares: the app, consoles, the store, and how to fail."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    name="nightshift",
    help="Open robotic process automation: work-item queues, overnight bots, supervisor review.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line reason to stderr and exit (2: bad input). ``message`` is plain text."""
    err_console.print(f"[bold red]error:[/] {escape(' '.join(str(message).split()))}", highlight=False, soft_wrap=True)
    sys.exit(code)


@contextmanager
def open_store() -> Iterator["Store"]:  # noqa: F821
    """The store named by NIGHTSHIFT_DB, closed afterwards; errors become exit 2."""
    from workitems.store import open_store as _open

    store = _open()
    try:
        yield store
    finally:
        store.close()
