"""``nightshift items add/list/show/retry/stats`` as a user runs them."""

from __future__ import annotations

from datetime import datetime, timezone

PAYLOAD = '{"child_name": "Amelia Okafor", "nhs_number": "9434765919", "postcode": "LS6 2QT"}'


def test_add_prints_the_id_and_the_item_is_listed(nightshift):
    result = nightshift.ok("items", "add", "referrals", "--payload", PAYLOAD, "--reference", "REF-0001")
    assert result.out.strip() == "created item 1 in queue 'referrals'"

    [item] = nightshift.items("referrals")
    assert item["id"] == 1
    assert item["state"] == "pending"
    assert item["reference"] == "REF-0001"
    assert item["payload"] == {"child_name": "Amelia Okafor", "nhs_number": "9434765919", "postcode": "LS6 2QT"}


def test_add_twice_with_the_same_reference_creates_one_item(nightshift):
    nightshift.ok("items", "add", "referrals", "--payload", PAYLOAD, "--reference", "REF-0001")
    again = nightshift.ok("items", "add", "referrals", "--payload", '{"other": 1}', "--reference", "REF-0001")
    assert "already exists" in again.out and "item 1 " in again.out

    items = nightshift.items("referrals")
    assert [i["id"] for i in items] == [1]
    assert items[0]["payload"]["nhs_number"] == "9434765919"  # the first payload stays

    # The same reference in another queue is another item.
    nightshift.ok("items", "add", "bookings", "--payload", "{}", "--reference", "REF-0001")
    assert len(nightshift.items("bookings")) == 1


def test_add_json_prints_the_item_with_stable_fields(nightshift):
    item = nightshift.ok(
        "items", "add", "referrals", "--payload", PAYLOAD, "--priority", "5", "--reference", "REF-7", "--json"
    ).json()
    for name in ("id", "queue", "state", "payload", "reference", "priority", "attempts", "parent_id", "files",
                 "exception", "created_at", "updated_at"):
        assert name in item
    assert item["created"] is True
    assert item["priority"] == 5
    assert item["exception"] is None
    again = nightshift.ok("items", "add", "referrals", "--payload", PAYLOAD, "--reference", "REF-7", "--json").json()
    assert again["created"] is False and again["id"] == item["id"]


def test_add_attaches_files(nightshift, tmp_path):
    form = tmp_path / "referral form.pdf"
    form.write_bytes(b"%PDF-1.4 synthetic referral form\n")
    letter = tmp_path / "letter.txt"
    letter.write_text("Dear parent,\n")
    nightshift.ok("items", "add", "referrals", "--payload", "{}", "--file", str(form), "--file", str(letter))

    shown = nightshift.ok("items", "show", "1", "--json").json()
    assert sorted((f["name"], f["size"]) for f in shown["files"]) == [
        ("letter.txt", len("Dear parent,\n")),
        ("referral form.pdf", form.stat().st_size),
    ]
    table = nightshift.ok("items", "show", "1").out
    assert "referral form.pdf" in table and "letter.txt" in table


def test_add_not_before_postpones_the_item(nightshift):
    item = nightshift.ok(
        "items", "add", "referrals", "--payload", "{}", "--not-before", "2031-03-04T07:30:00+00:00", "--json"
    ).json()
    assert datetime.fromisoformat(item["not_before"]) == datetime(2031, 3, 4, 7, 30, tzinfo=timezone.utc)
    with nightshift.store() as store:
        assert store.claim("referrals", "test-worker") is None


def test_list_table_leaves_payload_values_out_but_json_has_them(nightshift):
    nightshift.ok("items", "add", "referrals", "--payload", PAYLOAD, "--reference", "REF-0001")
    table = nightshift.ok("items", "list", "referrals").out
    assert "REF-0001" in table and "pending" in table
    for value in ("Amelia", "Okafor", "9434765919", "LS6 2QT"):
        assert value not in table

    [item] = nightshift.items("referrals")
    assert item["payload"]["child_name"] == "Amelia Okafor"


def test_list_filters_by_state_and_limits(nightshift, failed_items):
    failed = nightshift.items("referrals", "--state", "failed")
    assert sorted(i["id"] for i in failed) == sorted([failed_items["business"], failed_items["application"]])
    pending = nightshift.items("referrals", "--state", "PENDING")
    assert [i["id"] for i in pending] == [failed_items["pending"]]

    newest = nightshift.ok("items", "list", "referrals", "--limit", "1", "--json").json()
    assert [i["id"] for i in newest] == [failed_items["pending"]]  # newest first
    table = nightshift.ok("items", "list", "referrals", "--limit", "1")
    assert "1 of 3" in table.err


