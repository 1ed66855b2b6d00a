"""The audit log: every action a person takes in the portal (and revealing personal fields).

Details (a note, old and new values) may be personal data, so they are encrypted with
the store's key, like payloads.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, insert, select

from workitems.store import Store
from workitems.store.schema import audit as audit_t


class Audit:
    def __init__(self, store: Store):
        self.store = store

    def record(self, actor: str, action: str, target: str | None = None, detail: Any = None) -> None:
        enc = self.store.cipher.encrypt_json(detail) if detail is not None else None
        with self.store.transaction(write=True) as conn:
            conn.execute(insert(audit_t).values(at=time.time(), actor=actor, action=action, target=target,
                                                detail_enc=enc))

    def list(self, *, limit: int = 100, offset: int = 0, actor: str | None = None,
             action: str | None = None) -> tuple[list[dict[str, Any]], int]:
        query = select(audit_t)
        count = select(func.count()).select_from(audit_t)
        for column, value in ((audit_t.c.actor, actor), (audit_t.c.action, action)):
            if value:
                query, count = query.where(column == value), count.where(column == value)
        with self.store.transaction() as conn:
            total = conn.execute(count).scalar() or 0
            rows = conn.execute(query.order_by(audit_t.c.id.desc()).limit(limit).offset(offset)).all()
        return [{"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "target": r.target,
                 "detail": self.store.cipher.decrypt_json(r.detail_enc) if r.detail_enc else None}
                for r in rows], total
