"""``nightshift queues`` and ``nightshift keys`` as a user runs them."""

from __future__ import annotations

import pytest


def test_set_then_show_a_queues_settings(nightshift):
    result = nightshift.ok("queues", "set", "referrals", "max_attempts=5", "lease-seconds=600")
    assert "max_attempts=5" in result.out and "lease_seconds=600" in result.out

    shown = nightshift.ok("queues", "show", "referrals", "--json").json()
    assert shown["settings"]["max_attempts"] == 5
    assert shown["settings"]["lease_seconds"] == 600
    assert shown["settings"]["backoff_seconds"] == 60  # untouched settings keep their defaults
    assert shown["counts"] == {"pending": 0, "reserved": 0, "done": 0, "failed": 0}
    assert "max_attempts" in nightshift.ok("queues", "show", "referrals").out


def test_list_queues_with_counts(nightshift):
    nightshift.ok("items", "add", "referrals", "--payload", "{}")
    nightshift.ok("items", "add", "referrals", "--payload", "{}")
    nightshift.ok("queues", "set", "bookings", "max_attempts=2")

    queues = {q["name"]: q for q in nightshift.ok("queues", "list", "--json").json()}
    assert queues["referrals"]["counts"]["pending"] == 2
    assert queues["bookings"]["settings"]["max_attempts"] == 2
    table = nightshift.ok("queues", "list").out
    assert "referrals" in table and "bookings" in table


@pytest.mark.parametrize(
    "assignment, named",
    [
        ("max_tries=5", "'max_tries'"),
        ("max_attempts=five", "'max_attempts'"),
        ("max_attempts=0", "'max_attempts'"),
        ("lease_seconds=-1", "'lease_seconds'"),
        ("backoff_factor=nan", "'backoff_factor'"),
        ("max_attempts", "'max_attempts'"),
        ("max_attempts=", "'max_attempts'"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(nightshift, assignment, named):
    line = nightshift.bad("queues", "set", "referrals", "lease_seconds=900", assignment)
    assert named in line
    assert nightshift.ok("queues", "show", "referrals", "--json").json()["settings"]["lease_seconds"] == 300


def test_generate_key_prints_only_the_key_and_how_to_use_it(nightshift):
    from cryptography.fernet import Fernet

    first = nightshift.ok("keys", "generate")
    key = first.out.strip()
    assert first.out.count("\n") == 1
    Fernet(key.encode())  # a usable key
    assert f"export NIGHTSHIFT_KEY={key}" in first.err
    assert nightshift.ok("keys", "generate").out.strip() != key

    # The new key works for a fresh database.
    other = {"NIGHTSHIFT_KEY": key, "NIGHTSHIFT_DB": f"sqlite:///{nightshift.home / 'other.db'}"}
    nightshift.ok("items", "add", "referrals", "--payload", '{"a": 1}', env=other)
    assert nightshift.ok("items", "list", "referrals", "--json", env=other).json()[0]["payload"] == {"a": 1}
