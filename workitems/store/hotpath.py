"""Add, claim, renew, complete, fail: the verbs busy producers and workers call per item.

They run compiled-once statements on a raw connection (see ``prepared.py``);
the rest of the store uses SQLAlchemy Core as usual. Each verb is one short
transaction holding the state change and its history entry.
"""

from __future__ import annotations

import time
from collections import namedtuple
from typing import Any

from sqlalchemy import bindparam, select, update

from ..errors import ItemNotFound, LeaseLost
from ..model import ExceptionType, FileInfo, State, WorkItem
from .prepared import RawConnections
from .schema import files as files_t
from .schema import history as history_t
from .schema import items as items_t

ItemRow = namedtuple("ItemRow", [c.name for c in items_t.c])  # type: ignore[misc]
_RESERVED = State.RESERVED.value


class HotPath:
    """Mixed into SQLStore; needs ``self.raw`` (RawConnections), ``self.cipher``, ``self._settings``."""

    raw: RawConnections
    skip_locked: bool

    # -- statements, compiled once per store --------------------------------
    def _p_claim(self):
        def build():
            nxt = (
                select(items_t.c.id)
                .where(items_t.c.queue == bindparam("queue"), items_t.c.state == State.PENDING.value,
                       items_t.c.available_at <= bindparam("now"))
                .order_by(items_t.c.priority.desc(), items_t.c.id)
                .limit(1)
            )
            if self.skip_locked:
                nxt = nxt.with_for_update(skip_locked=True)
            return (
                update(items_t)
                .where(items_t.c.id == nxt.scalar_subquery())
                .values(state=_RESERVED, attempts=items_t.c.attempts + 1, worker=bindparam("worker"),
                        lease_expires_at=bindparam("expires"), updated_at=bindparam("now_"))
                .returning(*items_t.c)
            )

        return self.raw.prepared("claim", build)

    def _p_log(self):
        return self.raw.prepared("log", lambda: history_t.insert().values(
            item_id=bindparam("item_id"), at=bindparam("at"), actor=bindparam("actor"),
            from_state=bindparam("from_state"), to_state=bindparam("to_state"), event=bindparam("event"),
            detail_enc=bindparam("detail_enc")))

    def _p_row(self, lock: bool):
        def build():
            stmt = select(*items_t.c).where(items_t.c.id == bindparam("id"))
            return stmt.with_for_update() if lock and self.skip_locked else stmt

        return self.raw.prepared(f"row:{lock}", build)

    def _p_set(self, name: str, columns: tuple[str, ...]):
        return self.raw.prepared(f"set:{name}", lambda: (
            update(items_t).where(items_t.c.id == bindparam("id"))
            .values({c: bindparam(c) for c in columns}).returning(*items_t.c)))

    # -- helpers -------------------------------------------------------------
    def _raw_log(self, cur: Any, item_id: int, actor: str, frm: State | None, to: State, event: str,
                 detail: dict[str, Any] | None, at: float) -> None:
        p = self._p_log()
        cur.execute(p.sql, p.args(dict(
            item_id=item_id, at=at, actor=actor[:200], from_state=frm.value if frm else None,
            to_state=to.value, event=event,
            detail_enc=self.cipher.encrypt_json(detail) if detail else None)))

    def _raw_row(self, cur: Any, item_id: int, *, lock: bool = False) -> ItemRow:
        p = self._p_row(lock)
        cur.execute(p.sql, p.args({"id": _item_key(item_id)}))
        found = cur.fetchone()
        if found is None:
            raise ItemNotFound(item_id)
        return ItemRow(*found)

    def _raw_held(self, cur: Any, item_id: int, worker: str) -> ItemRow:
        row = self._raw_row(cur, item_id, lock=True)
        if row.state != _RESERVED or row.worker != worker:
            raise LeaseLost(item_id, worker)
        return row

    def _raw_set(self, cur: Any, name: str, item_id: int, values: dict[str, Any]) -> ItemRow:
        p = self._p_set(name, tuple(sorted(values)))
        cur.execute(p.sql, p.args({"id": item_id, **values}))
        return ItemRow(*cur.fetchone())

    # -- verbs ---------------------------------------------------------------
    def _claim_once(self, queue: str, worker: str, lease: float) -> WorkItem | None:
        now = time.time()
        p = self._p_claim()
        with self.raw.transaction() as cur:
            cur.execute(p.sql, p.args(dict(queue=queue, now=now, worker=worker, expires=now + lease, now_=now)))
            found = cur.fetchone()
            if found is None:
                return None
            row = ItemRow(*found)
            # No detail: encrypting one inside the write lock cost a tenth of the throughput;
            # the attempt number is the count of "claimed" entries.
            self._raw_log(cur, row.id, worker, State.PENDING, State.RESERVED, "claimed", None, now)
        return self._item(row)

    def renew(self, item_id, worker, *, lease_seconds=None):
        with self.raw.transaction() as cur:
            row = self._raw_held(cur, item_id, worker)
            expires = time.time() + (lease_seconds or self._settings(row.queue).lease_seconds)
            self._raw_set(cur, "lease", row.id, {"lease_expires_at": expires})
        return expires

    def complete(self, item_id, worker):
        now = time.time()
        p = self.raw.prepared("complete", lambda: (
            update(items_t)
            .where(items_t.c.id == bindparam("id"), items_t.c.state == _RESERVED,
                   items_t.c.worker == bindparam("held_by"))
            .values(state=State.DONE.value, worker=None, lease_expires_at=None, exc_type=None, exc_code=None,
                    exc_message_enc=None, updated_at=bindparam("now"))
            .returning(*items_t.c)))
        with self.raw.transaction() as cur:
            # One statement checks the lease and releases; _raw_held explains a miss.
            cur.execute(p.sql, p.args({"id": _item_key(item_id), "held_by": worker, "now": now}))
            found = cur.fetchone()
            if found is None:
                self._raw_held(cur, item_id, worker)
                raise LeaseLost(item_id, worker)  # pragma: no cover - _raw_held raised already
            row = ItemRow(*found)
            self._raw_log(cur, row.id, worker, State.RESERVED, State.DONE, "done", None, now)
        return self._item(row)

    def fail(self, item_id, worker, exception_type, code=None, message=None):
        exception_type = ExceptionType.parse(getattr(exception_type, "value", exception_type))
        now = time.time()
        with self.raw.transaction() as cur:
            held = self._raw_held(cur, item_id, worker)
            settings = self._settings(held.queue)
            final = exception_type is ExceptionType.BUSINESS or held.attempts >= settings.max_attempts
            code = None if code is None else str(code)[:200]
            message = None if message is None else str(message)
            detail: dict[str, Any] = {"type": exception_type.value, "code": code, "message": message,
                                      "attempt": held.attempts, "max_attempts": settings.max_attempts}
            if final:
                state, event = State.FAILED, "failed"
                retry_at = held.available_at
            else:
                state, event = State.PENDING, "retry scheduled"
                retry_at = now + settings.backoff(held.attempts)
                detail["retry_at"] = retry_at
            row = self._raw_set(cur, "fail", held.id, dict(
                state=state.value, worker=None, lease_expires_at=None, exc_type=exception_type.value,
                exc_code=code, exc_message_enc=self.cipher.encrypt_text(message), updated_at=now,
                available_at=retry_at, not_before=retry_at if not final else held.not_before))
            self._raw_log(cur, row.id, worker, State.RESERVED, state, event, detail, now)
        return self._item(row)

    def release(self, item_id, worker, *, reason="released"):
        now = time.time()
        with self.raw.transaction() as cur:
            held = self._raw_held(cur, item_id, worker)
            row = self._raw_set(cur, "release", held.id, dict(
                state=State.PENDING.value, worker=None, lease_expires_at=None, available_at=now,
                attempts=held.attempts - 1, updated_at=now))  # giving back is not a failed try
            self._raw_log(cur, row.id, worker, State.RESERVED, State.PENDING, reason, None, now)
            self._raw_notify(cur, row.queue)
        return self._item(row)

    # -- creating (producers add thousands of items in one go) -------------------
    def _insert_items(self, queue: str, prepared: list[dict[str, Any]], actor: str) -> list[tuple[WorkItem, bool]]:
        now = time.time()
        p_insert = self.raw.prepared("insert", lambda: (
            self._insert(items_t)
            .values({c: bindparam(c) for c in _INSERT_COLUMNS})
            .on_conflict_do_nothing(index_elements=["queue", "reference"])
            .returning(items_t.c.id)))
        p_existing = self.raw.prepared("by-reference", lambda: select(*items_t.c).where(
            items_t.c.queue == bindparam("queue"), items_t.c.reference == bindparam("reference")))
        results: list[tuple[WorkItem, bool]] = []
        with self.raw.transaction() as cur:
            for entry in prepared:
                new = entry["new"]
                cur.execute(p_insert.sql, p_insert.args(dict(
                    queue=queue, state=State.PENDING.value, payload_enc=entry["payload_enc"],
                    reference=entry["reference"], priority=entry["priority"], parent_id=new.parent_id,
                    attempts=0, available_at=max(now, new.not_before or now), not_before=new.not_before,
                    deadline=new.deadline, created_at=now, updated_at=now)))
                found = cur.fetchone()
                if found is None:  # the reference exists: return that item, create nothing
                    cur.execute(p_existing.sql, p_existing.args({"queue": queue, "reference": entry["reference"]}))
                    row = ItemRow(*cur.fetchone())
                    results.append((self._item(row, self._raw_files(cur, row.id)), False))
                    continue
                item_id = found[0]
                infos = [self._raw_attach(cur, item_id, name, digest, size, now) for name, digest, size in entry["blobs"]]
                self._raw_log(cur, item_id, actor, None, State.PENDING, "created", None, now)
                results.append((WorkItem(
                    id=item_id, queue=queue, state=State.PENDING, payload=new.payload, reference=entry["reference"],
                    priority=entry["priority"], parent_id=new.parent_id, not_before=new.not_before,
                    deadline=new.deadline, created_at=now, updated_at=now, files=infos), True))
            if any(created for _, created in results):
                self._raw_notify(cur, queue)
        return results

    def _raw_files(self, cur: Any, item_id: int) -> list[FileInfo]:
        p = self.raw.prepared("files", lambda: select(files_t.c.name_enc, files_t.c.size)
                              .where(files_t.c.item_id == bindparam("item_id")))
        cur.execute(p.sql, p.args({"item_id": item_id}))
        infos = [FileInfo(self.cipher.decrypt_text(name_enc), size) for name_enc, size in cur.fetchall()]
        return sorted(infos, key=lambda f: f.name)

    def _raw_attach(self, cur: Any, item_id: int, name: str, digest: str, size: int, now: float) -> FileInfo:
        name_digest = self._name_digest(name)
        p_del = self.raw.prepared("file-del", lambda: files_t.delete().where(
            files_t.c.item_id == bindparam("item_id"), files_t.c.name_digest == bindparam("name_digest")))
        p_ins = self.raw.prepared("file-ins", lambda: files_t.insert().values(
            {c: bindparam(c) for c in ("item_id", "name_digest", "name_enc", "blob", "size", "created_at")}))
        cur.execute(p_del.sql, p_del.args({"item_id": item_id, "name_digest": name_digest}))
        cur.execute(p_ins.sql, p_ins.args(dict(item_id=item_id, name_digest=name_digest,
                                                name_enc=self.cipher.encrypt_text(name), blob=digest, size=size,
                                                created_at=now)))
        return FileInfo(name, size)

    def _raw_notify(self, cur: Any, queue: str) -> None:
        """Wake workers waiting on ``queue``; PostgreSQL overrides this with NOTIFY."""


def _item_key(item_id: Any) -> int:
    try:
        return int(item_id)
    except (TypeError, ValueError):
        raise ItemNotFound(item_id) from None


_INSERT_COLUMNS = ("queue", "state", "payload_enc", "reference", "priority", "parent_id", "attempts",
                   "available_at", "not_before", "deadline", "created_at", "updated_at")
