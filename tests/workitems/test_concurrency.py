"""Several worker processes share one queue: every item is completed exactly once."""

from __future__ import annotations

import multiprocessing as mp
import queue

import pytest
from sqlalchemy import text

from workitems import State
from workitems.store import NewItem, open_store


def _work(url: str, queue: str, name: str, done: "mp.Queue") -> None:
    count = 0
    with open_store(url) as store:
        while (item := store.claim(queue, name)) is not None:
            store.complete(item.id, name)
            count += 1
    done.put((name, count))


def _share(url: str, items: int, workers: int) -> dict[str, int]:
    with open_store(url) as store:
        store.add_many("shared", (NewItem({"n": i}) for i in range(items)))
    ctx = mp.get_context("spawn")
    done = ctx.Queue()
    procs = [ctx.Process(target=_work, args=(url, "shared", f"worker-{i}", done)) for i in range(workers)]
    for p in procs:
        p.start()
    counts: dict[str, int] = {}
    while len(counts) < workers:  # a worker that crashed must fail the test, not hang it
        try:
            name, n = done.get(timeout=1)
            counts[name] = n
        except queue.Empty:
            crashed = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            assert not crashed, f"a worker process failed (exit codes {crashed})"
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with open_store(url) as store:
        assert store.stats()["shared"] == {"pending": 0, "reserved": 0, "done": items, "failed": 0}
        with store.engine.connect() as conn:
            per_item = conn.execute(text(
                "SELECT item_id, COUNT(*) FROM ns_history WHERE event = 'done' GROUP BY item_id")).all()
            claims = conn.execute(text("SELECT COUNT(*) FROM ns_history WHERE event = 'claimed'")).scalar()
    assert len(per_item) == items and all(n == 1 for _, n in per_item)
    assert claims == items  # nobody claimed an item someone else held
    assert sum(counts.values()) == items
    return counts


def test_four_sqlite_processes_share_items_exactly_once(nightshift_home):
    counts = _share(f"sqlite:///{nightshift_home / 'nightshift.db'}", 2000, 4)
    assert sum(1 for n in counts.values() if n > 0) >= 2


@pytest.mark.postgres
@pytest.mark.slow
def test_four_postgresql_processes_share_10000_items_exactly_once(pg_url):
    counts = _share(pg_url, 10_000, 4)
    assert all(n > 0 for n in counts.values()), counts
