"""``nightshift bench chatbot`` on a tiny knowledge base: it scores the questions and prints its
JSON line last. A smoke check, not a measure."""

from __future__ import annotations

import json

from test_chatbot_library import write_kb  # pytest puts this folder on sys.path (rootdir-less tests)
from typer.testing import CliRunner

from nightshift.cli import _register, app

_register()


def test_bench_chatbot_prints_the_scores_and_its_json_last(tmp_path):
    kb = write_kb(tmp_path / "kb")
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(row) for row in [
        {"q": "can my son get a taxi to school", "expect": "send-transport"},
        {"q": "how long is the autism waiting list", "expect": "autism-assessment"},
        {"q": "summer holiday play scheme", "expect": "holiday-activities"},
        {"q": "how do I renew my passport", "expect": None},
    ]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["bench", "chatbot", "--kb", str(kb), "--questions", str(questions)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.rstrip("\n").splitlines()[-1])
    assert (out["top1"], out["top3"], out["answered"], out["declined"]) == (1.0, 1.0, 1.0, 1.0)
    assert 0 < out["ms_per_answer"] < 50
    assert out["halves"]["odd"]["answerable"] == 2 and "baseline" in out
    assert "top-1" in result.stdout


def test_bench_chatbot_names_an_unknown_expected_page(tmp_path):
    kb = write_kb(tmp_path / "kb")
    questions = tmp_path / "questions.jsonl"
    questions.write_text('{"q": "anything", "expect": "no-such-page"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["bench", "chatbot", "--kb", str(kb), "--questions", str(questions)])
    assert result.exit_code == 1
    assert "no-such-page" in result.output
