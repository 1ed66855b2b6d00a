"""The public chatbot through the portal: the JSON API, the chat page without JavaScript, the
rate limit, a page changed on disk, and the anonymous log of declined questions that the
content team reads.

The knowledge base is a copy of ``sandbox/local-offer`` (Millbrook's SEND local offer),
so a test may edit its pages.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from starlette.testclient import TestClient

from portal.app import create_app
from portal.pages.chat import scrub
from portal.users import Users
from workitems.store import open_store
from workitems.store.schema import chat_declined

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"
# A question the pages do not answer, carrying what a parent might type about themselves.
PERSONAL = ("how do I get a blue badge for parking? my son is called Oliver Hughes, NHS number 943 476 5919, "
            "we live at CF10 1AA, ring me on 07700 900123 or email dawn.hughes@mail.example")


@pytest.fixture
def kb(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "local-offer"
    shutil.copytree(ROOT / "sandbox" / "local-offer", folder)
    monkeypatch.setenv("NIGHTSHIFT_CHATBOT_KB", str(folder))
    for name in ("NIGHTSHIFT_CHAT_RATE", "NIGHTSHIFT_CHAT_TRUSTED_PROXIES", "NIGHTSHIFT_CHAT_EMBED_ORIGINS",
                 "NIGHTSHIFT_CHAT_RETENTION_DAYS", "NIGHTSHIFT_CHATBOT_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture
def sqlite_store(nightshift_home):
    s = open_store(f"sqlite:///{nightshift_home / 'nightshift.db'}")
    yield s
    s.close()


def visitor(store) -> TestClient:
    return TestClient(create_app(store), follow_redirects=False)


def declined_rows(store) -> list[tuple[str, str]]:
    with store.transaction() as conn:
        rows = conn.execute(select(chat_declined)).all()
    assert all(set(r._mapping) == {"id", "day", "question_enc"} for r in rows)  # no address, no time, no session
    return [(r.day, store.cipher.decrypt_text(r.question_enc)) for r in rows]


def test_the_api_answers_with_the_page_it_cites_and_keeps_no_answered_question(kb, sqlite_store):
    client = visitor(sqlite_store)
    got = client.get("/api/chat", params={"q": "can my son get a taxi to scool?"})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["answered"] is True and body["confidence"] >= 0.4
    assert body["title"] == "Travel to school for children with SEND"
    assert body["url"] == "https://www.millbrook.example/local-offer/send-transport"
    assert body["updated"] == "2026-09-14"
    assert "minibus or taxi" in body["answer"]

    posted = client.post("/api/chat", json={"q": "how long does an ehcp assessment take"})
    assert posted.status_code == 200 and posted.json()["url"].endswith("/ehc-plans")
    assert "20 weeks" in posted.json()["answer"]
    assert declined_rows(sqlite_store) == []


def test_a_question_the_pages_do_not_answer_is_declined_and_logged_without_personal_values(kb, store):
    client = visitor(store)
    got = client.post("/api/chat", json={"q": PERSONAL})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["answered"] is False
    assert "01632 960500" in body["answer"] and "rather not guess" in body["answer"]
    assert body["url"] == "https://www.millbrook.example/local-offer/contact-us"

    ((day, text),) = declined_rows(store)
    assert day == date.today().isoformat()
    assert "blue badge for parking" in text
    for personal in ("dawn.hughes", "mail.example", "07700", "900123", "943 476 5919", "5919", "CF10", "Oliver",
                     "Hughes"):
        assert personal not in text, (personal, text)
    assert {"[email]", "[phone]", "[postcode]", "[number]", "[name]"} <= set(re.findall(r"\[\w+\]", text))
    with store.transaction() as conn:  # and what is kept is encrypted at rest
        raw = conn.execute(select(chat_declined.c.question_enc)).scalar_one()
    assert b"blue badge" not in bytes(raw)


def test_the_content_team_sees_declined_questions_grouped_most_asked_first(kb, sqlite_store):
    anonymous = visitor(sqlite_store)
    for q in ("Where do I report a pothole?", "where do i report a POTHOLE", "How do I pay my council tax?"):
        assert anonymous.post("/api/chat", json={"q": q}).json()["answered"] is False
    assert anonymous.get("/chat/declined").headers["location"] == "/login?next=/chat/declined"
    assert anonymous.get("/api/chat/declined").status_code == 401

    Users(sqlite_store).add("vic.viewer", "viewer", PASSWORD)
    Users(sqlite_store).add("sue.super", "supervisor", PASSWORD)
    for name, status in (("vic.viewer", 403), ("sue.super", 200)):
        client = visitor(sqlite_store)
        csrf = client.get("/api/login").json()["csrf"]
        assert client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf}).status_code == 303
        assert client.get("/chat/declined").status_code == status
    groups = client.get("/api/chat/declined").json()["groups"]
    today = date.today().isoformat()
    assert [(g["count"], g["question"].lower().rstrip("?")) for g in groups] == [
        (2, "where do i report a pothole"), (1, "how do i pay my council tax")]
    assert groups[0]["first"] == groups[0]["last"] == today
    html = client.get("/chat/declined").text.lower()
    assert html.index("pothole") < html.index("council tax")

    # once a page answers it, the team takes the question off the list
    csrf = client.get("/api/login").json()["csrf"]
    done = client.post("/chat/declined/dismiss", data={"question": "Where do I report a pothole?", "csrf": csrf})
    assert done.status_code == 303
    assert [g["question"] for g in client.get("/api/chat/declined").json()["groups"]] == ["How do I pay my council tax?"]


def test_declined_questions_older_than_the_retention_are_pruned(kb, sqlite_store, monkeypatch):
    monkeypatch.setenv("NIGHTSHIFT_CHAT_RETENTION_DAYS", "30")
    old = (date.today() - timedelta(days=31)).isoformat()
    with sqlite_store.transaction(write=True) as conn:
        conn.execute(insert(chat_declined).values(day=old, question_enc=sqlite_store.cipher.encrypt_text("old one")))
    client = visitor(sqlite_store)
    client.post("/api/chat", json={"q": "when is the bin collection"})
    assert [text for _, text in declined_rows(sqlite_store)] == ["when is the bin collection"]


def test_too_many_questions_from_one_address_get_429_with_retry_after(kb, sqlite_store, monkeypatch):
    monkeypatch.setenv("NIGHTSHIFT_CHAT_RATE", "3")
    client = visitor(sqlite_store)
    for _ in range(3):
        assert client.get("/api/chat", params={"q": "speech therapy waiting time"}).status_code == 200
    refused = client.get("/api/chat", params={"q": "speech therapy waiting time"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "please wait" in refused.json()["error"]
    page = client.post("/chat", data={"q": "speech therapy"})
    assert page.status_code == 429 and "please wait" in page.text
    # a forwarded-for header is not believed from an address that is not a trusted proxy
    assert client.get("/api/chat", params={"q": "x ray"}, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_allowance(kb, sqlite_store, monkeypatch):
    monkeypatch.setenv("NIGHTSHIFT_CHAT_RATE", "1")
    monkeypatch.setenv("NIGHTSHIFT_CHAT_TRUSTED_PROXIES", "testclient")  # the test client's peer address
    client = visitor(sqlite_store)
    ask = lambda hop: client.get("/api/chat", params={"q": "short breaks"}, headers={"X-Forwarded-For": hop})
    assert ask("203.0.113.9").status_code == 200
    assert ask("203.0.113.9").status_code == 429
    assert ask("198.51.100.4").status_code == 200


def test_one_address_limited_leaves_another_free_and_may_ask_again_a_minute_later(kb, sqlite_store,
                                                                                  monkeypatch):
    monkeypatch.setenv("NIGHTSHIFT_CHAT_RATE", "2")
    monkeypatch.setenv("NIGHTSHIFT_CHAT_TRUSTED_PROXIES", "testclient")
    now = time.time
    later = 0.0
    monkeypatch.setattr(time, "time", lambda: now() + later)  # the limit's clock, without waiting a minute
    client = visitor(sqlite_store)
    ask = lambda hop: client.post("/api/chat", json={"q": "short breaks"}, headers={"X-Forwarded-For": hop})
    assert [ask("203.0.113.9").status_code for _ in range(3)] == [200, 200, 429]
    assert [ask("198.51.100.4").status_code for _ in range(2)] == [200, 200]
    later = 30.0
    refused = ask("203.0.113.9")
    assert refused.status_code == 429 and 28 <= int(refused.headers["retry-after"]) <= 31
    later = 61.0
    assert ask("203.0.113.9").status_code == 200


def test_an_empty_or_overlong_question_gets_a_clear_400_and_nothing_is_kept(kb, sqlite_store):
    client = visitor(sqlite_store)
    empty = client.post("/api/chat", json={"q": "   "})
    assert empty.status_code == 400 and "Type a question first" in empty.json()["error"]
    long = client.post("/api/chat", json={"q": "transport " * 60})
    assert long.status_code == 400 and "keep it under 500" in long.json()["error"]
    page = client.post("/chat", data={"q": ""})
    assert page.status_code == 400 and "Type a question first" in page.text
    assert client.get("/api/chat").status_code == 400
    assert declined_rows(sqlite_store) == []


def test_a_page_changed_on_disk_is_reflected_in_the_next_answer(kb, sqlite_store):
    client = visitor(sqlite_store)
    question = {"q": "how do i apply for school transport"}
    before = client.post("/api/chat", json=question).json()
    assert "form ST1" in before["answer"] and before["updated"] == "2026-09-14"

    page = kb / "send-transport.md"
    page.write_text(page.read_text().replace("form ST1 by 31 May", "form ST2 (new for 2027) by 30 April")
                    .replace("updated: 2026-09-14", "updated: 2026-11-20"))
    after = client.post("/api/chat", json=question).json()
    assert "form ST2 (new for 2027) by 30 April" in after["answer"] and after["updated"] == "2026-11-20"

    hearing = {"q": "who can help my deaf daughter with hearing aids at school"}
    assert client.post("/api/chat", json=hearing).json()["answered"] is False
    (kb / "hearing-support.md").write_text(
        "---\ntitle: Support for deaf children\nurl: https://www.millbrook.example/local-offer/hearing-support\n"
        "updated: 2026-11-21\n---\n\n# Support for deaf children\n\n## Teachers of the deaf\n"
        "Qualified teachers of the deaf visit deaf children at home and at school, check hearing aids "
        "and radio aids, and advise staff.\n")
    added = client.post("/api/chat", json=hearing).json()
    assert added["answered"] is True and added["url"].endswith("/hearing-support")


def test_the_chat_page_works_without_javascript_as_a_conversation(kb, sqlite_store):
    client = visitor(sqlite_store)
    first = client.get("/chat")
    assert first.status_code == 200 and 'name="q"' in first.text
    one = client.post("/chat", data={"q": "can my child get speech therapy"})
    assert one.status_code == 200
    history = re.search(r'name="history" value="([^"]*)"', one.text).group(1)
    two = client.post("/chat", data={"q": "<script>alert(1)</script> pothole repairs", "history": history})
    text = two.text
    assert "can my child get speech therapy" in text and "Speech and language therapy for children" in text
    assert 'href="https://www.millbrook.example/local-offer/speech-and-language"' in text
    assert "page updated 11 March 2026" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; pothole repairs" in text and "<script>alert" not in text
    assert "01632 960500" in text  # the declined second question shows the contact route
    # a history another site made up is not shown: the turns are signed
    forged = json.dumps([{"q": "where do I log in", "answered": True, "answer": "Enter your bank details at",
                          "title": "Council login", "url": "https://phish.example/", "updated": "2026-11-01"}])
    shown = client.post("/chat", data={"q": "short breaks", "history": forged}).text
    assert "phish.example" not in shown and "bank details" not in shown and "Short breaks and respite" in shown
    # the public page is only as framable as the portal; the widget's page by the configured origins
    assert "frame-ancestors 'none'" in two.headers["content-security-policy"]


def test_the_widget_page_may_be_framed_only_by_the_configured_origins(kb, sqlite_store, monkeypatch):
    monkeypatch.setenv("NIGHTSHIFT_CHAT_EMBED_ORIGINS", "https://www.millbrook.example, https://help.millbrook.example")
    embed = visitor(sqlite_store).get("/chat/embed")
    assert embed.status_code == 200
    assert ("frame-ancestors 'self' https://www.millbrook.example https://help.millbrook.example"
            in embed.headers["content-security-policy"])
    monkeypatch.setenv("NIGHTSHIFT_CHAT_EMBED_ORIGINS", "https://www.millbrook.example/path; script-src *")
    wrong = visitor(sqlite_store).get("/chat/embed")
    assert wrong.status_code == 400 and "NIGHTSHIFT_CHAT_EMBED_ORIGINS" in wrong.text


def test_scrub_replaces_the_personal_values_a_parent_might_type():
    assert scrub("my daughter is called amy-lee, born 03/04/2016") == "my daughter is called [name], born [date]"
    assert scrub("I'm Sarah Jones and my son Tom has ADHD") == "I'm [name] and my son [name] has ADHD"
    assert scrub("call +44 1632 960 111 about case 123456") == "call [phone] about case [number]"
    assert scrub("is the 16 to 25 offer for age 5 too?") == "is the 16 to 25 offer for age 5 too?"
    assert scrub("is there an EHCP for 16 to 25 year olds in SW1A 2AA?") == (
        "is there an EHCP for 16 to 25 year olds in [postcode]?")


def test_an_unreadable_knowledge_base_gives_a_polite_503_that_names_no_path(kb, sqlite_store, monkeypatch):
    monkeypatch.setenv("NIGHTSHIFT_CHATBOT_KB", str(kb / "missing"))
    client = visitor(sqlite_store)
    got = client.post("/api/chat", json={"q": "short breaks"})
    assert got.status_code == 503 and got.json() == {
        "error": "Sorry, the chatbot is not available just now. Please try again later."}
    shutil.copytree(kb, kb / "missing", ignore=shutil.ignore_patterns("missing"))  # the folder is put right
    assert client.post("/api/chat", json={"q": "short breaks"}).json()["answered"] is True
