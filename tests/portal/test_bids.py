"""Automation bids through the portal (TestClient), on SQLite and PostgreSQL.

Drafts and submissions, comments, the assessors' pipeline with reasons, bad input refused
on the form with nothing saved, the measured hours of a live bid's bot, the flag, and the
business-case workbook.
"""

from __future__ import annotations

import io
import re
import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from portal.app import create_app
from portal.bids.workbook import BID_HEADERS, TEAM_HEADERS
from portal.users import Users
from workitems import ExceptionType
from workitems.store.schema import audit as audit_t
from workitems.store.schema import bid_events, bid_files, bids

PASSWORD = "a long enough password"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FACTS = {"team": "Referrals", "title": "Key school-nurse referrals",
         "description": "Referrals arrive as PDF forms in the shared mailbox and are keyed by hand.",
         "systems": ["Case management system", "Shared mailbox"], "volume_per_month": "400",
         "minutes_per_case": "6", "rules_pct": "90", "structured_pct": "70", "changes_per_year": "1",
         "error_pct": "5", "data": "personal", "peaks": "September intake"}


ROLES = {"sally.staff": "viewer", "tom.staff": "viewer", "ada.assessor": "admin"}


@pytest.fixture
def portal(store):
    app = create_app(store)
    app.state.store = store
    return app


def signed_in(app, name: str) -> TestClient:
    users = Users(app.state.store)
    if users.get(name) is None:
        users.add(name, ROLES[name], PASSWORD)
    client = TestClient(app, follow_redirects=False)
    csrf = client.get("/api/login").json()["csrf"]
    assert client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf}).status_code == 303
    client.csrf = client.get("/api/login").json()["csrf"]
    return client


def post(client: TestClient, url: str, data: dict, files=None):
    return client.post(url, data={**data, "csrf": client.csrf}, files=files)


def counts(store) -> tuple[int, int, int]:
    with store.transaction() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (bids, bid_files, bid_events))


def error_on_form(response) -> str:
    assert response.status_code == 400, response.text[:500]
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', response.text, re.S)
    assert found and '<form class="bid"' in response.text, "the form with its message"
    return found.group(1)


