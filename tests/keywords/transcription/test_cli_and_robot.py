"""The command line (build-lm, a quick look at one file) and the keyword in a real Robot Framework
run, whose log must hold no word of the transcript."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
NIGHTSHIFT = [sys.executable, "-c", "from nightshift.cli import main; main()"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*NIGHTSHIFT, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_build_lm_writes_the_model_the_robots_find(recordings, nightshift_home: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "past-minutes.txt"
    corpus.write_text((ROOT / "tests" / "data" / "conference-corpus.txt").read_text())
    done = run("transcribe", "build-lm", str(corpus))
    assert done.returncode == 0, done.stderr
    model = nightshift_home / "transcribe" / "domain.lm"
    assert f"wrote {model}: 400 sentences" in " ".join(done.stdout.split())
    text = model.read_text()
    assert "\\data\\" in text and "\\3-grams:" in text and " core group " in text
    # Without --lm the quick look uses it: the first sentence comes out word for word.
    look = run("transcribe", "file", str(recordings.wav))
    assert look.returncode == 0, look.stderr
    lines = look.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("[00:00:00–00:00:04]")
    assert lines[0].endswith(recordings.spoken[0])


def test_build_lm_refuses_a_corpus_it_cannot_use(tmp_path: Path) -> None:
    missing = run("transcribe", "build-lm", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "nope.txt: there is no such corpus file" in missing.stderr
    binary = tmp_path / "minutes.docx"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00\x81" * 50)
    bad = run("transcribe", "build-lm", str(binary))
    assert bad.returncode == 2 and "minutes.docx: the corpus is not UTF-8 text" in bad.stderr
    assert not (tmp_path / "out.lm").exists()


def test_the_keyword_in_robot_framework_logs_no_transcript(recordings, tmp_path: Path) -> None:
    suite = tmp_path / "transcribe.robot"
    suite.write_text(f"""*** Settings ***
Library    keywords.transcription

*** Variables ***
${{expected}}    {recordings.spoken[0]}

*** Tasks ***
Transcribe a conference
    ${{t}}=    Transcribe Audio    {recordings.wav}    language_model={recordings.lm}
    Should Be Equal As Integers    ${{{{ len($t["segments"]) }}}}    3
    Should Be True    $t["segments"][0]["end"] < $t["segments"][1]["start"]
    Should Be True    $t["segments"][0]["text"] == $expected

A silent file fails naming it
    Run Keyword And Expect Error    BAD_RECORDING: silent.wav: no speech was found*
    ...    Transcribe Audio    {recordings.silent}
""")
    done = subprocess.run([sys.executable, "-m", "robot", "--rpa", "--maxassignlength", "0", "--loglevel", "TRACE",
                           "--outputdir", str(tmp_path / "out"), str(suite)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    log = (tmp_path / "out" / "output.xml").read_text()
    assert "review-conference.wav: 3 passages in 0.3 minutes of audio" in log
    for phrase in ("joining this review", "support worker will", "budgeting and shopping"):
        assert phrase not in log


@pytest.mark.slow
def test_bench_transcribe_prints_its_figures_and_the_json_line_last(tmp_path: Path) -> None:
    import json

    sentences = tmp_path / "three.txt"
    sentences.write_text("\n".join((ROOT / "tests" / "data" / "transcribe-sentences.txt").read_text()
                                   .splitlines()[:3]) + "\n")
    done = run("bench", "transcribe", "--sentences", str(sentences),
               "--corpus", str(ROOT / "tests" / "data" / "conference-corpus.txt"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures["sentences"] == 3 and figures["words"] == 36
    assert 0 <= figures["wer_domain"] < figures["wer_generic"] <= 1.5
    assert 0 < figures["rtf"] < 2
    assert "word error rate" in done.stdout and "domain ≤ ½ generic" in done.stdout
    # With sphinxtrain (make test provides it): the same recordings with the acoustic model adapted.
    assert figures["adaptation_sentences"] == 150 and "whole set-up" in done.stdout
    assert 0 <= figures["wer_domain_adapted"] <= 1.5 and 0 <= figures["wer_generic_adapted"] <= 1.5
    assert figures["wer_ratio_setup"] == round(figures["wer_domain_adapted"] / figures["wer_generic"], 3)
    # A test sentence that is in the corpus would flatter the domain model: refused.
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(sentences.read_text() * 3)
    leaked = run("bench", "transcribe", "--sentences", str(sentences), "--corpus", str(corpus))
    assert leaked.returncode == 1 and "3 test sentence(s) are in the corpus" in leaked.stderr
