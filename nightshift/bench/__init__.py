"""Benchmarks behind ``nightshift bench …``.

Each module measures one part of nightshift against a baseline taken in the
same run (these machines are noisy), as plain functions returning dicts; the
command line (``nightshift.cli.bench``) turns them into a table for people and
one JSON line for scripts. None of them is a test.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The project folder (holds ``robots/``), for robots the benchmarks run.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def rate(count: int, seconds: float) -> float:
    """Items per second, rounded for people; never divides by zero."""
    return round(count / max(seconds, 1e-9), 1)


@contextmanager
def fresh_home(prefix: str = "nightshift-bench-") -> Iterator[Path]:
    """A temporary NIGHTSHIFT_HOME, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


@contextmanager
def environ(**values: str | None) -> Iterator[None]:
    """Set (or, with None, unset) environment variables for the duration."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Stopwatch:
    """``with Stopwatch() as sw: …`` then ``sw.seconds``."""

    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
