"""Automation bids: staff propose processes to automate, assessors score, rank and track them.

Any signed-in member of staff (viewer and up) submits a bid, keeps drafts and comments;
assessors (admin) enter the build effort and move bids along the pipeline with a reason.
Scores, benefit and the measured hours of a live bid's bot come from ``portal/bids/``;
README.md ("## Automation bids") explains the formulae with worked examples.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from scheduler.processes import Process, load_processes
from workitems import InvalidInput, ItemNotFound

from .. import charts
from ..bids.config import DATA_LEVELS, EASE_PARTS, POTENTIAL_PARTS, BidSettings, load_settings
from ..bids.measured import Measured, measure
from ..bids.records import (ALLOWED, DATA_LABELS, DRAFT, LIVE, MEDIA, MOVES, NUMBERS, PIPELINE, RETIRED, Bid, Bids,
                            uploads)
from ..bids.scoring import Facts, benefit, combined, ease, potential
from ..bids.workbook import business_case
from ..web import Ctx, Done, Forbidden, action, page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SORTS = ("score", "benefit")
# README's example A, worked on the help text with the weights in force
EXAMPLE = Facts(400, 6, 90, 70, 1, 5, "personal", ("Case management system", "Shared mailbox"))
EXAMPLE_BUILD_DAYS = 15.0


def worked_example(cfg: BidSettings) -> dict[str, Any]:
    p, e = potential(EXAMPLE, cfg), ease(EXAMPLE, cfg)
    return {"facts": EXAMPLE, "potential": p, "ease": e, "score": combined(p, e), "build_days": EXAMPLE_BUILD_DAYS,
            "benefit": benefit(EXAMPLE, cfg, EXAMPLE_BUILD_DAYS),
            "potential_weight": sum(cfg.potential_weights.values()), "ease_weight": sum(cfg.ease_weights.values())}


def _processes() -> dict[str, Process]:
    return {name: p for name, p in load_processes().items() if isinstance(p, Process)}


def _bid_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ItemNotFound(f"no bid {raw!r}: bids are numbered, see the list at /bids") from None


def _visible(bid: Bid, ctx: Ctx) -> None:
    if bid.state == DRAFT and bid.author != ctx.user.name and not ctx.user.can("admin"):
        raise Forbidden(f"bid {bid.id} is {bid.author}'s draft: it shows once it is submitted")


def assess_row(bid: Bid, cfg: BidSettings, procs: dict[str, Process], store) -> dict[str, Any]:
    """A bid with its scores, benefit and (once live) measured hours: one row of the ranked list."""
    row: dict[str, Any] = {
        "id": bid.id, "url": f"/bids/{bid.id}", "state": bid.state, "team": bid.team, "title": bid.title,
        "author": bid.author, "systems": bid.systems, "build_days": bid.build_days, "process": bid.process,
        "live_since": bid.live_since, "complete": bid.complete, "potential": None, "ease": None, "score": None,
        "hours_per_year": 0.0, "fte": 0.0, "cost_per_year": 0, "build_cost": None, "payback_months": None,
        "measured_hours": None, "measured_estimate": None, "flagged": False, "measured": None}
    if bid.complete:
        p, e, b = potential(bid.facts(), cfg), ease(bid.facts(), cfg), benefit(bid.facts(), cfg, bid.build_days)
        row.update(potential=p.total, ease=e.total, score=combined(p, e), potential_parts=p.parts,
                   ease_parts=e.parts, hours_per_year=b.hours_per_year, fte=b.fte, cost_per_year=b.cost_per_year,
                   build_cost=b.build_cost, payback_months=b.payback_months)
        if bid.state in (LIVE, RETIRED) and bid.process in procs:
            m: Measured = measure(store, bid, procs[bid.process], cfg)
            row.update(measured=m, measured_hours=m.hours, measured_estimate=m.estimate, flagged=m.flagged)
    return row


def ranked(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Scored bids first, by ranking score then hours a year (or the other way round); drafts last."""
    if sort == "benefit":
        key = lambda r: (r["score"] is None, -r["hours_per_year"], -(r["score"] or 0), r["id"])  # noqa: E731
    else:
        key = lambda r: (r["score"] is None, -(r["score"] or 0), -r["hours_per_year"], r["id"])  # noqa: E731
    out = sorted(rows, key=key)
    for n, r in enumerate(out, 1):
        r["rank"] = n if r["score"] is not None and r["state"] != DRAFT else None
    return out


