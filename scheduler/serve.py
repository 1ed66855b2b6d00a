"""``nightshift serve``: the scheduler (when this process is the active one) and local workers.

Workers start at once and run requests whoever scheduled them. The scheduler waits
for the leader lock (scheduler/leader.py): with SQLite a second one refuses to
start; with PostgreSQL it stands by and takes over when the active one dies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from workitems.store import Store, open_store

from .leader import leader_lock, poll_seconds
from .schedules import ScheduleFile
from .service import Scheduler
from .worker import Worker, worker_name

log = logging.getLogger("nightshift.serve")


def serve(store: Store, spec: ScheduleFile | None, *, workers: int = 1, stop: threading.Event,
          on_start: Callable[[], None] | None = None) -> None:
    """Run until ``stop`` is set. ``spec`` None: workers only (``nightshift worker``).

    ``on_start`` is called once this process may go on (with SQLite: it holds the lock).
    """
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
            if lock is not None:
                if not leading and lock.acquire():
                    leading = True
                if leading and scheduler is None:
                    scheduler = Scheduler(store, spec)
                    scheduler.start()
                    log.info("this is the active scheduler (%d schedules)", len(spec.schedules))
                elif leading and not lock.held():
                    log.warning("the leader lock was lost: scheduling stops here, another scheduler takes over")
                    scheduler.stop()
                    scheduler, leading = None, False
                elif not leading and not told_standby:
                    log.info("standing by: another scheduler is active; this one takes over if it stops")
                    told_standby = True
            stop.wait(poll_seconds())
    finally:
        if scheduler is not None:
            scheduler.stop()
        if lock is not None:
            lock.release()
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def _work(k: int, stop: threading.Event) -> None:
    # Each worker thread has its own store: PostgreSQL's LISTEN connection is not shared.
    while not stop.is_set():
        try:
            with open_store() as store:
                Worker(store, name=f"{worker_name()}/w{k}", stop=stop).run_forever()
        except Exception:  # noqa: BLE001 - the database went away: log, wait, start again
            log.exception("worker %d stopped on an error; starting again in 10 s", k)
            stop.wait(10)
