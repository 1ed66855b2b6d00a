"""A domain language model from the organisation's own text (past minutes, templates), with
pocketsphinx's own ARPA builder (``pocketsphinx.lm.ArpaBoLM``, trigrams, fixed-discount back-off).

The generic model knows broadcast English; a model of how *these* meetings are spoken
("core group", "section forty seven", "designated safeguarding lead") is what lifts accuracy.
The corpus is one sentence a line, or running text (split at ``.``, ``?``, ``!``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import TranscriptionError

DISCOUNT_MASS = 0.1  # less mass held back for unseen words than the builder's 0.5: a narrow domain
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
    from pocketsphinx import get_model_path

    words = set()
    with open(get_model_path("en-us/cmudict-en-us.dict"), encoding="utf-8") as fh:
        for line in fh:
            word = line.split(" ", 1)[0]
            words.add(word.split("(", 1)[0])
    return words


def build_language_model(corpus: Path | str, out: Path | str, *, discount_mass: float = DISCOUNT_MASS) -> BuiltModel:
    """Write an ARPA trigram model of ``corpus`` to ``out`` (made whole, then renamed into place)."""
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
    model.compute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        model.write(fh)
    tmp.replace(out)
    vocabulary = {w for s in sentences for w in s.split()}
    known = dictionary_words()
    return BuiltModel(out, len(sentences), sum(len(s.split()) for s in sentences), len(vocabulary),
                      sorted(vocabulary - known))
