"""Acoustic adaptation: fit pocketsphinx's acoustic model to the organisation's own voices and
rooms with an MLLR transform, from recordings of past meetings and what was said in them.

The generic acoustic model was trained on American broadcast and read speech. A few minutes of
transcribed audio from the meeting room (its microphone, its echo, its speakers) give a linear
transform of the model's Gaussian means (maximum-likelihood linear regression, MLLR) that the
decoder applies as it loads (``-mllr``). The model itself is not changed, so the transform is
one small file that can be made again or removed at any time.

The work is done by CMU Sphinx's own tools, from Debian's packages (``scripts/provision-audio.sh``):
``sphinx_fe`` (sphinxbase-utils) turns the audio into the model's features, ``bw`` (sphinxtrain)
aligns them with the transcripts and counts, and ``mllr_solve`` (sphinxtrain) solves the
transform. ``bw`` needs two files the Python package's model ships only in the decoder's compact
form: the model definition as text (``pocketsphinx_mdef_convert``, from Debian's pocketsphinx)
and the mixture weights unquantised (read here from ``sendump``).

Training data is a folder of recordings, each with a transcript of the same name (``NAME.wav`` and
``NAME.txt``: what was said, as plain words). Transcripts are personal data: they are read from
the folder and written only to a temporary folder that is removed afterwards; nothing of them is
logged.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import TranscriptionError

MIN_UTTERANCES = 10  # fewer than this gives a transform that fits the few, not the room
MIN_SECONDS = 30.0
SPHINXTRAIN_DIRS = ("/usr/lib/sphinxtrain", "/usr/local/lib/sphinxtrain", "/usr/libexec/sphinxtrain")
TOOLS = {"sphinx_fe": "sphinxbase-utils", "pocketsphinx_mdef_convert": "pocketsphinx", "bw": "sphinxtrain",
         "mllr_solve": "sphinxtrain"}
# The feature settings of the package's model (its feat.params): bw must compute the same features.
FEATURE_ARGS = ["-feat", "1s_c_d_dd", "-svspec", "0-12/13-25/26-38", "-cmn", "batch", "-agc", "none"]


class AdaptationError(TranscriptionError):
    code = "ADAPTATION_FAILED"
    kind = "BUSINESS"


@dataclass(frozen=True)
class Adapted:
    path: Path  # the MLLR transform
    utterances: int  # recordings used
    seconds: float  # their speech, in seconds
    skipped: list[str]  # recordings left out, each with why (names of files, never their words)


def find_tool(name: str) -> str:
    """The path of one of the CMU Sphinx programs, or an `AdaptationError` saying how to install it."""
    found = shutil.which(name)
    if found is None:
        for folder in SPHINXTRAIN_DIRS:
            candidate = Path(folder) / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                found = str(candidate)
                break
    if found is None:
        package = TOOLS.get(name, name)
        raise AdaptationError(f"acoustic adaptation needs {name}, which is not installed: run "
                              f"scripts/provision-audio.sh, or apt-get install {package}")
    return found


def training_pairs(folder: Path | str) -> list[tuple[Path, Path]]:
    """Each recording of ``folder`` with its transcript (same name, ``.txt``), by name."""
    from .audio import AUDIO_SUFFIXES

    folder = Path(folder)
    if not folder.is_dir():
        raise AdaptationError(f"{folder}: there is no such folder; give a folder of recordings, each with a "
                              "transcript of the same name (NAME.wav and NAME.txt)")
    pairs = []
    for audio in sorted(folder.iterdir()):
        if audio.suffix.lower() in AUDIO_SUFFIXES and audio.with_suffix(".txt").is_file():
            pairs.append((audio, audio.with_suffix(".txt")))
    if not pairs:
        raise AdaptationError(f"{folder}: no recording has a transcript beside it; put NAME.txt (what was said, "
                              "as plain words) next to each NAME.wav")
    return pairs


def read_sendump(path: Path) -> np.ndarray:
    """The mixture weights of a semi-continuous model's ``sendump`` (8-bit, log-base-1.0001,
    shifted), as probabilities shaped (senones, feature streams, codewords)."""
    with open(path, "rb") as fh:
        order = "<"

        def number() -> int:
            nonlocal order
            raw = fh.read(4)
            value = struct.unpack(order + "I", raw)[0]
            if value > 65536:  # written on a machine of the other byte order
                order = ">"
                value = struct.unpack(order + "I", raw)[0]
            return value

        def text() -> str | None:
            n = number()
            return fh.read(n)[:-1].decode("ascii", "replace") if n else None

        text()  # the format's title
        header: dict[str, str] = {}
        while (line := text()) is not None:
            key, _, value = line.partition(" ")
            header[key] = value.strip()
        if int(header.get("cluster_count", "0") or 0):
            raise AdaptationError(f"{path}: clustered mixture weights are not supported")
        streams = int(header.get("feature_count", "0") or 0)
        shift = int(header.get("mixw_shift", "10") or 10)
        codewords, senones = number(), number()
        weights = np.empty((senones, streams, codewords))
        for stream in range(streams):
            for codeword in range(codewords):
                quantised = np.frombuffer(fh.read(senones), dtype=np.uint8).astype(np.float64)
                weights[:, stream, codeword] = np.power(1.0001, -(quantised * (1 << shift)))
    return weights


def write_mixture_weights(path: Path, weights: np.ndarray) -> None:
    """Sphinx-III's binary parameter file: a text header, a byte-order mark, the dimensions, floats."""
    weights = weights / weights.sum(axis=2, keepdims=True)
    head = b"s3\nversion 1.0\n"
    pad = (len(head) + len(b"endhdr\n")) & 3
    head += (b" " * (4 - pad) if pad else b"") + b"endhdr\n"
    with open(path, "wb") as fh:
        fh.write(head + struct.pack("=i", 0x11223344))
        d1, d2, d3 = weights.shape
        fh.write(struct.pack("=IIII", d1, d2, d3, d1 * d2 * d3))
        weights.astype("=f4").tofile(fh)


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        # The tools' own output names files and words: keep it out of the message (personal data).
        raise AdaptationError(f"{what} failed (exit {done.returncode}); check the recordings play and the "
                              "transcripts are plain words")


