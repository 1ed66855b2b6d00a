"""The run history: every run of a process, and every schedule fire that was skipped or missed.

Rows live in ``ns_runs`` and ``ns_run_steps`` beside the work items, so every machine
sharing a PostgreSQL store sees one history. Statuses::

    QUEUED    a run request waits on the 'runs' queue for a worker
    RUNNING   a worker (or `nightshift run`) is running it
    PASS      every step passed
    FAIL      a step failed (robot exit code, or a task failed)
    TIMEOUT   a step ran past its timeout and was stopped
    STOPPED   the worker was stopped (Ctrl-C, SIGTERM) during the run
    SKIPPED   a fire not run: a non-working day, or the process was still running
    MISSED    a fire not run because nothing was running within its misfire grace
"""

from __future__ import annotations

import socket
import time
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from workitems import State
from workitems.store import Store
from workitems.store.schema import items as items_t
from workitems.store.schema import run_steps as steps_t
from workitems.store.schema import runs as runs_t

RUNS_QUEUE = "runs"
ACTIVE = ("QUEUED", "RUNNING")
FINISHED = ("PASS", "FAIL", "TIMEOUT", "STOPPED")


def run_id_for(process: str, when: float) -> str:
    return f"{datetime.fromtimestamp(int(when), tz=timezone.utc):%Y%m%dT%H%M%S}-{process}"


