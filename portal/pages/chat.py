"""The public chatbot: a chat page, an embeddable widget's page, a JSON API, and the declined-questions log.

Anyone may ask, without signing in::

    GET  /chat                 the chat page (a form: works without JavaScript, feels like a chat with it)
    POST /chat                 asks the form's question; the page shows the conversation so far
    GET  /chat/embed           the same, compact, for the widget's frame on the council's own site
    GET  /api/chat?q=...       the answer as JSON (POST /api/chat {"q": ...} keeps the question out of URLs)

The content team reads ``/chat/declined`` (signed in, supervisor): the questions the
chatbot declined, grouped and counted, so they know which pages to write.

Questions are not kept, except declined ones, and those anonymously: scrubbed of e-mail
addresses, phone numbers, postcodes, dates, long numbers and names after "called" (see
``scrub``), with the day but no time, no address and no session; encrypted at rest and
pruned after ``NIGHTSHIFT_CHAT_RETENTION_DAYS``. Each client address may ask
``NIGHTSHIFT_CHAT_RATE`` questions in any minute (the ``limits`` library's moving window,
counted in this process's memory).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, insert, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from keywords.chatbot import DEFAULT_THRESHOLD, Chatbot, KnowledgeBaseError
from workitems import InvalidInput
from workitems.store import Store
from workitems.store.schema import chat_declined as declined_t

from ..web import SECURITY_HEADERS, Ctx, Done, action, page

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
MAX_QUESTION = 500
MAX_TURNS = 6  # earlier turns a form carries back, for a chat without JavaScript
HISTORY_MAX_AGE_S = 12 * 3600
WINDOW_S = 60.0


# -- configuration ------------------------------------------------------------------
@dataclass(frozen=True)
class ChatSettings:
    kb: Path
    threshold: float
    rate: int  # questions per client address per minute
    trusted_proxies: frozenset[str]
    embed_origins: tuple[str, ...]
    retention_days: int
    title: str

    @classmethod
    def from_env(cls) -> ChatSettings:
        env = os.environ
        origins = tuple(o.strip().rstrip("/") for o in env.get("NIGHTSHIFT_CHAT_EMBED_ORIGINS", "").split(",")
                        if o.strip())
        for origin in origins:
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", origin):
                raise InvalidInput(f"NIGHTSHIFT_CHAT_EMBED_ORIGINS: {origin!r} is not an origin; give "
                                   "scheme, host and port only, comma-separated, e.g. https://www.council.example")
        return cls(
            kb=Path(env.get("NIGHTSHIFT_CHATBOT_KB") or REPO / "sandbox" / "local-offer"),
            threshold=_number("NIGHTSHIFT_CHATBOT_THRESHOLD", DEFAULT_THRESHOLD, float, 0, 1),
            rate=_number("NIGHTSHIFT_CHAT_RATE", 20, int, 1, 10_000),
            trusted_proxies=frozenset(p.strip() for p in env.get("NIGHTSHIFT_CHAT_TRUSTED_PROXIES", "").split(",")
                                      if p.strip()),
            embed_origins=origins,
            retention_days=_number("NIGHTSHIFT_CHAT_RETENTION_DAYS", 180, int, 1, 3650),
            title=env.get("NIGHTSHIFT_CHAT_TITLE") or "Ask the Local Offer",
        )


def _number(name: str, default, kind, low, high):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise InvalidInput(f"{name}={raw!r}: give a number from {low} to {high}, or leave it unset for {default}")
    return value


# -- rate limiting ------------------------------------------------------------------
class RateLimit:
    """At most ``rate`` questions per client address in any minute: ``limits``' moving window,
    kept in this process's memory (several portal processes would each allow ``rate``).
    """

    def __init__(self, rate: int):
        self.item = RateLimitItemPerMinute(rate)
        self.storage = MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.storage)
        # MemoryStorage drops expired hits but keeps an empty entry per address it has seen,
        # so the addresses seen are swept once a minute to keep memory bounded.
        self._seen: set[str] = set()
        self._swept = time.monotonic()
        self._lock = threading.Lock()  # a sweep must not clear a hit counted in between

    def hit(self, address: str) -> float:
        """Counts a question; 0 when allowed, else the seconds until the next would be."""
        with self._lock:
            if time.monotonic() - self._swept > WINDOW_S:
                self._sweep()
            self._seen.add(address)
            if self.limiter.hit(self.item, address):
                return 0.0
            reset, _ = self.limiter.get_window_stats(self.item, address)
        return max(1.0, reset - time.time())  # limits keeps time.time(); its reset is when the oldest hit leaves

    def _sweep(self) -> None:
        idle = {a for a in self._seen if self.limiter.get_window_stats(self.item, a).remaining == self.item.amount}
        for address in idle:
            self.limiter.clear(self.item, address)
        self._seen -= idle
        self._swept = time.monotonic()


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str:
    """The asking address: the peer's, or behind a trusted proxy the nearest untrusted X-Forwarded-For hop."""
    peer = request.client.host if request.client else "unknown"
    if peer not in trusted_proxies:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop
    return peer


