"""``nightshift bench chatbot``: the chatbot's answers against a question file with the expected pages.

The question file is JSON lines, ``{"q": "...", "expect": "send-transport"}`` (the page's
file name without extension) or ``"expect": null`` for a question the knowledge base does
not answer. Each question goes through ``Ask Chatbot`` (the keyword's Python method, with
its freshness check), and is scored:

* ``top1``, ``top3``  the expected page is the first, or among the first three, pages ranked,
  over the answerable questions (whether or not the chatbot then answered);
* ``answered``        the share of answerable questions answered (not declined);
* ``answered_right``  the share of answerable questions answered from the expected page;
* ``declined``        the share of unanswerable questions declined;
* ``ms_per_answer``   mean wall time of one ``Ask Chatbot`` call (also median and slowest).

The same figures are given for two halves of the file (questions 1, 3, 5, ... and 2, 4, 6,
...), so that a change tuned on one half can be checked on the other. The baseline, measured
in the same run, is BM25 alone: no misspelling correction, no thesaurus. Targets (issue 10):
top-1 ≥ 0.80, top-3 ≥ 0.95, answered ≥ 0.90, declined ≥ 0.80, under 50 ms an answer.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

TARGETS = {"top1": 0.80, "top3": 0.95, "answered": 0.90, "declined": 0.80}
TARGET_MS = 50.0
DEFAULT_KB = Path("/work/shared/local-offer")
DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2] / "tests" / "data" / "chatbot-questions.jsonl"


class BenchError(Exception):
    """The knowledge base or the question file cannot be used."""


def read_questions(path: Path) -> list[dict[str, Any]]:
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BenchError(f"cannot read the question file {path}: {exc.strerror}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            q, expect = row["q"], row["expect"]
        except (ValueError, KeyError, TypeError):
            raise BenchError(f"{path}, line {n}: not a JSON object with \"q\" and \"expect\"") from None
        if not isinstance(q, str) or not (expect is None or isinstance(expect, str)):
            raise BenchError(f"{path}, line {n}: \"q\" must be text, \"expect\" a page name or null")
        questions.append({"q": q, "expect": expect})
    if not questions:
        raise BenchError(f"{path}: no questions")
    return questions


def score(results: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in results if r["expect"] is not None]
    unanswerable = [r for r in results if r["expect"] is None]

    def share(rows: list, ok) -> float | None:
        return round(sum(1 for r in rows if ok(r)) / len(rows), 3) if rows else None

    return {
        "questions": len(results), "answerable": len(answerable), "unanswerable": len(unanswerable),
        "top1": share(answerable, lambda r: r["ranked"][:1] == [r["expect"]]),
        "top3": share(answerable, lambda r: r["expect"] in r["ranked"][:3]),
        "answered": share(answerable, lambda r: r["answered"]),
        "answered_right": share(answerable, lambda r: r["answered"] and r["page"] == r["expect"]),
        "declined": share(unanswerable, lambda r: not r["answered"]),
    }


def ask_all(library: Any, questions: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[float]]:
    results, times = [], []
    for item in questions:
        started = time.perf_counter()
        answer = library.ask_chatbot(item["q"])
        times.append((time.perf_counter() - started) * 1000)
        results.append({**item, "answered": answer["answered"], "page": answer["page"],
                        "ranked": [c["page"] for c in answer["candidates"]]})
    return results, times


def run(kb: Path = DEFAULT_KB, questions: Path | None = None, threshold: float | None = None,
        baseline: bool = True, step: Any = None) -> dict[str, Any]:
    from keywords.chatbot import DEFAULT_THRESHOLD, Chatbot, KnowledgeBaseError

    say = step or (lambda text: None)
    questions = DEFAULT_QUESTIONS if questions is None else questions
    rows = read_questions(Path(questions))
    unknown = sorted({r["expect"] for r in rows if r["expect"]} - _page_names(Path(kb)))
    if unknown:
        raise BenchError(f"{questions}: expected pages not in {kb}: {', '.join(unknown)}")
    library = Chatbot(threshold=DEFAULT_THRESHOLD if threshold is None else threshold)
    say(f"loading {kb}")
    started = time.perf_counter()
    try:
        pages = library.load_knowledge_base(Path(kb))
    except KnowledgeBaseError as exc:
        raise BenchError(str(exc)) from None
    load_ms = (time.perf_counter() - started) * 1000
    say(f"asking {len(rows)} questions")
    library.ask_chatbot("warm up")  # the first call fills the stemmer's and matcher's caches
    results, times = ask_all(library, rows)
    out: dict[str, Any] = {"kb": str(kb), "pages": pages, "questions_file": str(questions),
                           "threshold": library.ctx.threshold, "load_ms": round(load_ms, 1)}
    out.update(score(results))
    out["ms_per_answer"] = round(statistics.fmean(times), 2)
    out["ms_median"] = round(statistics.median(times), 2)
    out["ms_max"] = round(max(times), 2)
    out["halves"] = {"odd": score(results[0::2]), "even": score(results[1::2])}
    if baseline:
        say("baseline: BM25 alone, no misspelling correction, no thesaurus")
        out["baseline"] = _baseline(library, rows)
    out["misses"] = [{"q": r["q"], "expect": r["expect"], "ranked": r["ranked"], "answered": r["answered"]}
                     for r in results if (r["expect"] is None) == r["answered"]
                     or (r["expect"] is not None and r["ranked"][:1] != [r["expect"]])]
    out["targets"] = {**{f"{k}_at_least_{v:g}": (out[k] or 0) >= v for k, v in TARGETS.items()},
                      f"under_{TARGET_MS:g}_ms": out["ms_per_answer"] < TARGET_MS}
    return out


def _page_names(kb: Path) -> set[str]:
    from keywords.chatbot.pages import page_files

    try:
        return {p.stem for p in page_files(kb)}
    except OSError as exc:
        raise BenchError(f"cannot read the knowledge base {kb}: {exc.strerror}") from None


def _baseline(library: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The same knowledge base with the analyser's extras switched off."""
    kb = library.ctx.kb
    analyzer = kb.analyzer
    saved = analyzer.groups, analyzer.correct
    analyzer.groups, analyzer.correct = [], lambda word: None
    try:
        results, times = ask_all(library, rows)
    finally:
        analyzer.groups, analyzer.correct = saved
    return {**score(results), "ms_per_answer": round(statistics.fmean(times), 2)}
