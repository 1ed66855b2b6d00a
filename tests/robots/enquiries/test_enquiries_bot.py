"""The enquiries bot, run for real (``nightshift run enquiries``'s runner, Robot Framework), then its
drafts approved in the portal and the replies received by a real SMTP server.

Scored against the generator's manifest: one item per e-mail (a resent e-mail makes none), every
draft cites the page the manifest expects, an e-mail the pages do not answer is never drafted
(a BUSINESS failure, NEEDS_PERSON), an unusable file is a BUSINESS failure naming it; approved
replies reach their senders threaded under their enquiries, with a person's edits; a draft
handed to the team is never sent; a reply that cannot be sent waits again with its edits.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from mailservers import smtp_server
from starlette.testclient import TestClient

from portal.app import create_app
from portal.users import Users
from sandbox.generate.enquiries import write_enquiries
from workitems import ExceptionType, State
from workitems.store import open_store

REPO = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def write_settings(home: Path, port: int) -> Path:
    path = home / "enquiries.yaml"
    path.write_text(f"knowledge_base: {REPO / 'sandbox/local-offer'}\ndraft_threshold: 0.4\n"
                    "team: the Millbrook Local Offer team\n"
                    f"reply:\n  from: localoffer@millbrook.example\n  email: {{host: 127.0.0.1, port: {port}}}\n",
                    encoding="utf-8")
    return path


def signed_in(client: TestClient, name: str) -> str:
    csrf = client.get("/api/login").json()["csrf"]
    assert client.post("/login", data={"csrf": csrf, "name": name, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    return client.get("/api/login").json()["csrf"]


def test_enquiries_become_approved_replies_received_by_smtp(nightshift_home, monkeypatch):
    from scheduler.processes import get_process
    from scheduler.runner import run_process

    entries = write_enquiries(nightshift_home / "inbox" / "enquiries", count=12, seed=7, unanswerable_rate=0.25)
    (nightshift_home / "inbox" / "enquiries" / "enquiries-manifest.json").rename(nightshift_home / "manifest.json")
    expect = Counter(e.expect for e in entries)
    assert expect["draft"] >= 6 and expect["needs-person"] >= 1 and expect["unreadable"] == expect["duplicate"] == 1

    with smtp_server() as (mailbox, port), open_store() as store:
        monkeypatch.setenv("NIGHTSHIFT_ENQUIRIES", str(write_settings(nightshift_home, port)))
        run = run_process(get_process("enquiries"), store, trigger="test")
        assert run.status == "PASS", run.to_dict()
        assert not list((nightshift_home / "inbox" / "enquiries").glob("*.eml")), "every e-mail archived"
        logs = "".join(f.read_text(errors="replace") for f in Path(run.artifacts).rglob("*")
                       if f.suffix in (".xml", ".html", ".txt"))
        for entry in entries:  # no sender and no enquiry text in a Robot Framework log or the console
            assert not entry.from_address or entry.from_address not in logs

        # -- scored against the manifest --------------------------------------------------
        items = store.list("enquiries", limit=1000)
        by_message = {i.payload.get("message_id"): i for i in items if "problem" not in i.payload}
        for item in by_message.values():
            assert item.payload["body"][-40:] not in logs and item.payload["from_name"] not in logs
        firsts = [e for e in entries if e.expect in ("draft", "needs-person")]
        assert len(items) == len(firsts) + 1, "one item per e-mail; the resent copy makes none"
        bad = [i for i in items if "problem" in i.payload]
        assert len(bad) == 1 and bad[0].state == State.FAILED and bad[0].exception.code == "UNREADABLE_EMAIL"
        assert "enquiry-unreadable.eml" in bad[0].exception.message
        drafts = {d.payload["enquiry"]: d for d in store.list("enquiries-replies", limit=1000)}
        drafted = 0
        for entry in firsts:
            item = by_message[entry.message_id]
            if entry.expect == "needs-person":
                assert item.state == State.FAILED, entry.file
                assert (item.exception.type, item.exception.code) == (ExceptionType.BUSINESS, "NEEDS_PERSON")
                assert item.reference not in drafts, f"{entry.file} asks what the pages do not answer: no draft"
            elif item.state == State.DONE:
                draft = drafts[item.reference]
                assert draft.payload["citation"]["page"] == entry.page, entry.file
                assert draft.payload["to"] == entry.from_address and draft.state == State.PENDING
                drafted += 1
            else:
                assert item.exception.code == "NEEDS_PERSON", entry.file  # not confident: a person answers
        answerable = sum(1 for e in firsts if e.expect == "draft")
        assert drafted >= 0.8 * answerable, f"{drafted} of {answerable} answerable enquiries drafted"
        assert len(drafts) == drafted

        # -- approved in the portal -------------------------------------------------------
        Users(store).add("ann", "approver", PASSWORD)
        Users(store).add("vic", "viewer", PASSWORD)
        with TestClient(create_app(store)) as viewer:
            signed_in(viewer, "vic")
            assert viewer.get("/api/enquiries").status_code == 403
        with TestClient(create_app(store)) as client:
            csrf = signed_in(client, "ann")
            listed = client.get("/api/enquiries").json()
            assert sorted(r["id"] for r in listed["waiting"]) == sorted(d.id for d in drafts.values())
            ids = sorted(d.id for d in drafts.values())
            edited_id, team_id, failing_id, rest = ids[0], ids[1], ids[2], ids[3:]

            page = client.get(f"/enquiries/{edited_id}")
            assert page.status_code == 200 and "Send reply" in page.text
            draft = client.get(f"/api/enquiries/{edited_id}").json()["draft"]
            body = draft["body"].replace("Kind regards,", "I have also asked our transport officer to call you.\n\nKind regards,")
            sent = client.post(f"/api/enquiries/{edited_id}/send", json={"subject": draft["subject"], "body": body},
                               headers={"X-CSRF-Token": csrf})
            assert sent.status_code == 200 and sent.json()["edited"] is True, sent.text
            again = client.post(f"/api/enquiries/{edited_id}/send", json={"subject": "x", "body": "y"},
                                headers={"X-CSRF-Token": csrf})
            assert again.status_code == 400 and "only a pending item" in again.json()["error"]

            refused = client.post(f"/api/enquiries/{team_id}/to-team", json={"reason": " "},
                                  headers={"X-CSRF-Token": csrf})
            assert refused.status_code == 400 and refused.json()["error"].startswith("reason:")
            handed = client.post(f"/api/enquiries/{team_id}/to-team", json={"reason": "family known to us"},
                                 headers={"X-CSRF-Token": csrf})
            assert handed.status_code == 200, handed.text

            empty = client.post(f"/api/enquiries/{failing_id}/send", json={"subject": "Re: x", "body": ""},
                                headers={"X-CSRF-Token": csrf})
            assert empty.status_code == 400 and empty.json()["error"].startswith("body: the reply is empty")
            for item_id in rest:
                draft = client.get(f"/api/enquiries/{item_id}").json()["draft"]
                ok = client.post(f"/api/enquiries/{item_id}/send", json={"subject": draft["subject"],
                                 "body": draft["body"]}, headers={"X-CSRF-Token": csrf})
                assert ok.status_code == 200 and ok.json()["edited"] is False, ok.text

        # -- received by the SMTP server ------------------------------------------------
        received = {tuple(rcpt): msg for rcpt, msg in mailbox.messages}
        assert len(mailbox.messages) == 1 + len(rest)
        for item_id in [edited_id, *rest]:
            draft = store.get(item_id)
            assert draft.state == State.DONE and draft.payload["sent"]["by"] == "ann"
            msg = received[(draft.payload["to"],)]
            text = msg.get_content().replace("\r\n", "\n")
            assert msg["In-Reply-To"] == draft.payload["in_reply_to"]
            assert draft.payload["citation"]["url"] in text
            assert ("transport officer" in text) == (item_id == edited_id)
        handed_item = store.get(team_id)
        assert handed_item.state == State.FAILED and handed_item.exception.code == "NEEDS_PERSON"
        assert (handed_item.payload["to"],) not in received, "a draft handed to the team is never sent"

    # -- the mail server is down: the draft waits again, with the person's edits ------------------
    with TestClient(create_app(store := open_store())) as client:
        csrf = signed_in(client, "ann")
        draft = client.get(f"/api/enquiries/{failing_id}").json()["draft"]
        down = client.post(f"/api/enquiries/{failing_id}/send", json={"subject": draft["subject"],
                           "body": draft["body"] + "\nP.S. edited"}, headers={"X-CSRF-Token": csrf})
        assert down.status_code == 400 and "could not be reached" in down.json()["error"], down.text
        waiting = store.get(failing_id)
        assert waiting.state == State.PENDING and waiting.payload["body"].endswith("P.S. edited\n")
        actions = [e["action"] for e in __import__("portal.audit", fromlist=["Audit"]).Audit(store).list()[0]]
        assert {"send reply", "reply to team", "reply not sent", "view enquiry"} <= set(actions)
    store.close()
