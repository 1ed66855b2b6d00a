"""Bids in the store: saving a draft or a submission with its attachments, comments, assessment
and the pipeline of states.

A bid and the files sent with it are written in one transaction: a refused field or file
leaves nothing behind. Free text (description, peak periods, comments, reasons), file names
and contents are encrypted with the store's key; the numbers, team, title and systems are
not, so the ranked list is sorted and filtered in SQL.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from sqlalchemy import func, insert, select, update

from workitems import InvalidInput, ItemNotFound
from workitems.store import Store
from workitems.store.schema import bid_events as events_t
from workitems.store.schema import bid_files as files_t
from workitems.store.schema import bids as bids_t

from .config import DATA_LEVELS, BidSettings
from .scoring import Facts

DRAFT, SUBMITTED, ASSESSING, APPROVED, DEVELOPING, LIVE, DECLINED, RETIRED = (
    "draft", "submitted", "under assessment", "approved", "in development", "live", "declined", "retired")
PIPELINE = (SUBMITTED, ASSESSING, APPROVED, DEVELOPING, LIVE, DECLINED, RETIRED)
# Where an assessor may move a bid from each state.
MOVES = {
    SUBMITTED: (ASSESSING, APPROVED, DECLINED),
    ASSESSING: (APPROVED, DECLINED),
    APPROVED: (DEVELOPING, LIVE, DECLINED),
    DEVELOPING: (LIVE, DECLINED),
    LIVE: (RETIRED,),
    DECLINED: (ASSESSING,),
    RETIRED: (LIVE,),
}
DATA_LABELS = {"none": "no personal data", "personal": "personal data",
               "special": "special-category data (health, ethnicity, religion, …)"}

# (form field, label, lowest allowed, lowest is allowed, highest)
NUMBERS = (
    ("volume_per_month", "Volume per month", 0, False, None),
    ("minutes_per_case", "Minutes per case by hand", 0, False, 24 * 60),
    ("rules_pct", "Share of cases that follow fixed rules (%)", 0, True, 100),
    ("structured_pct", "Share of inputs that arrive structured (%)", 0, True, 100),
    ("changes_per_year", "Changes to the process a year", 0, True, 365),
    ("error_pct", "Error or rework rate (%)", 0, True, 100),
)
TEXTS = (("team", "Team", 200), ("title", "Process name", 200), ("description", "Description", 5000),
         ("peaks", "Peak periods", 500))
MAX_FILES = 10
KINDS = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".docx": "docx", ".xlsx": "xlsx",
         ".csv": "csv", ".txt": "txt"}
MEDIA = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8", "txt": "text/plain; charset=utf-8"}
ALLOWED = "PDF, PNG, JPEG, DOCX, XLSX, CSV or TXT"


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


@dataclass
class Bid:
    id: int
    state: str
    author: str
    team: str
    title: str
    description: str
    systems: list[str]
    volume_per_month: float | None
    minutes_per_case: float | None
    rules_pct: float | None
    structured_pct: float | None
    changes_per_year: float | None
    error_pct: float | None
    peaks: str
    data: str | None
    build_days: float | None
    process: str | None
    live_since: float | None
    created_at: float
    updated_at: float
    submitted_at: float | None

    @property
    def complete(self) -> bool:
        return all(getattr(self, name) is not None for name, *_ in NUMBERS) and self.data is not None

    def facts(self) -> Facts:
        return Facts(self.volume_per_month or 0, self.minutes_per_case or 0, self.rules_pct or 0,
                     self.structured_pct or 0, self.changes_per_year or 0, self.error_pct or 0,
                     self.data or "none", tuple(self.systems))


# -- checking what a person sent -----------------------------------------------------
def check_fields(form: dict[str, Any], submitting: bool) -> dict[str, Any]:
    """The bid's columns from a form, or InvalidInput naming the field and what to give.

    A draft needs only a team and a process name; a submission needs everything but the
    peak periods. A number that is given is always checked."""
    out: dict[str, Any] = {}
    for name, label, limit in TEXTS:
        text = " ".join(str(_one(form.get(name)) or "").split()) if name in ("team", "title") \
            else str(_one(form.get(name)) or "").strip()
        if len(text) > limit:
            raise InvalidInput(f"{label} has {len(text)} characters: shorten it to {limit} at most")
        out[name] = text
    for name in ("team", "title"):
        if not out[name]:
            label = dict((n, lab) for n, lab, _ in TEXTS)[name]
            raise InvalidInput(f"{label} is empty: give it, even for a draft")
    for name, label, low, low_ok, high in NUMBERS:
        raw = str(_one(form.get(name)) or "").strip().replace(",", "")
        if not raw:
            out[name] = None
            continue
        try:
            value = float(raw)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            raise InvalidInput(f"{label} is {raw!r}: give a number") from None
        if value < low or (value == low and not low_ok) or (high is not None and value > high):
            bound = f"above {low:g}" if not low_ok else f"of {low:g} or more"
            if high is not None:
                bound += f" and at most {high:g}"
            raise InvalidInput(f"{label} is {raw}: give a number {bound}")
        out[name] = value
    data = str(_one(form.get("data")) or "").strip()
    if data and data not in DATA_LEVELS:
        raise InvalidInput(f"Personal data is {data!r}: choose one of {', '.join(DATA_LEVELS)}")
    out["data"] = data or None
    out["systems"] = _systems(form)
    if submitting:
        missing = [label for name, label, *_ in NUMBERS if out[name] is None]
        if not out["description"]:
            missing.insert(0, "Description")
        if not out["systems"]:
            missing.append("Systems involved")
        if out["data"] is None:
            missing.append("Personal data")
        if missing:
            raise InvalidInput(f"to submit the bid, fill in: {', '.join(missing)} (or save it as a draft)")
    return out


def _one(value: Any) -> Any:
    return value[0] if isinstance(value, list) else value


def _systems(form: dict[str, Any]) -> list[str]:
    chosen = form.get("systems") or []
    chosen = chosen if isinstance(chosen, list) else [chosen]
    new = str(_one(form.get("new_systems")) or "")
    names: list[str] = []
    for name in [*chosen, *new.replace("\n", ",").split(",")]:
        name = " ".join(str(name).split())
        if len(name) > 100:
            raise InvalidInput(f"the system name {name[:40]!r}… is too long: give at most 100 characters")
        if name and name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names


def uploads(form: dict[str, Any], field: str = "attachments") -> list[Upload]:
    """The files of a form's file input (an empty input sends one nameless, empty part)."""
    raw = form.get(field) or []
    out = []
    for part in raw if isinstance(raw, list) else [raw]:
        if isinstance(part, str) or not getattr(part, "filename", None):
            continue
        part.file.seek(0)
        out.append(Upload(PurePath(part.filename.replace("\\", "/")).name, part.file.read()))
    return out