# -- the anonymous log of declined questions ----------------------------------------
_SCRUB = [
    (re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I), "[postcode]"),
    (re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"), "[date]"),
    (re.compile(r"(?<![\w+])(\+44|0)[\d\s()-]{8,}\d"), "[phone]"),
    (re.compile(r"\b\d[\d\s-]{4,}\d\b"), "[number]"),  # NHS and other reference numbers: 6 digits or more
    (re.compile(r"\b(called|named|name is|name's)\s+[\w'-]+(\s+[A-Z][\w'-]+)?", re.I), r"\1 [name]"),
    (re.compile(r"\b(I am|I'm|son|daughter|child|grandson|granddaughter)\s+[A-Z][a-z'-]+(\s+[A-Z][a-z'-]+)?"),
     r"\1 [name]"),
]


def scrub(question: str) -> str:
    """The question less obvious personal values: e-mail addresses, postcodes, dates, phone and
    long numbers, and a name after "called", "named", "my name is", "I'm" or "my son"."""
    text = " ".join(question.split())
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text


def normalise(question: str) -> str:
    """What makes two declined questions the same one: words only, lower case."""
    return " ".join(re.findall(r"\[\w+\]|\w+", question.lower()))


class DeclinedLog:
    """Declined questions, scrubbed, by day; encrypted in the store; pruned after ``retention_days``."""

    def __init__(self, store: Store, retention_days: int):
        self.store, self.retention_days = store, retention_days

    def add(self, question: str) -> None:
        text = scrub(question)
        with self.store.transaction(write=True) as conn:
            conn.execute(insert(declined_t).values(day=date.today().isoformat(),
                                                   question_enc=self.store.cipher.encrypt_text(text)))
            self._prune(conn)

    def _prune(self, conn) -> None:
        cutoff = (date.today() - timedelta(days=self.retention_days)).isoformat()
        conn.execute(delete(declined_t).where(declined_t.c.day < cutoff))

    def groups(self) -> list[dict[str, Any]]:
        """Same questions together, most asked first: ``question``, ``count``, ``first``, ``last`` (days)."""
        with self.store.transaction(write=True) as conn:
            self._prune(conn)
            rows = conn.execute(select(declined_t.c.day, declined_t.c.question_enc)
                                .order_by(declined_t.c.day, declined_t.c.id)).all()
        groups: dict[str, dict[str, Any]] = {}
        for day, token in rows:
            text = self.store.cipher.decrypt_text(token)
            group = groups.setdefault(normalise(text), {"question": text, "count": 0, "first": day, "last": day})
            group.update(question=text, last=day, count=group["count"] + 1)
        return sorted(groups.values(), key=lambda g: (-g["count"], _neg_day(g["last"]), g["question"]))

    def dismiss(self, question: str) -> int:
        """Deletes every question the same as ``question`` (a page now answers it); returns how many."""
        key = normalise(question)
        with self.store.transaction(write=True) as conn:
            rows = conn.execute(select(declined_t.c.id, declined_t.c.question_enc)).all()
            ids = [i for i, token in rows if normalise(self.store.cipher.decrypt_text(token)) == key]
            if ids:
                conn.execute(delete(declined_t).where(declined_t.c.id.in_(ids)))
        return len(ids)


