"""The scheduler: fires schedules at their times and puts run requests on the 'runs' queue.

Every fire is decided by :meth:`Scheduler.fire` and recorded in the run history:

- past its misfire grace                     -> MISSED
- on a non-working day (bank holiday, extra) -> SKIPPED, with the day's name
- while the same process still runs          -> SKIPPED (no overlap)
- otherwise                                  -> QUEUED: a run request for a worker

APScheduler 3 keeps the clock (cron triggers in the schedule's time zone) in memory;
what happened is in the database, so on start-up (and when a standby scheduler takes
over) :meth:`Scheduler.catch_up` looks at each schedule's last recorded fire: the most
recent fire missed since then runs once if within its grace, the ones before it are
recorded as MISSED. One fire is recorded once whichever scheduler sees it (a unique
key on schedule, fire time and attempt), so a handover never runs a schedule twice.

:meth:`Scheduler.replace` takes an edited schedules file while running: only the jobs of
schedules added, changed or removed are touched, and a changed schedule starts after
its last recorded fire, so an edit never fires a time twice.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from workitems import InvalidInput, State
from workitems.store import Store

from .history import RunHistory
from .processes import load_processes
from .schedules import Schedule, ScheduleChanges, ScheduleFile

log = logging.getLogger("nightshift.scheduler")

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Scheduler:
    def __init__(self, store: Store, spec: ScheduleFile, *, clock: Clock = utcnow):
        self.store = store
        self.spec = spec
        self.history = RunHistory(store)
        self.clock = clock
        self._aps: BackgroundScheduler | None = None
        self._lock = threading.Lock()  # one decision at a time: the overlap check, then the request

    # -- decisions ------------------------------------------------------------
    def fire(self, schedule: Schedule, due: datetime, now: datetime | None = None) -> tuple[str, str | None]:
        """Decide one fire of ``schedule`` due at ``due``; returns (outcome, run id).

        Outcomes: ``requested``, ``skipped``, ``missed`` and ``duplicate`` (another
        scheduler recorded this fire already).
        """
        now = now or self.clock()
        due_ts = due.timestamp()
        with self._lock:
            late = (now - due).total_seconds()
            if late > schedule.misfire_grace:
                reason = f"missed by {_duration(late)} (misfire grace {_duration(schedule.misfire_grace)})"
                return self._record(schedule, due_ts, "MISSED", reason, "missed")
            day = due.astimezone(schedule.timezone).date()
            if schedule.skip_non_working_days:
                why = self.spec.workdays.why_not_working(day)
                if why:
                    return self._record(schedule, due_ts, "SKIPPED", f"{day.isoformat()}: {why}", "skipped")
            active = self.history.active(schedule.process, stale_after=self._longest(schedule.process))
            if active:
                return self._record(schedule, due_ts, "SKIPPED",
                                    f"{schedule.process} was still running (run {active[0]})", "skipped")
            run_id = self.history.request(
                schedule.process, trigger="schedule", schedule=schedule.name, scheduled_for=due_ts,
                payload=self._payload(schedule, due_ts), from_step=schedule.from_step)
            if run_id is None:
                return "duplicate", None
            log.info("schedule %s: run %s requested", schedule.name, run_id)
            return "requested", run_id

    def _record(self, schedule: Schedule, due_ts: float, status: str, reason: str, outcome: str):
        run_id = self.history.record_fire(schedule.process, schedule=schedule.name, scheduled_for=due_ts,
                                          status=status, reason=reason)
        if run_id is None:
            return "duplicate", None
        log.info("schedule %s: %s (%s)", schedule.name, status.lower(), reason)
        return outcome, run_id

    def _payload(self, schedule: Schedule, due_ts: float) -> dict[str, Any]:
        return {**schedule.payload, "scheduled_for": due_ts,
                **({"retry": {"attempts": schedule.retry_attempts, "delay": schedule.retry_delay}}
                   if schedule.retry_attempts else {})}

    def _longest(self, process: str) -> float | None:
        """How long a run of the process can last (its step timeouts): older 'running' rows are stale."""
        found = load_processes().get(process)
        if found is None or isinstance(found, InvalidInput):
            return None
        return sum(step.timeout for step in found.steps) + 300

    def catch_up(self, now: datetime | None = None) -> list[tuple[str, str, str | None]]:
        """Deal with the fires due since each schedule's last recorded one (see the module's text)."""
        now = now or self.clock()
        out = []
        for schedule in self.spec.schedules.values():
            if not schedule.enabled or schedule.trigger is None:
                continue
            last = self.history.last_fire(schedule.name)
            if last is None:
                continue  # never fired here: it starts from now
            fires = schedule.fires_between(datetime.fromtimestamp(last, timezone.utc), now)
            if not fires:
                continue
            if len(fires) > 1:
                earlier = fires[:-1]
                reason = (f"{len(earlier)} fire(s) from {_local(earlier[0], schedule)} to "
                          f"{_local(earlier[-1], schedule)} passed while no scheduler was running")
                outcome, run_id = self._record(schedule, earlier[-1].timestamp(), "MISSED", reason, "missed")
                out.append((schedule.name, outcome, run_id))
            outcome, run_id = self.fire(schedule, fires[-1], now)
            out.append((schedule.name, outcome, run_id))
        return out

    def check_queue(self, schedule: Schedule) -> str | None:
        """A queue trigger: request a run when enough items wait and the process is not running."""
        trigger = schedule.queue_trigger
        assert trigger is not None
        with self._lock:
            pending = self.store.count(trigger.queue, state=State.PENDING)
            if pending < trigger.pending_at_least:
                return None
            if self.history.active(schedule.process, stale_after=self._longest(schedule.process)):
                return None
            run_id = self.history.request(schedule.process, trigger="queue", schedule=schedule.name,
                                          payload=dict(schedule.payload), from_step=schedule.from_step)
            log.info("schedule %s: %d items wait on %s, run %s requested", schedule.name, pending,
                     trigger.queue, run_id)
            return run_id

    # -- the clock ----------------------------------------------------------------
    def start(self) -> None:
        """Catch up, then fire each schedule at its times (APScheduler, in a background thread)."""
        self.catch_up()
        aps = BackgroundScheduler(timezone=timezone.utc, executors={"default": _FireExecutor(self)},
                                  job_defaults={"coalesce": False, "misfire_grace_time": None, "max_instances": 1})
        for schedule in self.spec.schedules.values():
            self._add_job(aps, schedule)
        aps.start()
        self._aps = aps

    def replace(self, spec: ScheduleFile) -> ScheduleChanges:
        """Go on with the schedules of ``spec`` (an edited file): returns what changed.

        Unchanged schedules keep their jobs. Added and changed ones start from now, not
        caught up: they did not miss those fires, they were not scheduled then. A changed
        one also starts after its last recorded fire (another machine's clock may be ahead).
        """
        changes = self.spec.changes(spec)
        if self._aps is None:
            self.spec = spec
            return changes
        last = {name: self.history.last_fire(name) for name in changes.added + changes.changed}  # before any job goes
        for name in changes.removed + changes.changed:
            if self._aps.get_job(name) is not None:
                self._aps.remove_job(name)
        self.spec = spec  # the calendar too
        for name in changes.added + changes.changed:
            self._add_job(self._aps, spec.schedules[name], after=last[name])
        return changes

    def _add_job(self, aps: BackgroundScheduler, schedule: Schedule, after: float | None = None) -> None:
        if not schedule.enabled:
            return
        if schedule.trigger is None:
            aps.add_job(_noop, IntervalTrigger(seconds=schedule.queue_trigger.check_every),
                        id=schedule.name, name=schedule.name)
            return
        later = {}  # from now (APScheduler's default), or after a fire recorded ahead of this machine's clock
        if after is not None and after >= utcnow().timestamp():
            later["next_run_time"] = schedule.next_fire(datetime.fromtimestamp(after, timezone.utc))
        aps.add_job(_noop, schedule.trigger, id=schedule.name, name=schedule.name, **later)

    def stop(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

    def _job_due(self, name: str, run_times: list[datetime]) -> None:
        schedule = self.spec.schedules.get(name)
        if schedule is None:  # removed from the file as it fell due
            return
        for due in run_times:
            if schedule.trigger is None:
                self.check_queue(schedule)
            else:
                self.fire(schedule, due)


def _noop() -> None:  # the jobs' work is done by _FireExecutor, which knows their fire times
    pass


class _FireExecutor(BaseExecutor):
    """Hands each due fire time straight to the Scheduler (it only records and enqueues, quickly)."""

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.nightshift = scheduler

    def _do_submit_job(self, job, run_times):
        try:
            self.nightshift._job_due(job.id, run_times)  # noqa: SLF001
        except Exception:  # noqa: BLE001 - a database hiccup must not stop the clock
            log.exception("schedule %s: the fire at %s could not be recorded", job.id, run_times[-1])
            self._run_job_error(job.id, *sys.exc_info()[1:])
        else:
            self._run_job_success(job.id, [])


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds / 3600:.1f}".removesuffix(".0") + "h"


def _local(moment: datetime, schedule: Schedule) -> str:
    return moment.astimezone(schedule.timezone).strftime("%Y-%m-%d %H:%M %Z")
