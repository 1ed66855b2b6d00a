"""How questions and passages become terms: words, stop words, stems, misspellings, synonyms.

Passages and questions go through the same steps, so that "autistic" in a question meets
"autism" on a page (the Snowball English stemmer), "transprot" meets "transport" (the
closest word of the knowledge base by edit similarity, with rapidfuzz), and "taxi" meets
"travel assistance" (the thesaurus ``synonyms.txt``, at a lower weight).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer
from rapidfuzz import fuzz, process

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")

STOP_WORDS = frozenset("""
a about above after again all am an and any are as at be been before being below between both but by
can cant could did didnt do does doesnt doing dont down during each few for from further get gets getting
got had has have having he her here hers him his how i id if im in into is isnt it its itself ive just
know let lets like may me might more most much must my myself need needs no nor not now of off on once only
or other our ours out over own please same she should so some such than thank thanks that thats the their
theirs them then there these they this those through to too under until up us very want wants was we were
what when where which while who whom why will with wont would you your yours yourself hi hello hey ok okay
anyone someone something anything really also still even ever go going im ill one lot lots tell
hes shes theyre youre weve theyve wouldnt couldnt shouldnt wasnt werent arent hasnt havent
yet per already maybe perhaps etc
""".split())

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_stemmer = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped ("child's" → "childs" → stem "child")."""
    return [w.replace("'", "") for w in _WORD.findall(text.lower().replace("’", "'"))]


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def terms(text: str) -> list[str]:
    """The indexed terms of a text: its words less stop words, stemmed."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


def load_synonyms(path: Path = SYNONYMS_FILE) -> list[tuple[tuple[str, ...], ...]]:
    """Each group as a tuple of entries, each entry a tuple of stemmed terms."""
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        entries = tuple(tuple(stem(w) for w in words(entry) if w not in STOP_WORDS) for entry in line.split(","))
        groups.append(tuple(e for e in entries if e))
    return groups


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[str, ...]  # the question's own terms, misspellings corrected
    expansions: tuple[str, ...]  # thesaurus terms, not already in ``terms``
    unknown: tuple[str, ...]  # terms found nowhere in the knowledge base, even corrected
    related: dict[str, frozenset[str]]  # each own term's thesaurus terms
    expansion_weights: dict[str, float]  # each thesaurus term's weight against the question's own (1)


class Analyzer:
    """Turns questions into terms against one knowledge base's vocabulary."""

    def __init__(self, vocabulary: set[str], groups: list[tuple[tuple[str, ...], ...]] | None = None,
                 min_similarity: float = 80.0, common: frozenset[str] = frozenset(),
                 expansion_weight: float = 0.35):
        self.groups = load_synonyms() if groups is None else groups
        self.known_stems = {stem(w) for w in vocabulary if w not in STOP_WORDS}
        thesaurus = {w for g in self.groups for e in g for w in e}
        # Surface words a misspelling may be corrected to: the pages' and the thesaurus's.
        surface = sorted({w for w in vocabulary if len(w) >= 3 and w not in STOP_WORDS}
                         | {w for w in thesaurus if len(w) >= 3})
        # By first letter: people seldom get the first letter wrong, and allowing it turns
        # real words into others ("falling" into "calling").
        self.surface: dict[str, list[str]] = {}
        for w in surface:
            self.surface.setdefault(w[0], []).append(w)
        self.known = self.known_stems | thesaurus
        self.stems: dict[str, list[str]] = {}
        for s in sorted(s for s in self.known_stems if len(s) >= 5):
            self.stems.setdefault(s[0], []).append(s)
        self.min_similarity = min_similarity
        self.expansion_weight = expansion_weight
        self.common = common  # stems on many pages: they say little, so they are not expanded
        self._corrections: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """The stem of the closest known word to a misspelt one, or None."""
        if word in self._corrections:
            return self._corrections[word]
        found = None
        if len(word) >= 4 and not word.isdigit():
            cutoff = self.min_similarity if len(word) >= 6 else self.min_similarity + 5
            match = process.extractOne(word, self.surface.get(word[0], []), scorer=fuzz.ratio, score_cutoff=cutoff)
            if match:
                found = stem(match[0])
            elif len(stem(word)) >= 5:
                # Another form of a word on the pages ("excluded" for "exclusions"): compare stems.
                match = process.extractOne(stem(word), self.stems.get(word[0], []), scorer=fuzz.ratio, score_cutoff=cutoff)
                found = match[0] if match else None
        if len(self._corrections) < 10_000:  # a bound, not a log: nothing here outlives the process
            self._corrections[word] = found
        return found

    def split(self, word: str) -> tuple[str, str] | None:
        """Two words of the knowledge base run together ("wetroom"), as their stems, or None."""
        if len(word) < 6 or word.isdigit():
            return None
        for i in range(3, len(word) - 2):
            head, tail = word[:i], word[i:]
            if head not in STOP_WORDS and tail not in STOP_WORDS and stem(head) in self.known_stems \
                    and stem(tail) in self.known_stems:
                return stem(head), stem(tail)
        return None

    def query(self, text: str) -> Query:
        own: list[str] = []
        unknown: list[str] = []
        names = _names(text)
        for w in words(text):
            if w in STOP_WORDS:
                continue
            s = stem(w)
            if s not in self.known:
                fixed = None if w in names else self.correct(w)
                parts = self.split(w) if fixed is None and w not in names else None
                if parts:  # "wetroom" → "wet", "room"
                    own.extend(parts)
                    continue
                if fixed is None:
                    if w not in names:  # a person's or a place's name does not make a question harder
                        unknown.append(s)
                    continue
                s = fixed
            own.append(s)
        present = set(own)
        related: dict[str, set[str]] = {}
        for group in self.groups:
            matched = [entry for entry in group if _contains(own, entry) and not set(entry) <= self.common]
            if matched:
                others = {t for entry in group for t in entry if t in self.known_stems} - present
                for entry in matched:
                    for t in entry:
                        related.setdefault(t, set()).update(others)
        expansions = tuple(dict.fromkeys(t for ts in related.values() for t in sorted(ts)))
        # A word the pages use stands for itself, its thesaurus words help a little; a word only
        # the thesaurus knows ("ehcp") stands for its thesaurus words. Either way a long group
        # spreads its weight over its words, so that no group outweighs the question.
        weights: dict[str, float] = {}
        for t, ts in related.items():
            if not ts:
                continue
            share = (self.expansion_weight if t in self.known_stems else 1.0) / len(ts) ** 0.5
            for r in ts:
                weights[r] = max(weights.get(r, 0.0), share)
        return Query(text, tuple(own), expansions, tuple(unknown),
                     {t: frozenset(ts) for t, ts in related.items()}, weights)


_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)\W*([A-Za-z]+)")


def _names(text: str) -> set[str]:
    """Capitalised words not at the start of a sentence, lower-cased: likely names ("Amelia")."""
    starts = {m.group(1) for m in _SENTENCE_START.finditer(text)}
    return {w.lower() for w in re.findall(r"\b[A-Z][a-z]+\b", text) if w not in starts}


def _contains(seq: list[str], entry: tuple[str, ...]) -> bool:
    n = len(entry)
    return any(tuple(seq[i:i + n]) == entry for i in range(len(seq) - n + 1))
