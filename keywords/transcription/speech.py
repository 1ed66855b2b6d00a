"""Synthetic recordings for tests and the benchmark: espeak-ng speaks sentences, a pause between
them, into a 16 kHz mono WAV (no personal data: the sentences are made up).

espeak-ng's Klatt voice (``en-us+klatt2``) is used because pocketsphinx's US model hears it far
better than the default formant voice; it is still much harder than a real voice (README).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .engines.base import SAMPLE_RATE

VOICE = "en-us+klatt2"
WORDS_PER_MINUTE = 160


def espeak() -> str:
    found = shutil.which("espeak-ng")
    if found is None:
        raise RuntimeError("espeak-ng is not installed: run scripts/provision-audio.sh (apt-get install espeak-ng)")
    return found


def speak_pcm(sentence: str, *, voice: str = VOICE, wpm: int = WORDS_PER_MINUTE) -> np.ndarray:
    """One sentence as 16 kHz float32 samples."""
    import soundfile
    import soxr

    wav = subprocess.run([espeak(), "-v", voice, "-s", str(wpm), "--stdout", sentence],
                         capture_output=True, check=True).stdout
    samples, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
    return soxr.resample(samples, rate, SAMPLE_RATE) if rate != SAMPLE_RATE else samples


def speak(sentences: Iterable[str], out: Path | str, *, pause: float = 1.0, voice: str = VOICE,
          wpm: int = WORDS_PER_MINUTE, samplerate: int = SAMPLE_RATE) -> Path:
    """Write ``sentences`` spoken one after the other, ``pause`` seconds apart, to ``out``
    (WAV or FLAC by its suffix, at ``samplerate``)."""
    import soundfile
    import soxr

    gap = np.zeros(int(pause * SAMPLE_RATE), dtype=np.float32)
    parts = [gap[: SAMPLE_RATE // 2]]
    for sentence in sentences:
        parts += [speak_pcm(sentence, voice=voice, wpm=wpm), gap]
    audio = np.concatenate(parts)
    if samplerate != SAMPLE_RATE:
        audio = soxr.resample(audio, SAMPLE_RATE, samplerate)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(out), np.clip(audio, -1, 1), samplerate, subtype="PCM_16")
    return out
