"""Bad input to the ``items`` commands: exit code 2, one line naming the input, nothing written."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "payload, expected",
    [
        ('{"child_name": "Amelia Okafor",}', "column 32"),
        ("{'child_name': 'Amelia'}", "column 2"),
        ('{"score": NaN}', "NaN"),
        ("", "column 1"),
    ],
)
def test_invalid_payload_names_the_option_and_position(nightshift, payload, expected):
    line = nightshift.bad("items", "add", "referrals", "--payload", payload)
    assert "--payload" in line and "not valid JSON" in line and expected in line
    assert "Amelia" not in line
    assert nightshift.items("referrals") == []


def test_a_missing_file_is_refused_before_anything_is_written(nightshift, tmp_path):
    present = tmp_path / "form.pdf"
    present.write_bytes(b"%PDF")
    line = nightshift.bad("items", "add", "referrals", "--payload", "{}",
                          "--file", str(present), "--file", str(tmp_path / "missing.pdf"))
    assert "--file" in line and "missing.pdf" in line and "does not exist" in line
    assert not (nightshift.home / "nightshift.db").exists()  # the store was not even opened


def test_a_file_over_the_limit_is_refused(nightshift, tmp_path):
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"x" * 2048)
    line = nightshift.bad("items", "add", "referrals", "--payload", "{}", "--file", str(big),
                          env={"NIGHTSHIFT_MAX_FILE_BYTES": "1024"})
    assert "scan.pdf" in line and "2,048 bytes" in line and "1,024" in line
    assert nightshift.items("referrals") == []


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--not-before", "next tuesday"], "--not-before 'next tuesday'"),
        (["--priority", "99999999999"], "--priority 99999999999"),
        (["--reference", "  "], "--reference"),
    ],
)
def test_bad_options_of_add(nightshift, args, expected):
    line = nightshift.bad("items", "add", "referrals", "--payload", "{}", *args)
    assert expected in line
    assert nightshift.items("referrals") == []


@pytest.mark.parametrize(
    "args, expected",
    [
        (["items", "show", "999"], "999"),
        (["items", "show", "12a"], "'12a'"),
        (["items", "retry", "999"], "999"),
        (["items", "list", "referrals", "--state", "finished"], "--state 'finished'"),
        (["items", "list", "referrals", "--limit", "0"], "--limit"),
        (["items", "retry"], "--all-failed"),
        (["items", "retry", "1", "--all-failed", "referrals"], "--all-failed"),
        (["items", "retry", "--all-failed", "referrals", "--type", "SYSTEM"], "--type 'SYSTEM'"),
    ],
)
def test_unknown_ids_and_states(nightshift, args, expected):
    assert expected in nightshift.bad(*args)


def test_retrying_an_item_that_has_not_failed(nightshift):
    nightshift.ok("items", "add", "referrals", "--payload", "{}")
    line = nightshift.bad("items", "retry", "1")
    assert "1" in line
    assert nightshift.items("referrals")[0]["state"] == "pending"


def test_a_wrong_key_is_named(nightshift):
    from workitems.crypto import generate_key

    nightshift.ok("items", "add", "referrals", "--payload", '{"child_name": "Amelia Okafor"}')
    wrong = {"NIGHTSHIFT_KEY": generate_key()}
    for args in (["items", "list", "referrals", "--json"], ["items", "show", "1"],
                 ["items", "add", "referrals", "--payload", "{}"]):
        line = nightshift.bad(*args, env=wrong)
        assert "NIGHTSHIFT_KEY" in line
    assert len(nightshift.items("referrals")) == 1  # nothing was added with the wrong key


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgresql://nightshift@127.0.0.1:9/nightshift", "127.0.0.1"),
        ("mysql://nightshift@localhost/nightshift", "mysql"),
        ("not a url", "not a url"),
    ],
)
def test_an_unreachable_or_unknown_database_is_named(nightshift, url, expected):
    line = nightshift.bad("items", "add", "referrals", "--payload", "{}", env={"NIGHTSHIFT_DB": url})
    assert expected in line


def test_a_sqlite_path_that_cannot_be_created(nightshift, tmp_path):
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker}/nightshift.db"
    line = nightshift.bad("items", "stats", env={"NIGHTSHIFT_DB": url})
    assert "plain-file" in line


@pytest.mark.parametrize(
    "args, named",
    [
        (["items", "add", "referrals", "--priority", "high"], "--priority"),
        (["items", "list", "referrals", "--limit", "many"], "--limit"),
        (["items", "list"], "QUEUE"),
        (["items", "add", "referrals", "--colour", "red"], "--colour"),
    ],
)
def test_usage_errors_exit_2_and_name_the_input(nightshift, args, named):
    assert named.lower() in nightshift.bad(*args).lower()