def _list(request: Request, ctx: Ctx) -> tuple[list[dict[str, Any]], dict[str, str], BidSettings]:
    cfg = load_settings()
    q = request.query_params
    team, state = (q.get("team") or "").strip(), (q.get("state") or "").strip()
    sort = q.get("sort") or "score"
    if state and state not in (DRAFT, *PIPELINE):
        raise InvalidInput(f"state {state!r} is not one of {', '.join((DRAFT, *PIPELINE))}")
    if sort not in SORTS:
        raise InvalidInput(f"sort {sort!r} is not one of {', '.join(SORTS)}")
    procs = _processes()
    bids = Bids(ctx.store, cfg).list(team=team or None, state=state or None, viewer=ctx.user.name)
    rows = ranked([assess_row(b, cfg, procs, ctx.store) for b in bids], sort)
    return rows, {"team": team, "state": state, "sort": sort}, cfg


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("measured", "potential_parts", "ease_parts")}


@page("/bids", "bids.html")
def bids_page(request: Request, ctx: Ctx) -> dict:
    rows, filters, cfg = _list(request, ctx)
    teams = Bids(ctx.store, cfg).teams()
    return {"rows": rows, "filters": filters, "teams": teams, "states": (DRAFT, *PIPELINE), "cfg": cfg,
            "example": worked_example(cfg),
            "data": {"bids": [_public(r) for r in rows], **filters}}


@page("/bids/business-case.xlsx", "bids.html", json_twin=False)
def business_case_xlsx(request: Request, ctx: Ctx) -> Response:
    rows, filters, _ = _list(request, ctx)
    rows = [r for r in rows if r["state"] != DRAFT]
    body = business_case(rows, PIPELINE)
    ctx.audit.record(ctx.actor, "bids-download", "bids business case", {"bids": len(rows), **filters})
    return Response(body, media_type=XLSX, headers={
        "Content-Disposition": 'attachment; filename="nightshift-bids-business-case.xlsx"'})