def _neg_day(day: str) -> int:
    return -date.fromisoformat(day).toordinal()


# -- the chatbot, shared by the handler threads ---------------------------------------
class ChatService:
    """One knowledge base for the app, asked under a lock: its index rebuilds itself when a page
    changes (`Ask Chatbot` checks before each question), and a rebuild is not thread-safe."""

    def __init__(self, store: Store, settings: ChatSettings):
        self.settings = settings
        self.limiter = RateLimit(settings.rate)
        self.declined = DeclinedLog(store, settings.retention_days)
        self._bot: Chatbot | None = None
        self._lock = threading.Lock()

    def ask(self, question: str) -> dict[str, Any]:
        with self._lock:
            if self._bot is None:
                bot = Chatbot(threshold=self.settings.threshold)
                bot.load_knowledge_base(self.settings.kb)
                self._bot = bot
            answer = self._bot.ask_chatbot(question)
        if not answer["answered"]:
            try:
                self.declined.add(question)
            except Exception as exc:  # the person still gets their answer; the log misses one question
                log.error("A declined question could not be logged (%s); check the database.", type(exc).__name__)
        keys = ("answered", "answer", "title", "url", "updated", "section", "confidence")
        return {**{k: answer[k] for k in keys}, "contact": answer["contact"]}


_services_lock = threading.Lock()


def service(request: Request, ctx: Ctx) -> ChatService:
    state = request.app.state
    with _services_lock:
        if getattr(state, "chat", None) is None:
            state.chat = ChatService(ctx.store, ChatSettings.from_env())
        return state.chat


