"""The registry of stand-in systems that ``nightshift sandbox up`` serves and ``sandbox seed`` fills.

``SYSTEMS`` gives each system's name, its port offset from ``--port-base`` and the import
paths of its app factory (``create_app(settings: sandbox.web.SystemSettings) -> Starlette``)
and seed loader (``load(db_path, world) -> dict[str, int]``). A system whose package is
not written yet is skipped by ``available_systems``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class SystemEntry:
    """One stand-in system: its name, port offset, app factory and seed loader (import paths)."""

    name: str
    title: str
    port_offset: int
    factory: str  # "module:function"
    seed: str  # "module:function" taking (db_path, world) -> dict[str, int]


SYSTEMS: dict[str, SystemEntry] = {
    entry.name: entry
    for entry in (
        SystemEntry("casesystem", "Case Management System", 0,
                    "sandbox.casesystem.app:create_app", "sandbox.casesystem.seed:load"),
        SystemEntry("booking", "Booking System", 1, "sandbox.booking.app:create_app", "sandbox.booking.seed:load"),
        SystemEntry("finance", "Finance System", 2, "sandbox.finance.app:create_app", "sandbox.finance.seed:load"),
    )
}


def resolve(path: str) -> Callable:
    """Import ``"module:function"`` and return the function."""
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def available_systems() -> dict[str, Callable]:
    """The app factory of every system whose package exists, by name, in port order.

    A system whose own package is missing (not written yet) is skipped; any other
    import error is a bug and propagates.
    """
    found: dict[str, Callable] = {}
    for entry in sorted(SYSTEMS.values(), key=lambda e: e.port_offset):
        module_name = entry.factory.partition(":")[0]
        try:
            found[entry.name] = resolve(entry.factory)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
    return found
