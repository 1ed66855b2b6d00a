"""Where the sandbox keeps its data, and the settings every system is started with."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PASSWORD_ENV = "NIGHTSHIFT_SANDBOX_PASSWORD"
DEFAULT_IDLE_SECONDS = 15 * 60


def sandbox_home() -> Path:
    """``NIGHTSHIFT_HOME/sandbox`` (``NIGHTSHIFT_HOME`` defaults to ``./var``), created if missing."""
    home = Path(os.environ.get("NIGHTSHIFT_HOME") or "./var").resolve() / "sandbox"
    home.mkdir(mode=0o700, parents=True, exist_ok=True)  # synthetic, but it looks like personal data
    return home


def db_path(system: str, home: Path | None = None) -> Path:
    """The SQLite file of one system: ``NIGHTSHIFT_HOME/sandbox/<system>.db``."""
    return (home or sandbox_home()) / f"{system}.db"


@dataclass(frozen=True)
class ChaosSettings:
    """How badly a system behaves. All shares are 0..1 and are drawn per request.

    ``latency_ms``     extra delay, uniform in (min, max), on every request but ``/healthz``
    ``error_rate``     answered with an error page (half HTTP 500, half a 200 page saying
                       "System error"); on a POST the change may or may not have been saved
    ``busy_rate``      answered with the "System busy, please try again" page (HTTP 200)
    ``expire_rate``    the session is found expired (logged-in pages only)
    ``seed``           same seed + same sequence of requests = same chaos
    """

    preset: str = "off"
    latency_min_ms: int = 0
    latency_max_ms: int = 0
    error_rate: float = 0.0
    busy_rate: float = 0.0
    expire_rate: float = 0.0
    seed: int = 0

    @classmethod
    def from_preset(cls, preset: str = "off", seed: int = 0, **overrides: Any) -> ChaosSettings:
        """A preset (``off``, ``light``, ``heavy``) with some values overridden; ``ValueError`` if unknown."""
        if preset not in CHAOS_PRESETS:
            raise ValueError(f"unknown chaos preset {preset!r}: choose one of {', '.join(CHAOS_PRESETS)}")
        values = {**CHAOS_PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None}}
        custom = any(overrides.get(k) is not None and overrides[k] != CHAOS_PRESETS[preset][k] for k in values)
        return cls(preset="custom" if custom else preset, seed=seed, **values).validated()

    def validated(self) -> ChaosSettings:
        """Itself, or ``ValueError`` naming the first value out of range."""
        for name in ("error_rate", "busy_rate", "expire_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"chaos {name} must be between 0 and 1, not {value}")
        if self.error_rate + self.busy_rate + self.expire_rate > 1.0:
            raise ValueError("chaos error_rate + busy_rate + expire_rate must not exceed 1")
        if not 0 <= self.latency_min_ms <= self.latency_max_ms <= 60_000:
            raise ValueError(
                f"chaos latency must satisfy 0 <= min <= max <= 60000 ms, not {self.latency_min_ms}-{self.latency_max_ms}"
            )
        return self

    @property
    def active(self) -> bool:
        return bool(self.latency_max_ms or self.error_rate or self.busy_rate or self.expire_rate)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


CHAOS_PRESETS: dict[str, dict[str, Any]] = {
    "off": dict(latency_min_ms=0, latency_max_ms=0, error_rate=0.0, busy_rate=0.0, expire_rate=0.0),
    "light": dict(latency_min_ms=0, latency_max_ms=150, error_rate=0.02, busy_rate=0.02, expire_rate=0.01),
    "heavy": dict(latency_min_ms=50, latency_max_ms=800, error_rate=0.08, busy_rate=0.08, expire_rate=0.04),
}


@dataclass(frozen=True)
class SystemSettings:
    """What ``create_app`` receives: where data lives, session idle time, chaos, password override.

    ``home`` is the sandbox folder (``NIGHTSHIFT_HOME/sandbox``); each system keeps
    ``<home>/<system>.db`` and all share ``<home>/users.json``.
    """

    home: Path = field(default_factory=sandbox_home)
    session_idle_seconds: float = DEFAULT_IDLE_SECONDS
    chaos: ChaosSettings = field(default_factory=ChaosSettings)
    password_override: str | None = field(default_factory=lambda: os.environ.get(PASSWORD_ENV) or None)

    def with_chaos(self, chaos: ChaosSettings) -> SystemSettings:
        return replace(self, chaos=chaos)
