"""``nightshift bench transcribe``: word error rate of the generic and the domain model, and the
real-time factor, on recordings espeak-ng makes from a sentence file.

Each sentence is one recording, through the whole path a robot takes (`transcribe`: reading,
splitting at pauses, recognition). The domain model is built in the same run from ``--corpus``
(the test sentences must not be in it). Not a test: figures for people, a JSON line for scripts.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .engines import open_engine
from .errors import BadRecording
from .lm import build_language_model, corpus_sentences
from .speech import speak
from .transcribe import transcribe

TARGET_RATIO = 0.5  # domain WER at most half the generic
TARGET_RTF = 0.5


class BenchError(Exception):
    pass


def word_errors(reference: str, hypothesis: str) -> int:
    """Substitutions + deletions + insertions between the two word sequences."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(reference.split(), hypothesis.split())


def run(sentences: Path, corpus: Path, step: Callable[[str], None] = lambda _t: None,
        limit: int | None = None) -> dict[str, Any]:
    lines = [" ".join(corpus_sentences(line)) for line in sentences.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line][:limit]
    if not lines:
        raise BenchError(f"{sentences}: no sentences (one a line)")
    in_corpus = set(corpus_sentences(corpus.read_text(encoding="utf-8"))) & set(lines)
    if in_corpus:
        raise BenchError(f"{len(in_corpus)} test sentence(s) are in the corpus: the domain model would have "
                         "seen the answers; write test sentences of your own")
    with tempfile.TemporaryDirectory(prefix="bench-transcribe-") as tmp:
        folder = Path(tmp)
        step(f"building the domain model from {corpus.name}")
        built = build_language_model(corpus, folder / "domain.lm")
        step(f"speaking {len(lines)} sentences with espeak-ng")
        recordings = [speak([line], folder / f"s{i:03d}.wav") for i, line in enumerate(lines)]
        out: dict[str, Any] = {"sentences": len(lines), "words": sum(len(s.split()) for s in lines),
                               "corpus_sentences": built.sentences, "corpus_vocabulary": built.vocabulary}
        for name, engine in (("generic", open_engine("pocketsphinx", generic=True)),
                             ("domain", open_engine("pocketsphinx", language_model=built.path))):
            step(f"transcribing with the {name} model")
            errors = seconds = audio = 0.0
            for line, recording in zip(lines, recordings):
                started = time.perf_counter()
                try:
                    heard = transcribe(recording, engine=engine).text
                except BadRecording:  # nothing recognised: every word missed
                    heard = ""
                seconds += time.perf_counter() - started
                import soundfile

                audio += soundfile.info(str(recording)).duration
                errors += word_errors(line, heard)
            out[f"wer_{name}"] = round(errors / out["words"], 4)
            out[f"rtf_{name}"] = round(seconds / audio, 4)
        out["audio_s"] = round(audio, 1)
    out["rtf"] = out["rtf_domain"]  # what a robot runs with once a domain model is built
    out["wer_ratio"] = round(out["wer_domain"] / out["wer_generic"], 3) if out["wer_generic"] else None
    return out


def table(out: dict[str, Any]):
    """The figures for people (rich Table): each model's WER and real-time factor, against the targets."""
    from rich.table import Table

    def met(ok: bool) -> str:
        return "[green]met[/]" if ok else "[red]not met[/]"

    t = Table(title=f"nightshift bench transcribe: {out['sentences']} sentences, {out['words']} words, "
                    f"{out['audio_s']:.0f} s of espeak-ng speech; domain model from {out['corpus_sentences']} "
                    f"sentences", title_justify="left")
    for name in ("model", "word error rate", "real-time factor"):
        t.add_column(name, justify="left" if name == "model" else "right")
    t.add_row("generic (pocketsphinx en-us)", f"{out['wer_generic']:.1%}", f"{out['rtf_generic']:.3f}")
    t.add_row("domain (built from --corpus)", f"{out['wer_domain']:.1%}", f"{out['rtf_domain']:.3f}")
    t.add_section()
    ratio = out["wer_ratio"]
    t.add_row("target", f"domain ≤ ½ generic: {ratio:.2f}× {met(ratio is not None and ratio <= TARGET_RATIO)}",
              f"< {TARGET_RTF} {met(out['rtf'] < TARGET_RTF)}")
    return t