def check_file(upload: Upload, cfg: BidSettings) -> str:
    """The file's kind, from its name and its first bytes; InvalidInput if not allowed or too large."""
    name, content = upload.name, upload.content
    if len(content) > cfg.max_attachment_bytes:
        raise InvalidInput(f"attachment {name!r} is {len(content) / 1048576:.1f} MB: the limit is "
                           f"{cfg.max_attachment_mb:g} MB a file; make it smaller or leave it out")
    if not content:
        raise InvalidInput(f"attachment {name!r} is empty: choose the file again")
    kind = KINDS.get(PurePath(name).suffix.lower())
    if kind is None or _sniff(content, kind) != kind:
        what = "its name" if kind is None else "its content"
        raise InvalidInput(f"attachment {name!r} is not an allowed type ({what} says otherwise): attach a "
                           f"{ALLOWED} file, e.g. a process map as PDF or a sample form with personal data removed")
    return kind


def _sniff(content: bytes, expected: str) -> str | None:
    """What the bytes are, judged by their magic numbers (and a ZIP's parts for Office files)."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
        return None
    if expected in ("csv", "txt") and b"\x00" not in content:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return expected
    return None


# -- the store -------------------------------------------------------------------------
class Bids:
    def __init__(self, store: Store, cfg: BidSettings):
        self.store = store
        self.cfg = cfg

    def save(self, bid_id: int | None, form: dict[str, Any], files: list[Upload], *, author: str, actor: str,
             submit: bool) -> int:
        """Create or change a draft (and submit it when ``submit``), with its new files: all or nothing."""
        fields = check_fields(form, submit)
        kinds = [check_file(f, self.cfg) for f in files]
        cipher, now = self.store.cipher, time.time()
        values = {k: v for k, v in fields.items() if k not in ("description", "peaks", "systems")}
        values.update(description_enc=cipher.encrypt_text(fields["description"] or None),
                      peaks_enc=cipher.encrypt_text(fields["peaks"] or None),
                      systems=json.dumps(fields["systems"]), updated_at=now)
        if submit:
            values.update(state=SUBMITTED, submitted_at=now)
        with self.store.transaction(write=True) as conn:
            if bid_id is None:
                bid_id = conn.execute(insert(bids_t).values(**{"state": DRAFT, **values}, author=author, created_at=now)
                                      .returning(bids_t.c.id)).scalar_one()
                self._event(conn, bid_id, actor, "state", None, DRAFT, None, now)
            else:
                row = self._row(conn, bid_id)
                if row.state != DRAFT:
                    raise InvalidInput(f"bid {bid_id} is {row.state}: only a draft can be changed")
                if row.author != author:
                    raise InvalidInput(f"bid {bid_id} is {row.author}'s draft: only they can change it")
                conn.execute(update(bids_t).where(bids_t.c.id == bid_id).values(**values))
            count = conn.execute(select(func.count()).select_from(files_t)
                                 .where(files_t.c.bid_id == bid_id)).scalar_one()
            if count + len(files) > MAX_FILES:
                raise InvalidInput(f"a bid can hold {MAX_FILES} attachments: it has {count}, "
                                   f"and {len(files)} more were sent")
            for upload, kind in zip(files, kinds):
                conn.execute(insert(files_t).values(
                    bid_id=bid_id, name_enc=cipher.encrypt_text(upload.name), kind=kind, size=len(upload.content),
                    content_enc=cipher.encrypt(upload.content), created_at=now))
            if submit:
                self._event(conn, bid_id, actor, "state", DRAFT, SUBMITTED, None, now)
        return bid_id

    def get(self, bid_id: int) -> Bid:
        with self.store.transaction() as conn:
            return self._bid(self._row(conn, bid_id))

    def list(self, *, team: str | None = None, state: str | None = None, viewer: str | None = None) -> list[Bid]:
        """Bids past draft, and ``viewer``'s own drafts; newest first (the page ranks them)."""
        query = select(bids_t).order_by(bids_t.c.id.desc())
        if team:
            query = query.where(bids_t.c.team == team)
        if state:
            query = query.where(bids_t.c.state == state)
        query = query.where((bids_t.c.state != DRAFT) | (bids_t.c.author == (viewer or "")))
        with self.store.transaction() as conn:
            return [self._bid(r, decrypt=False) for r in conn.execute(query)]

    def teams(self) -> list[str]:
        with self.store.transaction() as conn:
            return list(conn.execute(select(bids_t.c.team).where(bids_t.c.state != DRAFT).distinct()
                                     .order_by(bids_t.c.team)).scalars())

    def events(self, bid_id: int) -> list[dict[str, Any]]:
        with self.store.transaction() as conn:
            rows = conn.execute(select(events_t).where(events_t.c.bid_id == bid_id).order_by(events_t.c.id)).all()
        return [{"id": r.id, "at": r.at, "actor": r.actor, "kind": r.kind, "from": r.from_state, "to": r.to_state,
                 "text": self.store.cipher.decrypt_text(r.text_enc) or ""} for r in rows]

    def files(self, bid_id: int) -> list[dict[str, Any]]:
        with self.store.transaction() as conn:
            rows = conn.execute(select(files_t.c.id, files_t.c.name_enc, files_t.c.kind, files_t.c.size)
                                .where(files_t.c.bid_id == bid_id).order_by(files_t.c.id)).all()
        return [{"id": r.id, "name": self.store.cipher.decrypt_text(r.name_enc), "kind": r.kind, "size": r.size}
                for r in rows]

    def file(self, bid_id: int, file_id: int) -> tuple[str, str, bytes]:
        with self.store.transaction() as conn:
            row = conn.execute(select(files_t).where(files_t.c.bid_id == bid_id, files_t.c.id == file_id)).first()
        if row is None:
            raise ItemNotFound(f"bid {bid_id} has no attachment {file_id}")
        return self.store.cipher.decrypt_text(row.name_enc), row.kind, self.store.cipher.decrypt(row.content_enc)

    def comment(self, bid_id: int, actor: str, text: str) -> None:
        text = str(text or "").strip()
        if not text:
            raise InvalidInput("the comment is empty: write what you want to say")
        if len(text) > 4000:
            raise InvalidInput(f"the comment has {len(text)} characters: shorten it to 4000 at most")
        with self.store.transaction(write=True) as conn:
            row = self._row(conn, bid_id)
            if row.state == DRAFT:
                raise InvalidInput(f"bid {bid_id} is still a draft: comments open once it is submitted")
            self._event(conn, bid_id, actor, "comment", None, None, text, time.time())

    def assess(self, bid_id: int, actor: str, build_days: Any) -> float:
        raw = str(_one(build_days) or "").strip()
        try:
            days = float(raw)
            if not 0 < days <= 10000:
                raise ValueError
        except ValueError:
            raise InvalidInput(f"Build effort is {raw!r}: give the days it would take to build the bot, "
                               "a number above 0, e.g. 15") from None
        with self.store.transaction(write=True) as conn:
            row = self._row(conn, bid_id)
            if row.state in (DRAFT, RETIRED):
                raise InvalidInput(f"bid {bid_id} is {row.state}: assess it once it is submitted")
            conn.execute(update(bids_t).where(bids_t.c.id == bid_id).values(build_days=days, updated_at=time.time()))
            self._event(conn, bid_id, actor, "assess", None, None, f"build effort {days:g} days (was "
                        f"{'not set' if row.build_days is None else f'{row.build_days:g} days'})", time.time())
        return days

    def move(self, bid_id: int, actor: str, to: str, reason: str, process: str | None = None,
             known_processes: tuple[str, ...] = ()) -> tuple[str, str]:
        """Move a bid along the pipeline with a reason; ``live`` links it to a process (its bot)."""
        reason = str(reason or "").strip()
        to = str(to or "").strip()
        if not reason:
            raise InvalidInput("a reason is needed to change a bid's state: say why")
        if len(reason) > 2000:
            raise InvalidInput(f"the reason has {len(reason)} characters: shorten it to 2000 at most")
        now = time.time()
        with self.store.transaction(write=True) as conn:
            row = self._row(conn, bid_id)
            allowed = MOVES.get(row.state, ())
            if to not in allowed:
                raise InvalidInput(f"bid {bid_id} is {row.state}: it can move to "
                                   f"{', '.join(allowed) or 'no other state'}, not {to!r}")
            values: dict[str, Any] = {"state": to, "updated_at": now}
            if to == APPROVED and row.build_days is None:
                raise InvalidInput(f"bid {bid_id} has no build effort yet: enter it before approving the bid")
            if to == LIVE:
                process = str(process or row.process or "").strip()
                if process not in known_processes:
                    raise InvalidInput(f"a live bid is linked to its bot: choose the process from "
                                       f"{', '.join(known_processes) or 'processes.yaml (it has none)'}, "
                                       f"not {process!r}")
                values.update(process=process, live_since=row.live_since if row.process == process and
                              row.live_since else now)
            conn.execute(update(bids_t).where(bids_t.c.id == bid_id).values(**values))
            self._event(conn, bid_id, actor, "state", row.state, to, reason, now)
        return row.state, to

    # -- rows ------------------------------------------------------------------------
    def _row(self, conn, bid_id: int):
        row = conn.execute(select(bids_t).where(bids_t.c.id == bid_id)).first()
        if row is None:
            raise ItemNotFound(f"no bid {bid_id}: see the list of bids at /bids")
        return row

    def _event(self, conn, bid_id: int, actor: str, kind: str, from_state: str | None, to_state: str | None,
               text: str | None, at: float) -> None:
        conn.execute(insert(events_t).values(bid_id=bid_id, at=at, actor=actor, kind=kind, from_state=from_state,
                                             to_state=to_state, text_enc=self.store.cipher.encrypt_text(text)))

    def _bid(self, row, decrypt: bool = True) -> Bid:
        cipher = self.store.cipher
        return Bid(
            id=row.id, state=row.state, author=row.author, team=row.team, title=row.title,
            description=(cipher.decrypt_text(row.description_enc) or "") if decrypt else "",
            systems=json.loads(row.systems), volume_per_month=row.volume_per_month,
            minutes_per_case=row.minutes_per_case, rules_pct=row.rules_pct, structured_pct=row.structured_pct,
            changes_per_year=row.changes_per_year, error_pct=row.error_pct,
            peaks=(cipher.decrypt_text(row.peaks_enc) or "") if decrypt else "", data=row.data,
            build_days=row.build_days, process=row.process, live_since=row.live_since, created_at=row.created_at,
            updated_at=row.updated_at, submitted_at=row.submitted_at)
