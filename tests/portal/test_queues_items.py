"""The portal's queue and item pages, and the actions on items, through the HTTP API a browser uses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import update
from starlette.testclient import TestClient

from portal import users
from portal.app import create_app
from portal.audit import Audit
from portal.users import Users
from scheduler.history import RunHistory
from workitems import ExceptionType, State
from workitems.store.schema import items as items_t

PASSWORD = "correct horse battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
CHILD = {"child_name": "Amelia Testperson", "nhs_number": "943 476 5919", "postcode": "LS1 4AP", "age": 7}


@contextmanager
def signed_in(store, name: str, role: str) -> Iterator[TestClient]:
    """A client signed in as a new user. One event loop for all its requests, as under uvicorn:
    the store keeps a raw connection per thread, and a loop per request would use up the pool."""
    Users(store).add(name, role, PASSWORD)
    with TestClient(create_app(store)) as client:
        sign_in(client, name)
        yield client


def sign_in(client: TestClient, name: str) -> None:
    csrf = client.get("/api/login").json()["csrf"]
    signed = client.post("/login", data={"csrf": csrf, "name": name, "password": PASSWORD}, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    client.csrf = client.get("/api/login").json()["csrf"]  # a new token comes with the sign-in


def post(client: TestClient, path: str, **form):
    return client.post(path, data={"csrf": client.csrf, **form}, follow_redirects=False)


def failed(store, queue: str, payload, reference: str, kind=ExceptionType.BUSINESS, *, worker="worker-1", files=()):
    """A failed item; an APPLICATION failure is final too (the queue allows one attempt)."""
    store.configure_queue(queue, {"max_attempts": 1})
    item, _ = store.add(queue, payload, reference=reference, files=files)
    assert store.claim(queue, worker).id == item.id
    return store.fail(item.id, worker, kind, code="INVALID_NHS_NUMBER" if kind is ExceptionType.BUSINESS else "TIMEOUT",
                      message=f"the case system refused {reference}")


def local_ts(day: str, hour: int = 12) -> float:
    return datetime.fromisoformat(day).replace(hour=hour).timestamp()


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Argon2 at its real cost takes about half a second a hash here; these tests are about items."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def supervisor(store):
    with signed_in(store, "sam.supervisor", "supervisor") as client:
        yield client


@pytest.fixture
def viewer(store):
    with signed_in(store, "vic.viewer", "viewer") as client:
        yield client


@pytest.fixture
def night(store):
    """A queue after a night: 4 done, 2 BUSINESS and 2 APPLICATION failures, 1 pending; one item a day."""
    ids = {}
    for n, outcome in enumerate(["done", "business", "done", "application", "done", "business", "application",
                                 "done", "pending"]):
        reference = f"NS-2026-{n:04d}"
        if outcome == "business":
            item = failed(store, "referrals", CHILD, reference)
        elif outcome == "application":
            item = failed(store, "referrals", CHILD, reference, ExceptionType.APPLICATION)
        elif outcome == "done":
            store.add("referrals", CHILD, reference=reference)
            item = store.complete(store.claim("referrals", "worker-1").id, "worker-1")
        else:
            item, _ = store.add("referrals", CHILD, reference=reference)
        day = local_ts(f"2026-11-{10 + n:02d}")
        with store.transaction(write=True) as conn:
            conn.execute(update(items_t).where(items_t.c.id == item.id).values(created_at=day, updated_at=day))
        ids[n] = item.id
    store.add("invoices", {"amount": "12.50"}, reference="INV-1")
    return ids


def ids_of(body) -> list[int]:
    return [row["id"] for row in body["items"]]


# -- queues ---------------------------------------------------------------------------
def test_queues_page_lists_counts_and_filters_to_queues_with_failures(night, viewer):
    body = viewer.get("/api/queues").json()
    counts = {q["queue"]: (q["pending"], q["reserved"], q["done"], q["failed"]) for q in body["queues"]}
    assert counts == {"referrals": (1, 0, 4, 4), "invoices": (1, 0, 0, 0)}
    assert [q["queue"] for q in viewer.get("/api/queues?state=failed").json()["queues"]] == ["referrals"]
    html = viewer.get("/queues?state=failed").text
    assert 'href="/queues/referrals"' in html and "invoices" not in html


def test_queue_filters_give_the_right_rows(night, viewer):
    everything = viewer.get("/api/queues/referrals").json()
    assert (everything["queue"], everything["total"], everything["page"], everything["per_page"]) == (
        "referrals", 9, 1, 50)
    assert ids_of(everything) == [night[n] for n in range(8, -1, -1)]
    assert ids_of(viewer.get("/api/queues/referrals?state=failed").json()) == [night[n] for n in (6, 5, 3, 1)]
    assert ids_of(viewer.get("/api/queues/referrals?state=failed&exception_type=business").json()) == [
        night[5], night[1]]
    assert ids_of(viewer.get("/api/queues/referrals?exception_type=APPLICATION").json()) == [night[6], night[3]]
    assert ids_of(viewer.get("/api/queues/referrals?reference=ns-2026-000").json()) == [
        night[n] for n in range(8, -1, -1)]
    assert ids_of(viewer.get("/api/queues/referrals?reference=0007").json()) == [night[7]]
    # both days included: 12th to 14th
    assert ids_of(viewer.get("/api/queues/referrals?from=2026-11-12&to=2026-11-14").json()) == [
        night[4], night[3], night[2]]
    assert ids_of(viewer.get("/api/queues/referrals?date=created&to=2026-11-10").json()) == [night[0]]


def test_queue_pages_carry_the_total(night, viewer):
    pages = [viewer.get(f"/api/queues/referrals?per_page=4&page={n}").json() for n in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [9, 9, 9, 9]
    assert [len(p["items"]) for p in pages] == [4, 4, 1, 0]
    assert sum((ids_of(p) for p in pages), []) == [night[n] for n in range(8, -1, -1)]
    html = viewer.get("/queues/referrals?per_page=4&page=2&state=").text
    assert "Items 5–8 of 9" in html and "Page 2 of 3" in html
    assert 'href="/queues/referrals?per_page=4&amp;page=3"' in html


def test_queue_rows_show_no_payload_values(night, viewer):
    html = viewer.get("/queues/referrals").text
    body = viewer.get("/api/queues/referrals?state=failed").json()
    for value in ("Amelia", "943 476 5919", "LS1 4AP"):
        assert value not in html and value not in str(body)
    assert f'<a href="/items/{night[1]}">{night[1]}</a>' in html
    assert "INVALID_NHS_NUMBER" in html
    row = body["items"][0]
    assert "payload" not in row and row["exception"] == {"type": "APPLICATION", "code": "TIMEOUT"}
    assert row["reference"] == "NS-2026-0006" and row["state"] == "failed" and row["updated_at"]


@pytest.mark.parametrize(("query", "name"), [
    ("state=lost", "state"), ("exception_type=SYSTEM", "exception_type"), ("from=2026-02-30", "from"),
    ("to=yesterday", "to"), ("from=2026-11-20&to=2026-11-10", "from"), ("date=deleted", "date"),
    ("page=0", "page"), ("per_page=501", "per_page"), ("per_page=ten", "per_page")])
def test_a_bad_filter_is_refused_naming_the_parameter(night, viewer, query, name):
    api = viewer.get(f"/api/queues/referrals?{query}")
    assert api.status_code == 400 and f"{name}=" in api.json()["error"]
    page = viewer.get(f"/queues/referrals?{query}")
    assert page.status_code == 400 and f"{name}=" in page.text


def test_an_unknown_queue_is_404(night, viewer):
    assert viewer.get("/api/queues/no-such-queue").status_code == 404


# -- the item page --------------------------------------------------------------------
def test_item_page_masks_values_until_the_reveal_post_which_is_audited(store, viewer):
    item = failed(store, "referrals", {**CHILD, "child_name": "<script>alert(1)</script>"}, "NS-2026-0042")
    masked = viewer.get(f"/items/{item.id}?revealed=1")  # a link alone reveals nothing
    for name in CHILD:
        assert f'<th scope="row">{name}</th>' in masked.text
    assert "943 476 5919" not in masked.text and "alert(1)" not in masked.text and "••••" in masked.text
    assert viewer.get(f"/api/items/{item.id}").json()["payload"] == {name: "••••" for name in CHILD}

    shown = post(viewer, f"/items/{item.id}/reveal")
    assert shown.status_code == 303 and shown.headers["location"] == f"/items/{item.id}?revealed=1"
    html = viewer.get(shown.headers["location"]).text
    assert "943 476 5919" in html and "LS1 4AP" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    body = viewer.get(f"/api/items/{item.id}").json()
    assert body["revealed"] is True and body["payload"]["nhs_number"] == "943 476 5919"

    entries, _ = Audit(store).list(action="reveal")
    assert [(e["actor"], e["target"]) for e in entries] == [("portal:vic.viewer", f"item {item.id}")]
    # someone else's session still sees the mask
    with signed_in(store, "ann.other", "viewer") as other:
        assert "943 476 5919" not in other.get(f"/items/{item.id}").text


def test_reveal_needs_the_csrf_token(store, viewer):
    item, _ = store.add("referrals", CHILD, reference="NS-2026-0043")
    refused = viewer.post(f"/items/{item.id}/reveal", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert Audit(store).list(action="reveal")[1] == 0
    assert "943 476 5919" not in viewer.get(f"/items/{item.id}").text


def test_item_page_shows_exception_history_and_the_run_log(store, viewer):
    run_id = RunHistory(store).start_manual("night-3-shift")  # a process name that looks like a step
    item = failed(store, "referrals", CHILD, "NS-2026-0044", ExceptionType.BUSINESS,
                  worker=f"{run_id}-2-key-referrals@host-a:w3")
    html = viewer.get(f"/items/{item.id}").text
    assert "INVALID_NHS_NUMBER" in html and "the case system refused NS-2026-0044" in html
    assert f'href="/runs/{run_id}"' in html
    assert f'href="/runs/{run_id}/files/2-key-referrals/worker-3/log.html"' in html
    history = viewer.get(f"/api/items/{item.id}").json()["history"]
    assert [(h["from"], h["to"], h["event"]) for h in history] == [
        (None, "pending", "created"), ("pending", "reserved", "claimed"), ("reserved", "failed", "failed")]
    assert history[-1]["run"]["run_id"] == run_id


def test_files_download_with_their_bytes_and_the_screenshot_shows_inline(store, viewer):
    pdf = b"%PDF-1.4\n% a referral form\n"
    shot = "NS-2026-0045-20261126-013012-001.png"
    item = failed(store, "referrals", CHILD, "NS-2026-0045", files=[("referral form.pdf", pdf), (shot, PNG)])
    got = viewer.get(f"/items/{item.id}/files/referral%20form.pdf")
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["content-disposition"].startswith('attachment; filename="referral form.pdf"')
    html = viewer.get(f"/items/{item.id}").text
    src = re.search(r'<img class="screenshot" src="([^"]+)"', html).group(1)
    assert src == f"/items/{item.id}/files/{shot}?inline=1"
    picture = viewer.get(src)
    assert picture.content == PNG and picture.headers["content-type"] == "image/png"
    assert picture.headers["content-disposition"].startswith("inline;")
    assert viewer.get(f"/items/{item.id}/files/missing.pdf").status_code == 404
    assert [e["detail"] for e in Audit(store).list(action="download")[0]] == [{"file": "referral form.pdf"}]


# -- actions --------------------------------------------------------------------------
def test_retry_puts_a_failed_item_back_to_pending_and_is_audited(store, supervisor):
    item = failed(store, "referrals", CHILD, "NS-2026-0050", ExceptionType.APPLICATION)
    done = post(supervisor, f"/items/{item.id}/retry")
    assert done.status_code == 303
    assert store.get(item.id).state == State.PENDING
    assert store.history(item.id)[-1].actor == "portal:sam.supervisor"
    assert [(e["action"], e["target"]) for e in Audit(store).list(actor="portal:sam.supervisor")[0]][0] == (
        "retry", f"item {item.id}")
    assert post(supervisor, f"/items/{item.id}/retry").status_code == 400  # pending now: nothing to retry


def test_retry_application_retries_only_application_failures_of_the_queue(night, store, supervisor):
    answer = supervisor.post("/api/queues/referrals/retry-application", json={"csrf": supervisor.csrf})
    assert answer.status_code == 200 and answer.json()["retried"] == 2
    assert "2 APPLICATION failures" in answer.json()["message"]
    assert [store.get(night[n]).state for n in (3, 6, 1, 5)] == [State.PENDING] * 2 + [State.FAILED] * 2
    entry = Audit(store).list(action="retry-application")[0][0]
    assert (entry["target"], entry["detail"]) == ("queue referrals", {"count": 2})


def test_resolve_marks_a_business_failure_done_with_the_note(store, supervisor):
    item = failed(store, "referrals", CHILD, "NS-2026-0051")
    assert post(supervisor, f"/items/{item.id}/resolve", note=" ").status_code == 400
    assert post(supervisor, f"/items/{item.id}/resolve", note="keyed by hand into the case system").status_code == 303
    assert store.get(item.id).state == State.DONE
    last = store.history(item.id)[-1]
    assert (last.event, last.actor, last.detail) == (
        "resolved by hand", "portal:sam.supervisor", {"note": "keyed by hand into the case system"})
    assert Audit(store).list(action="resolve")[0][0]["detail"] == {"note": "keyed by hand into the case system"}


def test_resolve_refuses_what_is_not_a_failed_business_item(store, supervisor):
    application = failed(store, "referrals", CHILD, "NS-2026-0052", ExceptionType.APPLICATION, worker="w")
    pending, _ = store.add("referrals", CHILD, reference="NS-2026-0053")
    for item_id in (application.id, pending.id):
        refused = supervisor.post(f"/api/items/{item_id}/resolve", json={"csrf": supervisor.csrf, "note": "done"})
        assert refused.status_code == 400 and "BUSINESS" in refused.json()["error"]
    assert store.get(application.id).state == State.FAILED


def test_edit_changes_one_field_retries_and_keeps_old_and_new(store, supervisor):
    item = failed(store, "referrals", CHILD, "NS-2026-0054")
    assert post(supervisor, f"/items/{item.id}/edit", field="postcode", value="LS2 7HY").status_code == 303
    after = store.get(item.id)
    assert after.state == State.PENDING and after.payload == {**CHILD, "postcode": "LS2 7HY"}
    edited = next(h for h in store.history(item.id) if h.event == "payload edited")
    assert edited.detail == {"changes": [{"field": "postcode", "old": "LS1 4AP", "new": "LS2 7HY"}]}
    entry = Audit(store).list(action="edit")[0][0]
    assert (entry["target"], entry["detail"]) == (f"item {item.id}", {"field": "postcode", "old": "LS1 4AP",
                                                                       "new": "LS2 7HY"})
    # the history on the page masks the values like the payload
    page = supervisor.get(f"/items/{item.id}").text
    assert "postcode: •••• → ••••" in page and "LS2 7HY" not in page


def test_edit_keeps_the_type_of_a_number_field(store, supervisor):
    item = failed(store, "referrals", CHILD, "NS-2026-0055")
    assert post(supervisor, f"/items/{item.id}/edit", field="age", value="8").status_code == 303
    assert store.get(item.id).payload["age"] == 8


def test_edit_refuses_unknown_fields_and_items_not_failed(store, supervisor):
    item = failed(store, "referrals", CHILD, "NS-2026-0056")
    refused = supervisor.post(f"/api/items/{item.id}/edit", json={"csrf": supervisor.csrf, "field": "surname",
                                                                  "value": "Testperson"})
    assert refused.status_code == 400 and "'surname'" in refused.json()["error"]
    assert post(supervisor, f"/items/{item.id}/edit", field="age", value="seven").status_code == 400
    pending, _ = store.add("referrals", CHILD, reference="NS-2026-0057")
    assert post(supervisor, f"/items/{pending.id}/edit", field="postcode", value="LS2 7HY").status_code == 400
    assert store.get(item.id).payload == CHILD and store.get(pending.id).payload == CHILD
    assert Audit(store).list(action="edit")[1] == 0


@pytest.mark.parametrize("path", ["/items/{id}/retry", "/items/{id}/resolve", "/items/{id}/edit",
                                  "/queues/referrals/retry-application"])
def test_a_viewer_gets_403_on_each_action(store, viewer, path):
    item = failed(store, "referrals", CHILD, "NS-2026-0058")
    answer = post(viewer, path.format(id=item.id), note="by hand", field="postcode", value="LS2 7HY")
    assert answer.status_code == 403
    assert store.get(item.id).state == State.FAILED and store.get(item.id).payload == CHILD
    assert "Retry" not in viewer.get(f"/items/{item.id}").text  # and no buttons for what it may not do


def test_buttons_show_for_a_supervisor(store, supervisor):
    item = failed(store, "referrals", CHILD, "NS-2026-0059")
    html = supervisor.get(f"/items/{item.id}").text
    for target in ("retry", "resolve", "edit", "reveal"):
        assert f'action="/items/{item.id}/{target}"' in html


def test_an_unknown_item_is_404(store, viewer):
    assert viewer.get("/items/424242").status_code == 404
    assert viewer.get("/api/items/424242").status_code == 404
    assert post(viewer, "/items/424242/reveal").status_code == 404
