"""pocketsphinx: the default engine. Its US English acoustic model and dictionary ship inside the
Python package, so it needs no model folder; a domain language model built from the
organisation's own text (``nightshift transcribe build-lm``) replaces the generic one, and an
MLLR transform fitted to its own recordings (``nightshift transcribe adapt``, ``adapt.py``)
adapts the acoustic model to its rooms and voices.

With a domain model the decoder also takes the model's own dictionary (``domain.dict`` beside
``domain.lm``, written by ``build-lm``) and the language weight, word insertion penalty and beams
that suit a small model (``DOMAIN_DECODER``; ``NIGHTSHIFT_TRANSCRIBE_LW`` and
``NIGHTSHIFT_TRANSCRIBE_WIP`` override them). The generic model keeps pocketsphinx's defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import EngineNotConfigured
from .base import SAMPLE_RATE, Engine, Recognised


# Chosen on the dev set (tests/data/transcribe-dev-sentences.txt), never on the bench's test set.
# A narrow model predicts well, so it needs less weight against the acoustics than the generic
# model's 6.5; with fewer words to choose from, insertions are rarer and a smaller penalty keeps
# short words ("the", "at") that the default 0.65 drops. A small dictionary makes the search
# cheap, so the beams can be wider than the defaults (1e-48, 7e-29, 1e-48) for fewer search errors.
DOMAIN_DECODER = {"lw": 5.0, "wip": 0.05, "beam": 1e-60, "wbeam": 1e-40, "pbeam": 1e-60}
_SETTINGS = {"lw": "NIGHTSHIFT_TRANSCRIBE_LW", "wip": "NIGHTSHIFT_TRANSCRIBE_WIP"}


def domain_decoder_settings() -> dict[str, float]:
    """``DOMAIN_DECODER`` with any overrides from the environment, each checked."""
    out = dict(DOMAIN_DECODER)
    for key, env in _SETTINGS.items():
        raw = os.environ.get(env, "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not value > 0:
            raise EngineNotConfigured(f"{env}={raw!r} is not a positive number: set it to one (default "
                                      f"{DOMAIN_DECODER[key]}) or unset it")
        out[key] = value
    return out


class PocketsphinxEngine(Engine):
    name = "pocketsphinx"

    def __init__(self, *, model_dir: Path | None = None, language_model: Path | None = None,
                 adaptation: Path | None = None):
        from pocketsphinx import Decoder

        options: dict[str, object] = {"loglevel": "ERROR", "samprate": SAMPLE_RATE}
        if model_dir is not None:  # another acoustic model: a folder with its files, as the package's
            if not Path(model_dir).is_dir():
                raise EngineNotConfigured(
                    f"the pocketsphinx model folder {model_dir} does not exist: set NIGHTSHIFT_TRANSCRIBE_MODEL_DIR "
                    "(or --model-dir) to a folder holding an acoustic model, or unset it for the built-in one")
            options["hmm"] = str(model_dir)
        if language_model is not None:
            if not Path(language_model).is_file():
                raise EngineNotConfigured(
                    f"the language model {language_model} does not exist: build one with 'nightshift transcribe "
                    "build-lm CORPUS.txt', or unset NIGHTSHIFT_TRANSCRIBE_LM for the generic model")
            options["lm"] = str(language_model)
            dictionary = Path(language_model).with_suffix(".dict")
            if dictionary.is_file():  # a model built before dictionaries were written uses cmudict
                options["dict"] = str(dictionary)
            options.update(domain_decoder_settings())
        if adaptation is not None:  # an MLLR transform of the acoustic model (``transcribe adapt``)
            if not Path(adaptation).is_file():
                raise EngineNotConfigured(
                    f"the acoustic adaptation {adaptation} does not exist: make one with 'nightshift transcribe "
                    "adapt FOLDER', or set NIGHTSHIFT_TRANSCRIBE_ADAPTATION=none")
            options["mllr"] = str(adaptation)
        try:
            self._decoder = Decoder(**options)
        except RuntimeError as exc:
            raise EngineNotConfigured(f"pocketsphinx could not load its model ({exc}): check "
                                      "NIGHTSHIFT_TRANSCRIBE_LM and NIGHTSHIFT_TRANSCRIBE_MODEL_DIR") from None
        self._model = ("domain model" if language_model else "generic model") + (", adapted" if adaptation else "")

    @property
    def description(self) -> str:
        return f"pocketsphinx, {self._model}"

    def recognise(self, pcm: bytes) -> Recognised:
        d = self._decoder
        # Feature state (cepstral mean) carries over from the last segment otherwise, so the same
        # passage would read differently after a resume: every segment starts afresh.
        d.reinit_feat()
        d.start_utt()
        d.process_raw(pcm, full_utt=True)
        d.end_utt()
        hyp = d.hyp()
        if hyp is None or not hyp.hypstr.strip():
            return Recognised("", 0.0)
        words = hyp.hypstr.split()
        # hyp.prob is the posterior of the whole utterance; its per-word geometric mean is a
        # confidence that does not fall just because a speaker talked for longer.
        confidence = max(0.0, min(1.0, hyp.prob)) ** (1.0 / len(words))
        return Recognised(" ".join(words), round(confidence, 3))
