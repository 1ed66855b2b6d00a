"""Split a stream of PCM at the pauses between speech, with pocketsphinx's voice activity
detector (``Endpointer``), one segment at a time.

A segment is the unit of work: it is recognised, reported and checkpointed on its own, so memory
holds one segment (at most ``max_seconds`` long: a speaker who never pauses is cut there) and an
interrupted transcription resumes after the last finished one.

Each segment starts ``pre_roll`` seconds before the detector's start of speech (never before the
end of the segment before it): the detector starts at the first voiced frame, and a recogniser
given no silence before the first word mishears it (on the dev set, a quarter of the domain
model's errors were first words: "good afternoon" heard as "that afternoon").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .engines.base import SAMPLE_RATE

MAX_SEGMENT_SECONDS = 20.0
PRE_ROLL_SECONDS = 0.3


@dataclass(frozen=True)
class Speech:
    start: float  # seconds from the start of the recording
    end: float
    pcm: bytes


def split_at_pauses(blocks: Iterable[bytes], *, max_seconds: float = MAX_SEGMENT_SECONDS,
                    vad_mode: int | None = None, pre_roll: float = PRE_ROLL_SECONDS) -> Iterator[Speech]:
    """Yield the stretches of speech in ``blocks`` (16 kHz mono PCM), in order."""
    from pocketsphinx import Endpointer

    ep = Endpointer(sample_rate=SAMPLE_RATE) if vad_mode is None else Endpointer(sample_rate=SAMPLE_RATE, vad_mode=vad_mode)
    frame_bytes = ep.frame_bytes
    max_bytes = int(max_seconds * SAMPLE_RATE) * 2
    pending = bytearray()
    speech = bytearray()
    start: float | None = None
    # The last few seconds of input (the detector's delay plus the pre-roll), for the pre-roll;
    # history_end is where it ends, in bytes from the start of the recording.
    history = bytearray()
    history_keep = int((pre_roll + 2 * Endpointer.DEFAULT_WINDOW + 0.5) * SAMPLE_RATE) * 2
    history_end = 0
    last_end = 0  # bytes: where the last segment ended, so that segments never overlap

    def begin() -> None:
        """Start a segment at the detector's start of speech, less the pre-roll."""
        nonlocal start
        speech_at = int(round(ep.speech_start * SAMPLE_RATE)) * 2
        roll_from = max(speech_at - int(pre_roll * SAMPLE_RATE) * 2, last_end, history_end - len(history), 0)
        if roll_from < speech_at:
            offset = len(history) - (history_end - roll_from)
            speech.extend(history[offset:offset + speech_at - roll_from])
        start = roll_from / (2 * SAMPLE_RATE)

    def flush(end: float) -> Iterator[Speech]:
        nonlocal start, last_end
        if speech and start is not None:
            yield Speech(round(start, 3), round(end, 3), bytes(speech))
            last_end = int(round(end * SAMPLE_RATE)) * 2
        speech.clear()
        start = None

    for block in blocks:
        pending.extend(block)
        usable = len(pending) - len(pending) % frame_bytes
        for offset in range(0, usable, frame_bytes):
            frame = bytes(pending[offset:offset + frame_bytes])
            history.extend(frame)
            history_end += len(frame)
            if len(history) > history_keep:
                del history[:len(history) - history_keep]
            out = ep.process(frame)
            if out is None:
                continue
            if start is None:
                begin()
            speech.extend(out)
            if not ep.in_speech:
                yield from flush(ep.speech_end)
            elif len(speech) >= max_bytes:  # no pause for too long: cut here, carry on
                cut = start + len(speech) / (2 * SAMPLE_RATE)
                yield from flush(cut)
                start = cut
        del pending[:usable]
    history.extend(pending)
    history_end += len(pending)
    out = ep.end_stream(bytes(pending)) if pending else None  # (it cannot take an empty frame)
    if out is not None:
        if start is None:
            begin()
        speech.extend(out)
    if speech:
        yield from flush(start + len(speech) / (2 * SAMPLE_RATE) if start is not None else 0.0)
