"""The ``nightshift`` command: one Typer app, one sub-app per area.

Bad input anywhere ends with exit code 2 and a one-line reason on stderr
(``fail``); that is the contract scripts and the checks rely on.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from .common import app, console, err_console, fail  # noqa: F401  (re-exported)


def _register() -> None:
    # Sub-apps register themselves on import; each lives in its own module.
    from . import bench, demo, items, keys, queues  # noqa: F401


def main() -> NoReturn:
    _register()
    from workitems.errors import WorkItemError

    try:
        app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except WorkItemError as exc:
        fail(str(exc))
    except Exception as exc:  # click's usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(2)
        raise
    sys.exit(0)
