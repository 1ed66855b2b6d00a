"""``nightshift bench reconcile`` at a small size: a table, then one JSON line with its fields."""

from __future__ import annotations

import json
import subprocess
import sys


def test_bench_reconcile_prints_its_json_line_last() -> None:
    run = subprocess.run([sys.executable, "-m", "nightshift", "bench", "reconcile", "--rows", "3000", "--rounds", "1"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert {"rows", "reconcile_s", "bare_merge_s", "ratio"} <= set(out)
    assert out["rows"] == 3000 and out["correct"] is True
    assert "nightshift bench reconcile" in run.stdout
