"""``nightshift transcribe``: the transcription helper from the command line.

``build-lm`` makes the domain language model the robots use; ``FILE`` prints a quick look at a
recording's transcript (on this terminal only: a transcript is personal data, keep it out of
logs and files).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import app, console, err_console, fail

transcribe_app = typer.Typer(help="Transcribe recorded meetings offline; build the domain language model; adapt "
                             "the acoustic model.",
                             no_args_is_help=True)
app.add_typer(transcribe_app, name="transcribe")


@transcribe_app.command("build-lm")
def build_lm(
    corpus: Annotated[Path, typer.Argument(help="UTF-8 text: past minutes, templates; one sentence a line or prose.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Where to write the ARPA model (default NIGHTSHIFT_HOME/transcribe/domain.lm, "
        "where the robots find it).")] = None,
) -> None:
    """Build a domain language model from the organisation's own text, for pocketsphinx."""
    from keywords.transcription.errors import TranscriptionError
    from keywords.transcription.lm import build_language_model
    from workitems.config import home

    try:
        built = build_language_model(corpus, out or home() / "transcribe" / "domain.lm")
    except TranscriptionError as exc:
        fail(exc.message)
    console.print(f"wrote {built.path}: {built.sentences} sentences, {built.words} words, "
                  f"{built.vocabulary} distinct", highlight=False, soft_wrap=True)
    if built.unknown:
        shown = ", ".join(built.unknown[:12]) + (" …" if len(built.unknown) > 12 else "")
        err_console.print(f"{len(built.unknown)} word(s) are not in the pronouncing dictionary and cannot be "
                          f"recognised: {shown}", highlight=False, soft_wrap=True)


@transcribe_app.command("adapt")
def adapt_model(
    folder: Annotated[Path, typer.Argument(help="Recordings (WAV, FLAC, MP3…), each with NAME.txt: what was said.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Where to write the transform (default NIGHTSHIFT_HOME/transcribe/adaptation.mllr, "
        "where the robots find it).")] = None,
) -> None:
    """Adapt pocketsphinx's acoustic model to your rooms and voices (MLLR) from transcribed recordings."""
    from keywords.transcription.adapt import adapt
    from keywords.transcription.errors import TranscriptionError
    from workitems.config import home

    try:
        made = adapt(folder, out or home() / "transcribe" / "adaptation.mllr",
                     step=lambda text: err_console.print(f"[dim]{text}[/]", highlight=False))
    except TranscriptionError as exc:
        fail(exc.message)
    console.print(f"wrote {made.path}: adapted from {made.utterances} recordings, {made.seconds:.0f} s of speech",
                  highlight=False, soft_wrap=True)
    for reason in made.skipped:
        err_console.print(f"left out: {reason}", highlight=False, soft_wrap=True)


@transcribe_app.command("file")
def transcribe_file(
    recording: Annotated[Path, typer.Argument(help="A WAV or FLAC file; MP3, M4A… through ffmpeg.")],
    engine: Annotated[str | None, typer.Option("--engine", help="pocketsphinx (default), faster-whisper or vosk; "
                                               "default NIGHTSHIFT_TRANSCRIBE_ENGINE.")] = None,
    model_dir: Annotated[Path | None, typer.Option("--model-dir", help="The engine's model folder; default "
                                                   "NIGHTSHIFT_TRANSCRIBE_MODEL_DIR.")] = None,
    lm: Annotated[Path | None, typer.Option("--lm", help="pocketsphinx's language model; default "
                                            "NIGHTSHIFT_TRANSCRIBE_LM or the one build-lm wrote.")] = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="A checkpoint file (encrypted): run again "
                                                "with the same one after an interruption to resume.")] = None,
) -> None:
    """Print the transcript of one recording, a timestamped line a passage (progress on stderr)."""
    from keywords.transcription import Checkpoint, TranscriptionError, open_engine, transcribe
    from keywords.transcription.minutes import timestamp

    try:
        loaded = open_engine(engine, model_dir=model_dir, language_model=lm)
        err_console.print(f"engine: {loaded.description}", highlight=False)
        result = transcribe(recording, engine=loaded, checkpoint=Checkpoint(resume) if resume else None,
                            progress=lambda p: err_console.print(
                                f"{p.file}: {p.seconds_done / 60:.1f} min, {p.segments} passage"
                                f"{'' if p.segments == 1 else 's'}", highlight=False))
    except TranscriptionError as exc:
        fail(str(exc))
    for s in result.segments:
        console.print(f"[{timestamp(s.start)}–{timestamp(s.end)}] ({s.confidence:.2f}) {s.text}",
                      highlight=False, markup=False, soft_wrap=True)