# -- asking ----------------------------------------------------------------------------
class Refused(Exception):
    """A question not answered, with the HTTP status and a message for the person asking."""

    def __init__(self, status: int, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


def check_question(raw: Any) -> str:
    question = " ".join(str(raw or "").split())
    if not question:
        raise Refused(400, "Type a question first, for example: can my child get help getting to school?")
    if len(question) > MAX_QUESTION:
        raise Refused(400, f"That question is {len(question)} characters long: please keep it under "
                           f"{MAX_QUESTION} and ask one thing at a time.")
    return question


def answer_question(request: Request, ctx: Ctx, raw: Any) -> dict[str, Any]:
    question = check_question(raw)
    chat = service(request, ctx)
    wait = chat.limiter.hit(client_address(request, chat.settings.trusted_proxies))
    if wait:
        raise Refused(429, f"You have asked a lot of questions in a short time: please wait {int(wait + 0.999)} "
                           "seconds and ask again.", retry_after=wait)
    try:
        return chat.ask(question)
    except KnowledgeBaseError as exc:
        log.error("The chatbot's knowledge base cannot be read: %s", exc)
        raise Refused(503, "Sorry, the chatbot is not available just now. Please try again later.") from None


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _web_link(url: str) -> str:
    return url if re.match(r"https?://", url or "") else ""


def _turn(question: str, answer: dict[str, Any]) -> dict[str, Any]:
    return {"q": question, "answered": bool(answer.get("answered")), "answer": str(answer.get("answer", "")),
            "title": str(answer.get("title", "")), "url": _web_link(str(answer.get("url", ""))),
            "updated": str(answer.get("updated", ""))}


def _signer(request: Request) -> URLSafeTimedSerializer:
    # Signed with the portal's key: the form posts without CSRF, so an unsigned history would let
    # another site make this page show any "answer" and link it likes.
    secret = request.app.state.portal.sessions.serializer.secret_key
    return URLSafeTimedSerializer(secret, salt="nightshift-chat-history")


def _history(request: Request, raw: Any) -> list[dict[str, Any]]:
    """The earlier turns the form carried back, signed by us (kept in the page only, never stored)."""
    if not raw:
        return []
    try:
        turns = _signer(request).loads(str(raw)[:60_000], max_age=HISTORY_MAX_AGE_S)
        return [_turn(str(t["q"])[:MAX_QUESTION], t) for t in turns[-MAX_TURNS:] if isinstance(t, dict)]
    except (BadSignature, ValueError, TypeError, KeyError):
        return []  # out of date or not ours: start the conversation afresh


def _when(updated: str) -> str:
    try:
        return datetime.strptime(updated, "%Y-%m-%d").strftime("%-d %B %Y")
    except ValueError:
        return updated


def converse(request: Request, ctx: Ctx, template: str, form: dict[str, Any] | None) -> Response | dict:
    """The chat page (or its JSON twin), answering the question in the form or the query, if any."""
    source = form if form is not None else request.query_params
    raw = source.get("q")
    api = _is_api(request)
    turns = _history(request, source.get("history")) if not api else []
    values: dict[str, Any] = {"error": None, "question": ""}
    status, headers = 200, {}
    if raw is not None or form is not None:
        try:
            answer = answer_question(request, ctx, raw)
            if api:
                return JSONResponse(answer)
            turns = (turns + [_turn(" ".join(str(raw).split()), answer)])[-MAX_TURNS:]
        except Refused as exc:
            headers = {"Retry-After": str(int(exc.retry_after + 0.999))} if exc.retry_after else {}
            if api:
                return JSONResponse({"error": exc.message}, status_code=exc.status, headers=headers)
            status, values = exc.status, {"error": exc.message, "question": str(raw or "")[:2 * MAX_QUESTION]}
    elif api:
        raise InvalidInput("ask with ?q=your+question, or POST JSON {\"q\": \"your question\"}")
    settings = service(request, ctx).settings
    embed = template == "chat_embed.html"
    response = request.app.state.portal.render(template, request, ctx, {
        **values, "turns": turns, "history": _signer(request).dumps(turns) if turns else "", "when": _when, "title": settings.title,
        "action": "/chat/embed" if embed else "/chat", "api": "/api/chat"}, status=status)
    response.headers.update(headers)
    if embed:
        # The widget's frame sits on the council's site: let those origins (and ours) frame this page.
        # Browsers that know frame-ancestors ignore X-Frame-Options when it is set.
        ancestors = " ".join(("'self'", *settings.embed_origins))
        response.headers["Content-Security-Policy"] = SECURITY_HEADERS["Content-Security-Policy"].replace(
            "frame-ancestors 'none'", f"frame-ancestors {ancestors}")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@page("/chat", "chat.html", role=None)
def chat_page(request: Request, ctx: Ctx):
    return converse(request, ctx, "chat.html", None)


@action("/chat", role=None, csrf=False)
def chat_ask(request: Request, ctx: Ctx, form: dict):
    return converse(request, ctx, "chat.html", form)


@page("/chat/embed", "chat_embed.html", role=None, json_twin=False)
def chat_embed_page(request: Request, ctx: Ctx):
    return converse(request, ctx, "chat_embed.html", None)


@action("/chat/embed", role=None, csrf=False)
def chat_embed_ask(request: Request, ctx: Ctx, form: dict):
    return converse(request, ctx, "chat_embed.html", form)


@page("/chat/declined", "chat_declined.html", role="supervisor")
def declined_page(request: Request, ctx: Ctx) -> dict:
    """What the chatbot could not answer, most asked first: the pages the content team should write."""
    chat = service(request, ctx)
    groups = chat.declined.groups()
    return {"groups": groups, "retention_days": chat.settings.retention_days, "kb": chat.settings.kb.name,
            "data": {"groups": groups, "retention_days": chat.settings.retention_days}}


@action("/chat/declined/dismiss", role="supervisor")
def dismiss_declined(request: Request, ctx: Ctx, form: dict) -> Done:
    """Takes a question off the list once a page answers it (it comes back if people still ask)."""
    question = str(form.get("question") or "").strip()
    if not question:
        raise InvalidInput("say which question to remove: the form's 'question' field is empty")
    removed = service(request, ctx).declined.dismiss(question)
    ctx.audit.record(ctx.actor, "chat-declined-dismissed", None, {"removed": removed})
    return Done(f"Removed {removed} declined question(s) from the list", to="/chat/declined",
                data={"removed": removed})
