"""The public chatbot in real Chromium: a parent asks on the chat page (with JavaScript and
without), and the widget on the council's own site (another origin) opens the chat in a panel.

One portal (uvicorn on a free port) serves the module; the council's site is a plain HTTP
server on another port whose page holds the one-line widget snippet.
"""

from __future__ import annotations

import functools
import shutil
import socket
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
import uvicorn

from portal.app import create_app
from workitems.crypto import generate_key
from workitems.store import open_store

pytestmark = pytest.mark.slow  # a few seconds: Chromium, three pages

ROOT = Path(__file__).resolve().parents[2]
TRANSPORT = "Travel to school for children with SEND"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the council's test site logs nothing
        pass


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The portal, and the council's site embedding its widget: ``.portal``, ``.council``."""
    tmp = tmp_path_factory.mktemp("chat")
    shutil.copytree(ROOT / "sandbox" / "local-offer", tmp / "kb")
    council_port = free_port()
    council = f"http://127.0.0.1:{council_port}"
    portal_port = free_port()
    portal = f"http://127.0.0.1:{portal_port}"
    (tmp / "site").mkdir()
    (tmp / "site" / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Millbrook Council</title></head>"
        "<body><h1>Millbrook Council: the Local Offer</h1><p>Services for children with SEND.</p>"
        f"<script src='{portal}/static/chat-widget.js' data-label='Ask us a question' defer></script>"
        "</body></html>")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NIGHTSHIFT_HOME", str(tmp / "home"))
        mp.setenv("NIGHTSHIFT_KEY", generate_key())
        mp.setenv("NIGHTSHIFT_CHATBOT_KB", str(tmp / "kb"))
        mp.setenv("NIGHTSHIFT_CHAT_EMBED_ORIGINS", council)
        mp.setenv("NIGHTSHIFT_CHAT_RATE", "100")
        store = open_store(f"sqlite:///{tmp / 'home' / 'nightshift.db'}")
        server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=portal_port,
                                               log_level="warning", access_log=False, lifespan="off"))
        site = ThreadingHTTPServer(("127.0.0.1", council_port),
                                   functools.partial(QuietHandler, directory=str(tmp / "site")))
        threads = [threading.Thread(target=server.run, daemon=True),
                   threading.Thread(target=site.serve_forever, daemon=True)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            assert threads[0].is_alive() and time.monotonic() < deadline, "the portal did not start"
            time.sleep(0.02)
        try:
            yield SimpleNamespace(portal=portal, council=council, store=store)
        finally:
            server.should_exit = True
            site.shutdown()
            for thread in threads:
                thread.join(timeout=10)
            store.close()


def test_a_parent_asks_on_the_chat_page_and_sees_the_answer_with_its_page(sites, page):
    page.goto(f"{sites.portal}/chat")
    page.get_by_label("Your question").fill("can my son get a taxi to school?")
    page.get_by_role("button", name="Ask").click()
    link = page.get_by_role("link", name=TRANSPORT)
    link.wait_for()
    assert link.get_attribute("href") == "https://www.millbrook.example/local-offer/send-transport"
    assert page.get_by_text("page updated 14 September 2026").is_visible()
    assert page.get_by_text("minibus or taxi with a passenger assistant").is_visible()
    assert page.url == f"{sites.portal}/chat"  # answered in place, by the script

    page.get_by_label("Your question").fill("where do I report a pothole")
    page.get_by_role("button", name="Ask").click()
    page.get_by_text("rather not guess").wait_for()
    assert page.get_by_role("link", name="Contact the Millbrook Local Offer team").is_visible()
    assert page.get_by_text("can my son get a taxi to school?").is_visible()  # the conversation stays


def test_without_javascript_the_form_answers_by_a_round_trip(sites, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{sites.portal}/chat")
        page.get_by_label("Your question").fill("how long does an ehcp assessment take")
        page.get_by_role("button", name="Ask").click()
        page.get_by_role("link", name="Education, health and care (EHC) needs assessments and plans").wait_for()
        page.get_by_label("Your question").fill("is there speech therapy for toddlers")
        page.get_by_role("button", name="Ask").click()
        page.get_by_role("link", name="Speech and language therapy for children").wait_for()
        assert page.get_by_text("how long does an ehcp assessment take").is_visible()  # the earlier turn
    finally:
        context.close()


def test_the_widget_on_the_councils_site_opens_the_chat_in_a_panel(sites, page):
    page.goto(f"{sites.council}/")
    opener = page.get_by_role("button", name="Ask us a question")
    assert page.locator("iframe").count() == 0  # nothing fetched from the portal until asked
    opener.click()
    assert opener.get_attribute("aria-expanded") == "true"
    chat = page.frame_locator("iframe[title='Chat with the Local Offer']")
    chat.get_by_label("Your question").fill("what is a senco")
    chat.get_by_role("button", name="Ask").click()
    chat.get_by_role("link", name="SEN support in mainstream schools and nurseries").wait_for()
    opener.click()
    assert page.get_by_role("dialog", name="Chat with the Local Offer").is_hidden()


def test_a_site_not_listed_cannot_frame_the_chat(sites, page):
    # The same page from http://localhost:PORT is another origin, not in NIGHTSHIFT_CHAT_EMBED_ORIGINS:
    # Chromium refuses the frame (frame-ancestors) and shows its error page in it instead.
    page.goto(sites.council.replace("127.0.0.1", "localhost") + "/")
    page.get_by_role("button", name="Ask us a question").click()
    deadline = time.monotonic() + 10
    while True:
        (frame,) = [f for f in page.frames if f != page.main_frame]
        if frame.url.startswith("chrome-error://") or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert frame.url.startswith("chrome-error://"), frame.url
