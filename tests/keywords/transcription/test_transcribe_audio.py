"""Transcribe Audio on recordings espeak-ng made: segments at the pauses with their times and a
confidence, WAV, FLAC and MP3, and the clear failures (corrupt, silent, no ffmpeg, no model)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from keywords.transcription import (BadRecording, Checkpoint, EngineNotConfigured, MissingTool, open_engine,
                                    transcribe)
from keywords.transcription.bench import word_errors
from keywords.transcription.keywords import MinutesKeywords, TranscribeKeywords



def test_a_wav_becomes_one_segment_a_sentence_with_times_and_confidence(recordings) -> None:
    out = TranscribeKeywords().transcribe_audio(recordings.wav, language_model=recordings.lm)
    assert out["file"] == "review-conference.wav"
    assert out["engine"] == "pocketsphinx, domain model"
    assert len(out["segments"]) == len(recordings.spoken)
    for seg, (start, end) in zip(out["segments"], recordings.spans):
        # Each segment lies on its sentence (the detector adds a little margin either side).
        assert abs(seg["start"] - start) < 0.6 and abs(seg["end"] - end) < 0.6, (seg["start"], seg["end"], start, end)
        assert 0.0 <= seg["confidence"] <= 1.0
    assert out["duration"] == pytest.approx(recordings.spans[-1][1] + 1.0, abs=0.05)
    assert out["text"] == " ".join(s["text"] for s in out["segments"])
    assert word_errors(recordings.reference, out["text"]) / len(recordings.reference.split()) < 0.25, out["text"]
    assert out["segments"][0]["text"] == recordings.spoken[0]


def test_flac_at_44k_and_mp3_through_ffmpeg_read_the_same(recordings) -> None:
    engine = open_engine("pocketsphinx", language_model=recordings.lm)
    wav = transcribe(recordings.wav, engine=engine)
    for other in (recordings.flac, recordings.mp3):
        got = transcribe(other, engine=engine)
        assert len(got.segments) == len(wav.segments), other.name
        assert word_errors(wav.text, got.text) / len(wav.text.split()) < 0.2, (other.name, got.text)
        assert got.duration == pytest.approx(wav.duration, abs=0.2)


@pytest.mark.slow
def test_the_domain_model_hears_more_than_the_generic_one(recordings) -> None:
    generic = transcribe(recordings.wav, engine=open_engine("pocketsphinx", generic=True)).text
    domain = transcribe(recordings.wav, engine=open_engine("pocketsphinx", language_model=recordings.lm)).text
    assert word_errors(recordings.reference, domain) < word_errors(recordings.reference, generic)


def test_a_corrupt_file_is_a_business_failure_naming_it(recordings, tmp_path: Path) -> None:
    with pytest.raises(BadRecording) as caught:
        TranscribeKeywords().transcribe_audio(recordings.corrupt)
    assert str(caught.value).startswith("BAD_RECORDING: corrupt.wav: not a readable WAV recording")
    assert caught.value.kind == "BUSINESS"
    bad_mp3 = tmp_path / "scrambled.mp3"
    bad_mp3.write_bytes(os.urandom(4000))
    with pytest.raises(BadRecording, match=r"^BAD_RECORDING: scrambled\.mp3: ffmpeg cannot read it as audio"):
        TranscribeKeywords().transcribe_audio(bad_mp3)
    empty = tmp_path / "empty.flac"
    empty.write_bytes(b"")
    with pytest.raises(BadRecording, match=r"^BAD_RECORDING: empty\.flac: the file is empty"):
        TranscribeKeywords().transcribe_audio(empty)


def test_a_silent_file_is_a_business_failure_naming_it(recordings) -> None:
    with pytest.raises(BadRecording, match=r"^BAD_RECORDING: silent\.wav: no speech was found in 6 s of audio"):
        TranscribeKeywords().transcribe_audio(recordings.silent)


def test_mp3_without_ffmpeg_names_the_file_and_the_tool(recordings, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no ffmpeg on it
    with pytest.raises(MissingTool) as caught:
        TranscribeKeywords().transcribe_audio(recordings.mp3)
    message = str(caught.value)
    assert message.startswith("MISSING_TOOL: review-conference.mp3: reading this recording needs ffmpeg")
    assert "convert the recording to WAV or FLAC" in message


def test_engines_without_their_model_folder_name_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIGHTSHIFT_TRANSCRIBE_MODEL_DIR", raising=False)
    with pytest.raises(EngineNotConfigured, match="needs a model folder and none is set: set "
                                                  "NIGHTSHIFT_TRANSCRIBE_MODEL_DIR"):
        open_engine("faster-whisper")
    monkeypatch.setenv("NIGHTSHIFT_TRANSCRIBE_MODEL_DIR", str(tmp_path / "no-such-model"))
    with pytest.raises(EngineNotConfigured) as caught:
        open_engine("vosk")
    assert f"the vosk model folder {tmp_path / 'no-such-model'} does not exist" in str(caught.value)
    assert "NIGHTSHIFT_TRANSCRIBE_MODEL_DIR" in str(caught.value) and "nothing is downloaded" in str(caught.value)
    monkeypatch.setenv("NIGHTSHIFT_TRANSCRIBE_ENGINE", "kaldi")
    with pytest.raises(EngineNotConfigured, match="unknown transcription engine 'kaldi'.*pocketsphinx, "
                                                  "faster-whisper, vosk"):
        open_engine()


def test_an_interrupted_job_resumes_after_the_last_finished_segment(recordings, tmp_path: Path) -> None:
    engine = open_engine("pocketsphinx", language_model=recordings.lm)
    whole = transcribe(recordings.wav, engine=engine)

    class Interrupted(Exception):
        pass

    def stop_after_two(p) -> None:
        if p.segments >= 2:
            raise Interrupted

    checkpoint = Checkpoint(tmp_path / "job.ckpt")
    with pytest.raises(Interrupted):
        transcribe(recordings.wav, engine=engine, checkpoint=checkpoint, progress=stop_after_two,
                   progress_every=0.0, checkpoint_every=0.0)
    saved = (tmp_path / "job.ckpt").read_bytes()
    assert b"grandmother" not in saved and b"conference" not in saved  # encrypted at rest

    heard = []

    class Counting:
        description = engine.description

        def recognise(self, pcm: bytes):
            heard.append(len(pcm))
            return engine.recognise(pcm)

        def close(self) -> None:
            pass

    resumed = transcribe(recordings.wav, engine=Counting(), checkpoint=checkpoint)
    assert resumed.resumed_segments == 2 and len(heard) == 1  # only the third sentence was recognised again
    assert resumed.segments == whole.segments
    assert not (tmp_path / "job.ckpt").exists()  # removed once the job is done


def test_a_recording_too_large_for_the_store_is_cut_in_parts_and_joined_back_exactly(
        recordings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library = MinutesKeywords()
    size = recordings.wav.stat().st_size
    monkeypatch.setenv("NIGHTSHIFT_MAX_FILE_BYTES", str(size // 3 + 1))
    payload = library.recording_work_item(recordings.wav)
    assert payload["parts"] == 3 and payload["bytes"] == size
    parts = library.split_recording(recordings.wav, tmp_path / "parts")
    assert [Path(p).name for p in parts] == [f"{recordings.wav.name}.part{k:03d}" for k in (1, 2, 3)]
    assert all(Path(p).stat().st_size <= size // 3 + 1 for p in parts)
    joined = library.join_recording_parts(list(reversed(parts)), tmp_path / "joined.wav", payload["sha256"])
    assert Path(joined).read_bytes() == recordings.wav.read_bytes()

    data = Path(parts[1]).read_bytes()
    Path(parts[1]).write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit changed
    with pytest.raises(BadRecording, match=r"joined2.wav: its 3 stored part\(s\) do not make the recording"):
        library.join_recording_parts(parts, tmp_path / "joined2.wav", payload["sha256"])
    assert not (tmp_path / "joined2.wav").exists()
    with pytest.raises(BadRecording, match="a part is missing"):
        library.join_recording_parts(parts[:2], tmp_path / "joined3.wav", payload["sha256"])

    monkeypatch.delenv("NIGHTSHIFT_MAX_FILE_BYTES")
    assert library.recording_work_item(recordings.wav)["parts"] == 0  # fits whole: attached as it is
