"""Hours a live bid's bot saved, as measured in the work-item store, against the bid's estimate.

A process's bot finishes the items of its last step's input queue (``example-work`` for the
example process: the producer's trigger item is not a case). For each month since the bid
went live:

    measured hours = (items done − items a person resolved by hand) × the bid's minutes per case / 60

Items that failed (BUSINESS, waiting for a person, or APPLICATION) are not done, so not counted.
The month of an item is that of its last change (``updated_at``), in local time. Both counts
are SQL aggregates (COUNT … GROUP BY a CASE of month bounds), never a walk over the items.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from scheduler.processes import Process
from workitems import State
from workitems.store import Store
from workitems.store.schema import history as history_t
from workitems.store.schema import items as items_t

from .config import BidSettings
from .records import RETIRED, Bid
from .scoring import benefit

RESOLVED_BY_HAND = "resolved by hand"
DAYS_A_YEAR = 365.25


@dataclass(frozen=True)
class Month:
    month: str  # 2026-11
    label: str  # Nov 2026
    done: int
    by_hand: int
    hours: float
    estimate: float  # the bid's hours a year / 12


@dataclass(frozen=True)
class Measured:
    process: str
    queue: str
    months: list[Month]
    hours: float  # since the bid went live
    estimate: float  # the estimate for the days since the bid went live
    live_days: float
    flagged: bool
    judged: bool  # live long enough (flag_after_days) to be flagged


def month_starts(since: float, now: float) -> list[datetime]:
    """Local midnight on the first of each month from ``since``'s month to the month after ``now``'s."""
    first = datetime.fromtimestamp(since).astimezone().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = datetime.fromtimestamp(now).astimezone()
    out = [first]
    while out[-1] <= end:
        y, m = divmod(out[-1].month, 12)
        out.append(out[-1].replace(year=out[-1].year + y, month=m + 1).astimezone())
    return [datetime(d.year, d.month, 1).astimezone() for d in out]  # each at its own UTC offset


def measure(store: Store, bid: Bid, process: Process, cfg: BidSettings, now: float | None = None) -> Measured:
    """The bid's bot's hours from going live to ``now`` (to its retirement, for a retired bid)."""
    now = now or (bid.updated_at if bid.state == RETIRED else time.time())
    since = bid.live_since or now
    queue = process.steps[-1].input_queue or ""
    starts = month_starts(since, now)
    bounds = [d.timestamp() for d in starts]
    c = items_t.c
    bucket = case(*((c.updated_at < bounds[i + 1], i) for i in range(len(bounds) - 1)), else_=-1).label("bucket")
    where = (c.queue == queue, c.state == State.DONE.value, c.updated_at >= since, c.updated_at < now)
    done_q = select(bucket, func.count()).where(*where).group_by(bucket)
    by_hand_q = (select(bucket, func.count(func.distinct(c.id)))
                 .select_from(items_t.join(history_t, history_t.c.item_id == c.id))
                 .where(*where, history_t.c.event == RESOLVED_BY_HAND).group_by(bucket))
    months = len(bounds) - 1
    done, by_hand = [0] * months, [0] * months
    with store.transaction() as conn:
        for i, n in conn.execute(done_q):
            if 0 <= i < months:
                done[i] = int(n)
        for i, n in conn.execute(by_hand_q):
            if 0 <= i < months:
                by_hand[i] = int(n)
    minutes = bid.minutes_per_case or 0
    per_year = benefit(bid.facts(), cfg).hours_per_year
    rows = [Month(starts[i].strftime("%Y-%m"), starts[i].strftime("%b %Y"), done[i], by_hand[i],
                  round((done[i] - by_hand[i]) * minutes / 60, 1), round(per_year / 12, 1)) for i in range(months)]
    hours = round(sum(done[i] - by_hand[i] for i in range(months)) * minutes / 60, 1)
    live_days = max(now - since, 0) / 86400
    estimate = round(per_year * live_days / DAYS_A_YEAR, 1)
    judged = live_days >= cfg.flag_after_days
    return Measured(process.name, queue, rows, hours, estimate, round(live_days, 1),
                    judged and hours < cfg.flag_below * estimate, judged)
