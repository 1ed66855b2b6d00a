"""``nightshift bench workitems`` with tiny sizes: it runs end to end and its last
stdout line is the JSON scripts read. A smoke check, not a timing test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("NIGHTSHIFT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
NIGHTSHIFT = [sys.executable, "-c", "from nightshift.cli import main; main()"]


def run_bench(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NIGHTSHIFT, "bench", "workitems", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def pg_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - the bench then reports PostgreSQL as unreachable
        return False


@pytest.mark.slow
def test_bench_workitems_prints_its_json_last():
    pg = pg_reachable()
    proc = run_bench("--items", "200", "--robot-items", "50", "--pg-url", PG_URL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.rstrip("\n").splitlines()
    out = json.loads(lines[-1])
    assert out["items"] == 200
    fields = ["store_items_per_s", "raw_sqlite_items_per_s", "robot_items_per_s", "fileadapter_items_per_s",
              "store_vs_raw", "robot_items_per_s_50", "fileadapter_items_per_s_50", "robot_vs_fileadapter_50"]
    if pg:
        fields += ["pg_items_per_s_1", "pg_items_per_s_4"]
    else:
        assert out["pg"].startswith("unreachable") and "pg_items_per_s_1" not in out
    for name in fields:
        assert isinstance(out[name], (int, float)) and out[name] > 0, (name, out)
    assert "store_at_least_half_raw" in out["targets"]
    assert any("raw sqlite3" in line for line in lines[:-1]), "the table for people is missing"


def test_bench_workitems_json_only_prints_one_line():
    proc = run_bench("--items", "100", "--robot-items", "20", "--no-pg", "--json-only")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (line,) = proc.stdout.splitlines()
    assert json.loads(line)["pg"] == "skipped (--no-pg)"


def test_bench_workitems_bad_input_exits_2():
    proc = run_bench("--robot-items", "lots")
    assert proc.returncode == 2
    assert "--robot-items" in proc.stderr and proc.stdout == ""
