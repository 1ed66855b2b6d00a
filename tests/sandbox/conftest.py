"""Fixtures for the stand-in systems: each started in-process (uvicorn in a thread) on a free port,
with the suite's private NIGHTSHIFT_HOME and one known password for every user.

``start_system("casesystem", session_idle_seconds=2, chaos=ChaosSettings(...))`` starts any
registered system; ``casesystem`` is the case system with default settings; ``login(page, url)``
logs a Playwright page in through the login form.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

PASSWORD = "sandbox-test-password"  # synthetic, for the tests only


@dataclass
class RunningSystem:
    """A system served on 127.0.0.1 for one test."""

    name: str
    url: str
    app: Any
    home: Path

    @property
    def context(self) -> Any:
        """The system's ``SystemContext`` (settings, chaos), to change behaviour during a test."""
        return self.app.state.sandbox

    def set_idle(self, seconds: float) -> None:
        self.context.settings = replace(self.context.settings, session_idle_seconds=seconds)


@pytest.fixture
def sandbox_password(monkeypatch) -> str:
    monkeypatch.setenv("NIGHTSHIFT_SANDBOX_PASSWORD", PASSWORD)
    return PASSWORD


@pytest.fixture
def start_system(nightshift_home, sandbox_password) -> Iterator[Callable[..., RunningSystem]]:
    """Start a registered system with ``SystemSettings`` overrides; all are stopped after the test."""
    from sandbox.systems import SYSTEMS, resolve
    from sandbox.web import SystemSettings, sandbox_home
    from sandbox.web.runner import ServerThread

    started: list[ServerThread] = []

    def start(name: str, **overrides: Any) -> RunningSystem:
        settings = SystemSettings(home=sandbox_home(), **overrides)
        app = resolve(SYSTEMS[name].factory)(settings)
        server = ServerThread(app)
        started.append(server)
        return RunningSystem(name, server.start(), app, settings.home)

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def casesystem(start_system) -> RunningSystem:
    return start_system("casesystem")


@pytest.fixture
def login(sandbox_password) -> Callable[..., None]:
    """``login(page, base_url, username="robot", password=None)``: log in through the form."""

    def do_login(page: Any, base_url: str, username: str = "robot", password: str | None = None) -> None:
        page.goto(f"{base_url}/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password or sandbox_password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    return do_login