def test_a_draft_is_kept_changed_and_submitted_then_commented_and_moved_along_with_reasons(portal, store):
    sally, tom, ada = (signed_in(portal, n) for n in ("sally.staff", "tom.staff", "ada.assessor"))
    draft = post(sally, "/bids/new", {"team": "Referrals", "title": "Key referrals", "volume_per_month": "400",
                                      "save": "draft"})
    assert draft.status_code == 303 and draft.headers["location"] == "/bids/1"
    page = sally.get("/api/bids/1").json()
    assert page["bid"]["state"] == "draft" and page["scores"]["score"] is None  # not scored until complete
    # a draft is its author's: not in others' list, not for others to open or change
    assert tom.get("/api/bids").json()["bids"] == []
    assert tom.get("/api/bids/1").status_code == 403
    assert post(tom, "/bids/1/edit", {**FACTS, "save": "submit"}).status_code == 403
    assert "fill in: Description" in error_on_form(post(sally, "/bids/1/edit", {"team": "Referrals", "title": "x",
                                                                                 "save": "submit"}))
    # the author completes and submits it, with an attachment
    done = post(sally, "/bids/1/edit", {**FACTS, "save": "submit"}, files=[("attachments", ("map.pdf", PDF, "x"))])
    assert done.status_code == 303
    bid = sally.get("/api/bids/1").json()
    assert bid["bid"]["state"] == "submitted" and bid["bid"]["title"] == FACTS["title"]
    assert (bid["scores"]["potential"], bid["scores"]["ease"], bid["scores"]["hours_per_year"]) == (73.7, 78.5, 432.0)
    assert [f["name"] for f in bid["files"]] == ["map.pdf"]
    got = tom.get(f"/bids/1/files/{bid['files'][0]['id']}")
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert post(sally, "/bids/1/edit", {**FACTS, "save": "draft"}).status_code == 400  # submitted: fixed now

    # comments, by staff and assessors, in order with author
    assert post(tom, "/bids/1/comment", {"comment": "We key the same forms in Bookings."}).status_code == 303
    assert post(ada, "/bids/1/comment", {"comment": "Which peak months?"}).status_code == 303
    assert post(tom, "/bids/1/comment", {"comment": "  "}).status_code == 400
    comments = tom.get("/api/bids/1").json()["comments"]
    assert [(c["actor"], c["text"]) for c in comments] == [("tom.staff", "We key the same forms in Bookings."),
                                                           ("ada.assessor", "Which peak months?")]
    assert comments[0]["at"] <= comments[1]["at"]

    # the pipeline: assessors only, a reason each time, approval needs the build effort
    assert post(sally, "/bids/1/state", {"state": "approved", "reason": "please"}).status_code == 403
    assert "a reason is needed" in post(ada, "/api/bids/1/state", {"state": "under assessment"}).json()["error"]
    assert post(ada, "/bids/1/state", {"state": "under assessment", "reason": "complete bid"}).status_code == 303
    refused = post(ada, "/api/bids/1/state", {"state": "approved", "reason": "good case"})
    assert refused.status_code == 400 and "no build effort yet" in refused.json()["error"]
    assert post(ada, "/bids/1/assess", {"build_days": "-2"}).status_code == 400
    assert post(ada, "/bids/1/assess", {"build_days": "15"}).status_code == 303
    assert post(ada, "/bids/1/state", {"state": "approved", "reason": "pays back in 7.5 months"}).status_code == 303
    wrong = post(ada, "/api/bids/1/state", {"state": "retired", "reason": "x"}).json()["error"]
    assert "it can move to in development, live, declined" in wrong
    bid = tom.get("/api/bids/1").json()
    assert bid["scores"]["payback_months"] == 7.5 and bid["bid"]["state"] == "approved"
    assert [(h["from"], h["to"], h["text"]) for h in bid["history"] if h["kind"] == "state"] == [
        (None, "draft", ""), ("draft", "submitted", ""), ("submitted", "under assessment", "complete bid"),
        ("under assessment", "approved", "pays back in 7.5 months")]
    page = tom.get("/bids/1").text
    assert "pays back in 7.5 months" in page and "ada.assessor" in page and "Change state" not in page
    with store.transaction() as conn:
        actions = [r.action for r in conn.execute(select(audit_t).where(audit_t.c.target == "bid 1")
                                                  .order_by(audit_t.c.id))]
    assert actions == ["bid-save", "bid-submit", "bid-file-download", "bid-comment", "bid-comment", "bid-state",
                       "bid-assess", "bid-state"]


BAD_INPUT = [
    ({"volume_per_month": "-5"}, None, "Volume per month is -5: give a number above 0"),
    ({"minutes_per_case": "0"}, None, "Minutes per case by hand is 0: give a number above 0"),
    ({"rules_pct": "120"}, None, "Share of cases that follow fixed rules (%) is 120"),
    ({"volume_per_month": "lots"}, None, "Volume per month is &#39;lots&#39;: give a number"),
    ({}, [("attachments", ("map.pdf", PDF, "x")), ("attachments", ("setup.exe", b"MZ\x90\x00", "x"))],
     "attachment &#39;setup.exe&#39; is not an allowed type"),
    ({}, [("attachments", ("map.pdf", PDF, "x")), ("attachments", ("form.pdf", b"MZ\x90\x00 not a pdf", "x"))],
     "attachment &#39;form.pdf&#39; is not an allowed type (its content says otherwise)"),
    ({}, [("attachments", ("sheet.xlsx", b"PK\x03\x04 broken zip", "x"))], "attachment &#39;sheet.xlsx&#39; is not"),
    ({}, [("attachments", ("map.pdf", PDF, "x")), ("attachments", ("big.pdf", b"%PDF-" + b"0" * 6 * 1024 * 1024, "x"))],
     "attachment &#39;big.pdf&#39; is 6.0 MB: the limit is 5 MB a file"),
]


