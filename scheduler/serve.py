"""``nightshift serve``: the scheduler (when this process is the active one) and local workers.

Workers start at once and run requests whoever scheduled them. The scheduler waits
for the leader lock (scheduler/leader.py): with SQLite a second one refuses to
start; with PostgreSQL it stands by and takes over when the active one dies.

The active scheduler looks at the schedules file every poll (a ``stat``: time and
size) and, when it changed, reads it with the loader ``serve`` started with. A valid
file replaces the running schedules (Scheduler.replace); a broken one is reported
once, and the schedules from before go on until the file is fixed. A standby reads
the file as it is when it takes over. SIGHUP (``reload``) reads it at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from workitems import InvalidInput
from workitems.store import Store, open_store

from .leader import leader_lock, poll_seconds
from .schedules import ScheduleFile, file_stamp, load_schedules
from .service import Scheduler
from .worker import Worker, worker_name

log = logging.getLogger("nightshift.serve")


def serve(store: Store, spec: ScheduleFile | None, *, workers: int = 1, stop: threading.Event,
          reload: threading.Event | None = None, on_start: Callable[[], None] | None = None) -> None:
    """Run until ``stop`` is set. ``spec`` None: workers only (``nightshift worker``).

    ``reload`` set (SIGHUP): read the schedules file now, changed or not.
    ``on_start`` is called once this process may go on (with SQLite: it holds the lock).
    """
    reload = reload or threading.Event()
    watch = ScheduleWatch(spec) if spec is not None else None
    lock = leader_lock(store) if spec is not None else None
    if lock is not None and not lock.waits:
        lock.acquire()  # SQLite: raises SchedulerRunning, before anything has started
        leading = True
    else:
        leading = False
    if on_start is not None:
        on_start()
    threads = [threading.Thread(target=_work, args=(k, stop), daemon=True,
                                name=f"worker-{k}") for k in range(1, workers + 1)]
    for thread in threads:
        thread.start()
    scheduler: Scheduler | None = None
    told_standby = False
    try:
        while not stop.is_set():
            asked = reload.is_set()  # SIGHUP: read the file even if it looks unchanged
            reload.clear()
            if lock is not None:
                if not leading and lock.acquire():
                    leading = True
                if leading and scheduler is None:
                    before = watch.spec
                    if watch.check(force=asked):  # taking over: the file as it is now
                        log.info("schedules reloaded from %s: %s", watch.spec.path, before.changes(watch.spec))
                    scheduler = Scheduler(store, watch.spec)
                    scheduler.start()
                    log.info("this is the active scheduler (%d schedules)", len(watch.spec.schedules))
                elif leading and not lock.held():
                    log.warning("the leader lock was lost: scheduling stops here, another scheduler takes over")
                    scheduler.stop()
                    scheduler, leading = None, False
                elif leading:
                    if watch.check(force=asked):
                        log.info("schedules reloaded from %s: %s", watch.spec.path, scheduler.replace(watch.spec))
                elif asked:
                    log.info("standing by: the schedules file is read when this scheduler takes over")
                elif not told_standby:
                    log.info("standing by: another scheduler is active; this one takes over if it stops")
                    told_standby = True
            _pause(stop, reload, poll_seconds())
    finally:
        if scheduler is not None:
            scheduler.stop()
        if lock is not None:
            lock.release()
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


class ScheduleWatch:
    """The schedules file as last read well, and whether it changed since."""

    def __init__(self, spec: ScheduleFile):
        self.spec = spec
        self.seen = spec.stamp

    def check(self, *, force: bool = False) -> bool:
        """Read the file again if it changed (or ``force``); True when ``spec`` is new."""
        path = self.spec.path
        stamp = file_stamp(path)
        if stamp == self.seen and not force:
            return False
        try:
            spec = load_schedules(path)
        except (InvalidInput, OSError, ValueError) as exc:  # OSError: unreadable; ValueError: not UTF-8
            self.seen = stamp  # said once: the next edit is read again
            log.error("the schedules file %s cannot be used, so the schedules from before go on: %s. "
                      "Fix the file: it is read again when it is saved.", path, exc)
            return False
        if file_stamp(path) != spec.stamp:
            return False  # still being written: read it at the next poll
        self.spec, self.seen = spec, spec.stamp
        return True


def _pause(stop: threading.Event, reload: threading.Event, seconds: float) -> None:
    """Wait ``seconds``, or less when stopped or asked to reload."""
    deadline = time.monotonic() + seconds
    while not (stop.is_set() or reload.is_set()):
        left = deadline - time.monotonic()
        if left <= 0:
            return
        stop.wait(min(left, 0.2))


def _work(k: int, stop: threading.Event) -> None:
    # Each worker thread has its own store: PostgreSQL's LISTEN connection is not shared.
    while not stop.is_set():
        try:
            with open_store() as store:
                Worker(store, name=f"{worker_name()}/w{k}", stop=stop).run_forever()
        except Exception:  # noqa: BLE001 - the database went away: log, wait, start again
            log.exception("worker %d stopped on an error; starting again in 10 s", k)
            stop.wait(10)
