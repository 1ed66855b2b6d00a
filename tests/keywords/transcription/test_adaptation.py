"""Acoustic adaptation (``nightshift transcribe adapt``): an MLLR transform fitted with CMU Sphinx's
own tools to transcribed recordings; the decoder hears the adapted voice better.

Training recordings are corpus sentences spoken by espeak-ng; the check is on sentences of the dev
set (tests/data/transcribe-dev-sentences.txt), which are not in the corpus."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from keywords.transcription.adapt import AdaptationError, adapt, training_pairs
from keywords.transcription.bench import word_errors
from keywords.transcription.engines import open_engine
from keywords.transcription.errors import EngineNotConfigured
from keywords.transcription.lm import corpus_sentences
from keywords.transcription.speech import speak
from keywords.transcription.transcribe import transcribe

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "data" / "conference-corpus.txt"
DEV = ROOT / "tests" / "data" / "transcribe-dev-sentences.txt"


def training_folder(folder: Path, n: int) -> Path:
    sentences = corpus_sentences(CORPUS.read_text(encoding="utf-8"))
    random.Random(7).shuffle(sentences)
    for i, sentence in enumerate(sentences[:n]):
        speak([sentence], folder / f"meeting-{i:02d}.wav", pause=0.2)
        (folder / f"meeting-{i:02d}.txt").write_text(sentence + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def adapted(tmp_path_factory: pytest.TempPathFactory):
    folder = training_folder(tmp_path_factory.mktemp("adaptation"), 40)
    return adapt(folder, tmp_path_factory.mktemp("out") / "adaptation.mllr")


def test_the_adapted_model_makes_fewer_errors_on_sentences_it_was_not_trained_on(adapted, tmp_path: Path) -> None:
    # Corpus sentences with a word cmudict lacks ("quorate") are left out, each named.
    assert adapted.utterances + len(adapted.skipped) == 40 and adapted.utterances >= 30 and adapted.seconds > 60
    assert all("word(s) the pronouncing dictionary lacks" in why for why in adapted.skipped)
    assert adapted.path.is_file() and adapted.path.read_text().split()[:2] == ["1", "3"]  # 1 class, 3 streams
    sentences = [" ".join(corpus_sentences(line)) for line in DEV.read_text().splitlines()[:8]]
    recordings = [speak([s], tmp_path / f"dev-{i}.wav") for i, s in enumerate(sentences)]
    plain = open_engine("pocketsphinx", generic=True, unadapted=True)
    fitted = open_engine("pocketsphinx", generic=True, adaptation=adapted.path)
    assert fitted.description == "pocketsphinx, generic model, adapted"

    def errors(engine) -> int:
        return sum(word_errors(s, transcribe(r, engine=engine).text) for s, r in zip(sentences, recordings))

    before, after = errors(plain), errors(fitted)
    words = sum(len(s.split()) for s in sentences)
    assert after < before * 0.85, f"adapted WER {after / words:.2f}, generic {before / words:.2f}"


def test_the_robots_engine_takes_the_transform_from_the_setting_or_the_home(adapted, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIGHTSHIFT_HOME", str(tmp_path))
    monkeypatch.delenv("NIGHTSHIFT_TRANSCRIBE_ADAPTATION", raising=False)
    monkeypatch.setenv("NIGHTSHIFT_TRANSCRIBE_LM", "generic")
    assert open_engine("pocketsphinx").description == "pocketsphinx, generic model"
    home_copy = tmp_path / "transcribe" / "adaptation.mllr"
    home_copy.parent.mkdir(parents=True)
    home_copy.write_bytes(adapted.path.read_bytes())
    assert open_engine("pocketsphinx").description == "pocketsphinx, generic model, adapted"
    monkeypatch.setenv("NIGHTSHIFT_TRANSCRIBE_ADAPTATION", "none")
    assert open_engine("pocketsphinx").description == "pocketsphinx, generic model"
    monkeypatch.setenv("NIGHTSHIFT_TRANSCRIBE_ADAPTATION", str(tmp_path / "missing.mllr"))
    with pytest.raises(EngineNotConfigured, match="NIGHTSHIFT_TRANSCRIBE_ADAPTATION=none"):
        open_engine("pocketsphinx")


def test_the_command_writes_the_transform_where_the_robots_find_it(tmp_path: Path) -> None:
    folder = training_folder(tmp_path / "recordings", 14)
    (folder / "meeting-00.txt").write_text("the quorate zxqv said\n", encoding="utf-8")  # words no dictionary has
    kept = len(list(folder.glob("*.txt")))
    done = subprocess.run([sys.executable, "-c", "from nightshift.cli import main; main()", "transcribe", "adapt",
                           str(folder)], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "NIGHTSHIFT_HOME": str(tmp_path / "home")})
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    left_out = [line for line in output.splitlines() if line.startswith("left out: ")]
    assert f"adapted from {kept - len(left_out)} recordings" in output
    assert "left out: meeting-00.wav: 2 word(s) the pronouncing dictionary lacks" in output
    assert "zxqv" not in output and "quorate" not in output  # what was said stays out
    assert (tmp_path / "home" / "transcribe" / "adaptation.mllr").is_file()


def test_bad_training_folders_are_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(AdaptationError, match="no such folder"):
        training_pairs(tmp_path / "nowhere")
    speak(["good morning everyone"], tmp_path / "a.wav")
    with pytest.raises(AdaptationError, match="put NAME.txt"):
        training_pairs(tmp_path)
    (tmp_path / "a.txt").write_text("good morning everyone", encoding="utf-8")
    out = tmp_path / "adaptation.mllr"
    with pytest.raises(AdaptationError, match=r"1 usable recording\(s\), \d+ s of audio; adaptation needs at least 10"):
        adapt(tmp_path, out)
    assert not out.exists()
