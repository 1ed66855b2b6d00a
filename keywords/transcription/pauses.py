"""Split a stream of PCM at the pauses between speech, with pocketsphinx's voice activity
detector (``Endpointer``), one segment at a time.

A segment is the unit of work: it is recognised, reported and checkpointed on its own, so memory
holds one segment (at most ``max_seconds`` long: a speaker who never pauses is cut there) and an
interrupted transcription resumes after the last finished one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .engines.base import SAMPLE_RATE

MAX_SEGMENT_SECONDS = 20.0


@dataclass(frozen=True)
class Speech:
    start: float  # seconds from the start of the recording
    end: float
    pcm: bytes


def split_at_pauses(blocks: Iterable[bytes], *, max_seconds: float = MAX_SEGMENT_SECONDS,
                    vad_mode: int | None = None) -> Iterator[Speech]:
    """Yield the stretches of speech in ``blocks`` (16 kHz mono PCM), in order."""
    from pocketsphinx import Endpointer

    ep = Endpointer(sample_rate=SAMPLE_RATE) if vad_mode is None else Endpointer(sample_rate=SAMPLE_RATE, vad_mode=vad_mode)
    frame_bytes = ep.frame_bytes
    max_bytes = int(max_seconds * SAMPLE_RATE) * 2
    pending = bytearray()
    speech = bytearray()
    start: float | None = None

    def flush(end: float) -> Iterator[Speech]:
        nonlocal start
        if speech and start is not None:
            yield Speech(round(start, 3), round(end, 3), bytes(speech))
        speech.clear()
        start = None

    for block in blocks:
        pending.extend(block)
        usable = len(pending) - len(pending) % frame_bytes
        for offset in range(0, usable, frame_bytes):
            frame = bytes(pending[offset:offset + frame_bytes])
            out = ep.process(frame)
            if out is None:
                continue
            if start is None:
                start = ep.speech_start
            speech.extend(out)
            if not ep.in_speech:
                yield from flush(ep.speech_end)
            elif len(speech) >= max_bytes:  # no pause for too long: cut here, carry on
                cut = start + len(speech) / (2 * SAMPLE_RATE)
                yield from flush(cut)
                start = cut
        del pending[:usable]
    out = ep.end_stream(bytes(pending)) if pending else None  # (it cannot take an empty frame)
    if out is not None:
        if start is None:
            start = ep.speech_start
        speech.extend(out)
    if speech:
        yield from flush(start + len(speech) / (2 * SAMPLE_RATE) if start is not None else 0.0)
