"""``nightshift bench portal --items 2000``: the store is filled, the pages answer, and the last stdout
line is the JSON scripts read. A smoke check, not a timing test (a few seconds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(180)
def test_bench_portal_prints_its_json_last(tmp_path):
    user_home = tmp_path / "user-home"  # the user's data: the bench must not write there
    bench_tmp = tmp_path / "tmp"
    bench_tmp.mkdir()
    env = {**os.environ, "NIGHTSHIFT_HOME": str(user_home), "COLUMNS": "160", "TMPDIR": str(bench_tmp)}
    proc = subprocess.run([sys.executable, "-m", "nightshift", "bench", "portal", "--items", "2000"], cwd=ROOT,
                          capture_output=True, text=True, timeout=150, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.rstrip("\n").splitlines()
    out = json.loads(lines[-1])
    assert out["items"] == 2000
    for name in ("queue_page_ms_median", "queue_page_failed_ms_median", "item_page_ms_median",
                 "bare_select_ms_median", "queue_page_ratio"):
        assert isinstance(out[name], (int, float)) and out[name] > 0, (name, out)
    assert sum(out["counts"].values()) == 2000 and out["counts"]["failed"] == 2000 // 20 + 1
    assert any("bare SELECT" in line for line in lines[:-1]), "the table for people is missing"
    assert "filling one queue with 2,000 items" in proc.stderr  # progress goes to stderr
    assert not user_home.exists(), "the bench wrote into the user's NIGHTSHIFT_HOME"
    assert list(bench_tmp.iterdir()) == [], "the bench's temporary folder should be removed"
