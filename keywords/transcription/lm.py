"""A domain language model from the organisation's own text (past minutes, templates), with
pocketsphinx's own ARPA builder (``pocketsphinx.lm.ArpaBoLM``, trigrams, fixed-discount back-off).

The generic model knows broadcast English; a model of how *these* meetings are spoken
("core group", "section forty seven", "designated safeguarding lead") is what lifts accuracy.
The corpus is one sentence a line, or running text (split at ``.``, ``?``, ``!``).

Beside the model (``domain.lm``) goes its pronouncing dictionary (``domain.dict``): the corpus's
words and the generic model's ``common_words`` most frequent English words (added once each, so
a word the corpus never used can still be heard), with pronunciations from pocketsphinx's
cmudict. A word cmudict lacks under its British spelling ("paediatrician") takes the
pronunciation of its American one; one it lacks altogether cannot be recognised and is counted
in ``unknown``. A small dictionary is a small search space: the decoder cannot wander off into
the 130,000 words of broadcast English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import TranscriptionError

DISCOUNT_MASS = 0.1  # less mass held back for unseen words than the builder's 0.5: a narrow domain
# The generic model's most frequent words, added to the domain vocabulary with a count of one:
# on the dev set (tests/data/transcribe-dev-sentences.txt) 1,000 cost nothing, 5,000 cost 2 points of WER.
COMMON_WORDS = 1000
# British spellings cmudict (American) lacks, tried in turn: the first respelling it knows lends
# its pronunciation (they sound the same).
_RESPELLINGS = (("paed", "ped"), ("aem", "em"), ("oes", "es"), ("isation", "ization"), ("ise", "ize"),
                ("our", "or"), ("tre", "ter"), ("ogue", "og"))
_SENTENCE_END = re.compile(r"[.!?;:\n]+")
_NOT_A_WORD = re.compile(r"[^a-z' ]+")


class BadCorpus(TranscriptionError):
    code = "BAD_CORPUS"
    kind = "BUSINESS"


@dataclass(frozen=True)
class BuiltModel:
    path: Path
    sentences: int
    words: int
    vocabulary: int
    unknown: list[str]  # words the pronouncing dictionary lacks: the engine cannot recognise them
    dictionary: Path | None = None  # the model's own pronouncing dictionary, beside it


def corpus_sentences(text: str) -> list[str]:
    """Lower-case sentences of words (letters and apostrophes), as the dictionary spells them."""
    out = []
    for part in _SENTENCE_END.split(text.lower().replace("’", "'")):
        words = [w.strip("'") for w in _NOT_A_WORD.sub(" ", part.replace("-", " ")).split()]
        words = [w for w in words if w]
        if words:
            out.append(" ".join(words))
    return out


def dictionary_words() -> set[str]:
    return set(pronunciations())


def pronunciations() -> dict[str, list[str]]:
    """cmudict as pocketsphinx ships it: each word with its pronunciations (phone strings)."""
    from pocketsphinx import get_model_path

    out: dict[str, list[str]] = {}
    with open(get_model_path("en-us/cmudict-en-us.dict"), encoding="utf-8") as fh:
        for line in fh:
            word, _, phones = line.strip().partition(" ")
            out.setdefault(word.split("(", 1)[0], []).append(phones.strip())
    return out


def common_words(n: int) -> list[str]:
    """The ``n`` words of the generic model most likely on their own (unigram probability)."""
    if n <= 0:
        return []
    from pocketsphinx import Config, LogMath, NGramModel, get_model_path

    generic = NGramModel(Config(), LogMath(), get_model_path("en-us/en-us.lm.bin"))
    words = [w for w in pronunciations() if w.replace("'", "").isalpha()]
    return sorted(words, key=lambda w: generic.prob([w]), reverse=True)[:n]


def pronounce(word: str, known: dict[str, list[str]]) -> list[str]:
    """``word``'s pronunciations: cmudict's, else its American respelling's, else a possessive's
    from the word it belongs to; none if all fail."""
    if word in known:
        return known[word]
    for british, american in _RESPELLINGS:
        if british in word and (respelt := word.replace(british, american)) in known:
            return known[respelt]
    if word.endswith("'s") and word[:-2]:
        base = pronounce(word[:-2], known)
        # the possessive sounds /s/ after a voiceless end, /ɪz/ after a sibilant, /z/ otherwise
        return [p + (" IH Z" if p.split()[-1] in ("S", "Z", "SH", "ZH", "CH", "JH") else
                     " S" if p.split()[-1] in ("P", "T", "K", "F", "TH") else " Z") for p in base]
    return []


def build_language_model(corpus: Path | str, out: Path | str, *, discount_mass: float = DISCOUNT_MASS,
                         common: int = COMMON_WORDS) -> BuiltModel:
    """Write an ARPA trigram model of ``corpus`` to ``out`` and its dictionary beside it (``.dict``),
    each made whole, then renamed into place; ``common`` generic words join the vocabulary."""
    import tempfile

    from pocketsphinx.lm import ArpaBoLM

    corpus, out = Path(corpus), Path(out)
    if not corpus.is_file():
        raise BadCorpus(f"{corpus}: there is no such corpus file; give a text file of past minutes or "
                        "sentences, one a line")
    try:
        text = corpus.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadCorpus(f"{corpus}: the corpus is not UTF-8 text; save it as UTF-8 plain text and try again") from None
    sentences = corpus_sentences(text)
    if len(sentences) < 5:
        raise BadCorpus(f"{corpus}: the corpus has {len(sentences)} sentence(s); a language model needs a few "
                        "hundred (past minutes, templates), one a line")
    model = ArpaBoLM(text="\n".join(sentences), add_start=True, discount_mass=discount_mass)
    if common > 0:
        with tempfile.TemporaryDirectory(prefix="nightshift-lm-") as tmp_dir:
            words = Path(tmp_dir) / "common.txt"
            words.write_text("\n".join(common_words(common)), encoding="utf-8")
            model.read_word_file(str(words), count=1)
    model.compute()
    known = pronunciations()
    vocabulary = {w for s in sentences for w in s.split()}
    entries = {w: pronounce(w, known) for w in sorted(model.grams_1) if not w.startswith("<")}
    out.parent.mkdir(parents=True, exist_ok=True)
    dictionary = out.with_suffix(".dict")
    for path, write in ((out, model.write), (dictionary, lambda fh: _write_dictionary(fh, entries))):
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            write(fh)
        tmp.replace(path)
    return BuiltModel(out, len(sentences), sum(len(s.split()) for s in sentences), len(vocabulary),
                      sorted(w for w in vocabulary if not entries.get(w)), dictionary)


def _write_dictionary(fh, entries: dict[str, list[str]]) -> None:
    """cmudict's format: ``word PH ONES``, further pronunciations as ``word(2)``."""
    for word, phones in entries.items():
        for i, p in enumerate(phones):
            fh.write(f"{word}{f'({i + 1})' if i else ''} {p}\n")
