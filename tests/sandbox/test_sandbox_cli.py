"""``nightshift sandbox up --detach`` and ``down`` as a user runs them, in a subprocess."""

from __future__ import annotations

import json
import os
import random
import socket
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sandbox.web.runner import port_in_use

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(120)


def free_port_base() -> int:
    """A base with base, base+1 and base+2 free (the three systems' ports)."""
    for _ in range(200):
        base = random.randrange(20_000, 40_000)
        if not any(port_in_use(base + i) for i in range(3)):
            return base
    raise RuntimeError("no three free ports in a row found")


def nightshift(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nightshift", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=90)


@pytest.fixture
def env(nightshift_home, monkeypatch) -> dict[str, str]:
    monkeypatch.delenv("NIGHTSHIFT_SANDBOX_PASSWORD", raising=False)
    return {**os.environ, "NIGHTSHIFT_HOME": str(nightshift_home)}


def test_up_detach_serves_until_down(env, nightshift_home):
    base = free_port_base()
    try:
        started = nightshift("sandbox", "up", "--detach", "--port-base", str(base), "--chaos", "light",
                             "--chaos-seed", "7", env=env)
        assert started.returncode == 0, started.stderr
        users = nightshift_home / "sandbox" / "users.json"
        assert f"http://127.0.0.1:{base}/" in started.stdout and str(users) in started.stdout
        record = json.loads((nightshift_home / "sandbox" / "servers.json").read_text())
        assert record["systems"]["casesystem"]["port"] == base and record["chaos"]["seed"] == 7
        assert httpx.get(f"http://127.0.0.1:{base}/healthz").json()["system"] == "casesystem"

        # The credentials file is private and its passwords are printed nowhere.
        assert stat.S_IMODE(users.stat().st_mode) == 0o600
        passwords = [u["password"] for u in json.loads(users.read_text())["users"]]
        printed = started.stdout + started.stderr + (nightshift_home / "sandbox" / "servers.log").read_text()
        assert passwords and not any(p in printed for p in passwords)

        again = nightshift("sandbox", "up", "--port-base", str(base + 10), env=env)
        assert again.returncode == 2 and "already running" in again.stderr
    finally:
        stopped = nightshift("sandbox", "down", env=env)
    assert stopped.returncode == 0 and "sandbox stopped" in stopped.stdout
    assert not (nightshift_home / "sandbox" / "servers.json").exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{base}/healthz")
    none = nightshift("sandbox", "down", env=env)
    assert none.returncode == 0 and "no sandbox is running" in none.stdout


def test_up_refuses_a_port_in_use(env):
    base = free_port_base()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base))
        taken.listen()
        result = nightshift("sandbox", "up", "--port-base", str(base), env=env)
    assert result.returncode == 2
    assert f"port {base}" in result.stderr and "--port-base" in result.stderr


def test_up_refuses_bad_chaos_settings(env):
    result = nightshift("sandbox", "up", "--chaos", "medium", env=env)
    assert result.returncode == 2 and "unknown chaos preset 'medium'" in result.stderr
    result = nightshift("sandbox", "up", "--chaos-errors", "1.5", env=env)
    assert result.returncode == 2 and "between 0 and 1" in result.stderr
