"""``make demo`` run twice on the same home: each night starts with empty stand-in systems (the
generator renumbers suppliers and purchase orders each night), and a running sandbox is never
pulled from under its servers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest


def test_a_night_clears_last_nights_stand_in_systems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nightshift.cli.night import _fresh_sandbox

    monkeypatch.setenv("NIGHTSHIFT_HOME", str(tmp_path))
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    for name in ("finance.db", "finance.db-wal", "casesystem.db", "booking.db", "users.json"):
        (sandbox / name).write_text("last night")
    _fresh_sandbox()
    assert sorted(p.name for p in sandbox.iterdir()) == ["users.json"]  # the logins stay


def test_a_running_sandbox_is_left_alone_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nightshift.cli.night import _fresh_sandbox

    monkeypatch.setenv("NIGHTSHIFT_HOME", str(tmp_path))
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    (sandbox / "finance.db").write_text("in use")
    # A live process whose command line reads like 'nightshift sandbox up'.
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "sandbox", "up"])
    try:
        (sandbox / "servers.json").write_text(json.dumps({"pid": server.pid, "ports": {}}))
        with pytest.raises((SystemExit, click.exceptions.Exit)):
            _fresh_sandbox()
    finally:
        server.kill()
        server.wait()
    assert (sandbox / "finance.db").read_text() == "in use"