def test_bad_input_is_refused_on_the_form_and_nothing_is_saved(portal, store):
    sally = signed_in(portal, "sally.staff")
    for change, files, message in BAD_INPUT:
        response = post(sally, "/bids/new", {**FACTS, **change, "save": "submit"}, files=files)
        assert message in error_on_form(response), message
        assert 'value="Key school-nurse referrals"' in response.text  # what was typed is still there
        assert counts(store) == (0, 0, 0), message
    # a draft is checked too, and a refused change to a draft leaves it as it was
    assert post(sally, "/bids/new", {"team": "Referrals", "title": "Key referrals", "save": "draft"}).status_code == 303
    refused = post(sally, "/bids/1/edit", {"team": "Referrals", "title": "Changed", "minutes_per_case": "0",
                                           "save": "draft"}, files=[("attachments", ("map.pdf", PDF, "x"))])
    assert "Minutes per case by hand is 0" in error_on_form(refused)
    assert sally.get("/api/bids/1").json()["bid"]["title"] == "Key referrals" and counts(store) == (1, 0, 1)
    # the same bid, corrected, goes in whole
    assert post(sally, "/bids/new", {**FACTS, "save": "submit"},
                files=[("attachments", ("map.pdf", PDF, "x"))]).status_code == 303
    assert counts(store) == (2, 1, 3)


def finish(store, queue: str, n: int, *, by_hand: int = 0, business: int = 0) -> None:
    """``n`` items done by the bot, ``by_hand`` failed then resolved by a person, ``business`` failed BUSINESS."""
    for i in range(n + by_hand + business):
        item, _ = store.add(queue, {"reference": f"EX-{i:04d}"})
        claimed = store.claim(queue, "bot@test")
        assert claimed.id == item.id
        if i < n:
            store.complete(item.id, "bot@test")
        else:
            store.fail(item.id, "bot@test", ExceptionType.BUSINESS, "MISSING_DATE_OF_BIRTH", "no date of birth")
            if i < n + by_hand:
                store.resolve(item.id, actor="portal:sam", note="keyed by hand")


def live_bid(store, portal, facts: dict) -> TestClient:
    sally, ada = signed_in(portal, "sally.staff"), signed_in(portal, "ada.assessor")
    assert post(sally, "/bids/new", {**facts, "save": "submit"}).status_code == 303
    bid_id = sally.get("/api/bids").json()["bids"][0]["id"]
    assert post(ada, f"/bids/{bid_id}/assess", {"build_days": "15"}).status_code == 303
    assert post(ada, f"/bids/{bid_id}/state", {"state": "approved", "reason": "ok"}).status_code == 303
    refused = post(ada, f"/api/bids/{bid_id}/state", {"state": "live", "reason": "bot built", "process": "nobot"})
    assert "choose the process from" in refused.json()["error"]
    assert post(ada, f"/bids/{bid_id}/state", {"state": "live", "reason": "bot built",
                                               "process": "example"}).status_code == 303
    return ada


def test_a_live_bid_shows_the_hours_its_bot_saved_less_those_a_person_finished(portal, store):
    finish(store, "example-work", 2)  # before the bid went live: not counted
    ada = live_bid(store, portal, FACTS)
    finish(store, "example-work", 5, by_hand=2, business=1)
    finish(store, "example-input", 3)  # the producer's trigger items are not cases
    bid = ada.get("/api/bids/1").json()
    m = bid["measured"]
    assert m["queue"] == "example-work"
    month = time.strftime("%Y-%m")
    assert [(x["month"], x["done"], x["by_hand"]) for x in m["months"]] == [(month, 7, 2)]
    assert m["hours"] == m["months"][0]["hours"] == round(5 * 6 / 60, 1)  # (7 done − 2 by hand) × 6 minutes
    assert m["months"][0]["estimate"] == 36.0  # 432 hours a year / 12
    assert m["flagged"] is False and m["judged"] is False  # live for seconds: not judged yet
    page = ada.get("/bids/1").text
    assert 'id="measured-hours">0.5<' in page and '<figure class="chart">' in page
    assert f"{time.strftime('%b %Y')} measured: 0.5 h" in page  # the chart's bar for this month
    overview = ada.get("/api/").json()["live_bids"]
    assert overview == {"live": 1, "hours": 0.5, "estimate": m["estimate"], "flagged": 0}

    # 40 days live with 0.5 hours measured against 47 estimated: flagged, in the list and on the page
    with store.transaction(write=True) as conn:
        conn.execute(update(bids).values(live_since=time.time() - 40 * 86400))
    bid = ada.get("/api/bids/1").json()
    assert bid["measured"]["flagged"] is True and bid["measured"]["estimate"] == round(432 * 40 / 365.25, 1)
    assert ada.get("/api/bids").json()["bids"][0]["flagged"] is True
    assert "Flagged: since going live" in ada.get("/bids/1").text
    assert 'class="flagged"' in ada.get("/bids").text

    # retired: measured up to its retirement, what the queue does later is not its bot's
    before = ada.get("/api/bids/1").json()["measured"]["hours"]
    assert before == 0.7  # live 40 days back now, so the 2 items done "before" count too
    assert post(ada, "/bids/1/state", {"state": "retired", "reason": "process replaced"}).status_code == 303
    time.sleep(0.01)
    finish(store, "example-work", 3)
    assert ada.get("/api/bids/1").json()["measured"]["hours"] == before
    assert ada.get("/api/").json()["live_bids"]["live"] == 0


