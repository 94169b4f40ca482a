"""`tandem eval copilot`: its last line is one JSON object with the agreed keys, and the
frozen set meets the issue's targets."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tandem.cli import app

KEYS = {
    "summary_fact_coverage",
    "invented_facts",
    "wrapup_top1",
    "wrapup_top3",
    "sentiment_macro_f1",
    "sentiment_holdout_macro_f1",
    "by_style",
    "n",
}


def test_the_last_line_is_the_json_contract() -> None:
    result = CliRunner().invoke(app, ["eval", "copilot"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert KEYS <= set(out)
    assert out["n"] >= 40 and out["invented_facts"] == 0
    assert out["summary_fact_coverage"] >= 0.8 and out["wrapup_top3"] >= 0.9
    assert set(out["by_style"]) >= {"vi", "vi_plain", "chat", "en"}
    for figures in out["by_style"].values():
        assert {"n", "summary_fact_coverage", "invented_facts", "wrapup_top3"} <= set(figures)
    sentiment = out["sentiment_macro_f1"]
    assert sentiment is None or 0.0 <= sentiment <= 1.0
    # The scorer the hub uses (lexicon plus learned model), on the frozen test set and on
    # the holdout written before the model: the target is 0.8 on unseen text.
    assert out["sentiment_n"] >= 200 and out["sentiment_holdout_n"] >= 160
    assert out["sentiment_macro_f1"] >= 0.8 and out["sentiment_holdout_macro_f1"] >= 0.8


def test_a_bad_split_is_refused() -> None:
    result = CliRunner().invoke(app, ["eval", "copilot", "--split", "train"])
    assert result.exit_code != 0
