"""Speech engines behind one small interface (``base.Engine``), chosen by configuration.

| name | model | installed |
| ``pocketsphinx`` (default) | inside the package; a domain language model from ``NIGHTSHIFT_TRANSCRIBE_LM``, an acoustic adaptation from ``NIGHTSHIFT_TRANSCRIBE_ADAPTATION`` | always |
| ``faster-whisper`` | a folder from ``NIGHTSHIFT_TRANSCRIBE_MODEL_DIR`` | ``pip install 'nightshift[whisper]'`` |
| ``vosk`` | a folder from ``NIGHTSHIFT_TRANSCRIBE_MODEL_DIR`` | ``pip install 'nightshift[vosk]'`` |

A new engine is one module with an ``Engine`` subclass and one line in ``ENGINES``.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from workitems.config import home

from ..errors import EngineNotConfigured
from .base import SAMPLE_RATE, Engine, Recognised

__all__ = ["ENGINES", "SAMPLE_RATE", "Engine", "Recognised", "default_adaptation", "default_language_model",
           "open_engine"]

ENGINES = {
    "pocketsphinx": "keywords.transcription.engines.sphinx:PocketsphinxEngine",
    "faster-whisper": "keywords.transcription.engines.whisper:FasterWhisperEngine",
    "vosk": "keywords.transcription.engines.vosk:VoskEngine",
}


def default_language_model() -> Path | None:
    """``NIGHTSHIFT_TRANSCRIBE_LM``, else the one ``build-lm`` writes by default if it exists."""
    raw = os.environ.get("NIGHTSHIFT_TRANSCRIBE_LM", "").strip()
    if raw:
        return None if raw.lower() in ("generic", "none") else Path(raw)
    built = home() / "transcribe" / "domain.lm"
    return built if built.is_file() else None


def default_adaptation() -> Path | None:
    """``NIGHTSHIFT_TRANSCRIBE_ADAPTATION``, else the transform ``adapt`` writes by default if it exists."""
    raw = os.environ.get("NIGHTSHIFT_TRANSCRIBE_ADAPTATION", "").strip()
    if raw:
        return None if raw.lower() == "none" else Path(raw)
    made = home() / "transcribe" / "adaptation.mllr"
    return made if made.is_file() else None


def open_engine(name: str | None = None, *, model_dir: Path | str | None = None,
                language_model: Path | str | None = None, generic: bool = False,
                adaptation: Path | str | None = None, unadapted: bool = False) -> Engine:
    """The engine ``name`` (default ``NIGHTSHIFT_TRANSCRIBE_ENGINE``, else pocketsphinx), loaded.

    ``model_dir`` defaults to ``NIGHTSHIFT_TRANSCRIBE_MODEL_DIR``; ``language_model`` to
    `default_language_model`; ``generic=True`` ignores any domain model (for comparisons).
    ``adaptation`` (pocketsphinx only) defaults to `default_adaptation`; ``unadapted=True``
    ignores it.
    """
    name = (name or os.environ.get("NIGHTSHIFT_TRANSCRIBE_ENGINE", "") or "pocketsphinx").strip().lower()
    if name not in ENGINES:
        raise EngineNotConfigured(f"unknown transcription engine {name!r} (NIGHTSHIFT_TRANSCRIBE_ENGINE or "
                                  f"--engine): choose one of {', '.join(ENGINES)}")
    raw_dir = model_dir if model_dir not in (None, "") else os.environ.get("NIGHTSHIFT_TRANSCRIBE_MODEL_DIR", "").strip()
    folder = Path(raw_dir).expanduser() if raw_dir else None
    if generic:
        lm = None
    else:
        lm = Path(language_model) if language_model not in (None, "") else default_language_model()
    module, _, cls = ENGINES[name].partition(":")
    options: dict = {"model_dir": folder, "language_model": lm}
    if name == "pocketsphinx" and not unadapted:
        options["adaptation"] = Path(adaptation) if adaptation not in (None, "") else default_adaptation()
    return getattr(importlib.import_module(module), cls)(**options)
