"""How questions and passages become terms: words, stop words, stems, misspellings, synonyms.

Passages and questions go through the same steps, so that "autistic" in a question meets
"autism" on a page (the Snowball English stemmer), "transprot" meets "transport" (the
closest word of the knowledge base by edit similarity, with rapidfuzz), and "taxi" meets
"travel assistance" (the thesaurus ``synonyms.txt``, at a lower weight).

Everyday English, from the word counts pyspellchecker ships, keeps this honest: a word
common in English ("constant") is taken as meant, not "corrected" into a word of the pages
("consult"); a misspelt word the pages do not have is read as the English word it most
likely is ("shoulld" → "should", a stop word); and each word of a question carries how much
it says (``informativeness``): little for "year" or "food", much for "stammer" or "ehcp".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

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
somewhere anywhere somebody anybody everyone everybody
whats wot wat hows wheres whos theres heres u ur r yo yr yrs atm pls plz thx cos coz tho gonna wanna
""".split())

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+")
_stemmer = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped ("child's" → "childs" → stem "child"); numbers apart
    from the letters run into them ("15yo" → "15", "yo")."""
    return [w.replace("'", "") for w in _WORD.findall(text.lower().replace("’", "'"))]


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


_RANGE = re.compile(r"\b(\d{1,2}) (?:to|-|–) (\d{1,2})\b")


def range_numbers(text: str) -> list[str]:
    """The numbers inside each range of ages or years of a text: "aged 16 to 18" → ["17"]."""
    out = []
    for m in _RANGE.finditer(text):
        low, high = int(m.group(1)), int(m.group(2))
        if 0 < high - low <= 25:
            out.extend(str(n) for n in range(low + 1, high))
    return out


def terms(text: str) -> list[str]:
    """The indexed terms of a text: its words less stop words, stemmed; a range of ages or years
    ("aged 16 to 18") also holds the numbers inside it, so that "my son is 17" finds it."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS] + range_numbers(text)


# A word this common in English (Zipf scale: log10 of its frequency per billion words) is taken
# as meant, not as a misspelling of a word of the pages: "constant" is not "consult".
REAL_WORD_ZIPF = 3.0
NUMBER_WEIGHT = 0.5  # an age or a year narrows a question more than it says what it is about
INFORMATIVE_ZIPF, ZIPF_SPAN = 6.5, 3.0  # a word at Zipf 3.5 or rarer counts fully, at 6.5 not at all


@lru_cache(maxsize=1)
def _speller() -> SpellChecker:
    """pyspellchecker's English dictionary (word counts shipped in the package), one edit away."""
    return SpellChecker(language="en", distance=1)


def _english() -> tuple[dict[str, int], float]:
    """English word counts and their total."""
    frequency = _speller().word_frequency
    return frequency.dictionary, float(frequency.total_words)


@lru_cache(maxsize=10_000)
def english_correction(word: str) -> str | None:
    """The likeliest English word one edit from a misspelt one ("shoulld" → "should"), or None."""
    if len(word) < 4 or word.isdigit():
        return None
    found = _speller().correction(word)
    return found if found and found != word else None


@lru_cache(maxsize=50_000)
def zipf(word: str) -> float | None:
    """How common a word is in everyday English, on the Zipf scale (3 rare, 5 common, 7 "the"); None if unknown."""
    counts, total = _english()
    count = counts.get(word)
    return math.log10(count / total * 1e9) if count else None


