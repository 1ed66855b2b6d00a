"""Recordings made once per session with espeak-ng (synthetic sentences, no personal data), and a
domain language model built from the conference corpus (tests/data/conference-corpus.txt, a copy of
the organisation's ../shared/conference-corpus.txt, so that the tests need nothing outside the
repository). The spoken test sentences (tests/data/transcribe-sentences.txt) are not in it."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SENTENCES = (ROOT / "tests" / "data" / "transcribe-sentences.txt").read_text().splitlines()
# Three of the test sentences (not in the corpus), spoken one after the other with a pause.
SPOKEN = [SENTENCES[0], SENTENCES[8], SENTENCES[19]]
CORPUS = ROOT / "tests" / "data" / "conference-corpus.txt"


@dataclass
class Recordings:
    folder: Path
    wav: Path
    flac: Path
    mp3: Path
    silent: Path
    corrupt: Path
    lm: Path
    spans: list[tuple[float, float]]  # where each sentence is, in seconds
    spoken: list[str]

    @property
    def reference(self) -> str:
        return " ".join(self.spoken)


@pytest.fixture(scope="session")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Recordings:
    import numpy as np
    import soundfile

    from keywords.transcription.engines.base import SAMPLE_RATE
    from keywords.transcription.lm import build_language_model
    from keywords.transcription.speech import speak, speak_pcm

    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed: run scripts/provision-audio.sh (make test does)")
    folder = tmp_path_factory.mktemp("recordings")
    wav = speak(SPOKEN, folder / "review-conference.wav")
    flac = speak(SPOKEN, folder / "review-conference-44k.flac", samplerate=44_100)
    mp3 = folder / "review-conference.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(wav), "-b:a", "64k", str(mp3)],
                   check=True)
    silent = folder / "silent.wav"
    soundfile.write(str(silent), np.zeros(SAMPLE_RATE * 6, dtype=np.int16), SAMPLE_RATE)
    corrupt = folder / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200)) * 20)
    spans, at = [], 0.5
    for sentence in SPOKEN:
        length = len(speak_pcm(sentence)) / SAMPLE_RATE
        spans.append((at, at + length))
        at += length + 1.0
    lm = build_language_model(CORPUS, folder / "domain.lm").path
    return Recordings(folder, wav, flac, mp3, silent, corrupt, lm, spans, SPOKEN)