def test_list_of_an_empty_queue_says_so(nightshift):
    assert nightshift.ok("items", "list", "nothing-here").out.strip() == "no items in queue 'nothing-here'"
    assert nightshift.items("nothing-here") == []


def test_show_hides_payload_values_unless_revealed(nightshift):
    nightshift.ok("items", "add", "referrals", "--payload", PAYLOAD, "--reference", "REF-0001")
    shown = nightshift.ok("items", "show", "1").out
    assert "child_name" in shown and "nhs_number" in shown
    assert "Amelia" not in shown and "9434765919" not in shown
    assert "created" in shown  # the history

    revealed = nightshift.ok("items", "show", "1", "--reveal").out
    assert "Amelia Okafor" in revealed


def test_show_gives_the_exception_and_history_of_a_failed_item(nightshift, failed_items):
    item = nightshift.ok("items", "show", str(failed_items["business"]), "--json").json()
    assert item["state"] == "failed"
    assert item["exception"] == {
        "type": "BUSINESS", "code": "INVALID_NHS_NUMBER", "message": "the case system said no",
    }
    assert [(h["from"], h["to"]) for h in item["history"]] == [(None, "pending"), ("pending", "reserved"),
                                                              ("reserved", "failed")]
    shown = nightshift.ok("items", "show", str(failed_items["business"])).out
    assert "BUSINESS" in shown and "INVALID_NHS_NUMBER" in shown and "the case system said no" in shown

    table = nightshift.ok("items", "list", "referrals").out
    assert "BUSINESS/INVALID_NHS_NUMBER" in table
    assert "APPLICATION/CASE_SYSTEM_DOWN" in table


def test_retry_puts_one_failed_item_back(nightshift, failed_items):
    result = nightshift.ok("items", "retry", str(failed_items["business"]), "--reason", "NHS number corrected")
    assert "pending" in result.out
    item = nightshift.ok("items", "show", str(failed_items["business"]), "--json").json()
    assert item["state"] == "pending"
    last = item["history"][-1]
    assert (last["from"], last["to"]) == ("failed", "pending")
    assert last["actor"].startswith("cli:")
    # The other failed item is untouched.
    assert nightshift.ok("items", "show", str(failed_items["application"]), "--json").json()["state"] == "failed"


def test_retry_all_failed_of_one_type(nightshift, failed_items):
    result = nightshift.ok("items", "retry", "--all-failed", "referrals", "--type", "application")
    assert result.out.strip() == "retried 1 failed APPLICATION item in queue 'referrals'"
    states = {i["id"]: i["state"] for i in nightshift.items("referrals")}
    assert states == {failed_items["business"]: "failed", failed_items["application"]: "pending",
                      failed_items["pending"]: "pending"}

    result = nightshift.ok("items", "retry", "--all-failed", "referrals")
    assert result.out.strip() == "retried 1 failed item in queue 'referrals'"
    assert nightshift.items("referrals", "--state", "failed") == []


def test_stats_counts_per_queue_and_state(nightshift, failed_items):
    nightshift.ok("items", "add", "bookings", "--payload", "{}")
    stats = nightshift.ok("items", "stats", "--json").json()
    assert stats["referrals"] == {"pending": 1, "reserved": 0, "done": 0, "failed": 2}
    assert stats["bookings"] == {"pending": 1, "reserved": 0, "done": 0, "failed": 0}
    table = nightshift.ok("items", "stats").out
    assert "referrals" in table and "bookings" in table


def test_text_that_looks_like_markup_prints_as_itself(nightshift):
    nightshift.ok("items", "add", "referrals", "--payload", "{}", "--reference", "[bold]REF[/bold]-[/x]")
    assert "[bold]REF[/bold]-[/x]" in nightshift.ok("items", "list", "referrals").out
    line = nightshift.bad("items", "list", "referrals", "--state", "[/x]")
    assert "[/x]" in line


def test_every_command_has_help(nightshift):
    for command in (["items"], ["items", "add"], ["items", "import"], ["items", "list"], ["items", "show"],
                    ["items", "retry"], ["items", "stats"], ["queues"], ["queues", "list"], ["queues", "show"],
                    ["queues", "set"], ["keys"], ["keys", "generate"]):
        result = nightshift.ok(*command, "--help")
        assert "Usage" in result.out, str(result)
