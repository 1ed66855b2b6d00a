"""The minutes bot, run for real: ``nightshift run minutes``'s runner on an inbox of recordings
espeak-ng made (synthetic sentences), with a domain model built where the robots find it.

Checked as a minute-checker and a supervisor would: a draft per good recording, its details from
the sidecar, the timestamped transcript in the document; corrupt and silent files as BUSINESS
failures naming them; nothing left in the inbox; no transcript word in a Robot Framework log.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from workitems import ExceptionType, State
from workitems.store import open_store

ROOT = Path(__file__).resolve().parents[3]
SENTENCES = (ROOT / "tests" / "data" / "transcribe-sentences.txt").read_text().splitlines()
CORPUS = ROOT / "tests" / "data" / "conference-corpus.txt"

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]


def run_minutes():
    from scheduler.processes import get_process
    from scheduler.runner import run_process

    with open_store() as store:
        return run_process(get_process("minutes"), store, trigger="test")


def test_recordings_become_draft_minutes_and_bad_files_business_failures(nightshift_home: Path) -> None:
    import soundfile
    from docx import Document

    from keywords.transcription.lm import build_language_model
    from keywords.transcription.speech import speak

    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed: run scripts/provision-audio.sh (make test does)")
    build_language_model(CORPUS, nightshift_home / "transcribe" / "domain.lm")
    inbox = nightshift_home / "inbox" / "minutes"
    first, second = [SENTENCES[0], SENTENCES[8]], [SENTENCES[19], SENTENCES[14]]
    speak(first, inbox / "review-conference-ava.wav")
    (inbox / "review-conference-ava.json").write_text(json.dumps({
        "title": "Review child protection conference", "date": "2026-11-20", "time": "10:00",
        "location": "Civic Centre, Room 4", "chair": "Priya Shah",
        "attendees": [{"name": "Priya Shah", "role": "Independent reviewing officer"},
                      {"name": "Tom Ellis", "role": "Social worker"}, "Dr Ana Ruiz"]}))
    speak(second, inbox / "core-group-leo.flac", samplerate=22_050)
    (inbox / "damaged.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    soundfile.write(str(inbox / "silent.wav"), np.zeros(16_000 * 4, dtype=np.int16), 16_000)

    result = run_minutes()
    assert result.status == "PASS", [(s.task, s.status, s.artifacts) for s in result.steps]

    with open_store() as store:
        items = {i.payload["recording"]: i for i in store.list("minutes", limit=100)}
        drafts = {i.payload["recording"]: i for i in store.list("minutes-drafts", limit=100)}
        files = {name: {f.name: store.get_file(d.id, f.name) for f in store.list_files(d.id)}
                 for name, d in drafts.items()}
    assert set(items) == {"review-conference-ava.wav", "core-group-leo.flac", "damaged.wav", "silent.wav"}
    assert items["review-conference-ava.wav"].state == State.DONE
    assert items["core-group-leo.flac"].state == State.DONE
    for name, problem in (("damaged.wav", "not a readable WAV recording"), ("silent.wav", "no speech was found")):
        item = items[name]
        assert item.state == State.FAILED and item.exception.type == ExceptionType.BUSINESS, name
        assert item.exception.code == "BAD_RECORDING"
        assert item.exception.message.startswith(f"BAD_RECORDING: {name}: {problem}"), item.exception.message
    assert set(drafts) == {"review-conference-ava.wav", "core-group-leo.flac"}
    assert not [p for p in inbox.iterdir()], "every recording and sidecar archived"
    assert (nightshift_home / "archive" / "minutes" / "review-conference-ava.json").exists()

    # The draft of the conference with a sidecar: its details, attendees, the transcript with times.
    ava = drafts["review-conference-ava.wav"]
    assert ava.payload["status"] == "draft" and ava.payload["meeting"]["chair"] == "Priya Shah"
    segments = ava.payload["transcript"]["segments"]
    assert len(segments) == 2 and segments[0]["text"] == SENTENCES[0]
    assert 0 <= segments[0]["start"] < segments[0]["end"] <= segments[1]["start"] < segments[1]["end"]
    doc = Document(io.BytesIO(files["review-conference-ava.wav"]["Draft minutes - review-conference-ava.docx"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Draft minutes: Review child protection conference" in text
    cells = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    assert cells["Date"] == "2026-11-20" and cells["Location"] == "Civic Centre, Room 4"
    assert cells["Recording"] == "review-conference-ava.wav" and cells["Length"] == "00:00:1" + cells["Length"][-1]
    assert "Tom Ellis, Social worker" in text and "Dr Ana Ruiz" in text
    for heading in ("Attendees", "Summary of discussion", "Decisions", "Actions", "Transcript"):
        assert heading in [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    lines = [p.text for p in doc.paragraphs if re.match(r"^\[\d\d:\d\d:\d\d–\d\d:\d\d:\d\d\] ", p.text)]
    assert len(lines) == 2 and lines[0].startswith("[00:00:00–00:00:0") and SENTENCES[0] in lines[0]

    # Without a sidecar: the details come from the file name; the transcript is still there.
    leo = drafts["core-group-leo.flac"]
    assert leo.payload["meeting"]["title"] == "core group leo"
    assert len(leo.payload["transcript"]["segments"]) == 2

    # Transcripts are in the (encrypted) items only: no Robot Framework output holds a word of them.
    # Any three words running in a transcript (file names and the robots' own docs hold single words).
    said = {" ".join(words[i:i + 3]) for d in drafts.values() for seg in d.payload["transcript"]["segments"]
            for words in [seg["text"].split()] for i in range(len(words) - 2)}
    assert len(said) > 10
    for path in Path(result.artifacts).rglob("*"):
        if path.is_file() and path.suffix in (".xml", ".html", ".txt", ".json"):
            content = path.read_text(errors="replace")
            assert not [p for p in said if p in content], path
    assert not list(Path(result.artifacts).rglob("*.docx")) and not list(Path(result.artifacts).rglob("*.wav"))

    # The same recording dropped again makes no second item.
    speak(first, inbox / "review-conference-ava.wav")
    again = run_minutes()
    assert again.status == "PASS"
    with open_store() as store:
        assert len(store.list("minutes", limit=100)) == 4
        assert len(store.list("minutes-drafts", limit=100)) == 2


def test_an_engine_without_its_model_is_an_application_failure_naming_the_setting(
        nightshift_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from keywords.transcription.speech import speak

    monkeypatch.setenv("NIGHTSHIFT_TRANSCRIBE_ENGINE", "vosk")
    monkeypatch.delenv("NIGHTSHIFT_TRANSCRIBE_MODEL_DIR", raising=False)
    speak([SENTENCES[3]], nightshift_home / "inbox" / "minutes" / "strategy-meeting.wav")
    result = run_minutes()
    assert result.status == "PASS", [(s.task, s.status, s.artifacts) for s in result.steps]
    with open_store() as store:
        (item,) = store.list("minutes", limit=10)
        assert store.list("minutes-drafts", limit=10) == []
    assert item.exception is not None and item.exception.type == ExceptionType.APPLICATION
    assert item.exception.code == "ENGINE_NOT_CONFIGURED"
    assert "set NIGHTSHIFT_TRANSCRIBE_MODEL_DIR" in item.exception.message
    assert item.state in (State.PENDING, State.FAILED)  # retried later by the queue, not lost


def test_a_sidecar_that_is_not_json_keeps_the_recording_in_the_inbox(nightshift_home: Path) -> None:
    from keywords.transcription.speech import speak

    inbox = nightshift_home / "inbox" / "minutes"
    speak([SENTENCES[5]], inbox / "core-group-mia.wav")
    (inbox / "core-group-mia.json").write_text('{"title": "Core group", "date": 2026-11-20}')
    result = run_minutes()
    assert result.status == "PASS"
    with open_store() as store:
        assert store.list("minutes", limit=10) == []
    assert sorted(p.name for p in inbox.iterdir()) == ["core-group-mia.json", "core-group-mia.wav"]
    console = (Path(result.artifacts) / "1-minutes-producer" / "console.txt").read_text()
    assert "BAD_RECORDING: core-group-mia.json: the meeting details are not valid JSON" in console
    assert "(left in the inbox)" in console


def test_a_recording_larger_than_the_store_takes_goes_in_parts_and_is_transcribed_whole(
        nightshift_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from keywords.transcription.lm import build_language_model
    from keywords.transcription.speech import speak

    build_language_model(CORPUS, nightshift_home / "transcribe" / "domain.lm")
    monkeypatch.setenv("NIGHTSHIFT_MAX_FILE_BYTES", "120000")  # as a two-hour WAV against the 50 MiB default
    wav = speak([SENTENCES[0], SENTENCES[8]], nightshift_home / "inbox" / "minutes" / "long-conference.wav")
    size = wav.stat().st_size
    assert size > 2 * 120_000

    result = run_minutes()
    assert result.status == "PASS", [(s.task, s.status, s.artifacts) for s in result.steps]
    with open_store() as store:
        (item,) = store.list("minutes", limit=10)
        (draft,) = store.list("minutes-drafts", limit=10)
        stored = sorted(f.name for f in store.list_files(item.id))
        biggest = max(f.size for f in store.list_files(item.id))
    assert item.state == State.DONE
    parts = -(-size // 120_000)
    assert stored == [f"long-conference.wav.part{k:03d}" for k in range(1, parts + 1)] and biggest <= 120_000
    assert item.payload["parts"] == parts and item.payload["bytes"] == size
    segments = draft.payload["transcript"]["segments"]
    assert [s["text"] for s in segments][:1] == [SENTENCES[0]] and len(segments) == 2
    assert not list((nightshift_home / "inbox" / "minutes").iterdir())
    assert (nightshift_home / "archive" / "minutes" / "long-conference.wav").stat().st_size == size
