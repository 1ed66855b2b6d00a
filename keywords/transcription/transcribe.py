"""A recording to a transcript: open, split at pauses, recognise each segment, report progress,
checkpoint finished segments so that an interrupted job resumes where it stopped.

The transcript is personal data. It is returned to the caller (a robot puts it in a work item,
which the store encrypts) and, while a job runs, kept only in an encrypted checkpoint file
(``NIGHTSHIFT_KEY``, as the store), removed when the job ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .audio import open_recording
from .engines import SAMPLE_RATE, Engine, open_engine
from .errors import BadRecording
from .pauses import MAX_SEGMENT_SECONDS, split_at_pauses

CHECKPOINT_VERSION = 1


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    confidence: float


@dataclass
class Transcript:
    file: str
    engine: str
    duration: float
    segments: list[Segment] = field(default_factory=list)
    resumed_segments: int = 0  # how many came from a checkpoint rather than being recognised now

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)

    def as_dict(self) -> "TranscriptDict":
        """The JSON shape robots and work items use: text, segments, duration, engine."""
        return TranscriptDict({"file": self.file, "engine": self.engine, "duration": round(self.duration, 2), "text": self.text,
                "segments": [asdict(s) for s in self.segments]})


class TranscriptDict(dict):
    """A transcript as a plain dict (JSON, work items, ``$t["segments"]`` in Robot Framework) whose
    printed form names the file and counts, never the words: Robot Framework prints keyword
    arguments and return values at TRACE level, and a transcript is personal data."""

    def __repr__(self) -> str:
        return (f"<transcript of {self.get('file', '?')}: {len(self.get('segments', []))} passages, "
                f"{self.get('duration', 0):.0f} s>")

    __str__ = __repr__


@dataclass(frozen=True)
class Progress:
    file: str
    seconds_done: float
    duration: float | None
    segments: int


class Checkpoint:
    """Finished segments of one recording, encrypted on disk, saved as the job goes.

    Tied to the recording by name and size: a checkpoint of another file is ignored.
    """

    def __init__(self, path: Path | str):
        from workitems.config import home
        from workitems.crypto import load_cipher

        self.path = Path(path)
        self._cipher = load_cipher(home())

    def load(self, recording: Path) -> list[Segment]:
        if not self.path.is_file():
            return []
        try:
            state = self._cipher.decrypt_json(self.path.read_bytes())
        except Exception:  # noqa: BLE001 - a damaged or foreign checkpoint: start again, never fail
            return []
        if state.get("version") != CHECKPOINT_VERSION or state.get("file") != recording.name \
                or state.get("size") != recording.stat().st_size:
            return []
        return [Segment(**s) for s in state["segments"]]

    def save(self, recording: Path, segments: list[Segment]) -> None:
        state = {"version": CHECKPOINT_VERSION, "file": recording.name, "size": recording.stat().st_size,
                 "segments": [asdict(s) for s in segments]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_bytes(self._cipher.encrypt_json(state))
        tmp.replace(self.path)  # never half-written: the old checkpoint stays until the new one is whole

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def transcribe(path: Path | str, *, engine: Engine | None = None, checkpoint: Checkpoint | None = None,
               progress: Callable[[Progress], None] | None = None, progress_every: float = 60.0,
               checkpoint_every: float = 30.0, max_segment_seconds: float = MAX_SEGMENT_SECONDS) -> Transcript:
    """Transcribe ``path`` segment by segment.

    ``progress`` is called about every ``progress_every`` seconds of audio; the checkpoint is saved
    about every ``checkpoint_every`` seconds of work and removed at the end. With a checkpoint
    from an interrupted run, its segments are kept and recognition starts after the last one.
    Raises `BadRecording` for a recording without speech (silent or only noise).
    """
    path = Path(path)
    own_engine = engine is None
    engine = engine or open_engine()
    try:
        done = checkpoint.load(path) if checkpoint else []
        resume_after = done[-1].end if done else -1.0
        segments = list(done)
        with open_recording(path) as rec:
            last_report = last_save = 0.0
            saved_at = time.monotonic()
            read = [0]  # bytes of PCM read: the length when the format does not say it

            def counted(blocks):
                for block in blocks:
                    read[0] += len(block)
                    yield block

            for speech in split_at_pauses(counted(rec.blocks), max_seconds=max_segment_seconds):
                if speech.end <= resume_after:
                    continue
                heard = engine.recognise(speech.pcm)
                if heard.text:
                    segments.append(Segment(speech.start, speech.end, heard.text, heard.confidence))
                if checkpoint and time.monotonic() - saved_at >= checkpoint_every and len(segments) > last_save:
                    checkpoint.save(path, segments)
                    saved_at, last_save = time.monotonic(), len(segments)
                if progress and speech.end - last_report >= progress_every:
                    progress(Progress(path.name, speech.end, rec.duration, len(segments)))
                    last_report = speech.end
            duration = rec.duration if rec.duration is not None else read[0] / (2 * SAMPLE_RATE)
        if not segments:
            raise BadRecording(path.name, f"no speech was found in {duration:.0f} s of audio (silent, or only noise)",
                               "check the right file was recorded and exported, then retry the item")
        if progress:
            progress(Progress(path.name, duration, duration, len(segments)))
        if checkpoint:
            checkpoint.remove()
        return Transcript(path.name, engine.description, duration, segments, resumed_segments=len(done))
    finally:
        if own_engine:
            engine.close()
