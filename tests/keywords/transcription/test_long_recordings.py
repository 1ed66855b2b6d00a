"""Long recordings are streamed: memory stays flat as the recording grows (the two-hour figure is
in the README, measured with the same code on a 2-hour concatenation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from keywords.transcription.memory import make_long_recording, measure

SENTENCES = (Path(__file__).resolve().parents[2] / "data" / "transcribe-sentences.txt").read_text().splitlines()


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_six_minutes_take_no_more_memory_than_one(recordings, tmp_path: Path) -> None:
    short = measure(make_long_recording(SENTENCES[:6], tmp_path / "one-minute.wav", 1), recordings.lm)
    long = measure(make_long_recording(SENTENCES[:6], tmp_path / "six-minutes.wav", 6), recordings.lm)
    assert long["recording_s"] == pytest.approx(360, abs=1) and short["recording_s"] == pytest.approx(60, abs=1)
    assert long["segments"] >= 5 * short["segments"]  # the whole recording was heard, pause by pause
    # Six times the audio (11 MB of PCM more), the same memory within a few MB of buffers.
    assert long["peak_rss_mb"] - short["peak_rss_mb"] < 8, (short, long)
