"""``nightshift bench scheduler`` with one round: a schedule fires, a worker runs the robot, the bare robot
starts, and the last stdout line is the JSON scripts read. A smoke check, not a timing test: about five
seconds (three Robot Framework runs and a wait of up to two for the schedule's first fire)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_bench(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nightshift", "bench", "scheduler", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.timeout(180)
def test_bench_scheduler_prints_its_json_last(tmp_path):
    user_home = tmp_path / "user-home"  # the user's data: the bench must not write there
    bench_tmp = tmp_path / "tmp"
    bench_tmp.mkdir()
    env = {**os.environ, "NIGHTSHIFT_HOME": str(user_home), "COLUMNS": "160", "TMPDIR": str(bench_tmp)}
    proc = run_bench("--rounds", "1", "--every", "2", env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.rstrip("\n").splitlines()
    out = json.loads(lines[-1])
    for name in ("fire_to_first_keyword_s", "bare_robot_start_s", "ratio"):
        assert isinstance(out[name], (int, float)) and out[name] > 0, (name, out)
    assert out["ratio"] == pytest.approx(out["fire_to_first_keyword_s"] / out["bare_robot_start_s"], abs=0.01)
    assert out["rounds"] == 1 and out["every_s"] == 2
    assert out["fire_to_first_keyword_s"] >= out["parts"]["robot_popen_to_first_keyword_s"] > 0
    assert any("bare" in line for line in lines[:-1]), "the table for people is missing"
    assert "1 scheduled run(s) timed" in proc.stderr  # progress goes to stderr
    assert not user_home.exists(), "the bench wrote into the user's NIGHTSHIFT_HOME"
    assert list(bench_tmp.iterdir()) == [], "the bench's temporary folder should be removed"


@pytest.mark.parametrize("args", [["--every", "7"], ["--rounds", "0"]])
def test_bench_scheduler_refuses_bad_input(args):
    proc = run_bench(*args, timeout=60)
    assert proc.returncode == 2 and args[0] in proc.stderr and proc.stdout == ""
