"""The enquiries library: reading e-mails, the settings, drafting, and sending by each channel to real servers."""

from __future__ import annotations

import socket
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

import pytest
from mailservers import http_receiver, notify_reply, smtp_server

from keywords.enquiries import Enquiries
from keywords.enquiries.mail import EnquiryError, parse_enquiry, read_enquiry
from keywords.enquiries.replies import NotSent, check_edit, draft_reply, send_reply
from keywords.enquiries.settings import load_settings
from workitems import InvalidInput

REPO = Path(__file__).resolve().parents[3]
TEMPLATE_ID = "0b1b7c2e-4d0c-4f6a-9d65-3c1e7a2f9b10"


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def eml(body: str, *, sender=("Jo Testparent", "jo.testparent@example.com"), subject="School transport",
        message_id="<abc.1@example.com>", html: str | None = None) -> bytes:
    msg = EmailMessage()
    if sender:
        msg["From"] = formataddr(sender)
    msg["To"] = "localoffer@millbrook.example"
    msg["Subject"] = subject
    msg["Date"] = "Wed, 25 Nov 2026 18:02:00 +0000"
    if message_id:
        msg["Message-ID"] = message_id
    if html is not None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    return bytes(msg)


def test_an_email_is_read_without_greeting_quote_and_signature():
    raw = eml("Hello,\n\nCan the council help get my daughter to school? She can't manage the bus.\n\nThanks,\nJo\n"
              "-- \nJo Testparent\n07700 900123\n\nOn Mon, 2 Nov 2026, Millbrook Council wrote:\n> We aim to reply soon.\n")
    enquiry = parse_enquiry(raw, "enquiry-1.eml")
    assert (enquiry.from_name, enquiry.from_address) == ("Jo Testparent", "jo.testparent@example.com")
    assert enquiry.body == "Hello,\n\nCan the council help get my daughter to school? She can't manage the bus.\n\nThanks,\nJo"
    assert enquiry.question == "School transport Can the council help get my daughter to school? She can't manage the bus."
    assert enquiry.received == "2026-11-25T18:02:00+00:00"
    assert enquiry.reference.startswith("ENQ-") and len(enquiry.reference) == 20
    # the same e-mail again (same Message-ID) is the same enquiry
    assert parse_enquiry(eml("resent"), "copy.eml").reference == enquiry.reference
    assert parse_enquiry(eml("other", message_id="<other@example.com>")).reference != enquiry.reference


def test_an_html_only_email_is_read_as_text():
    enquiry = parse_enquiry(eml("", html="<html><head><style>p{}</style></head><body><p>Hi,</p>"
                                "<p>How long is the wait for speech therapy?</p><blockquote>old</blockquote></body></html>"))
    assert enquiry.body == "Hi,\n\nHow long is the wait for speech therapy?"
    assert enquiry.question.endswith("How long is the wait for speech therapy?")


