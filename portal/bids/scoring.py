"""The two scores of a bid and its estimated benefit: pure functions of the bid's facts.

*Automation potential* and *ease of implementation* are each a weighted mean of parts
between 0 and 1, times 100. Every part is returned with its value, weight and the points
it earned, so a page can show how a score was reached. README.md ("## Automation bids")
prints the formulae and worked examples; tests/portal/test_bids_scoring.py checks those
examples against these functions exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import BidSettings


@dataclass(frozen=True)
class Facts:
    """What a team says about a process (shares and rates in per cent)."""

    volume_per_month: float
    minutes_per_case: float
    rules_pct: float
    structured_pct: float
    changes_per_year: float
    error_pct: float
    data: str  # none, personal, special
    systems: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    name: str
    value: float  # 0 to 1
    weight: float
    points: float  # the part's share of the score, 0 to 100 × weight / total weight
    why: str


@dataclass(frozen=True)
class Score:
    total: float  # 0 to 100, one decimal
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Benefit:
    hours_per_year: float
    fte: float
    cost_per_year: float  # £
    build_cost: float | None  # £
    payback_months: float | None


def _clip(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def _score(values: dict[str, tuple[float, str]], weights: dict[str, float]) -> Score:
    total_weight = sum(weights.values())
    parts = tuple(Part(name, round(value, 3), weights[name], round(100 * weights[name] * value / total_weight, 1), why)
                  for name, (value, why) in values.items())
    total = 100 * sum(weights[name] * value for name, (value, _) in values.items()) / total_weight
    return Score(round(total, 1), parts)


def potential(facts: Facts, cfg: BidSettings) -> Score:
    """Rules, structured input, stability and volume: how much of the work a robot could do."""
    return _score({
        "rules": (_clip(facts.rules_pct / 100), f"{facts.rules_pct:g}% of cases follow fixed rules"),
        "structured": (_clip(facts.structured_pct / 100), f"{facts.structured_pct:g}% of inputs arrive structured"),
        "stability": (_clip(1 - facts.changes_per_year / cfg.changes_full),
                      f"changes {facts.changes_per_year:g} times a year (0 at {cfg.changes_full:g})"),
        "volume": (_clip(facts.volume_per_month / cfg.volume_full),
                   f"{facts.volume_per_month:g} cases a month (full marks at {cfg.volume_full:g})"),
    }, cfg.potential_weights)


def system_counts(systems: tuple[str, ...], cfg: BidSettings) -> tuple[int, int]:
    """(systems no bot works yet, systems an existing bot already works)."""
    automated = sum(1 for s in systems if cfg.automated(s))
    return len(systems) - automated, automated


def ease(facts: Facts, cfg: BidSettings) -> Score:
    """Systems to automate, data sensitivity and exceptions: how hard a robot would be to build."""
    new, automated = system_counts(facts.systems, cfg)
    cost = new * cfg.system_cost["new"] + automated * cfg.system_cost["automated"]
    return _score({
        "systems": (_clip(1 - cost), f"{new} system(s) no bot works yet, {automated} already automated"),
        "data": (_clip(cfg.data_factor[facts.data]), {"none": "no personal data", "personal": "personal data",
                                                       "special": "special-category data"}[facts.data]),
        "exceptions": (_clip(1 - facts.error_pct / 100), f"{facts.error_pct:g}% of cases need rework"),
    }, cfg.ease_weights)


def benefit(facts: Facts, cfg: BidSettings, build_days: float | None = None) -> Benefit:
    """Hours a year a robot would save (the rule-following cases), as FTE and money; payback of the build."""
    hours = facts.volume_per_month * 12 * facts.minutes_per_case / 60 * _clip(facts.rules_pct / 100)
    cost = hours * cfg.hourly_rate
    build_cost = build_days * cfg.build_day_rate if build_days is not None else None
    payback = round(build_cost / (cost / 12), 1) if build_cost is not None and cost > 0 else None
    return Benefit(round(hours, 1), round(hours / cfg.fte_hours, 2), round(cost), build_cost, payback)


def combined(potential_score: Score, ease_score: Score) -> float:
    """The ranking score: the mean of the two."""
    return round((potential_score.total + ease_score.total) / 2, 1)
