"""The portal's store verbs, against every store: ``search`` (one queue's page) and ``edit_and_retry``."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from workitems import ExceptionType, InvalidInput, State
from workitems.store import NewItem
from workitems.store.schema import items as items_t

DAY = 86400.0
T0 = 1_790_000_000.0  # a fixed "now" for the dates the tests set by hand


def _fail(store, queue, payload, reference, kind, code="CODE"):
    item, _ = store.add(queue, payload, reference=reference)
    claimed = store.claim(queue, "worker-1")
    assert claimed.id == item.id
    return store.fail(item.id, "worker-1", kind, code=code, message=f"{kind.value} failure of {reference}")


def _set_times(store, item_id, *, created, updated):
    with store.transaction(write=True) as conn:
        conn.execute(update(items_t).where(items_t.c.id == item_id).values(created_at=created, updated_at=updated))


@pytest.fixture
def queue(store):
    """12 items in 'referrals': 5 done, 3 BUSINESS and 2 APPLICATION failures, 2 pending; one a day."""
    store.configure_queue("referrals", {"max_attempts": 1})
    ids = {}
    for n in range(12):
        ref = f"REF-{n:03d}"
        if n in (2, 5, 7):
            item = _fail(store, "referrals", {"n": n}, ref, ExceptionType.BUSINESS, "INVALID_NHS_NUMBER")
        elif n in (3, 9):
            item = _fail(store, "referrals", {"n": n}, ref, ExceptionType.APPLICATION, "TIMEOUT")
        elif n in (10, 11):
            item, _ = store.add("referrals", {"n": n}, reference=ref)
        else:
            store.add("referrals", {"n": n}, reference=ref)
            item = store.complete(store.claim("referrals", "worker-1").id, "worker-1")
        _set_times(store, item.id, created=T0 + n * DAY, updated=T0 + n * DAY + 3600)
        ids[n] = item.id
    store.add("other", {"n": 99}, reference="REF-000")  # same reference, another queue: never listed
    return ids


def _ids(result):
    return [item.id for item in result[0]]


def test_search_lists_newest_first_with_the_total_and_no_payloads(store, queue):
    items, total = store.search("referrals")
    assert total == 12
    assert [i.id for i in items] == [queue[n] for n in reversed(range(12))]
    assert all(i.payload is None for i in items)
    failed = next(i for i in items if i.id == queue[9])
    assert (failed.state, failed.exception.type, failed.exception.code) == (
        State.FAILED, ExceptionType.APPLICATION, "TIMEOUT")


def test_search_filters_by_state_and_exception_type(store, queue):
    assert _ids(store.search("referrals", state=State.FAILED)) == [queue[n] for n in (9, 7, 5, 3, 2)]
    assert _ids(store.search("referrals", state="failed", exception_type=ExceptionType.BUSINESS)) == [
        queue[n] for n in (7, 5, 2)]
    assert store.search("referrals", exception_type="application")[1] == 2
    assert store.search("referrals", state=State.RESERVED) == ([], 0)


def test_search_by_reference_is_a_substring_ignoring_case(store, queue):
    assert _ids(store.search("referrals", reference="ref-01")) == [queue[11], queue[10]]
    assert store.search("referrals", reference="REF-00")[1] == 10
    # % and _ are plain characters, not wildcards
    assert store.search("referrals", reference="REF_0")[1] == 0
    assert store.search("referrals", reference="%")[1] == 0


def test_search_by_dates_bounds_the_chosen_time(store, queue):
    # updated times are created + 1 hour; day 3 to day 5 inclusive is [day 3, day 6)
    since, until = T0 + 3 * DAY, T0 + 6 * DAY
    assert _ids(store.search("referrals", since=since, until=until)) == [queue[5], queue[4], queue[3]]
    assert _ids(store.search("referrals", since=T0 + 3 * DAY + 1800, until=until, date_field="created")) == [
        queue[5], queue[4]]
    assert _ids(store.search("referrals", since=T0 + 10 * DAY)) == [queue[11], queue[10]]
    assert _ids(store.search("referrals", until=T0 + DAY)) == [queue[0]]
    with pytest.raises(InvalidInput, match="date_field"):
        store.search("referrals", since=T0, date_field="deleted")


@pytest.mark.parametrize("filters", [{}, {"state": State.DONE}, {"state": State.FAILED}, {"reference": "ref"},
                                     {"since": T0 + 2 * DAY}])
def test_pages_from_either_end_add_up_to_the_whole_list(store, queue, filters):
    whole, total = store.search("referrals", limit=100, **filters)
    for per_page in (1, 2, 5):
        pages = []
        for offset in range(0, total + per_page, per_page):
            items, count = store.search("referrals", limit=per_page, offset=offset, **filters)
            assert count == total
            pages.extend(items)
        assert [i.id for i in pages] == [i.id for i in whole]


def test_search_combines_filters(store, queue):
    items, total = store.search("referrals", state=State.FAILED, exception_type=ExceptionType.BUSINESS,
                                reference="00", since=T0 + 4 * DAY, limit=1)
    assert total == 2 and [i.id for i in items] == [queue[7]]
    assert _ids(store.search("referrals", state=State.FAILED, exception_type=ExceptionType.BUSINESS,
                             reference="00", since=T0 + 4 * DAY, limit=1, offset=1)) == [queue[5]]


def test_search_of_an_unknown_queue_is_empty(store, queue):
    assert store.search("nothing-here") == ([], 0)


def test_search_stays_in_id_order_across_many_items(store):
    store.add_many("bulk", [NewItem({"i": i}, reference=f"B-{i:04d}") for i in range(300)])
    items, total = store.search("bulk", reference="b-02", limit=7, offset=3)
    assert total == 100
    assert [i.reference for i in items] == [f"B-{n:04d}" for n in range(296, 289, -1)]
    # few matches (sorted from the index), and a page past the middle (read from the oldest end)
    assert [i.reference for i in store.search("bulk", reference="B-029", limit=3, offset=2)[0]] == [
        "B-0297", "B-0296", "B-0295"]
    assert [i.reference for i in store.search("bulk", reference="B-029", limit=3, offset=8)[0]] == ["B-0291", "B-0290"]
    assert [i.reference for i in store.search("bulk", limit=2, offset=297)[0]] == ["B-0002", "B-0001"]


def test_edit_and_retry_changes_one_field_and_keeps_old_and_new_in_history(store):
    failed = _fail(store, "referrals", {"postcode": "LS1 4AP", "nhs_number": "943 476 5919"}, "R-1",
                   ExceptionType.BUSINESS)
    item = store.edit_and_retry(failed.id, {"postcode": "LS2 7HY"}, actor="portal:ann")
    assert item.state == State.PENDING and item.attempts == 0 and item.exception is None
    assert store.get(failed.id).payload == {"postcode": "LS2 7HY", "nhs_number": "943 476 5919"}
    edited, retried = store.history(failed.id)[-2:]
    assert (edited.event, edited.actor, edited.from_state, edited.to_state) == (
        "payload edited", "portal:ann", State.FAILED, State.FAILED)
    assert edited.detail == {"changes": [{"field": "postcode", "old": "LS1 4AP", "new": "LS2 7HY"}]}
    assert (retried.event, retried.to_state) == ("retried", State.PENDING)


def test_edit_and_retry_refuses_unknown_fields_and_items_not_failed(store):
    failed = _fail(store, "referrals", {"postcode": "LS1 4AP"}, "R-1", ExceptionType.BUSINESS)
    with pytest.raises(InvalidInput, match="'surname'"):
        store.edit_and_retry(failed.id, {"surname": "Testperson"}, actor="portal:ann")
    pending, _ = store.add("referrals", {"postcode": "LS1 4AP"}, reference="R-2")
    with pytest.raises(InvalidInput, match="only failed items"):
        store.edit_and_retry(pending.id, {"postcode": "LS2 7HY"}, actor="portal:ann")
    assert store.get(failed.id).payload == {"postcode": "LS1 4AP"}
    assert store.get(failed.id).state == State.FAILED