class RunHistory:
    def __init__(self, store: Store):
        self.store = store

    # -- writing ----------------------------------------------------------
    def _insert(self, process: str, when: float, values: dict[str, Any]) -> str | None:
        """Insert a run row under a fresh id; None when its schedule fire is already recorded."""
        stamp = int(when)
        for _ in range(1000):
            run_id = run_id_for(process, stamp)
            row = {"id": run_id, "process": process, "requested_at": time.time(), "attempt": 1,
                   "done": 0, "business_failures": 0, "application_failures": 0, **values}
            with self.store.transaction(write=True) as conn:
                # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT DO NOTHING
                inserted = conn.execute(self.store.insert_ignoring_conflicts(runs_t).values(**row)
                                        .returning(runs_t.c.id)).first()
            if inserted:
                return run_id
            if values.get("schedule") is not None and self._fire_recorded(
                    values["schedule"], values.get("scheduled_for"), values.get("attempt", 1)):
                return None
            stamp += 1  # the id is taken (two runs in one second): the next second
        raise RuntimeError(f"no free run id for {process} near {when}")

    def _fire_recorded(self, schedule: str, scheduled_for: float | None, attempt: int) -> bool:
        with self.store.transaction() as conn:
            return conn.execute(select(runs_t.c.id).where(
                runs_t.c.schedule == schedule, runs_t.c.scheduled_for == scheduled_for,
                runs_t.c.attempt == attempt)).first() is not None

    def request(self, process: str, *, trigger: str, schedule: str | None = None,
                scheduled_for: float | None = None, attempt: int = 1, payload: dict[str, Any] | None = None,
                from_step: str | None = None, not_before: float | None = None) -> str | None:
        """Record a QUEUED run and put its run request on the 'runs' queue; returns the run id,
        or None when this schedule fire was already requested (by another scheduler)."""
        when = scheduled_for if scheduled_for is not None else time.time()
        run_id = self._insert(process, when, {
            "trigger": trigger, "schedule": schedule, "scheduled_for": scheduled_for,
            "attempt": attempt, "status": "QUEUED"})
        if run_id is None:
            return None
        request = {"run_id": run_id, "process": process, "trigger": trigger, "schedule": schedule,
                   "attempt": attempt, "from_step": from_step, "payload": payload or {}}
        item, _ = self.store.add(RUNS_QUEUE, request, reference=run_id, not_before=not_before,
                              actor=f"scheduler {socket.gethostname()}")
        self._update(run_id, request_item_id=item.id)
        return run_id

    def record_fire(self, process: str, *, schedule: str, scheduled_for: float, status: str, reason: str) -> str | None:
        """Record a fire that does not run (SKIPPED or MISSED), once."""
        return self._insert(process, scheduled_for, {
            "trigger": "schedule", "schedule": schedule, "scheduled_for": scheduled_for,
            "status": status, "reason": reason, "ended_at": time.time()})

    def start_manual(self, process: str, trigger: str = "manual") -> str:
        run_id = self._insert(process, time.time(), {"trigger": trigger, "status": "RUNNING"})
        assert run_id is not None
        return run_id

    def started(self, run_id: str, *, machine: str, worker: str, artifacts: str) -> None:
        self._update(run_id, status="RUNNING", machine=machine, worker=worker, artifacts=artifacts,
                     started_at=time.time(), ended_at=None, reason=None)

    def step(self, run_id: str, n: int, step: Any) -> None:
        """Record (or update) step ``n`` from a runner StepResult."""
        values = {"task": step.task, "status": step.status, "exit_code": step.exit_code,
                  "started_at": step.started or None, "ended_at": step.ended or None, "items_in": step.items_in,
                  "done": step.done, "business_failures": step.business_failures,
                  "application_failures": step.application_failures, "tasks_passed": step.tasks_passed,
                  "tasks_failed": step.tasks_failed, "workers": getattr(step, "workers", 1),
                  "artifacts": step.artifacts}
        with self.store.transaction(write=True) as conn:
            changed = conn.execute(update(steps_t).where(steps_t.c.run_id == run_id, steps_t.c.n == n)
                                   .values(**values)).rowcount
            if not changed:
                conn.execute(steps_t.insert().values(run_id=run_id, n=n, **values))

    def finished(self, run_id: str, *, status: str, exit_code: int | None, done: int, business: int,
                 application: int, reason: str | None = None) -> None:
        self._update(run_id, status=status, exit_code=exit_code, done=done, business_failures=business,
                     application_failures=application, ended_at=time.time(), reason=reason)

    def _update(self, run_id: str, **values: Any) -> None:
        with self.store.transaction(write=True) as conn:
            conn.execute(update(runs_t).where(runs_t.c.id == run_id).values(**values))

    # -- reading ----------------------------------------------------------
    def active(self, process: str, *, stale_after: float | None = None) -> list[str]:
        """Run ids of the process that are queued or running now.

        A run whose request is no longer on the queue (its worker died and the request
        failed for good) is not active; nor is a `nightshift run` older than ``stale_after``.
        """
        now = time.time()
        request_alive = items_t.c.state.in_((State.PENDING.value, State.RESERVED.value))
        no_request = runs_t.c.request_item_id.is_(None)
        fresh = True if stale_after is None else func.coalesce(runs_t.c.started_at, runs_t.c.requested_at) > now - stale_after
        query = (select(runs_t.c.id).select_from(runs_t.outerjoin(items_t, items_t.c.id == runs_t.c.request_item_id))
                 .where(runs_t.c.process == process, runs_t.c.status.in_(ACTIVE),
                        or_(and_(no_request, fresh), and_(~no_request, request_alive))))
        with self.store.transaction() as conn:
            return [r[0] for r in conn.execute(query)]

    def last_fire(self, schedule: str) -> float | None:
        with self.store.transaction() as conn:
            return conn.execute(select(func.max(runs_t.c.scheduled_for)).where(runs_t.c.schedule == schedule)).scalar()

    def list(self, *, process: str | None = None, status: str | None = None, limit: int = 50,
             since: float | None = None) -> list[dict[str, Any]]:
        query = select(runs_t).order_by(runs_t.c.requested_at.desc(), runs_t.c.id.desc()).limit(limit)
        if process:
            query = query.where(runs_t.c.process == process)
        if status:
            query = query.where(runs_t.c.status == status.upper())
        if since is not None:
            query = query.where(runs_t.c.requested_at >= since)
        with self.store.transaction() as conn:
            return [_row(r) for r in conn.execute(query)]

    def get(self, run_id: str) -> dict[str, Any] | None:
        with self.store.transaction() as conn:
            row = conn.execute(select(runs_t).where(runs_t.c.id == run_id)).first()
            if row is None:
                return None
            out = _row(row)
            out["steps"] = [dict(s._mapping) for s in conn.execute(
                select(steps_t).where(steps_t.c.run_id == run_id).order_by(steps_t.c.n))]
        for step in out["steps"]:
            step.pop("run_id", None)
            step["seconds"] = _seconds(step["started_at"], step["ended_at"])
            step["log"] = f"{step['artifacts']}/log.html" if step.get("artifacts") else None
            step["report"] = f"{step['artifacts']}/report.html" if step.get("artifacts") else None
        return out

    def steps_since(self, since: float) -> list[dict[str, Any]]:
        """Every step started since ``since``: process, n, task, done, started_at (for hours saved)."""
        query = (select(runs_t.c.process, steps_t.c.n, steps_t.c.task, steps_t.c.done, steps_t.c.started_at)
                 .select_from(steps_t.join(runs_t, runs_t.c.id == steps_t.c.run_id))
                 .where(steps_t.c.started_at >= since))
        with self.store.transaction() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


def _seconds(start: float | None, end: float | None) -> float | None:
    return round(end - start, 3) if start and end else None


def _row(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    out["seconds"] = _seconds(out["started_at"], out["ended_at"])
    return out
