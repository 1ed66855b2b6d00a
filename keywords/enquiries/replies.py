"""Drafting a reply from the chatbot's answer, and sending it once a person has approved it.

A draft is a plain-text e-mail: a greeting by the sender's name, the passage that answers,
the page it came from with its address and date of last update, an invitation to write
back, and the team's name. It waits in the ``enquiries-replies`` queue until a person
approves it in the portal (``/enquiries``), perhaps after editing; only then is it sent.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any

from scheduler.alerts import AlertNotSent

from .settings import Settings

MAX_SUBJECT = 200
MAX_BODY = 20_000

_TEMPLATE = """\
Dear {name},

Thank you for your enquiry{about}.

{answer}

You can read more on our page "{title}": {url} (last updated {updated}).

If this does not answer your question, just reply to this e-mail and a member of the team will get back to you.

Kind regards,
{team}
"""


class NotSent(Exception):
    """The reply could not be sent; the message says why and what to check (no secrets, no addresses)."""


def draft_reply(enquiry: dict[str, Any], answer: dict[str, Any], *, team: str) -> dict[str, Any]:
    """The draft for ``enquiry`` (a payload from :mod:`.mail`) from an answered ``Ask Chatbot`` result."""
    name = (enquiry.get("from_name") or "").strip() or "Sir or Madam"
    subject = (enquiry.get("subject") or "").strip()
    about = f' about "{subject}"' if subject else ""
    reply_subject = subject if re.match(r"(?i)^re:", subject) else f"Re: {subject}" if subject else \
        "Your enquiry"
    body = _TEMPLATE.format(name=name, about=about, answer=str(answer["answer"]).strip(), title=answer["title"],
                            url=answer["url"], updated=answer.get("updated") or "unknown", team=team)
    return {
        "enquiry": enquiry["reference"],
        "to": enquiry["from_address"],
        "to_name": enquiry.get("from_name") or "",
        "in_reply_to": enquiry.get("message_id") or "",
        "subject": reply_subject[:MAX_SUBJECT],
        "body": body,
        "question": enquiry.get("body") or enquiry.get("question") or "",
        "citation": {"page": answer.get("page"), "title": answer["title"], "url": answer["url"],
                     "updated": answer.get("updated") or "", "section": answer.get("section") or ""},
        "confidence": answer.get("confidence"),
        "received": enquiry.get("received") or "",
    }


def check_edit(subject: str, body: str) -> tuple[str, str]:
    """A person's edit of a draft: both present and of sensible length, or :class:`ValueError` naming the field."""
    subject = " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    if not subject:
        raise ValueError("subject: the reply needs a subject")
    if len(subject) > MAX_SUBJECT:
        raise ValueError(f"subject: at most {MAX_SUBJECT} characters (it has {len(subject)})")
    if not body:
        raise ValueError("body: the reply is empty: write the answer, or send the enquiry to the team instead")
    if len(body) > MAX_BODY:
        raise ValueError(f"body: at most {MAX_BODY} characters (it has {len(body)})")
    return subject, body + "\n"


def send_reply(settings: Settings, draft: dict[str, Any], *, subject: str, body: str) -> dict[str, str]:
    """Send the approved reply by the configured channel; returns ``{"channel", "id"}``. Raises :class:`NotSent`."""
    to = str(draft["to"])
    headers = {"In-Reply-To": draft["in_reply_to"], "References": draft["in_reply_to"]} \
        if draft.get("in_reply_to") else {}
    try:
        if settings.channel == "email":
            sent_id = settings.email.deliver(subject, body, [to], headers=headers, sender_name=settings.team)
        elif settings.channel == "notify":
            sent_id = settings.notify.deliver(subject, body, [to], reference=draft.get("enquiry"))
        else:
            sent_id = _to_outbox(settings, draft, subject, body, headers)
    except AlertNotSent as exc:
        raise NotSent(f"the reply was not sent: {exc}") from None
    return {"channel": settings.channel, "id": sent_id}


def _to_outbox(settings: Settings, draft: dict[str, Any], subject: str, body: str, headers: dict[str, str]) -> str:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = formataddr((settings.team, settings.sender))
    msg["To"] = formataddr((draft.get("to_name") or "", str(draft["to"])))
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "nightshift")
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(body)
    folder = settings.outbox
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        target = folder / f"reply-{stamp}-{draft['enquiry']}.eml"
        partial = target.with_suffix(".part")
        partial.write_bytes(bytes(msg))
        partial.replace(target)  # a mail system collecting the folder never sees half a file
    except OSError as exc:
        raise AlertNotSent(f"the outbox folder {folder} cannot be written: {exc.strerror or exc} "
                           "(check reply.outbox in the enquiries settings)") from None
    return str(msg["Message-ID"])


def outbox_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("reply-*.eml")) if folder.is_dir() else []
