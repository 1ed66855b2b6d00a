"""Workers: claim run requests from the 'runs' queue and run them.

Any number of workers, on any number of machines sharing a PostgreSQL store, take
requests one at a time. A worker keeps its request's lease alive while the run
goes on; if the worker dies, the lease runs out and another worker takes the run
up again (its items already done stay done). At the end of a run the worker
records it, sends alerts, and for a failed scheduled run with retries left puts a
new request on the queue, not before the retry delay.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from workitems import ExceptionType, InvalidInput, LeaseLost, State
from workitems.store import Store

from .alerts import Alerts, queue_failures, run_failed
from .history import RUNS_QUEUE, RunHistory
from .processes import get_process
from .runner import RunResult, run_process
from .schedules import load_schedules

log = logging.getLogger("nightshift.worker")

LEASE_S = 60.0


def worker_name() -> str:
    return os.environ.get("NIGHTSHIFT_WORKER") or f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(self, store: Store, *, name: str | None = None, stop: threading.Event | None = None,
                 alerts: Alerts | None = None):
        self.store = store
        self.name = name or worker_name()
        self.stop = stop or threading.Event()
        self.history = RunHistory(store)
        self._alerts = alerts

    @property
    def alerts(self) -> Alerts:
        if self._alerts is None:
            try:
                self._alerts = Alerts.from_config(load_schedules().alerts)
            except InvalidInput as exc:  # no schedules file, or a broken alerts section: run without
                log.warning("alerts are off: %s", exc)
                self._alerts = Alerts.from_config(None)
        return self._alerts

    def run_forever(self, *, max_runs: int | None = None, idle_exit: float | None = None) -> int:
        """Take runs until stopped (or ``max_runs`` are done, or idle for ``idle_exit`` seconds)."""
        done = 0
        idle_since = time.monotonic()
        while not self.stop.is_set() and (max_runs is None or done < max_runs):
            if self.run_one():
                done += 1
                idle_since = time.monotonic()
                continue
            if idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                break
            self.store.wait(RUNS_QUEUE, 1.0 if idle_exit is not None else 5.0)
        return done

    def run_one(self) -> RunResult | None:
        """Claim one run request and run it; None when none waits (a request that cannot run
        is still handled: recorded as FAIL, returned as a run with no steps)."""
        item = self.store.claim(RUNS_QUEUE, self.name, lease_seconds=LEASE_S)
        if item is None:
            return None
        request: dict[str, Any] = item.payload
        run_id = request.get("run_id")
        keeper = _LeaseKeeper(self.store, item.id, self.name)
        keeper.start()
        try:
            try:
                process = get_process(request["process"])
            except InvalidInput as exc:
                self.history.started(run_id, machine=socket.gethostname(), worker=self.name, artifacts="")
                self.history.finished(run_id, status="FAIL", exit_code=None, done=0, business=0, application=0,
                                      reason=str(exc))
                keeper.stop()
                self.store.fail(item.id, self.name, ExceptionType.BUSINESS, code="NO_SUCH_PROCESS", message=str(exc))
                self._alert_run({**(self.history.get(run_id) or {}), "run_id": run_id, "process": request["process"],
                                 "status": "FAIL"})
                # handled (a run with no steps, FAIL), so `worker --once` goes on to the next request
                now = time.time()
                return RunResult(run_id=run_id, process=request["process"], trigger=request.get("trigger", ""),
                                 machine=socket.gethostname(), artifacts="", started=now, ended=now)
            log.info("run %s of %s: started by %s", run_id, process.name, self.name)
            result = run_process(process, self.store, trigger=request.get("trigger", "schedule"),
                                 trigger_payload=request.get("payload") or {}, run_id=run_id,
                                 from_step=request.get("from_step"), stop=self.stop, worker=self.name)
        except BaseException:
            keeper.stop()
            try:
                self.store.release(item.id, self.name, reason="the worker stopped during the run")
            except LeaseLost:
                pass
            raise
        keeper.stop()
        if result.status == "STOPPED" and self.stop.is_set():
            # the worker is shutting down: another worker (or this one, restarted) takes the run up again
            self.store.release(item.id, self.name, reason="the worker stopped during the run")
            return result
        self.store.complete(item.id, self.name)
        log.info("run %s of %s: %s", run_id, process.name, result.status)
        if result.status != "PASS":
            self._alert_run(result.to_dict())  # run_failed sums the items of each step
            self._retry(request, result)
        self._alert_queues(process, result)
        return result

    def _retry(self, request: dict[str, Any], result: RunResult) -> None:
        retry = (request.get("payload") or {}).get("retry") or {}
        attempt = int(request.get("attempt") or 1)
        if not request.get("schedule") or attempt > int(retry.get("attempts", 0)):
            return
        delay = float(retry.get("delay", 900))
        scheduled_for = (request.get("payload") or {}).get("scheduled_for")
        run_id = self.history.request(
            result.process, trigger="retry", schedule=request["schedule"], scheduled_for=scheduled_for,
            attempt=attempt + 1, payload=request.get("payload"), from_step=request.get("from_step"),
            not_before=time.time() + delay)
        log.info("run %s failed: retry %s (attempt %d) not before %.0f s from now", result.run_id, run_id,
                 attempt + 1, delay)

    def _alert_run(self, run: dict[str, Any]) -> None:
        if self.alerts.on_run_failure and self.alerts.channels:
            self.alerts.send(run_failed(run))

    def _alert_queues(self, process, result: RunResult) -> None:
        threshold = self.alerts.queue_threshold
        if not threshold or not self.alerts.channels:
            return
        for step in process.steps:
            if not step.input_queue:
                continue
            failed = self.store.count(step.input_queue, state=State.FAILED)
            if failed >= threshold:
                self.alerts.send(queue_failures(step.input_queue, failed, threshold))


class _LeaseKeeper(threading.Thread):
    """Renews the run request's lease while the run goes on."""

    def __init__(self, store: Store, item_id: int, worker: str):
        super().__init__(daemon=True, name=f"lease-{item_id}")
        self.store, self.item_id, self.worker = store, item_id, worker
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(LEASE_S / 3):
            try:
                self.store.renew(self.item_id, self.worker, lease_seconds=LEASE_S)
            except LeaseLost:
                log.warning("run request %s: lease lost (the worker was too slow to renew it)", self.item_id)
                return
            except Exception:  # noqa: BLE001 - a database blip: try again next time
                log.exception("run request %s: lease not renewed", self.item_id)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)