def informativeness(word: str, floor: float = 0.2) -> float:
    """How much a word says about what a question is about, ``floor`` to 1, by its rarity in
    everyday English: "dementia" or "ehcp" (in no dictionary) 1, "food" about 0.3, "the" nothing.
    Words that are rare in everyday English and common on the pages are what a page is about."""
    if word.isdigit():
        return NUMBER_WEIGHT
    z = zipf(word)
    return 1.0 if z is None else min(1.0, max(floor, (INFORMATIVE_ZIPF - z) / ZIPF_SPAN))


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
    # How much each unknown term says, 0.2 to 1: an everyday English word ("food") little, a
    # rare one ("dementia") or one no dictionary has ("dbs") much.
    unknown_weights: dict[str, float] = field(default_factory=dict)
    # The same for each own term (by the word typed, or the word a misspelling was taken for).
    term_weights: dict[str, float] = field(default_factory=dict)


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
            if match is None:  # one slip, a swapped pair of letters included ("chlid"), in a shorter word
                match = process.extractOne(word, self.surface.get(word[0], []), scorer=OSA.distance, score_cutoff=1)
            if match:
                found = stem(match[0])
            elif len(stem(word)) >= 5:
                # Another form of a word on the pages ("excluded" for "exclusions"): compare stems.
                match = process.extractOne(stem(word), self.stems.get(word[0], []), scorer=fuzz.ratio, score_cutoff=cutoff)
                found = match[0] if match else None
        if len(self._corrections) < 10_000:  # a bound, not a log: nothing here outlives the process
            self._corrections[word] = found
        return found

    def known_form(self, word: str) -> str | None:
        """The word's stem if the pages or the thesaurus know it, or that of its singular
        (the stemmer leaves "buses" as "buse", "bus" as "bus"); else None."""
        if stem(word) in self.known:
            return stem(word)
        for form in (word[:-1] if word.endswith("s") else "", word[:-2] if word.endswith("es") else ""):
            if len(form) >= 2 and stem(form) in self.known:
                return stem(form)
        return None

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
        unknown_weights: dict[str, float] = {}
        term_weights: dict[str, float] = {}
        names = _names(text)
        for w in words(text):
            if w in STOP_WORDS:
                continue
            s = self.known_form(w)
            if s is None:
                meant = w in names or (zipf(w) or 0.0) >= REAL_WORD_ZIPF
                fixed = None if meant else self.correct(w)
                parts = self.split(w) if fixed is None and not meant else None
                if parts:  # "wetroom" → "wet", "room"
                    own.extend(parts)
                    term_weights.update({t: 1.0 for t in parts})
                    continue
                if fixed is None and not meant:
                    # Not a word of the pages, misspelt: an everyday word ("shoulld", "aobut") says
                    # what an everyday word says, and a misspelt stop word nothing.
                    english = english_correction(w)
                    if english in STOP_WORDS:
                        continue
                    if english:
                        fixed = self.known_form(english)
                        w = english if fixed is None else w
                if fixed is None:
                    if w not in names:  # a person's or a place's name does not make a question harder
                        unknown.append(stem(w))
                        unknown_weights[stem(w)] = informativeness(w)
                    continue
                s = fixed
            own.append(s)
            term_weights[s] = max(term_weights.get(s, 0.0), informativeness(w if zipf(w) else s))
        present = set(own)
        related: dict[str, set[str]] = {}
        for group in self.groups:
            matched = [entry for entry in group if contains(own, entry) and not set(entry) <= self.common]
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
                     {t: frozenset(ts) for t, ts in related.items()}, weights, unknown_weights, term_weights)


_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)\W*([A-Za-z]+)")


def _names(text: str) -> set[str]:
    """Capitalised words not at the start of a sentence, lower-cased: likely names ("Amelia")."""
    starts = {m.group(1) for m in _SENTENCE_START.finditer(text)}
    return {w.lower() for w in re.findall(r"\b[A-Z][a-z]+\b", text) if w not in starts}


def contains(seq: list[str] | tuple[str, ...], entry: tuple[str, ...], gap: int = 0) -> bool:
    """Whether ``entry`` (a thesaurus or service entry's terms) is a run of ``seq``; with ``gap``,
    its terms in order with at most ``gap`` other terms between each two."""
    n = len(entry)
    if not gap or n < 2:
        return any(tuple(seq[i:i + n]) == entry for i in range(len(seq) - n + 1))
    for i, t in enumerate(seq):
        if t != entry[0]:
            continue
        at, ok = i, True
        for want in entry[1:]:
            nxt = next((j for j in range(at + 1, min(len(seq), at + gap + 2)) if seq[j] == want), None)
            if nxt is None:
                ok = False
                break
            at = nxt
        if ok:
            return True
    return False


_QUESTION_WORD = re.compile(r",\s*(?:and\s+|so\s+|but\s+)?((?:who|what|whats|how|where|when|which|why|can|could|is|"
                            r"are|do|does|will|would|should|has|have|am|any)\b)", re.IGNORECASE)


def ask_part(text: str) -> str | None:
    """A long question's own ask, or None when the question is all ask: of several sentences the
    last one ending in "?" (else the last), and within it the part from the last ", how…" (a
    question word after a comma) on. "my boy is 7 and hates reading. who do I speak to at school?"
    asks "who do I speak to at school?"."""
    parts = [p.strip() for p in re.split(r"(?<=[.?!])\s+|\n+", text.strip()) if p.strip()]
    asks = [i for i, p in enumerate(parts) if p.endswith("?")]
    ask = " ".join(parts[asks[-1] if asks else -1:]) if len(parts) >= 2 else text.strip()
    found = list(_QUESTION_WORD.finditer(ask))
    if found:
        ask = ask[found[-1].start(1):]
    return ask if ask != text.strip() else None