# -- the form ---------------------------------------------------------------------------
def _form_values(bid: Bid | None, form: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the form's fields show: the bid's values, or what the person just sent."""
    if form is not None:
        values = {k: v for k, v in form.items() if isinstance(v, str | list) and k != "attachments"}
        chosen = values.get("systems") or []
        values["systems"] = chosen if isinstance(chosen, list) else [chosen]
        return values
    if bid is None:
        return {"systems": []}
    values = {name: ("" if getattr(bid, name) is None else f"{getattr(bid, name):g}") for name, *_ in NUMBERS}
    values.update(team=bid.team, title=bid.title, description=bid.description, peaks=bid.peaks,
                  data=bid.data or "", systems=bid.systems)
    return values


def _form_page(ctx: Ctx, bid: Bid | None, values: dict[str, Any], error: str | None = None) -> dict:
    cfg = load_settings()
    known = list(cfg.systems)
    others = [s for s in values.get("systems", []) if s not in known]
    if others:  # systems the person typed as new come back in the text box
        values["new_systems"] = ", ".join(filter(None, [values.get("new_systems", ""), *others]))
        values["systems"] = [s for s in values["systems"] if s in known]
    files = Bids(ctx.store, cfg).files(bid.id) if bid else []
    return {"bid": bid, "values": values, "error": error, "known_systems": known, "numbers": NUMBERS,
            "data_levels": [(k, DATA_LABELS[k]) for k in DATA_LEVELS], "files": files, "allowed": ALLOWED,
            "cfg": cfg, "example": worked_example(cfg), "data": {"known_systems": known, "data_levels": list(DATA_LEVELS), "allowed": ALLOWED,
                                 "max_attachment_mb": cfg.max_attachment_mb}}


@page("/bids/new", "bid_form.html")
def new_bid(request: Request, ctx: Ctx) -> dict:
    return _form_page(ctx, None, _form_values(None))


def _save(request: Request, ctx: Ctx, form: dict, bid: Bid | None) -> Done | Response:
    submit = str(form.get("save") or "") == "submit"
    try:
        bids = Bids(ctx.store, load_settings())
        bid_id = bids.save(bid.id if bid else None, form, uploads(form), author=ctx.user.name, actor=ctx.user.name,
                           submit=submit)
    except InvalidInput as exc:
        if request.url.path.startswith("/api/"):
            raise
        # refused: the form again, with the message and what was typed (files must be chosen again)
        values = _form_page(ctx, bid, _form_values(bid, form), str(exc))
        return request.app.state.portal.render("bid_form.html", request, ctx, values, status=400)
    files = len(uploads(form))
    ctx.audit.record(ctx.actor, "bid-submit" if submit else "bid-save", f"bid {bid_id}",
                     {"state": "submitted" if submit else DRAFT, "attachments": files})
    what = "submitted: assessors will score it" if submit else "saved as a draft: submit it when it is ready"
    return Done(f"bid {bid_id} {what}", to=f"/bids/{bid_id}", data={"id": bid_id})


@action("/bids/new", role="viewer")
def create_bid(request: Request, ctx: Ctx, form: dict) -> Done | Response:
    return _save(request, ctx, form, None)


@page("/bids/{bid_id}/edit", "bid_form.html")
def edit_bid(request: Request, ctx: Ctx) -> dict:
    bid = _own_draft(request, ctx)
    return _form_page(ctx, bid, _form_values(bid))


@action("/bids/{bid_id}/edit", role="viewer")
def save_bid(request: Request, ctx: Ctx, form: dict) -> Done | Response:
    return _save(request, ctx, form, _own_draft(request, ctx))


def _own_draft(request: Request, ctx: Ctx) -> Bid:
    bid = Bids(ctx.store, load_settings()).get(_bid_id(request.path_params["bid_id"]))
    if bid.state != DRAFT:
        raise InvalidInput(f"bid {bid.id} is {bid.state}: only a draft can be changed; comment on it instead")
    if bid.author != ctx.user.name:
        raise Forbidden(f"bid {bid.id} is {bid.author}'s draft: only they can change it")
    return bid


# -- one bid ------------------------------------------------------------------------------
@page("/bids/{bid_id}", "bid.html")
def bid_page(request: Request, ctx: Ctx) -> dict:
    cfg = load_settings()
    bids = Bids(ctx.store, cfg)
    bid = bids.get(_bid_id(request.path_params["bid_id"]))
    _visible(bid, ctx)
    procs = _processes()
    row = assess_row(bid, cfg, procs, ctx.store)
    events = bids.events(bid.id)
    files = bids.files(bid.id)
    m: Measured | None = row["measured"]
    chart = None
    if m is not None and m.months:
        bars = []
        for month in m.months:
            bars += [(f"{month.label} measured", month.hours, "series-measured"),
                     (f"{month.label} estimate", month.estimate, "series-estimate")]
        chart = charts.horizontal_bars(bars, label=f"Hours saved by {m.process} each month: measured against "
                                                   f"the bid's estimate", unit=" h")
    comments = [e for e in events if e["kind"] == "comment"]
    history = [e for e in events if e["kind"] != "comment"]
    return {"bid": bid, "row": row, "files": files, "comments": comments, "history": history, "chart": chart,
            "measured": m, "moves": MOVES.get(bid.state, ()), "processes": sorted(procs), "cfg": cfg,
            "data_label": DATA_LABELS.get(bid.data or "", "not given"), "live": LIVE,
            "potential_parts": POTENTIAL_PARTS, "ease_parts": EASE_PARTS, "now": time.time(),
            "data": {"bid": {**bid.__dict__}, "scores": _public(row), "files": files, "comments": comments,
                     "history": history, "measured": m}}


@page("/bids/{bid_id}/files/{file_id}", "bid.html", json_twin=False)
def bid_file(request: Request, ctx: Ctx) -> Response:
    bids = Bids(ctx.store, load_settings())
    bid = bids.get(_bid_id(request.path_params["bid_id"]))
    _visible(bid, ctx)
    try:
        file_id = int(request.path_params["file_id"])
    except ValueError:
        raise ItemNotFound(f"bid {bid.id} has no attachment {request.path_params['file_id']!r}") from None
    name, kind, content = bids.file(bid.id, file_id)
    ctx.audit.record(ctx.actor, "bid-file-download", f"bid {bid.id}", {"file": file_id})
    return Response(content, media_type=MEDIA[kind], headers={
        "Content-Disposition": f"attachment; filename=\"bid-{bid.id}-{file_id}.{kind if kind != 'jpeg' else 'jpg'}\""})


@action("/bids/{bid_id}/comment", role="viewer")
def comment(request: Request, ctx: Ctx, form: dict) -> Done:
    bids = Bids(ctx.store, load_settings())
    bid = bids.get(_bid_id(request.path_params["bid_id"]))
    _visible(bid, ctx)
    bids.comment(bid.id, ctx.user.name, str(form.get("comment") or ""))
    ctx.audit.record(ctx.actor, "bid-comment", f"bid {bid.id}", {"chars": len(str(form.get("comment") or ""))})
    return Done(f"comment added to bid {bid.id}", to=f"/bids/{bid.id}#comments", data={"id": bid.id})


@action("/bids/{bid_id}/assess", role="admin")
def assess(request: Request, ctx: Ctx, form: dict) -> Done:
    bids = Bids(ctx.store, load_settings())
    bid_id = _bid_id(request.path_params["bid_id"])
    days = bids.assess(bid_id, ctx.user.name, form.get("build_days"))
    ctx.audit.record(ctx.actor, "bid-assess", f"bid {bid_id}", {"build_days": days})
    return Done(f"bid {bid_id}: build effort set to {days:g} days", to=f"/bids/{bid_id}",
                data={"id": bid_id, "build_days": days})


@action("/bids/{bid_id}/state", role="admin")
def change_state(request: Request, ctx: Ctx, form: dict) -> Done:
    bids = Bids(ctx.store, load_settings())
    bid_id = _bid_id(request.path_params["bid_id"])
    before, after = bids.move(bid_id, ctx.user.name, str(form.get("state") or ""), str(form.get("reason") or ""),
                              str(form.get("process") or "") or None, tuple(sorted(_processes())))
    ctx.audit.record(ctx.actor, "bid-state", f"bid {bid_id}",
                     {"from": before, "to": after, "reason": str(form.get("reason") or "")})
    return Done(f"bid {bid_id} moved from {before} to {after}", to=f"/bids/{bid_id}",
                data={"id": bid_id, "from": before, "to": after})


# -- for the overview -----------------------------------------------------------------------
def live_totals(ctx: Ctx) -> dict[str, Any] | None:
    """Hours measured by the bots of live bids since each went live, against their estimates."""
    try:
        cfg = load_settings()
    except InvalidInput:
        return None  # the bids page says what is wrong with bids.yaml
    procs = _processes()
    rows = [assess_row(b, cfg, procs, ctx.store) for b in Bids(ctx.store, cfg).list(state=LIVE)]
    rows = [r for r in rows if r["measured"] is not None]
    return {"live": len(rows), "hours": round(sum(r["measured_hours"] for r in rows), 1),
            "estimate": round(sum(r["measured_estimate"] for r in rows), 1),
            "flagged": sum(1 for r in rows if r["flagged"])}
