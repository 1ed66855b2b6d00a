"""Near misses: questions about a council service outside the knowledge base that share words with
a page mentioning it in passing, a place's name ("drop-ins at Eastfield Library") or a service
("free for children who get free school meals"). Each on a small knowledge base written here,
beside a real question the same page answers, so that declining is not bought with answering less."""

from __future__ import annotations

from pathlib import Path

import pytest

import keywords.chatbot.knowledge as knowledge
from keywords.chatbot import Chatbot
from keywords.chatbot.pages import read_page

CONTACT = "Phone: 01632 960999, Monday to Friday 9am to 5pm"


def page(folder: Path, name: str, title: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(f"---\ntitle: {title}\nurl: https://www.example.org/{name}\n"
                                       f"updated: 2026-03-01\n---\n\n# {title}\n\n{body}\n", encoding="utf-8")


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    page(folder, "contact-us", "Contact the Family Information Service", f"## Get in touch\n{CONTACT}")
    page(folder, "wellbeing", "Wellbeing service for teenagers",
         "Free, confidential support for young people aged 11 to 18 who feel anxious or low.\n\n"
         "## Drop-ins\nNo appointment needed:\n\n"
         "- Tuesdays 4pm to 6pm at The Hub, 2 Canal Row\n"
         "- Thursdays 4pm to 7pm at Eastfield Library\n"
         "- Saturdays 10am to 1pm by online chat\n\n"
         "## Counselling\nYoung people can have up to six sessions with a counsellor.")
    page(folder, "holiday-clubs", "Holiday clubs for disabled children",
         "Clubs run in the Easter and summer holidays for disabled children aged 5 to 18.\n\n"
         "## Cost\nPlaces are free for children who get free school meals. Other families pay £12 a day.\n\n"
         "## Booking\nBooking opens six weeks before each holiday.")
    page(folder, "speech-therapy", "Speech and language therapy",
         "## Referrals\nParents of children under 5 can refer their child for speech therapy themselves.\n\n"
         "## Stammering\nWe help children who stammer and their families.")
    return folder


def ask(folder: Path, question: str) -> dict:
    bot = Chatbot()
    bot.load_knowledge_base(folder)
    return bot.ask_chatbot(question)


@pytest.mark.parametrize("question", [
    "what time does eastfield library open on saturdays",  # the library is where a drop-in is held
    "how do i apply for free school meals",  # a page says who gets holiday clubs free, not how to apply
    "are my kids entitled to free school meals",
])
def test_a_near_miss_on_a_passing_mention_is_declined_with_the_contact_route(kb, question):
    answer = ask(kb, question)
    assert not answer["answered"], (question, answer["confidence"], answer["candidates"])
    assert CONTACT in answer["answer"] and answer["page"] == "contact-us"


@pytest.mark.parametrize(("question", "expect"), [
    ("is there a drop in for teenagers who feel low", "wellbeing"),
    ("are the holiday clubs free if we get free school meals", "holiday-clubs"),
    ("my 3 year old stammers, can i refer him myself", "speech-therapy"),
])
def test_a_question_the_same_page_answers_is_still_answered(kb, question, expect):
    answer = ask(kb, question)
    assert (answer["answered"], answer["page"]) == (True, expect), (answer["confidence"], answer["candidates"])


def test_the_library_near_miss_needs_the_place_name_rule(kb, monkeypatch):
    """The rule earns its place: counted as a plain word, "library" makes the wellbeing page look
    like an answer to a question about the library's opening hours."""
    question = "what time does eastfield library open on saturdays"
    declined = ask(kb, question)["confidence"]
    monkeypatch.setattr(knowledge, "VENUE_CREDIT", 1.0)
    monkeypatch.setattr(knowledge, "SERVICES_FILE", kb / "no-services.txt")
    (kb / "no-services.txt").write_text("# none\n", encoding="utf-8")
    answer = ask(kb, question)
    assert answer["answered"] and answer["page"] == "wellbeing" and answer["confidence"] > declined


def test_a_page_about_a_service_answers_it(kb):
    """The services list declines a service only where no page is about it."""
    page(kb, "free-school-meals", "Free school meals",
         "## Who can get them\nChildren whose families get Universal Credit with low earnings.\n\n"
         "## How to apply\nApply online with your National Insurance number.")
    answer = ask(kb, "how do i apply for free school meals")
    assert (answer["answered"], answer["page"], answer["section"]) == (True, "free-school-meals", "How to apply")


def test_words_held_only_in_a_place_name_are_told_from_the_page_s_own_words(kb):
    wellbeing = read_page(kb / "wellbeing.md")
    assert knowledge.venue_terms(wellbeing) == {"eastfield", "librari"}
    # "Hub" is said alone ("The Hub"): not a two-word name, so the page's own word.
    page(kb, "libraries", "Eastfield Library",
         "## Opening times\nEastfield Library is open Monday to Saturday, 9am to 5pm. The library lends books.")
    assert knowledge.venue_terms(read_page(kb / "libraries.md")) == set()  # the page is about it
    answer = ask(kb, "what time does eastfield library open on saturdays")
    assert (answer["answered"], answer["page"]) == (True, "libraries"), answer["candidates"]
