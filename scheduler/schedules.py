"""Schedules: when each process runs, read from ``schedules.yaml`` at the root of the
repository (or the file named by ``NIGHTSHIFT_SCHEDULES``)::

    timezone: Europe/London            # the default for every schedule
    calendar:
      bank_holidays: england-and-wales # or scotland, northern-ireland, none
      extra_non_working_days:          # the organisation's own closure days
        - 2026-12-24
        - {date: 2026-12-31, reason: office closed}
    alerts: {...}                      # see scheduler/alerts.py
    schedules:
      referrals-nightly:
        process: referrals             # a process of processes.yaml
        cron: "30 1 * * 1-5"           # minute hour day month weekday (six fields: seconds first)
        skip_non_working_days: true    # the default
        misfire_grace: 2h              # a fire missed by less than this still runs, once
        retry: {attempts: 2, delay: 15m}   # a failed run is run again, up to twice, 15 minutes later
        payload: {note: nightly}       # added to the trigger item's payload
      referrals-backlog:               # a queue trigger instead of a clock
        process: referrals
        from_step: Referrals consumer
        queue: {name: referrals, pending_at_least: 50, check_every: 60s}

Times are wall-clock times in the schedule's time zone. When the clocks go forward,
a time that does not exist that night fires an hour later; when they go back, a time
that happens twice fires once, the first time (for schedules with fixed hours; a
schedule with ``*`` in the hour field fires by the clock through both hours).

``nightshift serve`` reads the file again when it changes (scheduler/serve.py): each
:class:`ScheduleFile` carries the file's :func:`file_stamp` from before it was read, and
:meth:`ScheduleFile.changes` says which schedules an edit added, changed or removed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from workitems import InvalidInput

from .processes import expand, read_yaml, repo_root
from .workdays import Workdays, parse_extra

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_GRACE_S = 3600.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SCHEDULE_KEYS = {"process", "cron", "timezone", "skip_non_working_days", "misfire_grace", "retry", "payload",
                  "from_step", "queue", "enabled", "description"}


def schedules_file() -> Path:
    return Path(os.environ.get("NIGHTSHIFT_SCHEDULES") or repo_root() / "schedules.yaml")


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells an edit cheaply (modification time, size, inode); None when the file is missing."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def parse_duration(value: Any, where: str) -> float:
    """Seconds from ``90``, ``"30s"``, ``"15m"``, ``"2h"`` or ``"1d"``."""
    if isinstance(value, bool):
        raise InvalidInput(f"{where} is {value!r}: give seconds or a duration like 15m, 2h")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise InvalidInput(f"{where} is {value!r}: give seconds or a duration like 30s, 15m, 2h, 1d")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds < 0:
        raise InvalidInput(f"{where} must not be negative")
    return seconds


class WallClockTrigger(BaseTrigger):
    """A cron trigger that fires once when the clocks go back (APScheduler's fires twice)."""

    def __init__(self, cron: CronTrigger, fixed_hours: bool):
        self.cron = cron
        self.fixed_hours = fixed_hours

    def get_next_fire_time(self, previous_fire_time, now):
        nxt = self.cron.get_next_fire_time(previous_fire_time, now)
        while nxt is not None and self.fixed_hours and _second_occurrence(nxt):
            nxt = self.cron.get_next_fire_time(nxt, _after(nxt))
        # a time that does not exist (clocks gone forward) comes back as its UTC instant: say it in local time
        return nxt.astimezone(timezone.utc).astimezone(nxt.tzinfo) if nxt is not None else None

    def __str__(self) -> str:
        return str(self.cron)


def _after(moment: datetime) -> datetime:
    """A moment just after ``moment``, counted in UTC (wall-clock sums go wrong across clock changes)."""
    return moment.astimezone(timezone.utc) + timedelta(microseconds=1)


def _second_occurrence(moment: datetime) -> bool:
    """True for the repeat of a wall-clock time the night the clocks go back."""
    tz = moment.tzinfo
    wall = moment.astimezone(tz).replace(tzinfo=None)
    first = wall.replace(fold=0, tzinfo=tz)
    second = wall.replace(fold=1, tzinfo=tz)
    return first.utcoffset() != second.utcoffset() and moment.utcoffset() == second.utcoffset()


@dataclass(frozen=True)
class QueueTrigger:
    queue: str
    pending_at_least: int
    check_every: float


@dataclass(frozen=True)
class Schedule:
    name: str
    process: str
    timezone: tzinfo
    cron: str | None = None
    trigger: BaseTrigger | None = field(default=None, compare=False)  # made from cron and timezone
    queue_trigger: QueueTrigger | None = None
    skip_non_working_days: bool = True
    misfire_grace: float = DEFAULT_GRACE_S
    retry_attempts: int = 0
    retry_delay: float = 900.0
    payload: dict[str, Any] = field(default_factory=dict)
    from_step: str | None = None
    enabled: bool = True
    description: str = ""

    def next_fire(self, after: datetime) -> datetime | None:
        """The first fire time strictly after ``after`` (aware), in the schedule's time zone."""
        if self.trigger is None:
            return None
        return self.trigger.get_next_fire_time(None, _after(after))

    def fires_between(self, start: datetime, end: datetime, limit: int = 100_000) -> list[datetime]:
        """Fire times in (start, end]."""
        out: list[datetime] = []
        if self.trigger is None:
            return out
        nxt = self.trigger.get_next_fire_time(None, _after(start))
        while nxt is not None and nxt <= end and len(out) < limit:
            out.append(nxt)
            nxt = self.trigger.get_next_fire_time(nxt, _after(nxt))
        return out


@dataclass
class ScheduleFile:
    path: Path
    timezone: tzinfo
    workdays: Workdays
    schedules: dict[str, Schedule]
    alerts: dict[str, Any]
    stamp: tuple[int, int, int] | None = None  # file_stamp(path) just before it was read

    def changes(self, new: ScheduleFile) -> ScheduleChanges:
        """The schedules ``new`` adds, changes (any setting) and removes, compared with this file."""
        old = self.schedules
        return ScheduleChanges(
            added=[name for name in new.schedules if name not in old],
            changed=[name for name, s in new.schedules.items() if name in old and old[name] != s],
            removed=[name for name in old if name not in new.schedules],
        )


@dataclass(frozen=True)
class ScheduleChanges:
    added: list[str]
    changed: list[str]
    removed: list[str]

    def __str__(self) -> str:
        said = [f"{what} {', '.join(names)}" for what, names in
                (("added", self.added), ("changed", self.changed), ("removed", self.removed)) if names]
        return "; ".join(said) or "no schedule added, changed or removed"


def load_schedules(path: Path | None = None) -> ScheduleFile:
    path = path or schedules_file()
    stamp = file_stamp(path)  # before reading: an edit made while it is read shows as a change next time
    data = read_yaml(path, "NIGHTSHIFT_SCHEDULES")
    unknown = set(data) - {"timezone", "calendar", "alerts", "schedules"}
    if unknown:
        raise InvalidInput(f"{path.name}: unknown setting {sorted(unknown)[0]!r} "
                           "(known: timezone, calendar, alerts, schedules)")
    default_tz = _zone(data.get("timezone") or DEFAULT_TIMEZONE, f"{path.name}: timezone")
    calendar = data.get("calendar") or {}
    if not isinstance(calendar, dict):
        raise InvalidInput(f"{path.name}: calendar must be a mapping")
    workdays = Workdays(
        calendar.get("bank_holidays", "england-and-wales"),
        parse_extra(calendar.get("extra_non_working_days"), f"{path.name}: calendar.extra_non_working_days"),
    )
    schedules: dict[str, Schedule] = {}
    for name, body in (data.get("schedules") or {}).items():
        schedules[str(name)] = _schedule(f"{path.name}: schedule {name!r}", str(name), body, default_tz)
    alerts = expand(data.get("alerts") or {})
    if not isinstance(alerts, dict):
        raise InvalidInput(f"{path.name}: alerts must be a mapping")
    return ScheduleFile(path=path, timezone=default_tz, workdays=workdays, schedules=schedules, alerts=alerts,
                        stamp=stamp)


def _zone(name: Any, where: str) -> tzinfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{where} is {name!r}, not a time zone name like Europe/London") from None


def _schedule(where: str, name: str, body: Any, default_tz: tzinfo) -> Schedule:
    if not isinstance(body, dict):
        raise InvalidInput(f"{where} must be a mapping with at least 'process' and 'cron'")
    unknown = set(body) - _SCHEDULE_KEYS
    if unknown:
        raise InvalidInput(f"{where}: unknown setting {sorted(unknown)[0]!r} (known: {', '.join(sorted(_SCHEDULE_KEYS))})")
    if not body.get("process"):
        raise InvalidInput(f"{where} has no 'process': name a process of processes.yaml")
    tz = _zone(body["timezone"], f"{where}: timezone") if body.get("timezone") else default_tz
    cron, queue = body.get("cron"), body.get("queue")
    if bool(cron) == bool(queue):
        raise InvalidInput(f"{where}: give either 'cron' (a time) or 'queue' (a queue trigger), not "
                           + ("both" if cron else "neither"))
    trigger = _cron(str(cron), tz, where) if cron else None
    queue_trigger = _queue_trigger(queue, where) if queue else None
    retry = body.get("retry") or {}
    if not isinstance(retry, dict):
        raise InvalidInput(f"{where}: retry must be a mapping like {{attempts: 2, delay: 15m}}")
    try:
        attempts = int(retry.get("attempts", 0))
    except (TypeError, ValueError):
        raise InvalidInput(f"{where}: retry.attempts must be a whole number") from None
    payload = body.get("payload") or {}
    if not isinstance(payload, dict):
        raise InvalidInput(f"{where}: payload must be a mapping")
    return Schedule(
        name=name, process=str(body["process"]), timezone=tz, cron=str(cron) if cron else None, trigger=trigger,
        queue_trigger=queue_trigger, skip_non_working_days=bool(body.get("skip_non_working_days", True)),
        misfire_grace=parse_duration(body.get("misfire_grace", DEFAULT_GRACE_S), f"{where}: misfire_grace"),
        retry_attempts=max(attempts, 0), retry_delay=parse_duration(retry.get("delay", "15m"), f"{where}: retry.delay"),
        payload=expand(payload), from_step=str(body["from_step"]) if body.get("from_step") else None,
        enabled=bool(body.get("enabled", True)), description=str(body.get("description", "")),
    )


def _cron(expr: str, tz: tzinfo, where: str) -> WallClockTrigger:
    fields = expr.split()
    try:
        if len(fields) not in (5, 6):
            raise ValueError(f"it has {len(fields)} fields")
        second, minute, hour, day, month, dow = fields if len(fields) == 6 else ["0", *fields]
        cron = CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_crontab_weekdays(dow), timezone=tz)
    except ValueError as exc:
        raise InvalidInput(f"{where}: cron {expr!r} is not valid ({exc}); use 'minute hour day month weekday', "
                           "e.g. '30 1 * * 1-5' for 01:30 on weekdays") from None
    return WallClockTrigger(cron, fixed_hours="*" not in hour and "/" not in hour)


