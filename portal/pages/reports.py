"""The daily work-item report: a page, its JSON twin, the XLSX workbook and two charts.

A *day* runs from local midnight to the next. For each queue the report counts

* **created**: items created that day, by the state they are in now;
* **finished**: items done or failed now whose last change fell that day (an item
  retried and failed again on a later day counts on that later day);
* **failures**: those failed items by exception type and code.

The numbers are counted in the database (GROUP BY), never by decrypting payloads. The
workbook adds one row per item of the day (created or finished that day) and decrypts
only the exception message, which supervisors need.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from starlette.requests import Request
from starlette.responses import Response

from workitems import InvalidInput, State
from workitems.store import Store
from workitems.store.schema import items as items_t

from .. import charts
from ..report_xlsx import workbook
from ..web import Ctx, page

STATES = [s.value for s in State]
FINISHED = (State.DONE.value, State.FAILED.value)
CHART_DAYS = 14
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse_day(raw: str | None) -> date:
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"day {raw!r} is not a date: use YYYY-MM-DD, e.g. {date.today().isoformat()}") from None


def day_bounds(day: date) -> tuple[float, float]:
    """Local midnight to the next, as epoch seconds (a DST day has 23 or 25 hours)."""
    start = datetime.combine(day, time.min).astimezone()
    end = datetime.combine(day + timedelta(days=1), time.min).astimezone()
    return start.timestamp(), end.timestamp()


def _queue_entry(queue: str) -> dict[str, Any]:
    return {"queue": queue, "created": {**{s: 0 for s in STATES}, "total": 0},
            "finished": {"done": 0, "failed": 0}, "failures": []}


def daily_report(store: Store, day: date) -> dict[str, Any]:
    """Per queue: created that day by state now, finished that day, failures by type and code."""
    start, end = day_bounds(day)
    c = items_t.c
    created = (select(c.queue, c.state, func.count()).where(c.created_at >= start, c.created_at < end)
               .group_by(c.queue, c.state))
    finished = (select(c.queue, c.state, func.count())
                .where(c.state.in_(FINISHED), c.updated_at >= start, c.updated_at < end)
                .group_by(c.queue, c.state))
    failures = (select(c.queue, c.exc_type, c.exc_code, func.count())
                .where(c.state == State.FAILED.value, c.updated_at >= start, c.updated_at < end)
                .group_by(c.queue, c.exc_type, c.exc_code))
    queues = {name: _queue_entry(name) for name in store.queues()}
    with store.transaction() as conn:
        for queue, state, n in conn.execute(created):
            entry = queues.setdefault(queue, _queue_entry(queue))
            entry["created"][state] = int(n)
            entry["created"]["total"] += int(n)
        for queue, state, n in conn.execute(finished):
            queues.setdefault(queue, _queue_entry(queue))["finished"][state] = int(n)
        for queue, exc_type, code, n in conn.execute(failures):
            queues.setdefault(queue, _queue_entry(queue))["failures"].append(
                {"type": exc_type or "", "code": code, "count": int(n)})
    rows = [queues[name] for name in sorted(queues)]
    for entry in rows:
        entry["failures"].sort(key=lambda f: (-f["count"], f["type"], f["code"] or ""))
    totals = {"created": sum(q["created"]["total"] for q in rows),
              **{f"created_{s}": sum(q["created"][s] for q in rows) for s in STATES},
              "done": sum(q["finished"]["done"] for q in rows),
              "failed": sum(q["finished"]["failed"] for q in rows)}
    return {"day": day, "queues": rows, "totals": totals}


def day_items(store: Store, day: date) -> dict[str, list[dict[str, Any]]]:
    """Every item created or finished that day, by queue, oldest first; no payloads."""
    start, end = day_bounds(day)
    c = items_t.c
    query = (select(c.id, c.queue, c.reference, c.state, c.attempts, c.exc_type, c.exc_code, c.exc_message_enc,
                    c.created_at, c.updated_at)
             .where(or_(and_(c.created_at >= start, c.created_at < end),
                        and_(c.state.in_(FINISHED), c.updated_at >= start, c.updated_at < end)))
             .order_by(c.queue, c.id))
    out: dict[str, list[dict[str, Any]]] = {}
    with store.transaction() as conn:
        rows = conn.execute(query).all()
    for r in rows:
        out.setdefault(r.queue, []).append({
            "id": r.id, "reference": r.reference, "state": r.state, "attempts": r.attempts,
            "exception_type": r.exc_type, "code": r.exc_code,
            "message": store.cipher.decrypt_text(r.exc_message_enc), "created_at": r.created_at,
            "updated_at": r.updated_at})
    return out


def per_day(store: Store, last: date, days: int = CHART_DAYS) -> list[dict[str, Any]]:
    """Items created on each of the ``days`` days up to ``last``, by the state they are in now."""
    dates = [last - timedelta(days=days - 1 - i) for i in range(days)]
    bounds = [day_bounds(d)[0] for d in dates] + [day_bounds(last)[1]]
    created = items_t.c.created_at
    bucket = case(*((created < bounds[i + 1], i) for i in range(days)), else_=-1).label("bucket")
    query = (select(bucket, items_t.c.state, func.count())
             .where(created >= bounds[0], created < bounds[-1]).group_by(bucket, items_t.c.state))
    out = [{"day": d, **{s: 0 for s in STATES}, "total": 0} for d in dates]
    with store.transaction() as conn:
        for i, state, n in conn.execute(query):
            if 0 <= i < days:
                out[i][state] = int(n)
                out[i]["total"] += int(n)
    return out


def weekday_weekend(days: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Items created on Monday to Friday against Saturday and Sunday, as an average per day."""
    out = {}
    for key, weekend in (("weekday", False), ("weekend", True)):
        chosen = [d for d in days if (d["day"].weekday() >= 5) == weekend]
        items = sum(d["total"] for d in chosen)
        out[key] = {"days": len(chosen), "items": items,
                    "per_day": round(items / len(chosen), 1) if chosen else 0.0}
    return out


@page("/reports", "reports.html")
def reports(request: Request, ctx: Ctx) -> dict:
    day = parse_day(request.query_params.get("day"))
    report = daily_report(ctx.store, day)
    days = per_day(ctx.store, day)
    split = weekday_weekend(days)
    per_day_chart = charts.stacked_bars(
        [(d["day"].strftime("%a %d"), d) for d in days], STATES,
        label=f"Items created per day by state now, {days[0]['day']} to {day}")
    split_chart = charts.horizontal_bars(
        [("Monday to Friday", split["weekday"]["per_day"], "series-weekday"),
         ("Saturday, Sunday", split["weekend"]["per_day"], "series-weekend")],
        label="Items created per day, weekdays against weekends", unit=" a day")
    return {"day": day, "previous": day - timedelta(days=1), "next": day + timedelta(days=1),
            "today": date.today(), "report": report, "per_day": days, "split": split, "states": STATES,
            "per_day_chart": per_day_chart, "split_chart": split_chart,
            "data": {**report, "per_day": days, "weekday_vs_weekend": split}}


@page("/reports/daily.xlsx", "reports.html", json_twin=False)
def daily_xlsx(request: Request, ctx: Ctx) -> Response:
    day = parse_day(request.query_params.get("day"))
    report = daily_report(ctx.store, day)
    items = day_items(ctx.store, day)
    body = workbook(report, items)
    ctx.audit.record(ctx.actor, "report-download", f"report {day.isoformat()}",
                     {"day": day.isoformat(), "queues": len(report["queues"]),
                      "items": sum(len(v) for v in items.values())})
    return Response(body, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="nightshift-report-{day.isoformat()}.xlsx"'})
