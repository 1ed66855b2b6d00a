"""Retrieval as parents type: misspelt everyday words, words that say little beside words that say
much, ages inside a range, what a page is about, and near misses that share words with a page
without being answered by it. Each on a small knowledge base written here."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_chatbot_library import write_kb  # pytest puts this folder on sys.path (rootdir-less tests)

from keywords.chatbot import Chatbot
from keywords.chatbot.text import informativeness


def page(folder: Path, name: str, title: str, body: str, updated: str = "2026-03-01") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(f"---\ntitle: {title}\nurl: https://www.example.org/{name}\n"
                                       f"updated: {updated}\n---\n\n# {title}\n\n{body}\n", encoding="utf-8")


def ask(folder: Path, question: str) -> dict:
    bot = Chatbot()
    bot.load_knowledge_base(folder)
    return bot.ask_chatbot(question)


@pytest.fixture
def kb(tmp_path):
    """The library tests' four pages; each test adds its own beside them."""
    return write_kb(tmp_path / "kb")


@pytest.mark.parametrize("question", [
    "wat help shoulld my dauhgter get wiht transprot to scool",  # misspelt stop words and everyday words
    "can my chlid get a taxi to school",  # two letters swapped in a short word
    "hi, my daughter has cerebral palsy and cant walk far, can she get help getting to school",  # a condition
])
def test_a_misspelt_or_informal_question_is_answered_from_the_right_page(kb, question):
    answer = ask(kb, question)
    assert (answer["answered"], answer["page"]) == (True, "send-transport"), answer["candidates"]


@pytest.mark.parametrize("question", [
    "how much is a taxi licence from the council",  # "taxi" is on a page, the licence is not
    "can i get a parking permit for the road outside school",
    "when does the leisure centre gym open in the summer holidays",
    "how do i renew my passport",
])
def test_a_near_miss_that_shares_words_with_a_page_is_declined(kb, question):
    answer = ask(kb, question)
    assert not answer["answered"], (question, answer["confidence"], answer["candidates"])
    assert "01632 960700" in answer["answer"]  # the contact route instead of a guess


def test_everyday_english_decides_what_a_word_says_and_what_is_a_misspelling(kb):
    bot = Chatbot()
    bot.load_knowledge_base(kb)
    analyzer = bot.ctx.kb.analyzer
    # How much a word says: a rare word or one no dictionary has much, an everyday word little.
    assert informativeness("stammer") == informativeness("ehcp") == 1.0
    assert informativeness("year") < 0.5 and informativeness("food") < 0.5
    # A real word is meant, not a misspelling of a word of the pages ("constant" is not "consult"),
    # and a misspelt everyday word is that word, not a rare unknown one.
    query = analyzer.query("constant rows at home, we culd do with some help")
    assert "constant" in query.unknown and query.unknown_weights["constant"] < 1.0
    assert "culd" not in query.unknown and "could" not in query.unknown  # "could" is a stop word


def test_an_age_inside_a_range_on_a_page_finds_that_page(kb):
    page(kb, "school-transport", "Transport to school",
         "## Who can get help\nChildren aged 5 to 16 who live far from school can get free travel.")
    page(kb, "college-transport", "Transport to college",
         "## Who can get help\nStudents aged 16 to 18 at a college can get help with travel.")
    answer = ask(kb, "my son is 17, can he get help with travel")
    assert (answer["answered"], answer["page"]) == (True, "college-transport"), answer["candidates"]
    younger = [c["page"] for c in ask(kb, "my son is 7, can he get help with travel")["candidates"]]
    assert "school-transport" in younger[:2] and "college-transport" not in younger[:2], younger


def test_what_a_page_is_about_outweighs_a_passing_mention(kb):
    page(kb, "annual-reviews", "Annual reviews of EHC plans",
         "Every plan is looked at again at least once every 12 months.\n\n"
         "## Before the meeting\nThe school sends the reports two weeks before the meeting.")
    page(kb, "speech-therapy", "Speech and language therapy",
         "## Therapy in an EHC plan\nIf your child has an EHC plan, therapy is written in Section F, with "
         "how often it will happen and who will give it.")
    answer = ask(kb, "how often is an ehcp reviewed")
    assert (answer["answered"], answer["page"]) == (True, "annual-reviews"), answer["candidates"]
