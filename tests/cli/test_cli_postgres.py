"""The same commands against PostgreSQL (NIGHTSHIFT_TEST_PG): the CLI does not care which store."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.postgres


def test_add_import_list_retry_on_postgresql(nightshift, pg_url, tmp_path, monkeypatch):
    from workitems.model import ExceptionType

    env = {"NIGHTSHIFT_DB": pg_url}
    monkeypatch.setenv("NIGHTSHIFT_DB", pg_url)  # for nightshift.store() below
    nightshift.ok("items", "add", "referrals", "--payload", '{"child_name": "Amelia Okafor"}', "--reference", "R-1",
                  env=env)
    source = tmp_path / "referrals.jsonl"
    source.write_text("\n".join(json.dumps({"reference": f"R-{n}", "n": n}) for n in range(1, 4)) + "\n")
    result = nightshift.ok("items", "import", "referrals", str(source), env=env)
    assert "2 created" in result.out and "1 already present" in result.out

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"reference": "R-9"}\n{"reference": "R-10", "priority": "top"}\n')
    assert "row 2" in nightshift.bad("items", "import", "referrals", str(bad), env=env)

    items = nightshift.ok("items", "list", "referrals", "--json", env=env).json()
    assert sorted(i["reference"] for i in items) == ["R-1", "R-2", "R-3"]
    assert "Amelia" not in nightshift.ok("items", "list", "referrals", env=env).out

    with nightshift.store() as store:
        item = store.claim("referrals", "test-worker")
        store.fail(item.id, "test-worker", ExceptionType.BUSINESS, "INVALID", "bad input")
    assert "retried 1 failed item" in nightshift.ok("items", "retry", "--all-failed", "referrals", env=env).out
    assert nightshift.ok("items", "stats", "--json", env=env).json()["referrals"]["pending"] == 3
