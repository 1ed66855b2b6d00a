"""faster-whisper (CTranslate2 Whisper) from a model folder the organisation provides.

Install with ``pip install 'nightshift[whisper]'``; point ``NIGHTSHIFT_TRANSCRIBE_MODEL_DIR`` at a
converted model folder (``model.bin``, ``config.json``, ``tokenizer.json``…). Nothing is
downloaded: a folder that is missing is an error naming the setting.
"""

from __future__ import annotations

import math
from pathlib import Path

from .base import Engine, Recognised
from .folders import import_engine_package, require_model_dir


class FasterWhisperEngine(Engine):
    name = "faster-whisper"

    def __init__(self, *, model_dir: Path | None = None, language_model: Path | None = None):
        folder = require_model_dir(self.name, model_dir, "model.bin")
        faster_whisper = import_engine_package(self.name, "faster_whisper", "whisper")
        self._model = faster_whisper.WhisperModel(str(folder), device="cpu", compute_type="int8",
                                                  local_files_only=True)
        self._folder = folder

    @property
    def description(self) -> str:
        return f"faster-whisper, {self._folder.name}"

    def recognise(self, pcm: bytes) -> Recognised:
        import numpy as np

        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        parts, _info = self._model.transcribe(audio, language="en", beam_size=5, vad_filter=False)
        parts = list(parts)
        text = " ".join(p.text.strip() for p in parts).strip()
        if not parts:
            return Recognised("", 0.0)
        confidence = sum(math.exp(p.avg_logprob) for p in parts) / len(parts)
        return Recognised(text, round(min(1.0, confidence), 3))
