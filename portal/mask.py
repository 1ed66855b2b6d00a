"""Personal fields stay masked until a person asks to see them, and that request is audited.

Payloads hold children's personal data, so the item page shows every field's name but
each value as ``••••``. A viewer reveals one item's values with a POST (recorded in the
audit log); the POST leaves a short-lived grant in the session cookie, and only pages
read while the grant lasts show the values. A link alone (a GET) can never reveal them.
"""

from __future__ import annotations

import json
import time
from typing import Any

MASK = "••••"
REVEAL_SECONDS = 300  # how long a reveal lasts: long enough to fix one item
_MAX_GRANTS = 20  # the session cookie keeps the most recent ones only


def grant(session: dict[str, Any], item_id: int, *, now: float | None = None) -> float:
    """Let this session see ``item_id``'s values for REVEAL_SECONDS; returns when that ends."""
    now = time.time() if now is None else now
    grants = _live(session, now)
    grants[str(int(item_id))] = now + REVEAL_SECONDS
    session["revealed"] = dict(sorted(grants.items(), key=lambda kv: kv[1])[-_MAX_GRANTS:])
    return now + REVEAL_SECONDS


def revealed(session: dict[str, Any], item_id: int, *, now: float | None = None) -> bool:
    """Whether this session revealed ``item_id`` in the last REVEAL_SECONDS."""
    now = time.time() if now is None else now
    return str(int(item_id)) in _live(session, now)


def _live(session: dict[str, Any], now: float) -> dict[str, float]:
    raw = session.get("revealed")
    if not isinstance(raw, dict):
        return {}
    return {k: float(v) for k, v in raw.items() if isinstance(v, int | float) and v > now}


def masked(payload: Any) -> Any:
    """The payload with every value replaced by MASK; the top-level field names stay visible."""
    if isinstance(payload, dict):
        return {str(name): MASK for name in payload}
    return None if payload is None else MASK


def fields(payload: Any, *, show: bool) -> list[dict[str, Any]]:
    """Rows for the item page: ``{"name", "text", "block"}``, masked unless ``show``.

    ``block`` marks a value that is a list or an object (shown as indented JSON).
    """
    if payload is None:
        return []
    pairs = payload.items() if isinstance(payload, dict) else [("(payload)", payload)]
    rows = []
    for name, value in pairs:
        if not show:
            rows.append({"name": str(name), "text": MASK, "block": False})
        elif isinstance(value, str):
            rows.append({"name": str(name), "text": value, "block": False})
        else:
            block = isinstance(value, dict | list)
            text = json.dumps(value, ensure_ascii=False, indent=2 if block else None)
            rows.append({"name": str(name), "text": text, "block": block})
    return rows


def mask_history_detail(detail: Any, *, show: bool) -> Any:
    """A history entry's detail, with the old and new values of a payload edit masked unless ``show``."""
    if show or not isinstance(detail, dict) or "changes" not in detail:
        return detail
    changes = [{"field": c.get("field"), "old": MASK, "new": MASK}
               for c in detail.get("changes") or [] if isinstance(c, dict)]
    return {**detail, "changes": changes}