@pytest.mark.parametrize("raw, problem", [
    (eml("no sender", sender=None), "bad.eml has no sender address (From)"),
    (eml("", subject=""), "bad.eml has neither a subject nor any text"),
    (b"", "bad.eml is not an e-mail"),
])
def test_an_unusable_email_is_refused_naming_the_file(tmp_path, raw, problem):
    (tmp_path / "bad.eml").write_bytes(raw)
    with pytest.raises(EnquiryError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        read_enquiry(tmp_path / "bad.eml")
    payload = Enquiries().read_enquiry_file(str(tmp_path / "bad.eml"))
    assert payload["reference"].startswith("FILE-") and payload["file"] == "bad.eml" and problem in payload["problem"]


def settings_file(tmp_path: Path, reply: str, extra: str = "") -> Path:
    path = tmp_path / "enquiries.yaml"
    path.write_text(f"knowledge_base: {REPO / 'sandbox/local-offer'}\ndraft_threshold: 0.4\nteam: the test team\n"
                    f"{extra}reply:\n  from: localoffer@millbrook.example\n{reply}", encoding="utf-8")
    return path


@pytest.mark.parametrize("reply, extra, message", [
    ("  outbox: out\n  email: {host: 127.0.0.1}\n", "", "exactly one of outbox, email or notify (outbox and email given)"),
    ("", "", "exactly one of outbox, email or notify (none given)"),
    ("  outbox: out\n", "draft_threshold: 2\n", "draft_threshold must be a number from 0 to 1"),
    ("  outbox: out\n  colour: red\n", "", "reply.colour is not a setting"),
    ("  email: {host: 127.0.0.1, port: 99999}\n", "", "reply.email.port must be a port number"),
    ("  email: {host: 127.0.0.1, password_env: 's3cret!'}\n", "", "reply.email.password_env must name an environment variable"),
    ("  notify: {api_key_env: KEY, template_id: nope}\n", "", "reply.notify.template_id 'nope' is not a template id"),
])
def test_bad_settings_are_refused_naming_the_setting(tmp_path, reply, extra, message):
    path = settings_file(tmp_path, reply)
    if extra:
        path.write_text(path.read_text().replace("draft_threshold: 0.4\n", extra))
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(path)


def test_a_missing_settings_file_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("NIGHTSHIFT_ENQUIRIES", str(tmp_path / "nope.yaml"))
    with pytest.raises(InvalidInput, match="nope.yaml does not exist \\(set NIGHTSHIFT_ENQUIRIES"):
        load_settings()


ENQUIRY = {"reference": "ENQ-0123456789ABCDEF", "from_name": "Jo Testparent", "from_address": "jo.testparent@example.com",
           "message_id": "<abc.1@example.com>", "subject": "School transport", "received": "2026-11-25T18:02:00+00:00",
           "body": "Can the council help get my daughter to school?",
           "question": "School transport Can the council help get my daughter to school?"}


def test_a_confident_answer_is_drafted_citing_its_page_and_an_unrelated_question_is_not(tmp_path):
    lib = Enquiries()
    lib.load_enquiry_settings(str(settings_file(tmp_path, "  outbox: out\n")))
    result = lib.draft_reply_for_enquiry(ENQUIRY)
    assert result["drafted"], result["reason"]
    draft = result["draft"]
    assert (draft["to"], draft["subject"], draft["in_reply_to"]) == (
        "jo.testparent@example.com", "Re: School transport", "<abc.1@example.com>")
    assert draft["citation"]["page"] == "send-transport"
    assert draft["body"].startswith("Dear Jo Testparent,\n\nThank you for your enquiry about \"School transport\".")
    assert "https://www.millbrook.example/local-offer/send-transport (last updated 2026-09-14)" in draft["body"]
    assert draft["body"].rstrip().endswith("Kind regards,\nthe test team")
    unrelated = {**ENQUIRY, "subject": "Bins", "body": "When is my recycling bin collected?",
                 "question": "Bins When is my recycling bin collected?"}
    declined = lib.draft_reply_for_enquiry(unrelated)
    assert not declined["drafted"] and declined["draft"] is None
    assert declined["reason"].startswith("The knowledge base does not answer this enquiry with confidence")
    assert "recycling" not in declined["reason"]  # nothing of the enquiry in a message


def draft() -> dict:
    return draft_reply(ENQUIRY, {"answer": "We can help.", "title": "Travel to school", "page": "send-transport",
                                 "url": "https://www.millbrook.example/local-offer/send-transport",
                                 "updated": "2026-09-14", "confidence": 0.8}, team="the test team")


def test_an_approved_reply_goes_by_smtp_threaded_under_the_enquiry(tmp_path):
    with smtp_server() as (mailbox, port):
        settings = load_settings(settings_file(tmp_path, f"  email: {{host: 127.0.0.1, port: {port}}}\n"))
        sent = send_reply(settings, draft(), subject="Re: School transport", body="Edited answer.\n")
    assert sent["channel"] == "email" and sent["id"].startswith("<")
    (recipients, message), = mailbox.messages
    assert recipients == ["jo.testparent@example.com"]
    assert (message["From"], message["In-Reply-To"], message["Message-ID"]) == (
        "the test team <localoffer@millbrook.example>", "<abc.1@example.com>", sent["id"])
    assert message.get_content().replace("\r\n", "\n") == "Edited answer.\n"


def test_an_unreachable_mail_server_is_a_clear_error_without_the_address(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        settings = load_settings(settings_file(tmp_path, f"  email: {{host: 127.0.0.1, port: {s.getsockname()[1]}}}\n"))
        with pytest.raises(NotSent, match="could not be reached.*check reply.email.host") as caught:
            send_reply(settings, draft(), subject="Re: x", body="y\n")
    assert "jo.testparent" not in str(caught.value)


def test_an_approved_reply_goes_through_notify(tmp_path, monkeypatch):
    with http_receiver() as receiver:
        service_id, secret = notify_reply(receiver, TEMPLATE_ID)
        monkeypatch.setenv("NIGHTSHIFT_NOTIFY_API_KEY", f"nightshift_test-{service_id}-{secret}")
        settings = load_settings(settings_file(tmp_path, (
            f"  notify: {{base_url: '{receiver.url}', api_key_env: NIGHTSHIFT_NOTIFY_API_KEY, "
            f"template_id: {TEMPLATE_ID}}}\n")))
        sent = send_reply(settings, draft(), subject="Re: School transport", body="The answer.\n")
    (request,) = receiver.requests
    assert request.path == "/v2/notifications/email"
    assert request.json() == {"email_address": "jo.testparent@example.com", "template_id": TEMPLATE_ID,
                              "reference": "ENQ-0123456789ABCDEF",
                              "personalisation": {"subject": "Re: School transport", "body": "The answer.\n"}}
    assert sent == {"channel": "notify", "id": receiver.reply["id"]}


def test_an_approved_reply_can_go_to_an_outbox_folder(tmp_path):
    settings = load_settings(settings_file(tmp_path, f"  outbox: {tmp_path / 'outbox'}\n"))
    send_reply(settings, draft(), subject="Re: School transport", body="The answer.\n")
    (file,) = (tmp_path / "outbox").glob("reply-*-ENQ-0123456789ABCDEF.eml")
    message = parse_enquiry(file.read_bytes())  # a well-formed e-mail
    assert message.subject == "Re: School transport"


@pytest.mark.parametrize("subject, body, message", [
    ("", "text", "subject: the reply needs a subject"),
    ("Re: x", "  ", "body: the reply is empty"),
    ("x" * 201, "text", "subject: at most 200 characters"),
])
def test_an_edit_must_keep_a_subject_and_a_message(subject, body, message):
    with pytest.raises(ValueError, match=message):
        check_edit(subject, body)
