"""Measure what a long recording costs: peak memory and time of one transcription, in a process
of its own (so that the figure is the transcription's alone).

``python -m keywords.transcription.memory RECORDING [LANGUAGE_MODEL]`` prints one JSON line;
`make_long_recording` builds an hours-long test recording by concatenation, written a block
at a time.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def make_long_recording(sentences: list[str], out: Path, minutes: float) -> Path:
    """A WAV of ``sentences`` spoken (once, by espeak-ng) and repeated until ``minutes`` long."""
    import numpy as np
    import soundfile

    from .engines.base import SAMPLE_RATE
    from .speech import speak_pcm

    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    pieces = [np.concatenate([speak_pcm(s), gap]) for s in sentences]
    want = int(minutes * 60 * SAMPLE_RATE)
    written = 0
    with soundfile.SoundFile(str(out), "w", SAMPLE_RATE, 1, subtype="PCM_16") as fh:
        while written < want:
            for piece in pieces:
                fh.write(piece[: want - written])
                written += min(len(piece), want - written)
                if written >= want:
                    break
    return out


def measure(recording: Path, language_model: Path | None = None) -> dict[str, Any]:
    """Run the measurement in a child process and return its figures."""
    cmd = [sys.executable, "-m", __name__, str(recording)] + ([str(language_model)] if language_model else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    from .engines import open_engine
    from .transcribe import transcribe

    recording = Path(argv[0])
    engine = open_engine("pocketsphinx", language_model=argv[1] if len(argv) > 1 else None,
                         generic=len(argv) < 2)
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = transcribe(recording, engine=engine)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"recording_s": round(result.duration, 1), "segments": len(result.segments),
                      "seconds": round(seconds, 1), "rtf": round(seconds / result.duration, 4),
                      "rss_after_load_mb": round(loaded, 1), "peak_rss_mb": round(peak, 1),
                      "text_chars": len(result.text)}))


if __name__ == "__main__":
    main(sys.argv[1:])
