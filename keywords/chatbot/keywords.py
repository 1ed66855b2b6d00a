"""The chatbot's keywords: load a knowledge base, ask it a question."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from .errors import KnowledgeBaseError
from .knowledge import KnowledgeBase

DECLINE = ("I'm sorry, I can't find a clear answer to that on these pages, and I'd rather not guess. "
           "Please {whom}: {text} ({url})")


def decline_text(contact: dict[str, Any]) -> str:
    """The decline with the contact route; a page titled "Contact the team" is not "contact Contact the team"."""
    title = str(contact.get("title") or "us")
    whom = f"contact{title[7:]}" if title.lower().startswith("contact ") else f"contact {title}"
    return DECLINE.format(whom=whom, text=contact.get("text", ""), url=contact.get("url", ""))


class ChatbotKeywords:
    def __init__(self, ctx: Any):
        self.ctx = ctx

    @keyword
    def load_knowledge_base(self, folder: Path, contact_page: str | None = None) -> int:
        """Reads every page of ``folder`` and indexes its passages; returns the number of pages.

        :param folder: A folder of Markdown pages with front matter (``title``, ``url``,
            ``updated``) and HTML pages. Sub-folders are not read.
        :param contact_page: The page (file name without extension) whose contact details a
            declined question is given. Default: the first page whose name starts with
            ``contact``, e.g. ``contact-and-feedback.md``.

        Fails with a message naming the file when a page cannot be read (see `Pages`).
        Loading again replaces the knowledge base. The index then follows the folder by
        itself: `Ask Chatbot` rebuilds it when a page was added, removed or changed.

        .. code-block:: robotframework

            ${pages} =    Load Knowledge Base    ${CURDIR}/local-offer
            Should Be True    ${pages} > 0
        """
        self.ctx.kb = KnowledgeBase(folder, ranker=self.ctx.ranker, contact_page=contact_page)
        logger.info(f"Knowledge base {folder}: {len(self.ctx.kb.pages)} pages, "
                    f"{len(self.ctx.kb.passages)} passages.")
        return len(self.ctx.kb.pages)

    @keyword
    def ask_chatbot(self, question: str, threshold: float | None = None) -> dict[str, Any]:
        """Answers ``question`` from the knowledge base, or declines and gives the contact route.

        :param question: The question as a person typed it.
        :param threshold: The confidence (0 to 1) below which the chatbot declines; default the
            library's ``threshold``.

        Returns a dictionary (see `Answers`): ``answered``, ``answer`` (the passage, or the
        decline with the contact route), ``title``, ``url``, ``updated``, ``page``,
        ``section``, ``confidence``, ``candidates`` (the best three pages) and ``contact``.
        The question is not logged.

        .. code-block:: robotframework

            ${answer} =    Ask Chatbot    can my son get a taxi to school
            IF    ${answer}[answered]
                Log    ${answer}[title] (${answer}[url], updated ${answer}[updated])
            END
        """
        kb = self.ctx.kb
        if kb is None:
            raise KnowledgeBaseError("no knowledge base loaded: call Load Knowledge Base first.")
        kb.refresh()
        threshold = self.ctx.threshold if threshold is None else float(threshold)
        _, found = kb.rank(question)
        contact = kb.contact_route()
        candidates = [{"page": c.page.name, "title": c.page.title, "url": c.page.url,
                       "score": round(c.score, 3), "confidence": round(c.coverage, 3)} for c in found]
        best = found[0] if found else None
        confidence = round(best.coverage, 3) if best else 0.0
        if best is not None and confidence >= threshold:
            logger.info(f"Answered from {best.page.name} (confidence {confidence}).")
            return {"answered": True, "answer": best.passage.text, "title": best.page.title, "url": best.page.url,
                    "updated": best.page.updated, "page": best.page.name, "section": best.passage.heading,
                    "confidence": confidence, "candidates": candidates, "contact": contact}
        logger.info(f"Declined (confidence {confidence} below {threshold}).")
        page = kb.contact
        return {"answered": False, "answer": decline_text(contact), "title": contact["title"],
                "url": contact["url"], "updated": page.updated if page else "", "page": page.name if page else None,
                "section": "", "confidence": confidence, "candidates": candidates, "contact": contact}
