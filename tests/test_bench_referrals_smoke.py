"""``nightshift bench referrals`` with three referrals: it runs end to end (the robot and the floor both key
every referral, in a sandbox of its own) and its last stdout line is the JSON scripts read. A smoke
check, not a timing test: about 30 seconds, a browser and a Robot Framework run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_bench_referrals_prints_its_json_last():
    # A short temporary folder: Chromium keeps sockets in TMPDIR, and a socket path has at most
    # 107 characters (pytest's tmp_path under xdist is longer, and Chromium then aborts at start).
    tmp_path = Path(tempfile.mkdtemp(prefix="nsb-", dir="/tmp"))
    env = {k: v for k, v in os.environ.items() if k not in ("NIGHTSHIFT_HOME", "NIGHTSHIFT_KEY")}
    proc = subprocess.run([sys.executable, "-m", "nightshift", "bench", "referrals", "--referrals", "3",
                           "--manual-minutes", "5"], cwd=ROOT, capture_output=True, text=True, timeout=220,
                          env={**env, "COLUMNS": "160", "TMPDIR": str(tmp_path),
                               "NIGHTSHIFT_BENCH_TIMEOUT_MS": "60000"})  # a loaded CI machine is slow, not wrong
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.rstrip("\n").splitlines()
    out = json.loads(lines[-1])
    assert out["referrals"] == 3 and out["manual_minutes"] == 5
    for name in ("referrals_per_min", "seconds_per_referral", "floor_seconds_per_referral", "floor_ratio",
                 "robot_seconds", "floor_seconds", "process_seconds"):
        assert isinstance(out[name], (int, float)) and out[name] > 0, (name, out)
    assert out["floor_ratio"] == pytest.approx(out["seconds_per_referral"] / out["floor_seconds_per_referral"],
                                               abs=0.01)
    assert out["hours_saved"] == pytest.approx(3 * 5 / 60 - out["process_seconds"] / 3600, abs=0.01)
    assert set(out["targets"]) == {"within_1_5x_floor", "at_least_60_per_min"}
    assert out["profile"]["keywords_ms_per_referral"]["Key One Referral"] > 0
    assert any("floor" in line for line in lines[:-1]), "the table for people is missing"
    assert "the floor keyed 3" in proc.stderr  # progress goes to stderr
    assert list(tmp_path.iterdir()) == [], "the bench's temporary home should be removed"
    tmp_path.rmdir()


def test_bench_referrals_refuses_bad_input():
    proc = subprocess.run([sys.executable, "-m", "nightshift", "bench", "referrals", "--referrals", "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--referrals" in proc.stderr and proc.stdout == ""
