"""The audit log (admin): every action people took in the portal, newest first.

Details are decrypted for the page (``Audit.list``); they may hold a note or the old
and new values of a payload field, which is why only admins read this page.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from starlette.requests import Request

from workitems import InvalidInput
from workitems.store.schema import audit as audit_t

from ..web import Ctx, page

PER_PAGE = 50
MAX_CHOICES = 500


def _choices(ctx: Ctx, column) -> list[str]:
    with ctx.store.transaction() as conn:
        return [r[0] for r in conn.execute(select(column).distinct().order_by(column).limit(MAX_CHOICES))]


@page("/audit", "audit.html", role="admin")
def audit_page(request: Request, ctx: Ctx) -> dict:
    actor = (request.query_params.get("actor") or "").strip() or None
    action = (request.query_params.get("action") or "").strip() or None
    raw = request.query_params.get("page") or "1"
    try:
        number = int(raw)
    except ValueError:
        raise InvalidInput(f"page must be a whole number from 1, got {raw!r}") from None
    if number < 1:
        raise InvalidInput(f"page must be a whole number from 1, got {raw!r}")
    entries, total = ctx.audit.list(limit=PER_PAGE, offset=(number - 1) * PER_PAGE, actor=actor, action=action)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    for entry in entries:
        detail = entry["detail"]
        entry["detail_text"] = ("" if detail is None else detail if isinstance(detail, str)
                                else json.dumps(detail, ensure_ascii=False, indent=1, sort_keys=True))
    return {"entries": entries, "total": total, "page": number, "pages": pages, "actor": actor or "",
            "action": action or "", "actors": _choices(ctx, audit_t.c.actor),
            "actions": _choices(ctx, audit_t.c.action),
            "data": {"entries": [{k: v for k, v in e.items() if k != "detail_text"} for e in entries],
                     "total": total, "page": number, "pages": pages, "per_page": PER_PAGE,
                     "actor": actor, "action": action}}
