"""vosk (Kaldi) from a model folder the organisation provides.

Install with ``pip install 'nightshift[vosk]'``; point ``NIGHTSHIFT_TRANSCRIBE_MODEL_DIR`` at an
unpacked vosk model (the folder holding ``am/`` and ``conf/``). Nothing is downloaded: a folder
that is missing is an error naming the setting.
"""

from __future__ import annotations

import json
from pathlib import Path

from .base import SAMPLE_RATE, Engine, Recognised
from .folders import import_engine_package, require_model_dir


class VoskEngine(Engine):
    name = "vosk"

    def __init__(self, *, model_dir: Path | None = None, language_model: Path | None = None):
        folder = require_model_dir(self.name, model_dir, "conf")
        vosk = import_engine_package(self.name, "vosk", "vosk")
        vosk.SetLogLevel(-1)
        self._vosk = vosk
        self._model = vosk.Model(str(folder))
        self._folder = folder

    @property
    def description(self) -> str:
        return f"vosk, {self._folder.name}"

    def recognise(self, pcm: bytes) -> Recognised:
        rec = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        rec.SetWords(True)
        rec.AcceptWaveform(pcm)
        result = json.loads(rec.FinalResult())
        words = result.get("result", [])
        if not words:
            return Recognised("", 0.0)
        confidence = sum(w.get("conf", 0.0) for w in words) / len(words)
        return Recognised(result.get("text", ""), round(confidence, 3))
