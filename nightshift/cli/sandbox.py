"""``nightshift sandbox``: the stand-in legacy systems and their synthetic inputs.

The commands live in ``sandbox_servers.py`` (up, down) and ``sandbox_data.py``
(generate, seed); this module only holds the sub-app they register on.
"""

from __future__ import annotations

import typer

from .common import app

sandbox_app = typer.Typer(
    help="Stand-in legacy systems (case management, bookings, finance) and synthetic inputs for demos and tests.",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")
