"""Replies to e-mailed enquiries: drafts by the enquiries bot that a person approves and sends.

Routes (approver role and above)::

    GET  /enquiries                  drafts waiting, and how many enquiries wait for the team
    GET  /enquiries/ID               one draft: the enquiry, the reply (editable), the page it cites
    POST /enquiries/ID/send          send the reply as edited (the item is then done)
    POST /enquiries/ID/to-team       do not send: hand the enquiry to the team, with a reason

A draft is an item of the ``enquiries-replies`` queue (``robots/enquiries``). Sending takes
the item (so two people cannot send it twice), saves the text as approved, sends it by
the channel of the enquiries settings (``enquiries.yaml``) and marks the item done; when
sending fails the item goes back to waiting, with the edited text kept, and the page says
why. Opening a draft, sending and handing over are recorded in the audit log.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request

from keywords.enquiries.replies import NotSent, check_edit, send_reply
from keywords.enquiries.settings import describe, load_settings
from workitems import ExceptionType, InvalidInput, State, WorkItem

from ..web import Ctx, Done, action, fmt_time, page, reason_from

REPLIES = "enquiries-replies"
ENQUIRIES = "enquiries"
SHOWN = 200


def enquiry_url(item_id: int) -> str:
    return f"/enquiries/{int(item_id)}"


def _row(item: WorkItem) -> dict[str, Any]:
    draft = item.payload if isinstance(item.payload, dict) else {}
    citation = draft.get("citation") or {}
    return {"id": item.id, "url": enquiry_url(item.id), "reference": item.reference,
            "subject": draft.get("subject", ""), "received": fmt_time(draft.get("received")),
            "page": citation.get("title", ""), "confidence": draft.get("confidence"),
            "state": item.state.value, "worker": item.worker}


@page("/enquiries", "enquiries.html", role="approver")
def enquiries_page(request: Request, ctx: Ctx) -> dict:
    waiting = ctx.store.list(REPLIES, state=State.PENDING, limit=SHOWN)
    waiting.sort(key=lambda item: item.id)  # oldest first: the first to come is the first answered
    in_hand = ctx.store.list(REPLIES, state=State.RESERVED, limit=SHOWN)
    for_team = ctx.store.count(ENQUIRIES, state=State.FAILED, exception_type=ExceptionType.BUSINESS)
    rows = [_row(item) for item in waiting]
    return {"rows": rows, "in_hand": [_row(item) for item in in_hand], "for_team": for_team,
            "waiting_total": ctx.store.count(REPLIES, state=State.PENDING), "shown": SHOWN,
            "data": {"waiting": [{k: v for k, v in r.items() if k != "url"} for r in rows],
                     "waiting_total": ctx.store.count(REPLIES, state=State.PENDING), "for_team": for_team}}


def _draft(ctx: Ctx, item_id: int) -> WorkItem:
    item = ctx.store.get(item_id)
    if item.queue != REPLIES:
        raise InvalidInput(f"work item {item_id} is in {item.queue}, not a reply to an enquiry")
    return item


@page("/enquiries/{item_id:int}", "enquiry.html", role="approver")
def enquiry_page(request: Request, ctx: Ctx) -> dict:
    item_id = request.path_params["item_id"]
    item = _draft(ctx, item_id)
    ctx.audit.record(ctx.actor, "view enquiry", f"item {item_id}")
    draft = item.payload if isinstance(item.payload, dict) else {}
    try:
        channel = describe(load_settings())
    except InvalidInput as exc:
        channel = {"error": str(exc)}
    sent = draft.get("sent") or {}
    view = {"id": item.id, "state": item.state.value, "reference": item.reference, "to": draft.get("to", ""),
            "to_name": draft.get("to_name", ""), "subject": draft.get("subject", ""), "body": draft.get("body", ""),
            "question": draft.get("question", ""), "received": fmt_time(draft.get("received")),
            "citation": draft.get("citation") or {}, "confidence": draft.get("confidence"),
            "sent": {**sent, "at": fmt_time(sent.get("at"))} if sent else None,
            "exception": item.exception.message if item.exception else None, "parent_id": item.parent_id}
    return {"draft": view, "channel": channel, "can_send": item.state is State.PENDING,
            "data": {"draft": {**view, "sent": sent or None}, "channel": channel}}


@action("/enquiries/{item_id:int}/send", role="approver")
def send(request: Request, ctx: Ctx, form: dict) -> Done:
    item_id = request.path_params["item_id"]
    try:
        subject, body = check_edit(str(form.get("subject", "")), str(form.get("body", "")))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    settings = load_settings()  # a broken settings file stops here, before the item is taken
    item = _draft(ctx, item_id)
    taken = ctx.store.claim_item(item.id, ctx.actor)
    draft = dict(taken.payload)
    edited = subject != draft.get("subject") or body.strip() != str(draft.get("body", "")).strip()
    draft.update(subject=subject, body=body)
    ctx.store.save_payload(item.id, draft, actor=ctx.actor)  # the approved text is kept whatever happens next
    try:
        sent = send_reply(settings, draft, subject=subject, body=body)
    except NotSent as exc:
        ctx.store.release(item.id, ctx.actor, reason="sending failed")
        ctx.audit.record(ctx.actor, "reply not sent", f"item {item_id}", {"reason": str(exc)})
        raise InvalidInput(f"{exc}. The draft (with your changes) waits again: try later, or send the "
                           "enquiry to the team.") from None
    draft["sent"] = {"at": time.time(), "by": ctx.user.name, "channel": sent["channel"], "id": sent["id"],
                     "edited": edited}
    ctx.store.save_payload(item.id, draft, actor=ctx.actor)
    ctx.store.complete(item.id, ctx.actor)
    ctx.audit.record(ctx.actor, "send reply", f"item {item_id}", {"channel": sent["channel"], "edited": edited})
    return Done(f"Reply {item.reference} sent ({sent['channel']})", to="/enquiries",
                data={"item_id": item_id, "channel": sent["channel"], "edited": edited})


@action("/enquiries/{item_id:int}/to-team", role="approver")
def to_team(request: Request, ctx: Ctx, form: dict) -> Done:
    item_id = request.path_params["item_id"]
    reason = reason_from(form, "say why this enquiry needs a person")
    item = _draft(ctx, item_id)
    ctx.store.claim_item(item.id, ctx.actor)
    ctx.store.fail(item.id, ctx.actor, ExceptionType.BUSINESS, "NEEDS_PERSON",
                   f"Not sent: handed to the team by {ctx.user.name}: {reason}. Reply by hand, then resolve the item.")
    ctx.audit.record(ctx.actor, "reply to team", f"item {item_id}", {"reason": reason})
    return Done(f"Enquiry {item.reference} handed to the team: it is not sent", to="/enquiries",
                data={"item_id": item_id})