_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _crontab_weekdays(dow: str) -> str:
    """Crontab weekday numbers (0 or 7 = Sunday) as names: APScheduler 3 counts 0 as Monday."""
    parts = []
    for part in dow.split(","):
        base, slash, step = part.partition("/")
        if base.isdigit():
            base = _DAYS[int(base)]
        elif "-" in base and all(x.isdigit() for x in base.split("-", 1)):
            lo, hi = (int(x) for x in base.split("-", 1))
            if lo == 0 and hi >= 1:  # 0-5: Sunday, then Monday to Friday
                parts.append("sun")
                lo = 1
            base = _DAYS[lo] if lo == hi else f"{_DAYS[lo]}-{_DAYS[hi]}"
        parts.append(base + slash + step)
    return ",".join(parts)


def _queue_trigger(raw: Any, where: str) -> QueueTrigger:
    if not isinstance(raw, dict) or not raw.get("name"):
        raise InvalidInput(f"{where}: queue must be a mapping like {{name: referrals, pending_at_least: 50}}")
    try:
        least = int(raw.get("pending_at_least", 1))
    except (TypeError, ValueError):
        raise InvalidInput(f"{where}: queue.pending_at_least must be a whole number") from None
    return QueueTrigger(queue=str(raw["name"]), pending_at_least=max(least, 1),
                        check_every=max(parse_duration(raw.get("check_every", 60), f"{where}: queue.check_every"), 1.0))
