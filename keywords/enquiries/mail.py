"""Reading an e-mailed enquiry (``.eml``): who sent it, what it asks, without the clutter.

An enquiry is the sender's name and address, the subject, the date, the Message-ID (a
reply threads under it) and the body as plain text: the HTML part turned into text when
there is no plain one, quoted earlier messages (``> ...``, "On ... wrote:"), signatures
(after ``-- ``) and forwarded headers left out. ``question`` is what the chatbot is asked:
the subject and the sentences of the body, greetings and sign-offs dropped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

MAX_EML_BYTES = 10 * 1024 * 1024
_QUOTE_START = re.compile(r"^(on .{4,200} wrote:|-{2,} ?original message ?-{2,}|from: .+@.+)$", re.IGNORECASE)
_GREETING = re.compile(r"^(hi|hello|dear|good (morning|afternoon|evening)|to whom it may concern)\b[^.?!\n]{0,40}[,.!]?\s*$",
                       re.IGNORECASE)
_SIGN_OFF = re.compile(r"^(thanks?( you)?( so much| very much| in advance)?|many thanks|kind regards|best wishes|"
                       r"regards|best|cheers|yours( sincerely| faithfully)?|sent from my \w+)\b[^?\n]{0,40}$",
                       re.IGNORECASE)


class EnquiryError(Exception):
    """An e-mail that cannot be an enquiry: the message names the file and what is wrong."""


@dataclass
class Enquiry:
    reference: str  # ENQ- and a hash of the Message-ID (or of the file): the same e-mail twice, one item
    message_id: str
    from_name: str
    from_address: str
    subject: str
    received: str  # ISO 8601, from the Date header ("" when it has none)
    body: str
    question: str

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)


def read_enquiry(path: Path | str) -> Enquiry:
    """Read one ``.eml`` file; :class:`EnquiryError` names the file when it is not a usable e-mail."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_EML_BYTES:
            raise EnquiryError(f"{path.name} is {size // 1024} KB: larger than the {MAX_EML_BYTES // 1024 // 1024} MB "
                               "an enquiry may be")
        raw = path.read_bytes()
    except OSError as exc:
        raise EnquiryError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    return parse_enquiry(raw, path.name)


def parse_enquiry(raw: bytes, name: str = "the e-mail") -> Enquiry:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(msg, EmailMessage) or not msg.keys():
        raise EnquiryError(f"{name} is not an e-mail: it has no headers")
    sender = _sender(msg)
    if sender is None:
        raise EnquiryError(f"{name} has no sender address (From): a reply cannot be sent")
    subject = " ".join(str(msg.get("subject", "")).split())
    body = clean_body(_body_text(msg))
    if not body and not subject:
        raise EnquiryError(f"{name} has neither a subject nor any text: there is no enquiry to answer")
    message_id = str(msg.get("message-id", "")).strip()
    digest = hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()[:16].upper()
    return Enquiry(reference=f"ENQ-{digest}", message_id=message_id, from_name=sender.display_name or "",
                   from_address=sender.addr_spec, subject=subject, received=_received(msg), body=body,
                   question=question_of(subject, body))


def _sender(msg: EmailMessage) -> Address | None:
    for header in ("reply-to", "from"):
        try:
            value = msg.get(header)
            addresses = getattr(value, "addresses", ()) if value is not None else ()
        except Exception:  # noqa: BLE001 - a malformed header is as good as none
            addresses = ()
        for address in addresses:
            if address.username and address.domain:
                return address
    return None


def _received(msg: EmailMessage) -> str:
    try:
        when = parsedate_to_datetime(str(msg.get("date", "")))
    except (TypeError, ValueError, IndexError):
        return ""
    return when.isoformat() if when else ""


def _body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: read what can be read
        payload = part.get_payload(decode=True) or b""
        text = payload.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return ""
    return _html_text(text) if part.get_content_type() == "text/html" else text


class _Text(HTMLParser):
    _BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}
    _SKIP = {"script", "style", "head", "blockquote"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def clean_body(text: str) -> str:
    """The sender's own words: quoted replies, forwarded headers and the signature left out."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped in ("--", "-- ") or line == "-- " or _QUOTE_START.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        kept.append(stripped)
    body = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", body).strip()


def question_of(subject: str, body: str) -> str:
    """What to ask the chatbot: the subject and the body's lines, greetings and sign-offs dropped."""
    lines = [line for line in body.split("\n") if line and not _GREETING.match(line)]
    while lines and (_SIGN_OFF.match(lines[-1]) or (len(lines[-1].split()) <= 3 and not lines[-1].endswith("?"))):
        lines.pop()  # a sign-off, then the sender's name
    subject = re.sub(r"^((re|fwd?|fw)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    return " ".join([subject, *lines]).strip()
