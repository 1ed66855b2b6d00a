"""The settings of automation bids, read from ``bids.yaml`` (or the file ``NIGHTSHIFT_BIDS`` names).

A wrong setting is an ``InvalidInput`` naming the file and the setting, read when a bids
page is used, so a broken file never stops the rest of the portal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.processes import expand, read_yaml, repo_root
from workitems import InvalidInput

SETTING = "NIGHTSHIFT_BIDS"
KNOWN = {"potential_weights", "volume_full", "changes_full", "ease_weights", "system_cost", "data_factor",
         "hourly_rate", "build_day_rate", "fte_hours", "flag_below", "flag_after_days", "max_attachment_mb",
         "systems"}
POTENTIAL_PARTS = ("rules", "structured", "stability", "volume")
EASE_PARTS = ("systems", "data", "exceptions")
DATA_LEVELS = ("none", "personal", "special")


@dataclass(frozen=True)
class BidSettings:
    potential_weights: dict[str, float] = field(default_factory=lambda: {
        "rules": 35, "structured": 25, "stability": 20, "volume": 20})
    volume_full: float = 1000
    changes_full: float = 6
    ease_weights: dict[str, float] = field(default_factory=lambda: {"systems": 40, "data": 30, "exceptions": 30})
    system_cost: dict[str, float] = field(default_factory=lambda: {"new": 0.25, "automated": 0.1})
    data_factor: dict[str, float] = field(default_factory=lambda: {"none": 1.0, "personal": 0.6, "special": 0.3})
    hourly_rate: float = 25
    build_day_rate: float = 450
    fte_hours: float = 1650
    flag_below: float = 0.5
    flag_after_days: float = 28
    max_attachment_mb: float = 5
    systems: dict[str, list[str]] = field(default_factory=dict)  # system → processes that already work it

    @property
    def max_attachment_bytes(self) -> int:
        return int(self.max_attachment_mb * 1024 * 1024)

    def automated(self, system: str) -> list[str]:
        """The processes that already work ``system`` (case and spacing do not matter)."""
        key = _norm(system)
        for name, processes in self.systems.items():
            if _norm(name) == key:
                return processes
        return []


def _norm(text: str) -> str:
    return " ".join(str(text).split()).lower()


def bids_file() -> Path:
    return Path(os.environ.get(SETTING) or repo_root() / "bids.yaml")


def load_settings(path: Path | None = None) -> BidSettings:
    path = path or bids_file()
    data = expand(read_yaml(path, SETTING))
    where = path.name
    unknown = set(data) - KNOWN
    if unknown:
        raise InvalidInput(f"{where}: unknown setting {sorted(unknown)[0]!r} (known: {', '.join(sorted(KNOWN))})")
    d = BidSettings()
    values: dict[str, Any] = {
        "potential_weights": _weights(data, "potential_weights", POTENTIAL_PARTS, d.potential_weights, where),
        "ease_weights": _weights(data, "ease_weights", EASE_PARTS, d.ease_weights, where),
        "system_cost": _mapping(data, "system_cost", ("new", "automated"), d.system_cost, where, upper=1),
        "data_factor": _mapping(data, "data_factor", DATA_LEVELS, d.data_factor, where, upper=1),
    }
    for name, positive in (("volume_full", True), ("changes_full", True), ("hourly_rate", False),
                           ("build_day_rate", False), ("fte_hours", True), ("flag_after_days", False),
                           ("max_attachment_mb", True)):
        values[name] = _number(data.get(name, getattr(d, name)), f"{where}: {name}", positive=positive)
    values["flag_below"] = _number(data.get("flag_below", d.flag_below), f"{where}: flag_below", upper=1)
    systems = data.get("systems") or {}
    if not isinstance(systems, dict):
        raise InvalidInput(f"{where}: systems must map each system's name to the processes that work it, "
                           "e.g. 'Finance system: [invoices]'")
    values["systems"] = {}
    for name, processes in systems.items():
        if processes is None:
            processes = []
        if not isinstance(processes, list) or not all(isinstance(p, str) for p in processes):
            raise InvalidInput(f"{where}: systems.{name} must be a list of process names, e.g. [invoices] or []")
        values["systems"][str(name)] = list(processes)
    return BidSettings(**values)


def _number(value: Any, where: str, *, positive: bool = False, upper: float | None = None) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{where} is {value!r}: give a number") from None
    if number < 0 or (positive and number == 0) or (upper is not None and number > upper):
        bound = f"from 0 to {upper:g}" if upper is not None else ("above 0" if positive else "of 0 or more")
        raise InvalidInput(f"{where} is {value!r}: give a number {bound}")
    return number


def _mapping(data: dict, name: str, keys: tuple[str, ...], default: dict[str, float], where: str,
             upper: float | None = None) -> dict[str, float]:
    raw = data.get(name, default)
    if not isinstance(raw, dict) or set(raw) - set(keys):
        raise InvalidInput(f"{where}: {name} must map {', '.join(keys)} to numbers")
    return {k: _number(raw.get(k, default[k]), f"{where}: {name}.{k}", upper=upper) for k in keys}


def _weights(data: dict, name: str, keys: tuple[str, ...], default: dict[str, float], where: str) -> dict[str, float]:
    weights = _mapping(data, name, keys, default, where)
    if not sum(weights.values()):
        raise InvalidInput(f"{where}: {name} are all 0: give at least one a weight above 0")
    return weights
