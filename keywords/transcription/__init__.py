"""Transcription of recorded meetings, on the organisation's own machines: no recording leaves
the building, nothing is downloaded at run time.

%TOC%

= Use =

| *** Settings ***
| Library    RPA.Robocorp.WorkItems
| Library    keywords.transcription
|
| *** Tasks ***
| Transcribe a conference
|     ${transcript}=    Transcribe Audio    ${recording}    checkpoint=${checkpoint}
|     ${meeting}=    Set Variable    ${{ {"title": "Review conference", "date": "2026-11-26"} }}
|     ${docx}=    Write Draft Minutes    ${transcript}    ${meeting}    ${tmp}/minutes.docx
|     Create Output Work Item
|     Set Work Item Payload    ${transcript}
|     Add Work Item File    ${docx}
|     Save Work Item

``robots/minutes/`` is the bot built on it: recordings dropped in an inbox become work items,
each is transcribed into a draft minutes document on an output item for a minute-checker.

= Recordings =

WAV and FLAC are read directly (``soundfile``), any sample rate, mono or stereo, resampled to
16 kHz as a stream (``soxr``). Other formats (MP3, M4A, AAC, WMA, Opus) are decoded by ``ffmpeg``
when it is installed; when it is not, ``MISSING_TOOL`` names the file and ffmpeg.

Long recordings are split at pauses (pocketsphinx's voice activity detector) and recognised a
passage at a time, so memory stays flat however long the meeting; a passage with no pause is
cut at 20 s. Progress is logged about every minute of audio (minutes done, never words). With
``checkpoint=`` the finished passages are saved (encrypted with ``NIGHTSHIFT_KEY``) as the job
goes, and the same call after an interruption resumes after the last of them.

= Engines =

One small interface (``keywords/transcription/engines/base.py``), chosen by
``NIGHTSHIFT_TRANSCRIBE_ENGINE`` or ``engine=``:

| *engine* | *model* | *install* |
| ``pocketsphinx`` (default) | US English, inside the package; a domain language model from ``NIGHTSHIFT_TRANSCRIBE_LM`` | always |
| ``faster-whisper`` | the folder ``NIGHTSHIFT_TRANSCRIBE_MODEL_DIR`` (a CTranslate2 Whisper model) | ``pip install 'nightshift[whisper]'`` |
| ``vosk`` | the folder ``NIGHTSHIFT_TRANSCRIBE_MODEL_DIR`` (an unpacked vosk model) | ``pip install 'nightshift[vosk]'`` |

A missing folder is ``ENGINE_NOT_CONFIGURED`` naming the setting: nothing is ever downloaded.

The domain language model is built from the organisation's own text (past minutes,
templates) with `Build Language Model` or ``nightshift transcribe build-lm CORPUS.txt``; it is
written to ``NIGHTSHIFT_HOME/transcribe/domain.lm``, where pocketsphinx finds it, with its own
pronouncing dictionary beside it (``domain.dict``: the corpus's words and the 1,000 most common
English words). Without one the generic model is used. With one, the decoder uses a language
weight and word insertion penalty suited to a small model (``NIGHTSHIFT_TRANSCRIBE_LW``,
default 5, and ``NIGHTSHIFT_TRANSCRIBE_WIP``, default 0.05, override them).

= Minutes =

`Write Draft Minutes` makes a Word document: the meeting details (from a sidecar JSON beside
the recording, else the recording's tags, else its name), the attendees, empty *Summary*,
*Decisions* and *Actions* sections for the minute-checker, then the transcript with a
``[hh:mm:ss–hh:mm:ss]`` timestamp a passage and ``[check]`` where confidence is low.

= Errors =

| *code* | *kind* | *when* |
| ``BAD_RECORDING`` | BUSINESS | the file is corrupt, empty, silent, too large for the store, or its sidecar is not JSON |
| ``MISSING_TOOL`` | APPLICATION | ffmpeg is needed and not installed |
| ``ENGINE_NOT_CONFIGURED`` | APPLICATION | an unknown engine, a missing model folder or package |

= Personal data =

A transcript is personal data: keywords log file names, lengths and counts, never a word. Put
transcripts only in work items (encrypted by the store), use ``Set Work Item Payload`` (which
does not log values) and run robots with ``--maxassignlength 0``.
"""

from __future__ import annotations

from robotlibcore import DynamicCore

from .engines import ENGINES, Engine, Recognised, open_engine
from .errors import BadRecording, EngineNotConfigured, MissingTool, TranscriptionError
from .keywords import MinutesKeywords, TranscribeKeywords
from .lm import build_language_model
from .minutes import meeting_details, write_draft_minutes
from .transcribe import Checkpoint, Segment, Transcript, transcribe

__version__ = "0.1.0"
__all__ = ["ENGINES", "BadRecording", "Checkpoint", "Engine", "EngineNotConfigured", "MissingTool", "Recognised",
           "Segment", "Transcript", "Transcription", "TranscriptionError", "build_language_model",
           "meeting_details", "open_engine", "transcribe", "write_draft_minutes"]


class Transcription(DynamicCore):
    __doc__ = __doc__

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(self) -> None:
        super().__init__([TranscribeKeywords(), MinutesKeywords()])


# Robot Framework takes the class named like the module: ``Library    keywords.transcription``.
transcription = Transcription
