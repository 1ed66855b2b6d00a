"""The chatbot keyword library on a small knowledge base written here: through Robot Framework
(``chatbot.robot``) as a robot uses it, and in Python for what a suite cannot easily show."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import robot

from keywords.chatbot import Chatbot, KnowledgeBaseError

ROBOT_SUITE = Path(__file__).with_name("chatbot.robot")

PAGES = {
    "send-transport.md": """---
title: Home to school transport
url: https://www.example.org/local-offer/send-transport
updated: 2026-02-16
---

# Home to school transport

The council arranges free travel assistance for some children of school age who cannot walk to
school because of their special educational needs or disability.

## What help looks like
We may offer a bus pass, a mileage allowance for a parent who drives their own child (45p a mile,
paid each term), a seat on a shared minibus, or occasionally a taxi with a passenger assistant.

## How to apply
Fill in the online travel assistance form by 31 May for a September start.
""",
    "autism-assessment.md": """---
title: Autism and ADHD assessment
url: https://www.example.org/local-offer/autism-assessment
updated: 2026-03-04
---

# Autism and ADHD assessment

## Waiting times
The wait from acceptance to assessment is about 18 months for autism and 14 months for ADHD.

## Referrals
Referrals come from the school SENCo or a GP; you cannot refer your child yourself.
""",
    "contact-and-feedback.md": """---
title: Contact the Local Offer team
url: https://www.example.org/local-offer/contact-and-feedback
updated: 2026-03-30
---

# Contact the Local Offer team

## Get in touch
- Phone: 01632 960700, Monday to Friday 9am to 5pm
- Email: localoffer@example.org

## Give feedback
Every page has a "Was this page useful?" box at the bottom.
""",
    "holiday-activities.html": """<!doctype html>
<html><head>
<title>Holiday activities for disabled children</title>
<link rel="canonical" href="https://www.example.org/local-offer/holiday-activities">
<meta name="updated" content="2026-02-09">
<script>var cookie = "consent";</script>
</head><body>
<nav><a href="/">Home</a> accept cookie settings</nav>
<h1>Holiday activities for disabled children</h1>
<p>During the Easter and summer holidays we fund activities for disabled children aged 5 to 18.</p>
<h2>Specialist play scheme</h2>
<p>The specialist play scheme at <b>Brookfield School</b> is for children with complex needs.</p>
<ul><li>Staff are trained in tube feeding</li><li>One-to-one support is available</li></ul>
<footer>cookie policy</footer>
</body></html>
""",
}


def write_kb(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in PAGES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def kb(tmp_path):
    return write_kb(tmp_path / "kb")


def test_the_robot_framework_suite_for_the_keywords(kb, tmp_path):
    bad = write_kb(tmp_path / "bad")
    (bad / "broken.md").write_text("---\ntitle: Broken\nurl: [not closed\nupdated: 2026-01-01\n---\n\nText.\n")
    private = "Is Amelia Quinn (born 3 May 2019) still waiting for her autism assessment?"
    rc = robot.run(str(ROBOT_SUITE), outputdir=str(tmp_path / "out"),
                   variable=[f"KB:{kb}", f"BAD:{bad}", f"QUESTION:{private}"],
                   loglevel="INFO", maxassignlength=0, console="none")
    assert rc == 0, f"{rc} Robot Framework test(s) failed: see {tmp_path / 'out' / 'log.html'}"
    log = (tmp_path / "out" / "output.xml").read_text(encoding="utf-8")
    assert "Declined (confidence" in log and "Answered from send-transport" in log
    # A question written in the suite is recorded by Robot Framework as an argument; one passed
    # in a variable is not, and the library logs no question itself.
    assert "bins collected" in log
    assert "Amelia" not in log and "Amelia" not in (tmp_path / "out" / "log.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("front_matter", "says"), [
    ("title: A\nurl: https://x.example/a\n", "no updated"),
    ("title: A\nurl: https://x.example/a\nupdated: last week\n", "is not a date"),
    ("title: [A\nurl: https://x.example/a\nupdated: 2026-01-01\n", "not valid YAML"),
])
def test_a_malformed_page_is_named_with_what_to_fix(kb, front_matter, says):
    (kb / "broken.md").write_text(f"---\n{front_matter}---\n\nText.\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=rf"broken\.md.*{says}") as info:
        Chatbot().load_knowledge_base(kb)
    assert info.value.file.endswith("broken.md")


def test_unclosed_front_matter_and_a_page_without_any(kb):
    (kb / "open.md").write_text("---\ntitle: A\n\nText.\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"open\.md: the front matter is not closed"):
        Chatbot().load_knowledge_base(kb)
    (kb / "open.md").write_text("# A page\n\nText.\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"open\.md: no front matter"):
        Chatbot().load_knowledge_base(kb)


def test_a_page_added_or_removed_is_seen_by_the_next_question(kb):
    bot = Chatbot()
    bot.load_knowledge_base(kb)
    assert not bot.ask_chatbot("where can I get speech therapy for a stammer")["answered"]
    (kb / "speech.md").write_text("---\ntitle: Speech therapy\nurl: https://x.example/speech\nupdated: 2026-01-12\n"
                                  "---\n\n## Stammering\nSpeech therapy helps children who stammer.\n")
    answer = bot.ask_chatbot("where can I get speech therapy for a stammer")
    assert answer["answered"] and answer["page"] == "speech"
    (kb / "speech.md").unlink()
    assert bot.ask_chatbot("where can I get speech therapy for a stammer")["page"] != "speech"


def test_misspelt_and_informal_questions_find_the_page(kb):
    bot = Chatbot()
    bot.load_knowledge_base(kb)
    for question, page in [("how long is the wait for an autisum assesment", "autism-assessment"),
                           ("my kid is asd how long is the waiting list", "autism-assessment"),
                           ("petrol money for driving my son to school", "send-transport")]:
        answer = bot.ask_chatbot(question)
        assert (answer["answered"], answer["page"]) == (True, page), (question, answer["candidates"])


def test_an_answer_takes_well_under_50_ms(kb):
    bot = Chatbot()
    bot.load_knowledge_base(kb)
    bot.ask_chatbot("warm up")
    started = time.perf_counter()
    for _ in range(20):
        bot.ask_chatbot("can my daughter get a taxi to school")
    assert (time.perf_counter() - started) / 20 < 0.05


def test_asking_before_loading_says_what_to_do():
    with pytest.raises(KnowledgeBaseError, match="Load Knowledge Base first"):
        Chatbot().ask_chatbot("anything")


def test_an_empty_or_missing_folder_is_refused(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="no pages"):
        Chatbot().load_knowledge_base(tmp_path)
    with pytest.raises(KnowledgeBaseError, match="does not exist"):
        Chatbot().load_knowledge_base(tmp_path / "nowhere")
