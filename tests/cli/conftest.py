"""Fixtures for the command-line tests: the real ``nightshift`` command, run in a subprocess
against a fresh ``NIGHTSHIFT_HOME`` (SQLite) with its own key, asserting what a user sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Settings from the developer's shell must not leak into the tests.
CLEARED = ("NIGHTSHIFT_DB", "NIGHTSHIFT_KEY", "NIGHTSHIFT_FILES", "NIGHTSHIFT_MAX_FILE_BYTES", "NIGHTSHIFT_QUEUE",
           "NIGHTSHIFT_OUTPUT_QUEUE", "RPA_WORKITEMS_ADAPTER")


@dataclass
class Result:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def __str__(self) -> str:
        return f"nightshift {' '.join(self.args)} -> exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


class Nightshift:
    """Runs ``python -m nightshift ARGS`` with this test's home, key and database."""

    def __init__(self, home: Path, env: dict[str, str]):
        self.home = home
        self.env = env

    def __call__(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "nightshift", *args],
            env={**self.env, **(env or {})},
            cwd=self.home.parent,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )
        return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.code == 0, str(result)
        return result

    def bad(self, *args: str, **kwargs: Any) -> str:
        """Run a command that must refuse its input: exit 2, one line on stderr, no traceback.
        Returns that line."""
        result = self(*args, **kwargs)
        assert result.code == 2, str(result)
        lines = result.err.strip().splitlines()
        assert len(lines) == 1, str(result)
        assert "Traceback" not in result.err, str(result)
        assert lines[0].startswith("error: "), str(result)
        return lines[0]

    def items(self, queue: str, *extra: str) -> list[dict[str, Any]]:
        return self.ok("items", "list", queue, "--json", "--limit", "100000", *extra).json()

    @contextmanager
    def store(self) -> Iterator[Any]:
        """The same store, opened in this process, to arrange what the CLI cannot (claims, failures)."""
        from workitems.store import open_store

        store = open_store()
        try:
            yield store
        finally:
            store.close()


@pytest.fixture
def nightshift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Nightshift:
    from workitems.crypto import generate_key

    home = tmp_path / "home"
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    # Set in this process too, so that ``Nightshift.store`` opens the same database with the same key.
    monkeypatch.setenv("NIGHTSHIFT_HOME", str(home))
    monkeypatch.setenv("NIGHTSHIFT_KEY", generate_key())
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["COLUMNS"] = "200"  # wide enough that table cells are not wrapped
    env["PYTHONIOENCODING"] = "utf-8"
    return Nightshift(home, env)


@pytest.fixture
def failed_items(nightshift: Nightshift) -> dict[str, int]:
    """Three items of queue 'referrals': one failed BUSINESS, one failed APPLICATION (past its
    last attempt), one pending. Returns their ids by kind."""
    from workitems.model import ExceptionType

    nightshift.ok("queues", "set", "referrals", "max_attempts=1")
    ids = {}
    for reference in ("REF-B", "REF-A", "REF-P"):
        ids[reference] = nightshift.ok(
            "items", "add", "referrals", "--payload", '{"nhs_number": "9434765919"}', "--reference", reference, "--json"
        ).json()["id"]
    with nightshift.store() as store:
        for reference, kind, code in (("REF-B", ExceptionType.BUSINESS, "INVALID_NHS_NUMBER"),
                                      ("REF-A", ExceptionType.APPLICATION, "CASE_SYSTEM_DOWN")):
            item = store.claim("referrals", "test-worker")
            assert item is not None and item.id == ids[reference]
            store.fail(item.id, "test-worker", kind, code, "the case system said no")
    return {"business": ids["REF-B"], "application": ids["REF-A"], "pending": ids["REF-P"]}
