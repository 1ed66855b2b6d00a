"""What stops a transcription, as errors that say which file or setting and what to do.

``BadRecording`` is a BUSINESS error: the recording itself is wrong (corrupt, empty, silent), so
trying again gives the same answer and a person must look at it. ``MissingTool`` and
``EngineNotConfigured`` are APPLICATION errors: the machine lacks a program or a model folder,
and the same recording will go through once it is set up. In Robot Framework each reads
``CODE: …`` (``ROBOT_SUPPRESS_NAME``), so ``EXCEPT    BAD_RECORDING:*    type=glob`` catches one
kind. No message quotes a word of a transcript.
"""

from __future__ import annotations


class TranscriptionError(Exception):
    """Base of the transcription errors; ``code`` and ``kind`` say how a robot releases the item."""

    ROBOT_SUPPRESS_NAME = True
    code = "TRANSCRIPTION_ERROR"
    kind = "APPLICATION"

    def __init__(self, message: str):
        self.message = message
        super().__init__(f"{self.code}: {message}")


class BadRecording(TranscriptionError):
    """A recording that cannot be read, holds no audio, or holds no speech."""

    code = "BAD_RECORDING"
    kind = "BUSINESS"

    def __init__(self, file: str, problem: str,
                 advice: str = "check the recording plays, export it again, and retry the item"):
        self.file = file
        super().__init__(f"{file}: {problem}; {advice}.")


class MissingTool(TranscriptionError):
    """A program this recording needs (ffmpeg for MP3, M4A…) is not installed."""

    code = "MISSING_TOOL"

    def __init__(self, file: str, tool: str, advice: str):
        self.file, self.tool = file, tool
        super().__init__(f"{file}: reading this recording needs {tool}, which is not installed: {advice}.")


class EngineNotConfigured(TranscriptionError):
    """The chosen engine cannot start: an unknown name, a missing model folder or package."""

    code = "ENGINE_NOT_CONFIGURED"
