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
    from . import bench, demo, items, keys, portal, queues, sandbox, sandbox_data, sandbox_servers, scheduling  # noqa: F401
    from . import transcribe  # noqa: F401

    for optional in ("secrets", "run", "sandbox_score", "sandbox_enquiries"):  # being written; absent until then
        try:
            __import__(f"{__name__}.{optional}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{optional}":
                raise


def main() -> NoReturn:
    _register()
    from workitems.errors import WorkItemError

    try:
        # Without standalone mode, click returns (rather than raises) a typer.Exit's code.
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except WorkItemError as exc:
        fail(str(exc))
    except _click_errors() as exc:
        if not exc.format_message().strip():  # no_args_is_help: the help was the answer
            sys.exit(2)
        ctx = getattr(exc, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        fail(f"{exc.format_message()}{where}")
    sys.exit(code if isinstance(code, int) else 0)


def _click_errors() -> tuple[type[BaseException], ...]:
    """Click's usage errors: typer 0.29+ ships its own copy of click, older typer uses click."""
    kinds: list[type[BaseException]] = []
    try:
        from typer._click.exceptions import ClickException as vendored

        kinds.append(vendored)
    except ImportError:
        pass
    try:
        from click.exceptions import ClickException

        kinds.append(ClickException)
    except ImportError:
        pass
    return tuple(kinds)
