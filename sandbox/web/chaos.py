"""Reproducible misbehaviour: latency, error pages, "system busy" and early session expiry.

Each counted request ``n`` of a system draws from ``random.Random(f"{seed}:{system}:{n}")``,
so the same seed and the same sequence of requests give the same chaos. The counter
restarts whenever the settings change (at start, or on ``/admin/chaos``). ``/healthz``
and static files are not counted (static files draw latency from their own counter).
"""

from __future__ import annotations

import enum
import random
import threading
from dataclasses import dataclass

from .settings import ChaosSettings


class Outcome(str, enum.Enum):
    """What chaos does to one request."""

    NONE = "none"
    ERROR_500 = "error_500"  # HTTP 500 error page, before the handler runs
    ERROR_PAGE = "error_page"  # HTTP 200 page saying "System error", before the handler runs
    ERROR_AFTER = "error_after"  # the handler ran (a POST may have saved), then an HTTP 500 page
    BUSY = "busy"  # "System busy, please try again" (HTTP 200), handler not run
    EXPIRE = "expire"  # the session is found expired


@dataclass(frozen=True)
class Decision:
    """The outcome and extra latency of request number ``n``."""

    n: int
    outcome: Outcome
    latency_s: float


class Chaos:
    """The chaos of one system: its settings and its request counter (thread-safe)."""

    def __init__(self, system: str, settings: ChaosSettings) -> None:
        self.system = system
        self._lock = threading.Lock()
        self.configure(settings)

    def configure(self, settings: ChaosSettings) -> None:
        """New settings; the counters restart so the new seed's sequence starts from its beginning."""
        with self._lock:
            self.settings = settings.validated()
            self._n = 0
            self._static_n = 0

    def next(self, method: str = "GET") -> Decision:
        """Draw the next request's decision (counts the request)."""
        with self._lock:
            self._n += 1
            n, s = self._n, self.settings
        return decide(self.system, s, n, method)

    def next_static(self) -> float:
        """Latency in seconds for the next static file (counted apart from pages)."""
        with self._lock:
            self._static_n += 1
            n, s = self._static_n, self.settings
        if not s.latency_max_ms:
            return 0.0
        return random.Random(f"{s.seed}:{self.system}:static:{n}").uniform(s.latency_min_ms, s.latency_max_ms) / 1000


def decide(system: str, settings: ChaosSettings, n: int, method: str = "GET") -> Decision:
    """The pure rule: what happens to request ``n`` of ``system`` under ``settings``."""
    if not settings.active:
        return Decision(n, Outcome.NONE, 0.0)
    rng = random.Random(f"{settings.seed}:{system}:{n}")
    latency = rng.uniform(settings.latency_min_ms, settings.latency_max_ms) / 1000 if settings.latency_max_ms else 0.0
    roll, flavour = rng.random(), rng.random()
    if roll < settings.error_rate:
        if method == "POST" and flavour < 0.5:
            outcome = Outcome.ERROR_AFTER  # the worst kind: the change is saved, the page says it failed
        else:
            outcome = Outcome.ERROR_500 if flavour < 0.75 else Outcome.ERROR_PAGE
    elif roll < settings.error_rate + settings.busy_rate:
        outcome = Outcome.BUSY
    elif roll < settings.error_rate + settings.busy_rate + settings.expire_rate:
        outcome = Outcome.EXPIRE
    else:
        outcome = Outcome.NONE
    return Decision(n, outcome, latency)