def test_the_ranked_list_filters_and_the_workbook_holds_every_bid(portal, store):
    sally, ada = signed_in(portal, "sally.staff"), signed_in(portal, "ada.assessor")
    finance = {**FACTS, "team": "Finance", "title": "Supplier statement reconciliation", "volume_per_month": "120",
               "minutes_per_case": "20", "rules_pct": "60", "structured_pct": "40", "changes_per_year": "4",
               "error_pct": "15", "data": "none", "systems": ["Finance system"], "new_systems": "Bank portal"}
    for facts in (finance, FACTS):
        assert post(sally, "/bids/new", {**facts, "save": "submit"}).status_code == 303
    # the JSON twin takes a bid too (a draft here, whose title would be a formula in Excel)
    made = sally.post("/api/bids/new", json={"team": "Finance", "title": "=HYPERLINK(1)", "save": "draft"},
                      headers={"X-CSRF-Token": sally.csrf})
    assert made.status_code == 200 and made.json()["ok"] is True and made.json()["id"] == 3
    ranked = ada.get("/api/bids").json()["bids"]
    assert [(b["title"], b["rank"]) for b in ranked] == [("Key school-nurse referrals", 1),
                                                        ("Supplier statement reconciliation", 2)]
    assert ranked[1]["systems"] == ["Finance system", "Bank portal"] and ranked[1]["score"] == 60.8
    by_benefit = ada.get("/api/bids?sort=benefit&team=Finance").json()["bids"]
    assert [b["team"] for b in by_benefit] == ["Finance"]
    assert ada.get("/api/bids?state=live").json()["bids"] == []
    assert ada.get("/api/bids?state=nonsense").status_code == 400
    # the help text works README's example A with the weights in force
    worked = re.sub(r"<.*?>", "", re.search(r'<p class="worked">(.*?)</p>', ada.get("/bids").text, re.S).group(1))
    assert "(35 × 0.9 + 25 × 0.7 + 20 × 0.833 + 20 × 0.4) ÷ 100 × 100 = 73.7" in worked
    assert "ranking score 76.1" in worked and "pays back in 7.5 months" in worked

    book = load_workbook(io.BytesIO(ada.get("/bids/business-case.xlsx").content))
    sheet = book["Bids"]
    assert [c.value for c in sheet[1]] == BID_HEADERS
    rows = [dict(zip(BID_HEADERS, r)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [(r["process"], r["ranking score"], r["hours saved a year"], r["£ saved a year"]) for r in rows] == [
        ("Key school-nurse referrals", 76.1, 432.0, 10800), ("Supplier statement reconciliation", 60.8, 288.0, 7200)]
    summary = book["Summary"]
    top = next(r for r in range(1, 30) if summary.cell(r, 1).value == "team")
    assert [c.value for c in summary[top]][:len(TEAM_HEADERS)] == TEAM_HEADERS
    assert [summary.cell(top + i, 3).value for i in (1, 2)] == [288.0, 432.0]  # Finance, Referrals
    assert len(summary._charts) == 1
    with store.transaction() as conn:
        assert conn.execute(select(audit_t.c.action).where(audit_t.c.action == "bids-download")).scalar_one()
