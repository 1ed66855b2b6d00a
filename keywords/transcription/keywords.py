"""The keywords: transcription, the domain language model, the minutes document, the inbox."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from keywords.inbox import sha256_of
from workitems.config import home, max_file_bytes

from .audio import AUDIO_SUFFIXES, DIRECT, open_recording
from .engines import open_engine
from .errors import BadRecording
from .lm import build_language_model
from .minutes import meeting_details, write_draft_minutes
from .transcribe import Checkpoint, Progress, transcribe


def _log_progress(p: Progress) -> None:
    of = f" of {p.duration / 60:.1f}" if p.duration else ""
    logger.info(f"{p.file}: {p.seconds_done / 60:.1f}{of} minutes transcribed, {p.segments} passages")


class TranscribeKeywords:
    @keyword
    def transcribe_audio(self, path: Path, engine: str | None = None, model_dir: Path | None = None,
                         language_model: Path | None = None, checkpoint: Path | None = None) -> dict[str, Any]:
        """Returns the transcript of the recording at ``path``.

        :param path: A WAV or FLAC file (read directly), or MP3, M4A… (through ffmpeg).
        :param engine: ``pocketsphinx`` (default), ``faster-whisper`` or ``vosk``; default
            ``NIGHTSHIFT_TRANSCRIBE_ENGINE``. See `Engines`.
        :param model_dir: The engine's model folder; default ``NIGHTSHIFT_TRANSCRIBE_MODEL_DIR``.
        :param language_model: pocketsphinx's domain model; default ``NIGHTSHIFT_TRANSCRIBE_LM``,
            else ``NIGHTSHIFT_HOME/transcribe/domain.lm`` when it was built, else the generic model.
        :param checkpoint: A file for the finished passages, encrypted with ``NIGHTSHIFT_KEY``; a job
            interrupted and run again with the same checkpoint resumes after the last one. Removed
            when the job ends.

        :return: ``{"file", "engine", "duration", "text", "segments"}``; each segment is
            ``{"start", "end", "text", "confidence"}`` (seconds from the start; confidence 0 to 1).

        Fails with ``BAD_RECORDING: FILE: …`` (a BUSINESS error) for a file that is corrupt,
        empty or silent; with ``MISSING_TOOL`` when an MP3 or M4A arrives and ffmpeg is not
        installed; with ``ENGINE_NOT_CONFIGURED`` naming the setting when a model is missing.
        Progress (minutes done, never words) is logged about every minute of audio.

        .. code-block:: robotframework

            ${transcript}=    Transcribe Audio    ${recording}
            Log    ${{ len($transcript["segments"]) }} passages
        """
        path = Path(path)
        loaded = open_engine(engine, model_dir=model_dir, language_model=language_model)
        try:
            logger.info(f"{path.name}: transcribing with {loaded.description}")
            result = transcribe(path, engine=loaded, checkpoint=Checkpoint(checkpoint) if checkpoint else None,
                                progress=_log_progress)
        finally:
            loaded.close()
        if result.resumed_segments:
            logger.info(f"{path.name}: resumed after {result.resumed_segments} passages from the checkpoint")
        logger.info(f"{path.name}: {len(result.segments)} passages in {result.duration / 60:.1f} minutes of audio")
        return result.as_dict()

    @keyword
    def build_language_model(self, corpus: Path, out: Path | None = None) -> str:
        """Builds a domain language model from ``corpus`` (past minutes, templates; UTF-8 text)
        and returns its path. ``out`` defaults to ``NIGHTSHIFT_HOME/transcribe/domain.lm``, where
        `Transcribe Audio` finds it; its pronouncing dictionary is written beside it (``.dict``).

        .. code-block:: robotframework

            Build Language Model    ${CURDIR}/past-minutes.txt
        """
        built = build_language_model(corpus, out or home() / "transcribe" / "domain.lm")
        logger.info(f"{built.path.name}: {built.sentences} sentences, {built.vocabulary} words; "
                    f"{len(built.unknown)} of them not in the pronouncing dictionary (cannot be recognised)")
        return str(built.path)


class MinutesKeywords:
    @keyword
    def list_recordings(self, inbox: Path) -> list[str]:
        """Returns the recordings waiting in ``inbox``, by name (sidecar ``.json`` files and hidden
        or partial files left out). Fails when the folder does not exist (an APPLICATION error:
        an unmounted share).

        .. code-block:: robotframework

            @{recordings}=    List Recordings    ${inbox}
        """
        inbox = Path(inbox)
        if not inbox.is_dir():
            raise FileNotFoundError(f"the inbox folder {inbox} does not exist: create it or mount the share, "
                                    "then retry the trigger item")
        files = sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith((".", "~"))
                       and p.suffix.lower() in AUDIO_SUFFIXES)
        logger.info(f"{len(files)} recording(s) waiting in the inbox")
        return [str(p) for p in files]

    @keyword
    def recording_work_item(self, path: Path) -> dict[str, Any]:
        """Returns the payload of the work item for the recording at ``path``:
        ``{"reference", "recording", "sidecar", "meeting", "sha256", "bytes", "parts"}``. The
        reference is ``REC-`` and a hash of the file, so a recording dropped twice makes one item;
        ``sha256`` and ``bytes`` are the file's, and ``parts`` is how many parts `Split Recording`
        cuts it into when it is larger than the store takes whole (``NIGHTSHIFT_MAX_FILE_BYTES``),
        else 0. Fails with ``BAD_RECORDING`` when its sidecar JSON cannot be read.

        .. code-block:: robotframework

            ${payload}=    Recording Work Item    ${file}
        """
        path = Path(path)
        size = path.stat().st_size
        digest = sha256_of(path)
        tags: dict[str, str] = {}
        if path.suffix.lower() in DIRECT:
            try:
                with open_recording(path) as rec:
                    tags = rec.tags
            except BadRecording:
                pass  # the consumer says so, naming the file; the item must exist for that
        details = meeting_details(path, tags)
        sidecar = path.with_suffix(".json")
        limit = max_file_bytes()
        return {"reference": f"REC-{digest[:16]}", "recording": path.name,
                "sidecar": sidecar.name if sidecar.is_file() else None, "meeting": details,
                "sha256": digest, "bytes": size,
                "parts": -(-size // limit) if size > limit else 0}

    @keyword
    def split_recording(self, path: Path, folder: Path) -> list[str]:
        """Writes the recording at ``path`` to ``folder`` in parts the work-item store takes
        (``NAME.part001``, ``NAME.part002``…, each at most ``NIGHTSHIFT_MAX_FILE_BYTES``) and
        returns their paths: a two-hour WAV goes on its item in parts, encrypted like any file.
        `Join Recording Parts` puts them back together. ``folder`` should be a private temporary one.

        .. code-block:: robotframework

            IF    $payload["parts"]
                @{parts}=    Split Recording    ${file}    ${tmp}
            END
        """
        path, folder = Path(path), Path(folder)
        limit = max_file_bytes()
        folder.mkdir(parents=True, exist_ok=True)
        parts: list[str] = []
        with open(path, "rb") as fh:
            while True:
                part = folder / f"{path.name}.part{len(parts) + 1:03d}"
                written = 0
                with open(part, "wb") as out:
                    while written < limit and (block := fh.read(min(1 << 20, limit - written))):
                        out.write(block)
                        written += len(block)
                if not written:
                    part.unlink()
                    break
                parts.append(str(part))
        logger.info(f"{path.name}: {path.stat().st_size / 2**20:.0f} MiB in {len(parts)} parts of at most "
                    f"{limit / 2**20:.0f} MiB")
        return parts

    @keyword
    def join_recording_parts(self, parts: list[str], out: Path, sha256: str) -> str:
        """Puts the parts `Split Recording` made (in name order) back into one file at ``out``,
        checks it is the recording that was queued (its ``sha256``), and returns its path. Fails
        with ``BAD_RECORDING`` naming the recording when a part is missing or changed.

        .. code-block:: robotframework

            @{parts}=    Get Work Item Files    ${item}[recording].part*    ${tmp}${/}parts
            ${recording}=    Join Recording Parts    ${parts}    ${tmp}${/}${item}[recording]    ${item}[sha256]
        """
        out = Path(out)
        ordered = sorted(Path(p) for p in parts)
        digest = hashlib.sha256()
        with open(out, "wb") as fh:
            for part in ordered:
                with open(part, "rb") as src:
                    for block in iter(lambda: src.read(1 << 20), b""):
                        digest.update(block)
                        fh.write(block)
        if not ordered or digest.hexdigest() != sha256:
            out.unlink(missing_ok=True)
            raise BadRecording(out.name, f"its {len(ordered)} stored part(s) do not make the recording that was "
                               "queued (a part is missing or changed)", "drop the recording in the inbox again")
        logger.info(f"{out.name}: joined from {len(ordered)} parts")
        return str(out)

    @keyword
    def write_draft_minutes(self, transcript: dict[str, Any], meeting: dict[str, Any], out: Path) -> str:
        """Writes the draft minutes (a ``.docx``) of ``transcript`` with the ``meeting`` details
        (from `Recording Work Item`) to ``out`` and returns its path. See `Minutes`.

        .. code-block:: robotframework

            ${docx}=    Write Draft Minutes    ${transcript}    ${item}[meeting]    ${tmp}/minutes.docx
        """
        written = write_draft_minutes(transcript, meeting, out)
        logger.info(f"{written.name}: draft minutes with {len(transcript.get('segments', []))} passages")
        return str(written)
