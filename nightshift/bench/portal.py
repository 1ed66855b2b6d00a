"""``nightshift bench portal``: the portal's queue and item pages at N items, against a bare SELECT.

In a temporary NIGHTSHIFT_HOME with a SQLite store, one queue is filled with N items
(``Store.add_many`` in batches, so payloads are encrypted as the robots' are), spread over
the last 30 days; every 20th is then marked failed, half BUSINESS and half APPLICATION,
with its message encrypted as ``Store.fail`` does. One failed item goes through the real
``claim`` → ``add_file`` → ``fail``, so its page has a history and a screenshot.

A signed-in supervisor then requests, through ``starlette.testclient.TestClient`` (the
application in this process, no network), in rounds so that noise falls on all alike:

* the queue page, page 1 (50 items, newest first, with the total);
* the queue page filtered to ``state=failed``;
* the failed item's page;
* ``/healthz``: what the test client itself costs;

and, with the store's SQLAlchemy engine, the baseline: a bare ``SELECT`` of the same
50 rows (``… FROM ns_items WHERE queue = ? ORDER BY id DESC LIMIT 50``), and a bare
``count(*)`` of the queue, which the page's "of N" needs. Medians in milliseconds.
Target (issue 6): the queue page under 150 ms median at 100,000 items.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from . import environ, fresh_home

TARGET_QUEUE_PAGE_MS = 150.0
QUEUE = "referrals"
BATCH = 5000
FAIL_EVERY = 20  # 5% of the items
SPREAD_DAYS = 30
PASSWORD = "bench password, not a secret"
# A 1x1 PNG: the failure screenshot on the measured item's page.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
SURNAMES = ("Khan", "Jones", "Okafor", "Smith", "Nowak", "Patel", "Williams", "Evans", "Taylor", "Ahmed")
FORENAMES = ("Amelia", "Noah", "Isla", "Yusuf", "Olivia", "Leo", "Ava", "Zara", "Oscar", "Maya")
SERVICES = ("Speech and language therapy", "Occupational therapy", "Physiotherapy", "Short breaks")

Step = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def payload(i: int) -> dict[str, Any]:
    """A synthetic referral (no real person; ZZ99 is the NHS's pseudo-postcode for 'no fixed abode')."""
    return {"reference": f"RF-{i:06d}", "child_forename": FORENAMES[i % 10], "child_surname": SURNAMES[i // 10 % 10],
            "date_of_birth": f"{2010 + i % 12}-{1 + i % 12:02d}-{1 + i % 28:02d}", "postcode": "ZZ99 3VZ",
            "service": SERVICES[i % 4], "referrer": "Dr A Example", "notes": "Referred after school assessment."}


def fill(store, items: int, step: Step = _quiet) -> tuple[int, float]:
    """N items in QUEUE, 5% failed; returns (the id of the item measured, seconds taken)."""
    from sqlalchemy import func, select, update

    from workitems import ExceptionType
    from workitems.store import NewItem
    from workitems.store.schema import items as items_t

    started = time.perf_counter()
    store.configure_queue(QUEUE, {"max_attempts": 1})
    # The measured item first: the store's own claim, attached screenshot and failure.
    (first, _), = store.add_many(QUEUE, [NewItem(payload(0), reference="RF-000000")], actor="bench")
    worker = "bench-consumer@bench"
    assert store.claim(QUEUE, worker).id == first.id
    store.add_file(first.id, "RF-000000-20261126-013512-001.png", PNG)
    store.fail(first.id, worker, ExceptionType.APPLICATION, "SystemBusy",
               "The case system showed 'Service busy' on /children/new after 3 tries")
    for start in range(1, items, BATCH):
        end = min(start + BATCH, items)
        store.add_many(QUEUE, [NewItem(payload(i), reference=f"RF-{i:06d}") for i in range(start, end)],
                       actor="bench")
        if end % 20_000 < BATCH or end == items:
            step(f"filled {end:,} of {items:,} items")
    now = time.time()
    c = items_t.c
    with store.transaction(write=True) as conn:
        low, high = conn.execute(select(func.min(c.id), func.max(c.id)).where(c.queue == QUEUE)).one()
        # Spread over the last SPREAD_DAYS, oldest first, as a month of nights would leave them.
        age = (high - c.id) * (SPREAD_DAYS * 86400.0 / max(high - low, 1))
        conn.execute(update(items_t).where(c.queue == QUEUE, c.id != first.id).values(
            created_at=now - age, updated_at=now - age + 90, available_at=now - age))
        for kind, code, message, remainder in (
                (ExceptionType.BUSINESS, "MISSING_DATE_OF_BIRTH", "Referral has no date of birth: add it and retry", 0),
                (ExceptionType.APPLICATION, "SystemBusy", "The case system was busy after 3 tries", FAIL_EVERY)):
            # every FAIL_EVERY-th item, BUSINESS and APPLICATION in turn
            conn.execute(update(items_t).where(c.queue == QUEUE, c.id != first.id,
                                               c.id % (2 * FAIL_EVERY) == remainder).values(
                state="failed", attempts=1, exc_type=kind.value, exc_code=code,
                exc_message_enc=store.cipher.encrypt_text(message)))
        conn.execute(update(items_t).where(c.queue == QUEUE, c.state == "pending", c.id % 3 != 0)
                     .values(state="done", attempts=1))
    return first.id, time.perf_counter() - started


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def sign_in(client) -> None:
    """Sign the test client in as the bench's supervisor, through the sign-in form."""
    csrf = client.get("/api/login").json()["csrf"]
    signed_in = client.post("/login", data={"name": "bench.supervisor", "password": PASSWORD, "csrf": csrf})
    if signed_in.status_code != 303:
        raise RuntimeError(f"the bench could not sign in: {signed_in.status_code} {signed_in.text[:200]}")


def measures(client, store, item_id: int) -> dict[str, Callable[[], None]]:
    """Each measurement as a function doing it once."""
    from sqlalchemy import func, select

    from workitems.store.schema import items as items_t

    def get(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.text[:200]}")

    def query(statement) -> None:
        with store.engine.connect() as conn:
            conn.execute(statement).all()

    c = items_t.c
    bare = (select(*(col for col in items_t.c if col.name != "payload_enc"))
            .where(c.queue == QUEUE).order_by(c.id.desc()).limit(50))
    bare_count = select(func.count()).select_from(items_t).where(c.queue == QUEUE)
    pages = {"queue_page": f"/queues/{QUEUE}", "queue_page_failed": f"/queues/{QUEUE}?state=failed",
             "item_page": f"/items/{item_id}", "healthz": "/healthz"}
    return {**{name: (lambda u=url: get(u)) for name, url in pages.items()},
            "bare_select": lambda: query(bare), "bare_count": lambda: query(bare_count)}


def time_all(todo: dict[str, Callable[[], None]], requests: int) -> dict[str, list[float]]:
    """Seconds of each measurement, ``requests`` times, in rounds so that noise falls on all alike."""
    for measure in todo.values():  # warm: templates compiled, SQLite's pages cached
        for _ in range(2):
            measure()
    samples: dict[str, list[float]] = {name: [] for name in todo}
    for _ in range(requests):
        for name, measure in todo.items():
            started = time.perf_counter()
            measure()
            samples[name].append(time.perf_counter() - started)
    return samples


def run(*, items: int = 100_000, requests: int = 20, step: Step = _quiet) -> dict[str, Any]:
    """Fill a store with ``items`` items and time the pages; returns the JSON-ready figures."""
    from starlette.testclient import TestClient

    from portal.app import create_app
    from portal.users import Users
    from workitems.crypto import generate_key
    from workitems.store import open_store

    with fresh_home("nightshift-bench-portal-") as home, environ(
            NIGHTSHIFT_HOME=str(home), NIGHTSHIFT_KEY=generate_key(), NIGHTSHIFT_DB=None, NIGHTSHIFT_FILES=None,
            NIGHTSHIFT_QUEUE=None, NIGHTSHIFT_OUTPUT_QUEUE=None, RPA_WORKITEMS_ADAPTER=None):
        store = open_store(f"sqlite:///{home / 'nightshift.db'}")
        try:
            step(f"filling one queue with {items:,} items (add_many, batches of {BATCH:,})")
            item_id, fill_s = fill(store, items, step)
            counts = store.stats()[QUEUE]
            Users(store).add("bench.supervisor", "supervisor", PASSWORD)
            # One event loop for every request, as under uvicorn: a client without "with" starts a
            # loop per request, and each loop new worker threads, each pinning a store connection.
            with TestClient(create_app(store), follow_redirects=False) as client:
                sign_in(client)
                shown = client.get(f"/queues/{QUEUE}").text
                if not re.search(rf"of {items:,}\b|of {items}\b", shown):
                    raise RuntimeError("the queue page does not show the queue's total: is it the right page?")
                todo = measures(client, store, item_id)
                step(f"timing each of {', '.join(todo)} {requests} times, in rounds")
                samples = time_all(todo, requests)
        finally:
            store.close()

    med = {name: _median_ms(values) for name, values in samples.items()}
    out: dict[str, Any] = {
        "items": items, "requests": requests,
        "queue_page_ms_median": med["queue_page"],
        "queue_page_failed_ms_median": med["queue_page_failed"],
        "item_page_ms_median": med["item_page"],
        "bare_select_ms_median": med["bare_select"],
        "bare_count_ms_median": med["bare_count"],
        "healthz_ms_median": med["healthz"],
        "queue_page_ms_p90": round(statistics.quantiles(samples["queue_page"], n=10)[-1] * 1000, 2),
        "queue_page_ratio": round(med["queue_page"] / max(med["bare_select"], 1e-3), 1),
        "queue_page_failed_ratio": round(med["queue_page_failed"] / max(med["bare_select"], 1e-3), 1),
        "item_page_ratio": round(med["item_page"] / max(med["bare_select"], 1e-3), 1),
        "target_queue_page_ms": TARGET_QUEUE_PAGE_MS,
        "counts": counts, "fill_s": round(fill_s, 1), "database": "sqlite",
        "load_average": [round(x, 2) for x in os.getloadavg()], "cores": os.cpu_count(),
    }
    out["targets"] = {"queue_page_under_150_ms": med["queue_page"] < TARGET_QUEUE_PAGE_MS}
    return out
