"""``nightshift sandbox up`` and ``down``: serve the stand-in legacy systems on 127.0.0.1.

The case system listens on ``--port-base``, the booking system on base+1 and the
finance system on base+2 (those not written yet are skipped). ``up`` runs until Ctrl-C;
``up --detach`` starts the same command in the background, waits until every system
answers ``/healthz`` and returns. The serving process records its pid and ports in
``NIGHTSHIFT_HOME/sandbox/servers.json``, which ``down`` uses to stop it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .sandbox import sandbox_app
from .support import fail, note, say

SERVERS_FILE = "servers.json"
LOG_FILE = "servers.log"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


@sandbox_app.command("up")
def up(
    port_base: Annotated[int, typer.Option("--port-base", metavar="PORT",
                                           help="Case system port; booking +1, finance +2.")] = 8700,
    chaos: Annotated[str, typer.Option("--chaos", metavar="off|light|heavy",
                                       help="Chaos preset: latency, error pages, busy pages, early expiry.")] = "off",
    chaos_seed: Annotated[int, typer.Option("--chaos-seed", metavar="N",
                                            help="Same seed + same requests = same chaos.")] = 0,
    chaos_latency: Annotated[Optional[str], typer.Option("--chaos-latency", metavar="MIN-MAX",
                                                         help="Override the preset's extra latency in ms.")] = None,
    chaos_errors: Annotated[Optional[float], typer.Option("--chaos-errors", metavar="SHARE",
                                                          help="Override the share of error pages (0-1).")] = None,
    chaos_busy: Annotated[Optional[float], typer.Option("--chaos-busy", metavar="SHARE",
                                                        help="Override the share of 'system busy' pages (0-1).")] = None,
    chaos_expiry: Annotated[Optional[float], typer.Option("--chaos-expiry", metavar="SHARE",
                                                          help="Override the share of early session expiry (0-1).")] = None,
    session_idle: Annotated[float, typer.Option("--session-idle", metavar="SECONDS",
                                                help="Log users out after this long without a request.")] = 900,
    detach: Annotated[bool, typer.Option("--detach", help="Start in the background and return once all answer.")] = False,
) -> None:
    """Serve the stand-in legacy systems (case management, booking, finance) on 127.0.0.1.

    Credentials are in NIGHTSHIFT_HOME/sandbox/users.json (created on first start, mode 0600);
    NIGHTSHIFT_SANDBOX_PASSWORD gives every user that password instead.
    """
    from sandbox.systems import SYSTEMS, available_systems
    from sandbox.web import ChaosSettings, SystemSettings, sandbox_home
    from sandbox.web.runner import port_in_use

    try:
        latency_min, latency_max = _latency(chaos_latency)
        chaos_settings = ChaosSettings.from_preset(
            chaos, seed=chaos_seed, latency_min_ms=latency_min, latency_max_ms=latency_max,
            error_rate=chaos_errors, busy_rate=chaos_busy, expire_rate=chaos_expiry)
    except ValueError as exc:
        fail(f"--chaos: {exc}")
    if session_idle <= 0:
        fail(f"--session-idle must be a positive number of seconds, not {session_idle:g}")
    home = sandbox_home()
    running = _running(home)
    if running is not None:
        fail(f"a sandbox is already running (pid {running['pid']}, {_urls_text(running)}); "
             "stop it with 'nightshift sandbox down'")
    factories = available_systems()
    if not factories:
        fail("no stand-in system is installed (the sandbox package has none of casesystem, booking, finance)")
    ports = {name: port_base + SYSTEMS[name].port_offset for name in factories}
    for name, port in ports.items():
        if not 1024 <= port <= 65535:
            fail(f"port {port} for the {SYSTEMS[name].title} is out of range: choose a --port-base from 1024 to 65533")
        if port_in_use(port):
            fail(f"port {port} (for the {SYSTEMS[name].title}) is already in use: choose another --port-base "
                 f"(now {port_base})")
    if detach:
        args = ["--port-base", str(port_base), "--chaos", chaos, "--chaos-seed", str(chaos_seed),
                "--session-idle", str(session_idle)]
        for flag, value in (("--chaos-latency", chaos_latency), ("--chaos-errors", chaos_errors),
                            ("--chaos-busy", chaos_busy), ("--chaos-expiry", chaos_expiry)):
            if value is not None:
                args += [flag, str(value)]
        _start_detached(home, ports, args)
        return

    settings = SystemSettings(home=home, session_idle_seconds=session_idle, chaos=chaos_settings)
    try:
        apps = {ports[name]: factory(settings) for name, factory in factories.items()}
    except ValueError as exc:  # e.g. a malformed users.json
        fail(str(exc))
    record = {
        "version": 1, "pid": os.getpid(), "host": "127.0.0.1", "port_base": port_base,
        "systems": {name: {"port": port, "url": f"http://127.0.0.1:{port}/"} for name, port in ports.items()},
        "chaos": chaos_settings.as_dict(), "started_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    _print_started(record, home)
    say("Press Ctrl-C to stop.")
    from sandbox.web.runner import serve

    try:
        serve(apps, on_started=lambda: _write_record(home, record))
    finally:
        _forget(home, os.getpid())
    say("sandbox stopped")


@sandbox_app.command("down")
def down() -> None:
    """Stop the sandbox started by 'nightshift sandbox up' (with or without --detach)."""
    from sandbox.web import sandbox_home

    home = sandbox_home()
    record = _read_record(home)
    if record is None:
        say(f"no sandbox is running (no {home / SERVERS_FILE})")
        return
    pid = int(record["pid"])
    if not _is_sandbox_process(pid):
        _forget(home, pid)
        say(f"no sandbox is running (removed the stale record of pid {pid})")
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        note(f"pid {pid} did not stop within {STOP_TIMEOUT_S:.0f} s; killing it")
        os.kill(pid, signal.SIGKILL)
    _forget(home, pid)
    say(f"sandbox stopped (pid {pid})")


def _latency(raw: str | None) -> tuple[int | None, int | None]:
    if raw is None:
        return None, None
    low, sep, high = raw.partition("-")
    try:
        return (int(low), int(high)) if sep else (int(low), int(low))
    except ValueError:
        raise ValueError(f"--chaos-latency must be MIN-MAX in milliseconds, e.g. 50-800, not {raw!r}") from None


def _print_started(record: dict[str, Any], home: Path) -> None:
    from sandbox.systems import SYSTEMS
    from sandbox.web import PASSWORD_ENV, users_file

    for name, info in record["systems"].items():
        say(f"{SYSTEMS[name].title:<24} {info['url']}")
    if os.environ.get(PASSWORD_ENV):
        say(f"users: robot, supervisor, sandbox.admin; password from {PASSWORD_ENV}")
    else:
        say(f"users and passwords: {users_file(home)}")
    chaos = record["chaos"]
    if chaos["preset"] != "off":
        say(f"chaos: {chaos['preset']} (seed {chaos['seed']}); change it at /admin/chaos as sandbox.admin")


def _urls_text(record: dict[str, Any]) -> str:
    return ", ".join(f"{name} {info['url']}" for name, info in record.get("systems", {}).items())


def _start_detached(home: Path, ports: dict[str, int], args: list[str]) -> None:
    """Run ``sandbox up ARGS`` (in the foreground) in a new session; wait for it to answer on every port."""
    log_path = home / LOG_FILE
    with open(log_path, "ab") as log:
        child = subprocess.Popen([sys.executable, "-m", "nightshift", "sandbox", "up", *args], stdin=subprocess.DEVNULL,
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=os.getcwd())
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if child.poll() is not None:
            fail(f"the sandbox did not start (exit code {child.returncode}); see {log_path}:\n{_tail(log_path)}")
        record = _read_record(home)
        if record and record.get("pid") == child.pid and all(_healthy(p) for p in ports.values()):
            _print_started(record, home)
            say(f"running in the background (pid {child.pid}, log {log_path}); stop it with 'nightshift sandbox down'")
            return
        time.sleep(0.1)
    child.terminate()
    fail(f"the sandbox did not answer on ports {', '.join(map(str, ports.values()))} within "
         f"{START_TIMEOUT_S:.0f} s; see {log_path}")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _write_record(home: Path, record: dict[str, Any]) -> None:
    tmp = home / f".{SERVERS_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    tmp.replace(home / SERVERS_FILE)


def _read_record(home: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((home / SERVERS_FILE).read_text())
        int(record["pid"])
        return record
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _running(home: Path) -> dict[str, Any] | None:
    """The record of a live sandbox process, or None (a stale record is removed)."""
    record = _read_record(home)
    if record is None:
        return None
    if _is_sandbox_process(int(record["pid"])):
        return record
    _forget(home, int(record["pid"]))
    return None


def _forget(home: Path, pid: int) -> None:
    """Remove servers.json if it is the record of ``pid``."""
    record = _read_record(home)
    if record is not None and int(record["pid"]) == pid:
        (home / SERVERS_FILE).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (our own detached child, not yet reaped) is as good as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def _is_sandbox_process(pid: int) -> bool:
    """Alive and running 'nightshift sandbox up' (so a reused pid is never signalled)."""
    if not _alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc: trust the record
    return b"sandbox" in cmdline and b"up" in cmdline
