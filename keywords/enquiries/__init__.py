"""Enquiries: e-mailed questions answered from the knowledge base, for a person to approve and send.

``Library    keywords.enquiries`` is what ``robots/enquiries`` is made of. The producer reads
each ``.eml`` file of the inbox into a work item (`Read Enquiry File`); the consumer asks
the chatbot (``keywords.chatbot``) and drafts a reply citing the page that answers
(`Draft Reply For Enquiry`). A confident draft becomes an item of the replies queue, which
people work in the portal (``/enquiries``): they read the enquiry and the draft, edit it if
need be, and approve it, which sends it; or they send the enquiry to the team. An enquiry
the knowledge base does not answer with confidence is released as a BUSINESS failure
(``NEEDS_PERSON``) for the team to answer by hand.

.. contents::
   :local:

Settings
========

``enquiries.yaml`` (or the file ``NIGHTSHIFT_ENQUIRIES`` names) gives the knowledge base,
the confidence at or above which a reply is drafted, the team that signs, and how approved
replies go out: to an ``outbox`` folder, by SMTP (``email``) or through GOV.UK Notify
(``notify``). See ``keywords/enquiries/settings.py`` and the README.

Personal data
=============

An enquiry (the sender, the question) is personal data: it lives only in work-item payloads,
encrypted at rest. These keywords log file names, references, page names and confidences,
never the sender or the text. Pass enquiries in variables and run Robot Framework with
``--maxassignlength 0``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library

from keywords.chatbot import KnowledgeBase
from keywords.chatbot.keywords import ChatbotKeywords
from keywords.inbox import archive_file, list_inbox

from .mail import EnquiryError, read_enquiry
from .replies import draft_reply
from .settings import Settings, load_settings

__all__ = ["Enquiries", "enquiries"]


@library(scope="GLOBAL", doc_format="REST")
class Enquiries:
    __doc__ = __doc__

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self._chat: ChatbotKeywords | None = None

    @keyword
    def list_enquiry_files(self, inbox: str) -> list[str]:
        """The ``.eml`` files of ``inbox``, by name (temporary and hidden files left out). A missing
        folder fails the step (an APPLICATION error: retried later)."""
        files = [str(p) for p in list_inbox(Path(inbox)) if p.suffix.lower() == ".eml"]
        logger.info(f"{len(files)} e-mail(s) in the inbox.")
        return files

    @keyword
    def read_enquiry_file(self, path: str) -> dict[str, Any]:
        """The work-item payload for one ``.eml`` file.

        A file that is not a usable e-mail (no sender, nothing in it) still gives a payload:
        ``reference`` ``FILE-`` and a hash of the file, and ``problem`` saying what is wrong
        and naming the file; the consumer releases it as a BUSINESS failure.
        """
        try:
            payload = read_enquiry(path).to_payload()
        except EnquiryError as exc:
            digest = hashlib.sha256(Path(path).read_bytes() if Path(path).is_file() else path.encode())
            payload = {"reference": f"FILE-{digest.hexdigest()[:16].upper()}", "problem": str(exc),
                       "file": Path(path).name}
            logger.warn(f"{Path(path).name}: {exc}")
        logger.info(f"{Path(path).name}: {payload['reference']}")
        return payload

    @keyword
    def archive_enquiry_file(self, path: str, archive: str) -> str:
        """Move ``path`` into the ``archive`` folder, as the referral bot archives its files (a
        different file of the same name is kept beside it; the same file archived before by a run
        that died is not copied twice)."""
        return str(archive_file(Path(path), Path(archive)))

    @keyword
    def load_enquiry_settings(self, path: str | None = None) -> dict[str, Any]:
        """Read the enquiries settings and load their knowledge base; returns the settings in brief."""
        self.settings = load_settings(path or None)
        ctx = SimpleNamespace(kb=KnowledgeBase(self.settings.knowledge_base), threshold=self.settings.draft_threshold,
                              ranker=None)
        self._chat = ChatbotKeywords(ctx)
        logger.info(f"Knowledge base {self.settings.knowledge_base}: {len(ctx.kb.pages)} pages; drafts at "
                    f"confidence {self.settings.draft_threshold} or more.")
        return {"knowledge_base": str(self.settings.knowledge_base), "pages": len(ctx.kb.pages),
                "draft_threshold": self.settings.draft_threshold, "channel": self.settings.channel}

    @keyword
    def draft_reply_for_enquiry(self, enquiry: dict[str, Any]) -> dict[str, Any]:
        """Ask the chatbot the enquiry's question; returns ``drafted``, and ``draft`` or ``reason``.

        The question is asked as a whole and, when the e-mail holds several sentences with
        a question mark, each of those with the subject; the most confident answer wins.
        Below the settings' ``draft_threshold`` nothing is drafted and ``reason`` says why,
        naming the closest page but nothing of the enquiry.
        """
        if self._chat is None or self.settings is None:
            raise RuntimeError("no enquiry settings loaded: call Load Enquiry Settings first")
        best = None
        for question in _questions(enquiry):
            answer = self._chat.ask_chatbot(question)
            if best is None or answer["confidence"] > best["confidence"]:
                best = answer
        if best is not None and best["answered"]:
            logger.info(f"{enquiry['reference']}: drafted from {best['page']} (confidence {best['confidence']}).")
            return {"drafted": True, "draft": draft_reply(enquiry, best, team=self.settings.team), "reason": ""}
        closest = best["candidates"][0]["title"] if best and best["candidates"] else "none"
        confidence = best["confidence"] if best else 0.0
        reason = (f"The knowledge base does not answer this enquiry with confidence ({confidence} is below "
                  f"{self.settings.draft_threshold}; closest page: {closest}). Reply by hand, then resolve the item.")
        logger.info(f"{enquiry['reference']}: not drafted (confidence {confidence}).")
        return {"drafted": False, "draft": None, "reason": reason}


def _questions(enquiry: dict[str, Any]) -> list[str]:
    whole = enquiry.get("question") or enquiry.get("subject") or ""
    questions = [whole] if whole else []
    subject = enquiry.get("subject") or ""
    for sentence in _sentences(enquiry.get("body") or ""):
        if sentence.endswith("?"):
            questions.append(f"{subject} {sentence}".strip())
    return questions[:6]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", " ".join(text.split())) if s.strip()]


# Robot Framework imports ``keywords.enquiries`` by looking for a class named like the module.
enquiries = Enquiries
