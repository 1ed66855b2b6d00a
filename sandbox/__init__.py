"""Stand-in legacy systems and synthetic inputs, for the demo, the tests and the benchmarks.

No product code imports this package: bots reach these systems only through their web
pages, exactly as they reach real ones (see DESIGN.md).

``sandbox.web``      the shared framework (login, sessions, CSRF, chaos, app factory, runner)
``sandbox.systems``  the registry of systems: name, port offset, app factory, seed loader
``sandbox.casesystem``, ``sandbox.booking``, ``sandbox.finance``  the systems
``sandbox.data``, ``sandbox.generate``  synthetic inputs
"""

from __future__ import annotations

from .systems import SYSTEMS, SystemEntry, available_systems, resolve

__all__ = ["SYSTEMS", "SystemEntry", "available_systems", "resolve"]
