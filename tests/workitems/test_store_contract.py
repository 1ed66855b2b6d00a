"""The store contract, run against every store (SQLite and the real PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest

from workitems import (
    ExceptionType,
    FileNotAttached,
    FileTooLarge,
    InvalidInput,
    ItemNotFound,
    LeaseLost,
    State,
)
from workitems.store import NewItem, open_store


def test_add_then_get_returns_what_was_stored(store):
    item, created = store.add("intake", {"surname": "Testperson", "n": 1}, reference="REF-1", priority=2)
    assert created
    got = store.get(item.id)
    assert (got.queue, got.state, got.payload, got.reference, got.priority, got.attempts) == (
        "intake", State.PENDING, {"surname": "Testperson", "n": 1}, "REF-1", 2, 0)
    assert [h.event for h in store.history(item.id)] == ["created"]


def test_same_reference_returns_existing_item_and_creates_nothing(store):
    first, _ = store.add("intake", {"v": 1}, reference="REF-9")
    again, created = store.add("intake", {"v": 2}, reference="REF-9")
    assert not created and again.id == first.id and again.payload == {"v": 1}
    assert store.count("intake") == 1
    # The same reference in another queue is another item.
    assert store.add("other", {"v": 3}, reference="REF-9")[1]


def test_claim_takes_highest_priority_then_oldest(store):
    low, _ = store.add("q", {"i": "low"})
    high_old, _ = store.add("q", {"i": "high-old"}, priority=5)
    high_new, _ = store.add("q", {"i": "high-new"}, priority=5)
    order = [store.claim("q", "w").id for _ in range(3)]
    assert order == [high_old.id, high_new.id, low.id]
    assert store.claim("q", "w") is None


def test_postponed_item_is_not_claimed_early(store):
    store.add("q", {}, not_before=time.time() + 60)
    assert store.claim("q", "w") is None
    store.add("q", {}, not_before=time.time() - 1)
    assert store.claim("q", "w") is not None


def test_claim_leases_and_counts_attempts(store):
    store.add("q", {"a": 1})
    item = store.claim("q", "worker-1")
    assert item.state == State.RESERVED and item.attempts == 1 and item.worker == "worker-1"
    assert item.lease_expires_at > time.time()
    assert store.get(item.id).state == State.RESERVED


def test_complete_by_another_worker_is_refused(store):
    store.add("q", {})
    item = store.claim("q", "w1")
    with pytest.raises(LeaseLost):
        store.complete(item.id, "w2")
    done = store.complete(item.id, "w1")
    assert done.state == State.DONE and store.get(item.id).state == State.DONE
    with pytest.raises(LeaseLost):
        store.complete(item.id, "w1")


def test_business_failure_is_final(store):
    store.add("q", {})
    item = store.claim("q", "w")
    failed = store.fail(item.id, "w", ExceptionType.BUSINESS, "NO_CONSENT", "consent not given")
    assert failed.state == State.FAILED
    assert failed.exception.to_dict() == {"type": "BUSINESS", "code": "NO_CONSENT", "message": "consent not given"}
    assert store.claim("q", "w") is None


def test_application_failure_backs_off_then_fails_at_max_attempts(store):
    store.configure_queue("q", {"max_attempts": 2, "backoff_seconds": 0.3})
    store.add("q", {})
    item = store.claim("q", "w")
    back = store.fail(item.id, "w", "APPLICATION", "TIMEOUT", "page did not load")
    assert back.state == State.PENDING and back.not_before > time.time()
    assert store.claim("q", "w") is None  # still backing off
    time.sleep(0.35)
    again = store.claim("q", "w")
    assert again.id == item.id and again.attempts == 2
    final = store.fail(again.id, "w", "APPLICATION", "TIMEOUT", "page did not load")
    assert final.state == State.FAILED and final.exception.type == ExceptionType.APPLICATION
    events = [h.event for h in store.history(item.id)]
    assert events == ["created", "claimed", "retry scheduled", "claimed", "failed"]


def test_expired_lease_is_claimed_again_and_recorded(store):
    store.add("q", {})
    first = store.claim("q", "dead-worker", lease_seconds=0.2)
    time.sleep(0.3)
    second = store.claim("q", "live-worker")
    assert second.id == first.id and second.attempts == 2
    with pytest.raises(LeaseLost):
        store.complete(first.id, "dead-worker")
    store.complete(second.id, "live-worker")
    expired = [h for h in store.history(first.id) if h.event == "lease expired"]
    assert len(expired) == 1 and expired[0].detail["worker"] == "dead-worker"


def test_lease_expiring_past_max_attempts_fails_the_item(store):
    store.configure_queue("q", {"max_attempts": 1})
    store.add("q", {})
    item = store.claim("q", "w", lease_seconds=0.1)
    time.sleep(0.2)
    assert store.reap_expired("q") == 1
    got = store.get(item.id)
    assert got.state == State.FAILED and got.exception.code == "LEASE_EXPIRED"


def test_renew_extends_the_lease(store):
    store.add("q", {})
    item = store.claim("q", "w", lease_seconds=0.3)
    for _ in range(3):
        time.sleep(0.15)
        store.renew(item.id, "w", lease_seconds=0.3)
    assert store.claim("q", "other") is None
    assert store.complete(item.id, "w").state == State.DONE


def test_release_gives_item_back_without_counting_an_attempt(store):
    store.add("q", {})
    item = store.claim("q", "w")
    back = store.release(item.id, "w", reason="shutting down")
    assert back.state == State.PENDING and back.attempts == 0


def test_retry_and_retry_all_failed(store):
    ids = [store.add("q", {"i": i})[0].id for i in range(3)]
    for kind in ("BUSINESS", "APPLICATION", "APPLICATION"):
        store.configure_queue("q", {"max_attempts": 1})
        item = store.claim("q", "w")
        store.fail(item.id, "w", kind, "X", "m")
    assert store.count("q", state=State.FAILED) == 3
    assert store.retry_failed("q", actor="sup", exception_type=ExceptionType.APPLICATION) == 2
    assert store.count("q", state=State.PENDING) == 2
    business = [i for i in ids if store.get(i).state == State.FAILED]
    assert len(business) == 1
    retried = store.retry(business[0], actor="sup")
    assert retried.state == State.PENDING and retried.attempts == 0 and retried.exception is None
    with pytest.raises(InvalidInput):
        store.retry(business[0], actor="sup")  # no longer failed


def test_resolve_by_hand_needs_a_note_and_is_audited(store):
    store.add("q", {})
    item = store.claim("q", "w")
    store.fail(item.id, "w", "BUSINESS", "BAD_DOB", "date of birth is in the future")
    with pytest.raises(InvalidInput):
        store.resolve(item.id, actor="sup", note=" ")
    done = store.resolve(item.id, actor="supervisor-1", note="keyed by hand after phoning school")
    assert done.state == State.DONE
    last = store.history(item.id)[-1]
    assert (last.actor, last.event, last.detail["note"]) == (
        "supervisor-1", "resolved by hand", "keyed by hand after phoning school")


def test_claim_item_takes_that_item_only_while_pending(store):
    first, _ = store.add("approvals", {"n": 1})
    second, _ = store.add("approvals", {"n": 2})
    taken = store.claim_item(second.id, "portal:approver-1")
    assert (taken.id, taken.state, taken.worker, taken.attempts) == (second.id, State.RESERVED, "portal:approver-1", 1)
    with pytest.raises(InvalidInput, match=rf"work item {second.id} is reserved by portal:approver-1"):
        store.claim_item(second.id, "portal:approver-2")
    assert store.claim("approvals", "bot").id == first.id  # the queue goes on around it
    store.complete(second.id, "portal:approver-1")
    with pytest.raises(InvalidInput, match="only a pending item"):
        store.claim_item(second.id, "portal:approver-1")
    with pytest.raises(ItemNotFound):
        store.claim_item(999999, "portal:approver-1")


def test_unknown_item_is_named(store):
    with pytest.raises(ItemNotFound, match="999999"):
        store.get(999999)


def test_files_roundtrip_and_names_are_made_safe(store):
    item, _ = store.add("q", {}, files=[("referral form.pdf", b"%PDF-1.4 synthetic")])
    info = store.add_file(item.id, "../../etc/passwd", b"not a password file")
    assert info.name == "passwd"
    assert [f.name for f in store.list_files(item.id)] == ["passwd", "referral form.pdf"]
    assert store.get_file(item.id, "referral form.pdf") == b"%PDF-1.4 synthetic"
    store.add_file(item.id, "passwd", b"replaced")
    assert store.get_file(item.id, "passwd") == b"replaced"
    store.remove_file(item.id, "passwd")
    with pytest.raises(FileNotAttached):
        store.get_file(item.id, "passwd")
    assert [f.to_dict() for f in store.get(item.id).files] == [{"name": "referral form.pdf", "size": 18}]


def test_file_over_the_limit_is_refused_and_nothing_written(db_url, monkeypatch):
    monkeypatch.setenv("NIGHTSHIFT_MAX_FILE_BYTES", "10")
    with open_store(db_url) as store:
        with pytest.raises(FileTooLarge, match="big.bin"):
            store.add("q", {}, files=[("big.bin", b"x" * 11)])
        assert store.count("q") == 0


def test_add_many_is_all_or_nothing(store):
    good = [NewItem({"i": i}) for i in range(3)]
    with pytest.raises(InvalidInput, match="item 4"):
        store.add_many("q", good + [NewItem({"bad": object()})])
    assert store.count("q") == 0
    assert len(store.add_many("q", good)) == 3


def test_queue_settings_are_kept_and_checked(store):
    assert store.queue_settings("q").max_attempts == 3
    store.configure_queue("q", {"max_attempts": 5, "lease-seconds": 60})
    assert (store.queue_settings("q").max_attempts, store.queue_settings("q").lease_seconds) == (5, 60.0)
    with pytest.raises(InvalidInput, match="unknown queue setting 'colour'"):
        store.configure_queue("q", {"colour": "blue"})
    with pytest.raises(InvalidInput, match="max_attempts"):
        store.configure_queue("q", {"max_attempts": 0})
    assert "q" in store.queues()


def test_stats_count_every_state(store):
    store.add("a", {})
    store.add("a", {})
    store.claim("a", "w")
    assert store.stats()["a"] == {"pending": 1, "reserved": 1, "done": 0, "failed": 0}


def test_wait_wakes_when_an_item_arrives(store, db_url):
    def later():
        time.sleep(0.3)
        with open_store(db_url) as other:
            other.add("q", {})

    threading.Thread(target=later).start()
    started = time.monotonic()
    assert store.wait("q", 10) is True
    assert time.monotonic() - started < 5
    assert store.wait("empty", 0.2) is False


def test_wrong_key_is_refused(db_url, monkeypatch):
    from workitems import WrongKey
    from workitems.crypto import generate_key

    open_store(db_url).close()
    monkeypatch.setenv("NIGHTSHIFT_KEY", generate_key())
    with pytest.raises(WrongKey, match="NIGHTSHIFT_KEY"):
        open_store(db_url)


def test_payloads_messages_and_files_are_encrypted_at_rest(store, db_url, nightshift_home):
    secret_name, secret_file = "Zebulon-Quillfeather", b"Synthetic-File-Body-7731"
    item, _ = store.add("q", {"child": secret_name}, files=[(f"{secret_name}.txt", secret_file)])
    claimed = store.claim("q", "w")
    store.fail(claimed.id, "w", "BUSINESS", "DOB", f"{secret_name} has no date of birth")
    if db_url.startswith("sqlite"):
        store.close()
        blobs = [p for p in nightshift_home.rglob("*") if p.is_file()]
        assert any(p.name.startswith("nightshift.db") for p in blobs)
        for path in blobs:
            raw = path.read_bytes()
            assert secret_name.encode() not in raw, path
            assert secret_file not in raw, path
    else:
        from sqlalchemy import text

        with store.engine.connect() as conn:
            for table in ("ns_items", "ns_files", "ns_history"):
                dump = " ".join(str(r) for r in conn.execute(text(f"SELECT * FROM {table}")))
                assert secret_name not in dump, table


def test_unreachable_database_is_a_clear_error():
    from workitems import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="127.0.0.1:1/nope"):
        open_store("postgresql://nobody@127.0.0.1:1/nope")


def test_unsupported_url_is_a_clear_error():
    with pytest.raises(InvalidInput, match="mysql"):
        open_store("mysql://x@localhost/db")