def adapt(folder: Path | str, out: Path | str, *, step: Callable[[str], None] = lambda _t: None) -> Adapted:
    """Fit an MLLR transform of the package's acoustic model to the recordings of ``folder`` (each
    with its ``.txt`` transcript) and write it to ``out``, whole, then renamed into place."""
    import soundfile
    from pocketsphinx import get_model_path

    from .audio import open_recording
    from .engines.base import SAMPLE_RATE
    from .errors import BadRecording
    from .lm import corpus_sentences, pronounce, pronunciations

    tools = {name: find_tool(name) for name in TOOLS}
    pairs = training_pairs(folder)
    out = Path(out)
    known = pronunciations()
    with tempfile.TemporaryDirectory(prefix="nightshift-adapt-") as tmp_dir:
        tmp = Path(tmp_dir)
        (tmp / "wav").mkdir()
        (tmp / "mfc").mkdir()
        ids, lines, lexicon, skipped = [], [], {}, []
        seconds = 0.0
        for i, (audio, transcript) in enumerate(pairs):
            try:
                words = " ".join(corpus_sentences(transcript.read_text(encoding="utf-8"))).split()
            except UnicodeDecodeError:
                skipped.append(f"{transcript.name}: not UTF-8 text")
                continue
            lacking = [w for w in words if not pronounce(w, known)]
            if not words or lacking:
                skipped.append(f"{audio.name}: " + ("empty transcript" if not words else
                                                    f"{len(lacking)} word(s) the pronouncing dictionary lacks"))
                continue
            try:
                with open_recording(audio) as rec:
                    pcm = b"".join(rec.blocks)
            except BadRecording as exc:
                skipped.append(exc.message)
                continue
            samples = np.frombuffer(pcm, dtype=np.int16)
            seconds += len(samples) / SAMPLE_RATE
            name = f"u{i:05d}"
            soundfile.write(str(tmp / "wav" / f"{name}.wav"), samples, SAMPLE_RATE, subtype="PCM_16")
            ids.append(name)
            lines.append(f"<s> {' '.join(words)} </s> ({name})")
            lexicon.update({w: pronounce(w, known) for w in words})
        if len(ids) < MIN_UTTERANCES or seconds < MIN_SECONDS:
            raise AdaptationError(f"{folder}: {len(ids)} usable recording(s), {seconds:.0f} s of audio; adaptation "
                                  f"needs at least {MIN_UTTERANCES} recordings and {MIN_SECONDS:.0f} s, each with a "
                                  "transcript whose words the dictionary knows"
                                  + (f" ({len(skipped)} left out)" if skipped else ""))
        (tmp / "adapt.fileids").write_text("\n".join(ids) + "\n", encoding="utf-8")
        (tmp / "adapt.transcription").write_text("\n".join(lines) + "\n", encoding="utf-8")
        with open(tmp / "adapt.dict", "w", encoding="utf-8") as fh:
            for word, phones in sorted(lexicon.items()):
                for k, p in enumerate(phones):
                    fh.write(f"{word}{f'({k + 1})' if k else ''} {p}\n")
        model = tmp / "model"
        shutil.copytree(get_model_path("en-us/en-us"), model)
        step("preparing the acoustic model for training")
        _run([tools["pocketsphinx_mdef_convert"], "-text", str(model / "mdef"), str(model / "mdef.txt")],
             "converting the model definition")
        write_mixture_weights(model / "mixture_weights", read_sendump(model / "sendump"))
        step(f"computing features of {len(ids)} recordings ({seconds:.0f} s)")
        _run([tools["sphinx_fe"], "-argfile", str(model / "feat.params"), "-samprate", str(SAMPLE_RATE),
              "-c", str(tmp / "adapt.fileids"), "-di", str(tmp / "wav"), "-do", str(tmp / "mfc"),
              "-ei", "wav", "-eo", "mfc", "-mswav", "yes"], "computing features (sphinx_fe)")
        step("aligning the recordings with their transcripts")
        _run([tools["bw"], "-hmmdir", str(model), "-moddeffn", str(model / "mdef.txt"), "-ts2cbfn", ".ptm.",
              *FEATURE_ARGS, "-dictfn", str(tmp / "adapt.dict"), "-fdictfn", str(model / "noisedict"),
              "-ctlfn", str(tmp / "adapt.fileids"), "-lsnfn", str(tmp / "adapt.transcription"),
              "-cepdir", str(tmp / "mfc"), "-accumdir", str(tmp)], "aligning (bw)")
        step("solving the transform")
        solved = tmp / "mllr_matrix"
        _run([tools["mllr_solve"], "-meanfn", str(model / "means"), "-varfn", str(model / "variances"),
              "-outmllrfn", str(solved), "-accumdir", str(tmp)], "solving the transform (mllr_solve)")
        if not solved.is_file() or solved.stat().st_size == 0:
            raise AdaptationError("mllr_solve wrote no transform; check the recordings hold speech")
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(out.name + ".tmp")
        shutil.copyfile(solved, part)
        part.replace(out)
    return Adapted(out, len(ids), round(seconds, 1), skipped)
