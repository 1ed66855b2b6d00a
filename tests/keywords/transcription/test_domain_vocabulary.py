"""The domain model's vocabulary and decoder settings (issue 9): the dictionary written beside the
model, British spellings heard through their American pronunciations, words no dictionary knows
counted, the settings' overrides checked, and passages that start before the first word."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from keywords.transcription import EngineNotConfigured, open_engine
from keywords.transcription.lm import build_language_model, common_words, pronunciations

CORPUS = """the community paediatrician will see him in clinic next month
the core group agreed the plan at the review
mum said the zorblat visits have stopped
dad's partner will attend the next core group
the school nurse has referred her to the paediatrician
the social worker will visit every ten working days
"""


def dictionary(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, phones = line.partition(" ")
        out.setdefault(word.split("(", 1)[0], []).append(phones)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("lm")
    (folder / "corpus.txt").write_text(CORPUS, encoding="utf-8")
    return build_language_model(folder / "corpus.txt", folder / "domain.lm", common=200)


def test_the_dictionary_beside_the_model_holds_the_corpus_and_common_words(built) -> None:
    words = dictionary(built.dictionary)
    assert built.dictionary == built.path.with_suffix(".dict")
    cmudict = pronunciations()
    assert words["clinic"] == cmudict["clinic"]
    outside = [w for w in common_words(200) if w not in CORPUS.split()]
    assert outside and all(w in words for w in outside)  # heard though the corpus never says them
    assert len(words) < 300  # not the 130,000 words of cmudict
    arpa = built.path.read_text(encoding="utf-8")
    unigrams = arpa.split("\\1-grams:", 1)[1].split("\\2-grams:", 1)[0]
    assert set(outside) <= {line.split()[1] for line in unigrams.strip().splitlines()}  # in the model too


def test_a_british_spelling_sounds_like_the_american_one_and_unknown_words_are_counted(built) -> None:
    words = dictionary(built.dictionary)
    assert words["paediatrician"] == pronunciations()["pediatrician"]
    assert words["dad's"] == [p + " Z" for p in pronunciations()["dad"]]
    assert built.unknown == ["zorblat"] and "zorblat" not in words


def test_without_common_words_only_the_corpus_is_in_the_dictionary(tmp_path: Path) -> None:
    (tmp_path / "corpus.txt").write_text(CORPUS, encoding="utf-8")
    built = build_language_model(tmp_path / "corpus.txt", tmp_path / "domain.lm", common=0)
    assert set(dictionary(built.dictionary)) == set(CORPUS.split()) - {"zorblat"}


def test_a_model_without_its_dictionary_still_loads_with_cmudict(built, tmp_path: Path) -> None:
    lone = tmp_path / "old.lm"
    lone.write_bytes(built.path.read_bytes())
    assert open_engine("pocketsphinx", language_model=lone).description == "pocketsphinx, domain model"


def test_a_bad_decoder_setting_names_the_variable(built, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIGHTSHIFT_TRANSCRIBE_LW", "heavy")
    with pytest.raises(EngineNotConfigured, match="NIGHTSHIFT_TRANSCRIBE_LW='heavy' is not a positive number"):
        open_engine("pocketsphinx", language_model=built.path)
    monkeypatch.setenv("NIGHTSHIFT_TRANSCRIBE_LW", "7")
    open_engine("pocketsphinx", language_model=built.path)  # a good value is taken
    open_engine("pocketsphinx", generic=True)  # and the generic model never reads it


def test_a_passage_starts_just_before_its_first_word_and_passages_never_overlap() -> None:
    from keywords.transcription.engines.base import SAMPLE_RATE
    from keywords.transcription.pauses import split_at_pauses
    from keywords.transcription.speech import speak_pcm

    words = speak_pcm("good afternoon everyone")
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([gap, words, gap[: SAMPLE_RATE // 5], words, gap])  # a short pause: 0.2 s
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    blocks = [pcm[i:i + 3200] for i in range(0, len(pcm), 3200)]
    onset = 1.0 + np.argmax(np.abs(words) > 0.01) / SAMPLE_RATE
    plain = list(split_at_pauses(blocks, pre_roll=0.0))
    rolled = list(split_at_pauses(blocks))
    assert plain[0].start >= onset - 0.1  # the detector alone starts at the first word
    assert abs(rolled[0].start - (plain[0].start - 0.3)) < 0.02
    lead = np.frombuffer(rolled[0].pcm[: int(0.25 * SAMPLE_RATE) * 2], dtype="<i2")
    assert np.abs(lead).max() < 400  # the passage opens on the silence before the word
    for a, b in zip(rolled, rolled[1:]):
        assert a.end <= b.start
    assert len(rolled[0].pcm) == pytest.approx((rolled[0].end - rolled[0].start) * SAMPLE_RATE * 2, abs=64)
