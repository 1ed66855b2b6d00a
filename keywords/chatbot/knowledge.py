"""A knowledge base: the pages of one folder, their passages, the index, and answering.

The index is rebuilt whenever the folder changes: every question first compares each
page's modification time and size with those the index was built from (a few
``stat`` calls), and reloads the folder when any page was added, removed or changed.

A page's score is its best passage's ranker score plus shares of the whole page's score and
of its title and headings' score (what the page is about), times the square root of the
page's coverage of the question, so that of pages scoring alike the one holding the
question's rarer words comes first.

An answer's confidence is the share of the question that the chosen page covers, tempered
by the square root of the page's score when it is below what the ranker calls strong. Each
word of the question counts by its rarity in the knowledge base (inverse document
frequency) times its rarity in everyday English (``text.informativeness``): in "my 4 year
old has a stammer" the stammer matters, the year hardly. A word is covered when the page
holds it or, at a lower weight, a word the thesaurus gives for it; a word found nowhere in
the knowledge base counts as the rarest, less so when it is an everyday English word. So
"how do I pay my council tax" has "council" covered and "tax" not, and is declined rather
than answered from a page that mentions the council.

Near misses share words with a page that mentions something in passing. Two kinds are told
apart: a word the page holds only in the name of a place ("drop-ins at Northgate Library") counts
``VENUE_CREDIT`` of itself, so "what time does Northgate library open" is not taken as answered;
and a council service of ``services.txt`` (free school meals, the library, jobs, term dates, ...)
counts only on a page whose title or headings name it. Both were measured by leave-one-set-out
over the four question sets in ``tests/data`` (README, "The chatbot helper").
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import KnowledgeBaseError
from .pages import Page, Passage, page_files, read_page
from .rankers import DEFAULT, Ranker, ranker_class
from .text import STOP_WORDS, Analyzer, Query, ask_part, contains, load_synonyms, range_numbers, stem, terms, words

THESAURUS_CREDIT = 0.7  # a question word met only through the thesaurus counts this much
PAGE_WEIGHT = 0.3  # a share of the whole page's score, added to its best passage's
TITLE_WEIGHT = 0.5  # and half the score of its title and headings: what the page is about
COMMON_SHARE = 0.6  # a word on more than this share of the pages is not expanded by the thesaurus
COVERAGE_POWER = 0.5  # pages are ranked by score × coverage ** this
MEANING_SHARE = 0.5  # with a ranker that gives similarity (embeddings): its share of the confidence
ABOUT_SHARE = 0.3  # the share of the confidence that asks whether the title and headings hold the question
CONTACT_HEADINGS = ("get in touch", "contact")
# A word a page holds only in the name of a place ("drop-ins at Northgate Library") counts this
# much: the page says where something happens, not what the place offers, so "what time does
# Northgate library open" is a near miss, not a question the page answers.
VENUE_CREDIT = 0.3
# The last word of a capitalised name that makes it a place (everyday English, not the pages').
VENUE_NOUNS = frozenset("""library libraries centre center hall hub house street road lane avenue square
park school college academy hospital church station office museum pool stadium clinic surgery""".split())
SERVICES_FILE = Path(__file__).with_name("services.txt")
SERVICE_GAP = 2  # a service's words may stand this many words apart: "register my baby's birth"
CONDITIONS_FILE = Path(__file__).with_name("conditions.txt")
# A word of a child's condition ("autistic", "cerebral palsy") that a page does not hold counts this
# share of its weight: it explains the child, it is seldom what the question asks.
CONDITION_CREDIT = 0.3
# A long question's own ask ("... who do I speak to about it?") is also weighed alone when it has
# at least this many terms; the answer's confidence is the better of the two.
ASK_MIN_TERMS = 2
_NAME = re.compile(r"\b[A-Z][a-z]+(?:['’]s)?(?:[ \t]+(?:(?:of|and|for|the|on)[ \t]+)?[A-Z][a-z]+(?:['’]s)?)+\b")


@dataclass(frozen=True)
class Candidate:
    page: Page
    passage: Passage
    score: float
    coverage: float


class KnowledgeBase:
    def __init__(self, folder: Path | str, ranker: str = DEFAULT, contact_page: str | None = None):
        self.folder = Path(folder)
        self.ranker_path = ranker
        self.contact_page = contact_page
        self._stamp: tuple | None = None
        self.reload()

    # -- building --------------------------------------------------------------------------

    def _files_stamp(self) -> tuple:
        try:
            files = page_files(self.folder)
        except FileNotFoundError:
            raise KnowledgeBaseError(f"knowledge base folder {self.folder} does not exist.", str(self.folder)) from None
        except NotADirectoryError:
            raise KnowledgeBaseError(f"knowledge base {self.folder} is not a folder.", str(self.folder)) from None
        stamp = []
        for path in files:
            st = os.stat(path)
            stamp.append((path.name, st.st_mtime_ns, st.st_size))
        return tuple(stamp)

    def refresh(self) -> bool:
        """Rebuild the index if a page was added, removed or changed; True when it was."""
        if self._files_stamp() != self._stamp:
            self.reload()
            return True
        return False

    def reload(self) -> None:
        stamp = self._files_stamp()
        pages = [read_page(path) for path in page_files(self.folder)]
        if not pages:
            raise KnowledgeBaseError(f"{self.folder}: no pages (.md, .markdown, .html, .htm) in the folder.",
                                     str(self.folder))
        names = [p.name for p in pages]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise KnowledgeBaseError(f"{self.folder}: two pages named {dupes[0]!r} (e.g. .md and .html); "
                                     f"page names must be unique.", str(self.folder))
        self.pages = {p.name: p for p in pages}
        self.passages = [ps for p in pages for ps in p.passages]
        self._passage_page = np.array([names.index(ps.page) for ps in self.passages])
        passage_texts = [f"{self.pages[ps.page].title}\n{ps.heading}\n{ps.text}" for ps in self.passages]
        passage_terms = [terms(t) for t in passage_texts]
        page_texts = [f"{p.title}\n{p.title}\n" + "\n".join(f"{ps.heading}\n{ps.text}" for ps in p.passages)
                      for p in pages]
        page_terms = [terms(t) for t in page_texts]
        title_texts = [f"{p.title}\n" + "\n".join(ps.heading for ps in p.passages) for p in pages]
        self._page_term_sets = [set(t) for t in page_terms]
        self._passage_term_sets = [set(t) for t in passage_terms]
        cls: type[Ranker] = ranker_class(self.ranker_path)
        self.passage_ranker, self.page_ranker, self.title_ranker = cls(), cls(), cls()
        self.passage_ranker.fit(passage_texts, passage_terms)
        self.page_ranker.fit(page_texts, page_terms)
        title_terms = [terms(t) for t in title_texts]
        self._title_term_sets = [set(t) for t in title_terms]
        self._venue_term_sets = [venue_terms(p) for p in pages]
        self._services = load_synonyms(SERVICES_FILE)
        self._conditions = load_conditions(CONDITIONS_FILE)
        self.title_ranker.fit(title_texts, title_terms)
        n = len(self.passages)
        df: dict[str, int] = {}
        for s in self._passage_term_sets:
            for t in s:
                df[t] = df.get(t, 0) + 1
        self._idf = {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}
        self._max_idf = math.log((n + 1) / 0.5)
        page_df: dict[str, int] = {}
        for s in self._page_term_sets:
            for t in s:
                page_df[t] = page_df.get(t, 0) + 1
        common = frozenset(t for t, d in page_df.items() if d > COMMON_SHARE * len(pages))
        self.analyzer = Analyzer({w for t in page_texts for w in words(t) + range_numbers(t)}, common=common)
        self.contact = self._find_contact()
        self._names = names
        self._stamp = stamp

    def _find_contact(self) -> Page | None:
        if self.contact_page:
            page = self.pages.get(self.contact_page)
            if page is None:
                raise KnowledgeBaseError(f"{self.folder}: no contact page {self.contact_page!r}; name a page "
                                         f"of the folder without its extension, e.g. contact-and-feedback.",
                                         str(self.folder))
            return page
        for name in sorted(self.pages):
            if name.startswith("contact"):
                return self.pages[name]
        return None

    # -- answering -------------------------------------------------------------------------

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._max_idf)

    def weight(self, term: str, query: Query) -> float:
        """A term's rarity on the pages, times its rarity in everyday English; a word not on the
        pages weighs as the rarest word it stands for."""
        english = query.term_weights.get(term, 1.0)
        if term in self._idf:
            return self._idf[term] * english
        related = [self._idf[t] for t in query.related.get(term, ()) if t in self._idf]
        return (max(related) if related else self._max_idf) * english

    def coverage(self, query: Query, held: set[str], venues: set[str] = frozenset(),
                 aside: set[str] = frozenset()) -> float:
        """The weighted share of the question's terms that ``held`` holds, thesaurus words at
        ``THESAURUS_CREDIT``; a term held only as a word of a place's name (``venues``) at
        ``VENUE_CREDIT``, and a term ``aside`` not at all."""
        total = covered = 0.0
        for t in query.terms:
            w = self.weight(t, query)
            if t in self._conditions and t not in held and not query.related.get(t, frozenset()) & held:
                w *= CONDITION_CREDIT
            if t in aside:
                pass
            elif t in held:
                covered += w * (VENUE_CREDIT if t in venues else 1.0)
            elif related := query.related.get(t, frozenset()) & held:
                covered += THESAURUS_CREDIT * w * (VENUE_CREDIT if related <= venues else 1.0)
            total += w
        # A word found nowhere counts as the rarest; a number found nowhere (an age, a year) is
        # left out: it narrows a question the pages answer more often than it changes it.
        total += sum(self._max_idf * query.unknown_weights.get(t, 1.0)
                     * (CONDITION_CREDIT if t in self._conditions else 1.0)
                     for t in query.unknown if len(t) >= 3 and not t.isdigit())
        return covered / total if total else 0.0

    def services_elsewhere(self, query: Query, page: int) -> set[str]:
        """The council services the question names (``services.txt``) that the page's title and
        headings do not name, even by a thesaurus word, each by its main word (the last: "meals"
        of "free school meals"). The page mentions such a service in passing at most ("free for
        children who get free school meals"), so it does not say how to get it: the word counts
        as not covered, and "how do I apply for free school meals" is declined."""
        about = self._title_term_sets[page]
        aside: set[str] = set()
        for group in self._services:
            named = [entry for entry in group if contains(query.terms, entry, gap=SERVICE_GAP)]
            if not named or any(set(entry) <= about for entry in group):
                continue
            for entry in named:
                t = entry[-1]
                if t not in about and not query.related.get(t, frozenset()) & about:
                    aside.add(t)
        return aside

    def confidence(self, query: Query, page: int, score: float, meaning: float | None = None) -> float:
        """Coverage, partly by how much of the question the page's title and headings hold (a
        near miss meets words in passing, not what the page is about), tempered when the page's
        score is weak (below the ranker's ``strong_score``); mixed with ``meaning``, the ranker's
        similarity of question and page (0 to 1), when it gives one. Two kinds of passing mention
        count less: a word the page holds only in a place's name ("Northgate Library"), and a
        council service the page is not about (``services_elsewhere``)."""
        strength = min(1.0, score / self.passage_ranker.strong_score) ** 0.5
        about = 1.0 - ABOUT_SHARE + ABOUT_SHARE * self.coverage(query, self._title_term_sets[page])
        lexical = self.coverage(query, self._page_term_sets[page], self._venue_term_sets[page],
                                self.services_elsewhere(query, page)) * about * strength
        return lexical if meaning is None else (1.0 - MEANING_SHARE) * lexical + MEANING_SHARE * meaning

    def rank(self, question: str, top: int = 3) -> tuple[Query, list[Candidate]]:
        """The best pages for a question, best first, each with its best passage."""
        query = self.analyzer.query(question)
        if not query.terms:
            return query, []
        passage_scores = self.passage_ranker.scores(query)
        page_scores = PAGE_WEIGHT * self.page_ranker.scores(query) + TITLE_WEIGHT * self.title_ranker.scores(query)
        best_passage = np.full(len(self._names), -1)
        best_score = np.zeros(len(self._names))
        for i, s in enumerate(passage_scores):
            p = self._passage_page[i]
            if best_passage[p] < 0 or s > best_score[p]:
                best_passage[p], best_score[p] = i, s
        total = best_score + page_scores
        if COVERAGE_POWER:  # 0 ranks by score alone
            # Of pages that score alike, the one that holds more of the question (its rare words above
            # all) answers it: "taxi to school" is about transport, not about every page with "school".
            covers = np.array([self.coverage(query, held) for held in self._page_term_sets])
            total = total * covers ** COVERAGE_POWER
        order = [p for p in np.argsort(-total, kind="stable")[:top] if total[p] > 0 and best_passage[p] >= 0]
        ask = ask_part(question)
        ask_query = self.analyzer.query(ask) if ask else None
        if ask_query is not None and len(ask_query.terms) < ASK_MIN_TERMS:
            ask_query = None
        similarity = self.passage_ranker.similarity(query) if order else None
        out = []
        for p in order:
            page = self.pages[self._names[p]]
            passage = self.passages[best_passage[p]]
            # A page means the question as closely as its closest passage does.
            meaning = None if similarity is None else float(similarity[self._passage_page == p].max())
            confidence = self.confidence(query, p, float(total[p]), meaning)
            if ask_query is not None:  # the ask alone, when the rest is background about the child
                confidence = max(confidence, self.confidence(ask_query, p, float(total[p]), meaning))
            out.append(Candidate(page, passage, float(total[p]), confidence))
        return query, out

    def contact_route(self) -> dict[str, Any]:
        page = self.contact
        if page is None:
            return {"title": "", "url": "", "text": ""}
        passage = next((ps for h in CONTACT_HEADINGS for ps in page.passages if h in ps.heading.lower()),
                       page.passages[0] if page.passages else None)
        return {"title": page.title, "url": page.url, "text": passage.text if passage else ""}


def load_conditions(path: Path = CONDITIONS_FILE) -> frozenset[str]:
    """The stems of ``conditions.txt``'s words (``#`` starts a comment)."""
    out: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        out.update(stem(w) for w in words(line.split("#", 1)[0]))
    return frozenset(out)


def venue_terms(page: Page) -> set[str]:
    """The terms a page holds only in the names of places ("Northgate Library", "Riverside Civic
    Centre"): capitalised names ending in a place noun, their words found nowhere else on the page
    (text, title or headings)."""
    names: list[str] = []

    def cut(match: re.Match) -> str:
        name = match.group(0).split()
        while name and name[0].lower() in STOP_WORDS:  # "The Hub", "At Northgate Library"
            name = name[1:]
        if len(name) >= 2 and name[-1].lower() in VENUE_NOUNS:
            names.append(" ".join(name))
            return " "
        return match.group(0)

    rest = [_NAME.sub(cut, ps.text) for ps in page.passages]
    elsewhere = set(terms("\n".join([page.title, *(ps.heading for ps in page.passages), *rest])))
    return set(terms(" ".join(names))) - elsewhere
