"""The interface every speech engine meets: 16 kHz mono 16-bit PCM of one stretch of speech in,
its words and a confidence out.

Splitting at pauses, streaming, progress and resuming live above it (``transcribe.py``), so an
engine is a short file: load the model once in ``__init__``, recognise one segment at a time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

SAMPLE_RATE = 16_000  # every engine here takes 16 kHz mono; audio.py converts to it


@dataclass(frozen=True)
class Recognised:
    """One segment's words (lower case, no punctuation needed) and a confidence from 0 to 1."""

    text: str
    confidence: float


class Engine(ABC):
    """A loaded speech model. Not shared between threads: one engine per transcription."""

    #: The name chosen by configuration (``NIGHTSHIFT_TRANSCRIBE_ENGINE``).
    name: str = ""

    @property
    def description(self) -> str:
        """What is loaded, for a log line and the minutes (e.g. "pocketsphinx, domain model")."""
        return self.name

    @abstractmethod
    def recognise(self, pcm: bytes) -> Recognised:
        """The words of ``pcm`` (16 kHz, mono, signed 16-bit little-endian), one segment of speech."""

    def close(self) -> None:
        """Free the model; the default has nothing to free."""
