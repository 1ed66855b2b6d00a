"""Recordings in, 16 kHz mono 16-bit PCM out, a block at a time, so that a two-hour recording
never sits in memory whole.

WAV and FLAC (and whatever else libsndfile reads: OGG, AIFF) are read directly with
``soundfile`` and resampled with ``soxr`` as a stream; any other format (MP3, M4A, WMA…) is
decoded by ``ffmpeg`` into a pipe, when ffmpeg is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .engines.base import SAMPLE_RATE
from .errors import BadRecording, MissingTool

DIRECT = {".wav", ".wave", ".flac", ".ogg", ".oga", ".aiff", ".aif"}
AUDIO_SUFFIXES = DIRECT | {".mp3", ".m4a", ".aac", ".wma", ".opus", ".mp4", ".webm", ".amr"}  # through ffmpeg
BLOCK_SECONDS = 1.0


@dataclass
class Recording:
    """An open recording: its blocks of PCM and, when the format says, its length and tags."""

    path: Path
    blocks: Iterator[bytes]
    duration: float | None  # seconds; None when only decoding to the end would tell (ffmpeg)
    tags: dict[str, str]


@contextmanager
def open_recording(path: Path | str) -> Iterator[Recording]:
    """Open ``path`` for streaming as 16 kHz mono PCM; `BadRecording` if it is not a recording."""
    path = Path(path)
    if not path.is_file():
        raise BadRecording(path.name, f"there is no such file ({path})", "check the path")
    if path.stat().st_size == 0:
        raise BadRecording(path.name, "the file is empty (0 bytes)")
    if path.suffix.lower() in DIRECT:
        with _open_direct(path) as rec:
            yield rec
    else:
        with _open_ffmpeg(path) as rec:
            yield rec


@contextmanager
def _open_direct(path: Path) -> Iterator[Recording]:
    import soundfile

    try:
        sf = soundfile.SoundFile(str(path))
    except Exception as exc:  # noqa: BLE001 - libsndfile's reasons are many; all mean "unreadable"
        reason = str(exc).split(":")[-1].strip() or type(exc).__name__
        raise BadRecording(path.name, f"not a readable {path.suffix.lstrip('.').upper()} recording ({reason})") from None
    tags = {k: v for k in ("title", "date", "artist", "comment") if (v := (getattr(sf, k, "") or "").strip())}
    duration = sf.frames / sf.samplerate if sf.samplerate else None
    with sf:
        yield Recording(path, _direct_blocks(sf, path), duration, tags)


def _direct_blocks(sf, path: Path) -> Iterator[bytes]:
    import soxr

    resampler = soxr.ResampleStream(sf.samplerate, SAMPLE_RATE, 1, dtype="float32") \
        if sf.samplerate != SAMPLE_RATE else None
    size = max(1, int(sf.samplerate * BLOCK_SECONDS))
    while True:
        try:
            block = sf.read(size, dtype="float32", always_2d=True)
        except Exception as exc:  # noqa: BLE001 - a truncated or damaged body
            raise BadRecording(path.name, f"the audio is damaged part-way through ({exc})") from None
        last = len(block) < size
        mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
        if resampler is not None:
            mono = resampler.resample_chunk(mono, last=last)
        if len(mono):
            yield (np.clip(mono, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        if last:
            return


@contextmanager
def _open_ffmpeg(path: Path) -> Iterator[Recording]:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise MissingTool(path.name, "ffmpeg",
                          "install ffmpeg (apt-get install ffmpeg; scripts/provision-audio.sh does it), "
                          "or convert the recording to WAV or FLAC")
    proc = subprocess.Popen(
        [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(path),
         "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield Recording(path, _pipe_blocks(proc, path), None, {})
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def _pipe_blocks(proc: subprocess.Popen, path: Path) -> Iterator[bytes]:
    assert proc.stdout is not None and proc.stderr is not None
    size = int(SAMPLE_RATE * BLOCK_SECONDS) * 2
    got = 0
    while block := proc.stdout.read(size):
        got += len(block)
        yield block
    if proc.wait() != 0:
        # ffmpeg's own line says why (invalid data, unknown format); it names no content.
        reason = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
        why = reason[-1].split(": ", 1)[-1] if reason else f"ffmpeg exited with {proc.returncode}"
        if got == 0:
            raise BadRecording(path.name, f"ffmpeg cannot read it as audio ({why})")
        raise BadRecording(path.name, f"the audio is damaged part-way through ({why})")
