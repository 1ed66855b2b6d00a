"""``nightshift bench transcribe``: word error rate of the generic and the domain model, and the
real-time factor, on recordings espeak-ng makes from a sentence file.

Each sentence is one recording, through the whole path a robot takes (`transcribe`: reading,
splitting at pauses, recognition). The domain model is built in the same run from ``--corpus``
(the test sentences must not be in it). Not a test: figures for people, a JSON line for scripts.

When sphinxtrain is installed, the same recordings are also transcribed with the acoustic model
adapted (``adapt.py``) to espeak-ng's voice from corpus sentences it speaks, which stand in for
transcribed recordings of past meetings: ``wer_ratio`` stays the language model's effect alone,
``wer_ratio_adapted`` is the same with both sides adapted, and ``wer_ratio_setup`` the
organisation's whole set-up (its language model and its adaptation) against the model out of the box.
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
ADAPTATION_SENTENCES = 150  # corpus sentences spoken for the adapted rows (not test sentences)


class BenchError(Exception):
    pass


def word_errors(reference: str, hypothesis: str) -> int:
    """Substitutions + deletions + insertions between the two word sequences."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(reference.split(), hypothesis.split())


def run(sentences: Path, corpus: Path, step: Callable[[str], None] = lambda _t: None,
        limit: int | None = None, adapt: bool = True) -> dict[str, Any]:
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
        engines = {"generic": {"generic": True}, "domain": {"language_model": built.path}}
        mllr = _adaptation(corpus, folder, step) if adapt else None
        if mllr is not None:
            engines |= {"generic_adapted": {"generic": True, "adaptation": mllr},
                        "domain_adapted": {"language_model": built.path, "adaptation": mllr}}
        import soundfile

        audio = sum(soundfile.info(str(r)).duration for r in recordings)
        for name, options in engines.items():
            engine = open_engine("pocketsphinx", unadapted="adaptation" not in options, **options)
            step(f"transcribing with the {name.replace('_', ' ')} model")
            errors = seconds = 0.0
            for line, recording in zip(lines, recordings):
                started = time.perf_counter()
                try:
                    heard = transcribe(recording, engine=engine).text
                except BadRecording:  # nothing recognised: every word missed
                    heard = ""
                seconds += time.perf_counter() - started
                errors += word_errors(line, heard)
            out[f"wer_{name}"] = round(errors / out["words"], 4)
            out[f"rtf_{name}"] = round(seconds / audio, 4)
        out["audio_s"] = round(audio, 1)
    out["rtf"] = out["rtf_domain"]  # what a robot runs with once a domain model is built
    out["wer_ratio"] = round(out["wer_domain"] / out["wer_generic"], 3) if out["wer_generic"] else None
    if mllr is not None and out["wer_generic"]:
        out["adaptation_sentences"] = ADAPTATION_SENTENCES
        out["wer_ratio_adapted"] = (round(out["wer_domain_adapted"] / out["wer_generic_adapted"], 3)
                                    if out["wer_generic_adapted"] else None)
        # The organisation's whole set-up (its language model and its adaptation) against the
        # model out of the box.
        out["wer_ratio_setup"] = round(out["wer_domain_adapted"] / out["wer_generic"], 3)
    return out


def _adaptation(corpus: Path, folder: Path, step: Callable[[str], None]) -> Path | None:
    """An MLLR transform fitted to espeak-ng speaking ``ADAPTATION_SENTENCES`` corpus sentences (the
    stand-in for transcribed recordings of past meetings), or None when sphinxtrain is missing."""
    import random

    from .adapt import AdaptationError, adapt

    sentences = corpus_sentences(corpus.read_text(encoding="utf-8"))
    random.Random(0).shuffle(sentences)
    data = folder / "adaptation"
    step(f"speaking {min(ADAPTATION_SENTENCES, len(sentences))} corpus sentences for acoustic adaptation")
    for i, sentence in enumerate(sentences[:ADAPTATION_SENTENCES]):
        speak([sentence], data / f"a{i:03d}.wav", pause=0.2)
        (data / f"a{i:03d}.txt").write_text(sentence, encoding="utf-8")
    try:
        return adapt(data, folder / "adaptation.mllr", step=step).path
    except AdaptationError as exc:
        step(f"no adapted rows: {exc.message}")
        return None


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
    if "wer_generic_adapted" in out:
        t.add_row(f"generic, adapted ({out['adaptation_sentences']} corpus sentences)",
                  f"{out['wer_generic_adapted']:.1%}", f"{out['rtf_generic_adapted']:.3f}")
        t.add_row("domain, adapted", f"{out['wer_domain_adapted']:.1%}", f"{out['rtf_domain_adapted']:.3f}")
    t.add_section()
    ratio = out["wer_ratio"]
    t.add_row("target", f"domain ≤ ½ generic: {ratio:.2f}× {met(ratio is not None and ratio <= TARGET_RATIO)}",
              f"< {TARGET_RTF} {met(out['rtf'] < TARGET_RTF)}")
    if "wer_ratio_adapted" in out:
        t.add_row("adapted", f"domain / generic, both adapted: {out['wer_ratio_adapted']:.2f}×", "")
        t.add_row("whole set-up", f"domain adapted / generic: {out['wer_ratio_setup']:.2f}×", "")
    return t
